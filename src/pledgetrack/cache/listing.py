"""The pledge files of a data root as they stand: names, times and sizes, from one pass over
``pledges/``. The loader keys its cache on this listing.

A file's *time* is the later of its modification time and its status-change time (ns): every
write, `chmod`, rename or `touch -d` moves the latter, so an edit that keeps the size and sets the
modification time back still shows."""

from __future__ import annotations

import contextlib
import os
import stat

TYPE_CHECKING = False
if TYPE_CHECKING:  # not at run time: this module must stay light
    from collections.abc import Iterator

# (path relative to the data root, absolute path, time in ns, size); SYMLINK in both numbers for
# a symbolic link (reported, never followed, never cached).
Listed = tuple[str, str, int, int]
SYMLINK = -2
# A light copy of store.root.PLEDGES_DIR (tests/cli/test_startup.py ties the two).
PLEDGES_DIR = "pledges"


def file_time(st: os.stat_result) -> int:
    """A file's time, as the caches compare it (see the module doc)."""
    return max(st.st_mtime_ns, st.st_ctime_ns)


def scan(root: str) -> list[Listed]:
    """The listing of ``root/pledges``, sorted: files named ``*.yaml`` that are not hidden
    (temporary files of interrupted writes start with '.'), regular files and links only.
    Raises OSError when the folder cannot be read."""
    folder = os.path.join(root, PLEDGES_DIR)
    prefix = PLEDGES_DIR + "/"
    listing: list[Listed] = []
    for name, path, st in _entries(folder):
        if stat.S_ISREG(st.st_mode):
            listing.append((prefix + name, path, file_time(st), st.st_size))
        elif stat.S_ISLNK(st.st_mode):
            listing.append((prefix + name, path, SYMLINK, SYMLINK))
    listing.sort()
    return listing


def _entries(folder: str) -> Iterator[tuple[str, str, os.stat_result]]:
    """Each candidate entry of ``folder`` (``*.yaml``, not hidden) with its path and lstat;
    entries removed since the folder was read are left out."""
    if os.stat not in os.supports_dir_fd or os.listdir not in os.supports_fd:  # Windows
        with os.scandir(folder) as found:
            for e in found:
                if e.name.endswith(".yaml") and not e.name.startswith("."):
                    with contextlib.suppress(OSError):
                        yield e.name, e.path, e.stat(follow_symlinks=False)
        return
    # Names relative to an open folder: one lookup per file instead of a whole path each.
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        for name in os.listdir(fd):
            if name.endswith(".yaml") and not name.startswith("."):
                with contextlib.suppress(OSError):
                    yield name, os.path.join(folder, name), os.stat(
                        name, dir_fd=fd, follow_symlinks=False)
    finally:
        os.close(fd)


def signature(listing: list[Listed]) -> bytes:
    """A digest of a listing's names, times and sizes."""
    import marshal

    from pledgetrack.cache.folder import digest

    return digest(marshal.dumps([(rel, time, size) for rel, _, time, size in listing]))
