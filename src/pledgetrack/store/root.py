"""Finding the data root: the folder holding ``pledges/`` and, optionally, ``pledgetrack.yaml``."""

from __future__ import annotations

import os
from pathlib import Path

from pledgetrack.errors import PledgetrackError

PLEDGES_DIR = "pledges"
CONFIG_FILE = "pledgetrack.yaml"
ENV_DIR = "PLEDGETRACK_DIR"


def find_root(explicit: str | os.PathLike[str] | None = None, start: Path | None = None) -> Path:
    """The data root: ``explicit`` (or ``$PLEDGETRACK_DIR``), else the nearest folder at or above
    ``start`` (the current folder) that has a ``pledges/`` folder, as git finds ``.git``.

    ``explicit`` may name the data root or the ``pledges/`` folder itself.
    """
    given = explicit if explicit not in (None, "") else os.environ.get(ENV_DIR) or None
    if given is not None:
        path = Path(given).expanduser()
        if (path / PLEDGES_DIR).is_dir():
            return path
        if path.name == PLEDGES_DIR and path.is_dir():
            return path.parent
        if not path.exists():
            raise PledgetrackError(f"data folder '{given}' does not exist")
        raise PledgetrackError(
            f"no '{PLEDGES_DIR}/' folder in '{given}'; run 'pledgetrack init {given}' to create one"
        )
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / PLEDGES_DIR).is_dir():
            return folder
    raise PledgetrackError(
        f"no '{PLEDGES_DIR}/' folder here or in any parent folder; "
        f"pass --dir PATH, set {ENV_DIR}, or run 'pledgetrack init'"
    )


def pledge_files(root: Path) -> list[Path]:
    """The pledge files under ``root/pledges``, sorted by name. Hidden files (temporary files of
    an interrupted write start with '.') are never pledges. Symbolic links are listed (the
    loader reports them as problems without following them), so none is silently skipped."""
    folder = root / PLEDGES_DIR
    try:
        entries = list(os.scandir(folder))
    except OSError as exc:
        raise PledgetrackError(f"cannot read {folder}: {exc.strerror}") from None
    files = [
        Path(e.path) for e in entries
        if e.name.endswith(".yaml") and not e.name.startswith(".")
        and (e.is_symlink() or e.is_file())
    ]
    files.sort(key=lambda p: p.name)
    return files


def relative(root: Path, path: Path) -> str:
    """``path`` relative to the data root, with forward slashes and no leading './'."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
