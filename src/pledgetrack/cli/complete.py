"""Shell completion of pledge ids, statuses and domains (`--install-completion` sets it up).

Completion runs on every <TAB>, so it must never fail loudly: any problem yields no candidates.
"""

from __future__ import annotations

from pathlib import Path


def _root() -> Path | None:
    try:
        from pledgetrack.store.root import find_root

        return find_root(None)
    except Exception:
        return None


def pledge_ids(incomplete: str) -> list[str]:
    """Ids of the pledge files in the data folder (from file names: nothing is parsed)."""
    root = _root()
    if root is None:
        return []
    from pledgetrack.store.root import pledge_files

    try:
        ids = [p.stem for p in pledge_files(root)]
    except Exception:
        return []
    return [i for i in ids if i.startswith(incomplete)]


def statuses(incomplete: str) -> list[str]:
    from pledgetrack.model.vocabulary import DEFAULT_VOCABULARY

    vocabulary = DEFAULT_VOCABULARY
    root = _root()
    if root is not None:
        try:
            from pledgetrack.store.configfile import load_config

            vocabulary = load_config(root).vocabulary
        except Exception:
            pass
    return [n for n in vocabulary.names if n.startswith(incomplete)]


def filter_statuses(incomplete: str) -> list[str]:
    """The statuses a filter accepts: the vocabulary's and the derived ``mixed``."""
    from pledgetrack.model.joint import MIXED

    return [*statuses(incomplete), *([MIXED] if MIXED.startswith(incomplete) else [])]


def domains(incomplete: str) -> list[str]:
    root = _root()
    if root is None:
        return []
    try:
        from pledgetrack.store.configfile import load_config

        names = list(load_config(root).domains)
    except Exception:
        return []
    return [n for n in names if n.startswith(incomplete)]


def revisions(incomplete: str) -> list[str]:
    """Branches, remote branches and tags, for `diff`; after 'A...' or 'A..', the other side."""
    import subprocess

    head, sep, rest = "", "", incomplete
    for separator in ("...", ".."):
        if separator in incomplete:
            head, sep, rest = incomplete.partition(separator)
            break
    try:
        listed = subprocess.run(
            ["git", "for-each-ref", "--format=%(refname:short)",
             "refs/heads", "refs/remotes", "refs/tags"],
            capture_output=True, text=True, check=False, timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return []
    if listed.returncode != 0:
        return []
    names = ["HEAD", *listed.stdout.split()]
    return [head + sep + n for n in names if n.startswith(rest)]
