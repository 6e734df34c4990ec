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
