"""Shell completion of pledge ids, statuses and domains (`--install-completion` sets it up).

Completion runs on every <TAB>, so it must never fail loudly: any problem yields no candidates.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pledgetrack.store.workspace import Workspace


def _workspace() -> Workspace | None:
    """The workspace of the current folder, or None when there is none."""
    try:
        from pledgetrack.store.workspace import Workspace

        workspace = Workspace(None)
        workspace.root  # noqa: B018 - finds the data root, or fails here
        return workspace
    except Exception:
        return None


def pledge_ids(incomplete: str) -> list[str]:
    """Ids of the pledge files in the data folder (from file names: nothing is parsed)."""
    workspace = _workspace()
    if workspace is None:
        return []
    from pledgetrack.store.root import pledge_files

    try:
        ids = [p.stem for p in pledge_files(workspace.root)]
    except Exception:
        return []
    return [i for i in ids if i.startswith(incomplete)]


def statuses(incomplete: str) -> list[str]:
    from pledgetrack.model.vocabulary import DEFAULT_VOCABULARY

    workspace = _workspace()
    try:
        vocabulary = DEFAULT_VOCABULARY if workspace is None else workspace.config.vocabulary
    except Exception:
        vocabulary = DEFAULT_VOCABULARY
    return [n for n in vocabulary.names if n.startswith(incomplete)]


def filter_statuses(incomplete: str) -> list[str]:
    """The statuses a filter accepts: the vocabulary's and the derived ``mixed``."""
    from pledgetrack.model.joint import MIXED

    return [*statuses(incomplete), *([MIXED] if MIXED.startswith(incomplete) else [])]


def domains(incomplete: str) -> list[str]:
    workspace = _workspace()
    if workspace is None:
        return []
    try:
        names = list(workspace.config.domains)
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
