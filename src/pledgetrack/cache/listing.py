"""The pledge files of a data root as they stand: names, times and sizes, from one pass over
``pledges/`` (or the files a caller names). The records cache keys its entries on this listing.

A file's *time* is the later of its modification time and its status-change time (ns): every
write, `chmod`, rename or `touch -d` moves the latter, so an edit that keeps the size and sets the
modification time back still shows."""

from __future__ import annotations

import contextlib
import os
import stat

from pledgetrack.store.root import PLEDGES_DIR, relative

TYPE_CHECKING = False
if TYPE_CHECKING:  # not at run time: this module must stay light
    from collections.abc import Iterable, Iterator
    from pathlib import Path

# (path relative to the data root, absolute path, time in ns, size, identity); SYMLINK in time and
# size for a symbolic link (reported, never followed, never cached); -1 in both when stat failed (a
# file named by the caller). The identity is the file's device and inode in one number, as git's
# index keeps them: a file replaced by a copy written in the same clock tick, with the same size,
# is a different file.
Listed = tuple[str, str, int, int, int]
SYMLINK = -2


def file_time(st: os.stat_result) -> int:
    """A file's time, as the caches compare it (see the module doc)."""
    return max(st.st_mtime_ns, st.st_ctime_ns)


def identity(st: os.stat_result) -> int:
    """A file's device and inode, in one number."""
    return st.st_dev << 64 | st.st_ino


def scan(root: str) -> list[Listed]:
    """The listing of ``root/pledges``, sorted: files named ``*.yaml`` that are not hidden
    (temporary files of interrupted writes start with '.'), regular files and links only.
    Raises OSError when the folder cannot be read."""
    folder = os.path.join(root, PLEDGES_DIR)
    prefix = PLEDGES_DIR + "/"
    listing: list[Listed] = []
    regular, link = stat.S_ISREG, stat.S_ISLNK
    for name, path, st in _entries(folder):
        mode = st.st_mode
        if regular(mode):
            mtime, ctime = st.st_mtime_ns, st.st_ctime_ns
            listing.append((prefix + name, path, mtime if mtime > ctime else ctime, st.st_size,
                            st.st_dev << 64 | st.st_ino))
        elif link(mode):
            listing.append((prefix + name, path, SYMLINK, SYMLINK, 0))
    listing.sort()
    return listing


def _mark(path: str | Path) -> tuple[int, int, int]:
    """What the key holds of a file's state: time, size and identity; a link is marked as one,
    a file that cannot be read as missing."""
    try:
        st = os.lstat(path)
    except OSError:
        return (-1, -1, 0)
    if stat.S_ISLNK(st.st_mode):
        return (SYMLINK, SYMLINK, 0)
    return (file_time(st), st.st_size, identity(st))


def of_files(root: Path, files: Iterable[Path]) -> list[Listed]:
    """The listing of the files named, in the order given."""
    listing: list[Listed] = []
    for path in files:
        listing.append((relative(root, path), os.fspath(path), *_mark(path)))
    return listing


def of_relative(root: str, rels: Iterable[str]) -> list[Listed]:
    """The listing of the files at these paths relative to ``root``, in the order given."""
    listing: list[Listed] = []
    base = os.path.join(root, "")
    for rel in rels:
        path = base + rel
        listing.append((rel, path, *_mark(path)))
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
    yield from _entries_at(folder)


def _entries_at(folder: str) -> list[tuple[str, str, os.stat_result]]:
    # Names relative to an open folder: one lookup per file instead of a whole path each. One
    # plain loop: at 10,000 files, every call per file counts.
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    found = []
    lstat = os.stat
    base = folder + os.sep
    try:
        for name in os.listdir(fd):
            if name.endswith(".yaml") and name[0] != ".":
                try:
                    found.append((name, base + name, lstat(name, dir_fd=fd,
                                                           follow_symlinks=False)))
                except OSError:
                    continue
    finally:
        os.close(fd)
    return found
