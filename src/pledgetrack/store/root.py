"""Finding the data root: the folder holding ``pledges/`` and, optionally, ``pledgetrack.yaml``."""

from __future__ import annotations

import os
from pathlib import Path

from pledgetrack.errors import EXIT_FINDINGS, PledgetrackError

PLEDGES_DIR = "pledges"
CONFIG_FILE = "pledgetrack.yaml"
ENV_DIR = "PLEDGETRACK_DIR"


def find_root(explicit: str | os.PathLike[str] | None = None, start: Path | None = None) -> Path:
    """The data root: ``explicit`` (or ``$PLEDGETRACK_DIR``), else the nearest folder at or above
    ``start`` (the current folder) that has a ``pledges/`` folder, as git finds ``.git``.

    ``explicit`` may name the data root or the ``pledges/`` folder itself.
    """
    root = _find_root(explicit, start)
    refuse_linked_data(root)
    return root


def refuse_linked_data(root: Path) -> None:
    """Inside a git repository, ``pledges/`` or ``pledgetrack.yaml`` as a symbolic link is
    refused, as linked pledge files are: a link committed in a pull request could point at any
    folder of the machine that runs ``check`` in CI (its files would reach the log) or that runs
    ``import --update`` (files would be written there). Data kept elsewhere is named by --dir."""
    for name in (PLEDGES_DIR, CONFIG_FILE):
        if (root / name).is_symlink() and in_git_repository(root):
            shown = f"{name}/" if name == PLEDGES_DIR else name
            raise PledgetrackError(
                f"{shown} is a symbolic link inside a git repository; pledgetrack never follows "
                "a linked data folder or configuration there (a committed link could point "
                "anywhere); to keep the data elsewhere, name its folder with --dir PATH",
                EXIT_FINDINGS,
            )


def in_git_repository(folder: Path) -> bool:
    """Whether ``folder`` or a parent holds ``.git`` (a folder, or a file in a worktree)."""
    folder = folder.absolute()
    return any(os.path.lexists(f / ".git") for f in (folder, *folder.parents))


def _find_root(explicit: str | os.PathLike[str] | None, start: Path | None) -> Path:
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
