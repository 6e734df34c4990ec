"""Writing an output file (a report, an export) atomically.

The text goes to a temporary file in the same folder, whose name starts with '.', is flushed and
synced, then renamed over the target: a reader (or a crash) sees the old file or the new one, never
half of one. Two writers of the same file cannot mix their bytes either: each has its own
temporary file, and the last rename wins.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from pledgetrack.errors import PledgetrackError


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    write_chunks_atomic(path, (text,))


def write_chunks_atomic(path: str | os.PathLike[str], chunks: Iterable[str]) -> None:
    """Write the text as it comes (a large export is never whole in memory); the target is
    replaced only once every chunk is written and synced."""
    target = Path(path)
    folder = target.parent
    if target.is_dir():
        raise PledgetrackError(f"cannot write {target}: it is a folder")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise PledgetrackError(f"cannot write {target}: {exc.strerror}") from None
    try:
        # mkstemp creates the file private (0600); give it the mode a plain open() would.
        umask = os.umask(0)
        os.umask(umask)
        mode = (os.stat(target).st_mode & 0o7777) if target.exists() else 0o666 & ~umask
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            for chunk in chunks:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise PledgetrackError(f"cannot write {target}: {exc.strerror}") from None
        raise
    # The rename itself is durable once the folder is synced (not possible everywhere).
    with contextlib.suppress(OSError):
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
