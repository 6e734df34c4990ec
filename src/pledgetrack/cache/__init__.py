"""The records cache, behind one door: :func:`load` turns a listing of pledge files into records
of a view with every problem found per file, reusing what the cache holds for unchanged files;
:func:`load_config` reads a data root's configuration through it.

Everything else in this package — the shard files and the positional layout of their entries,
the encoding of records, the cache folder, the parallel parsing and the shard scheduler — is
its own business: no module outside it imports them (a test holds this). The package imports
nothing heavy until it is used.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pledgetrack.cache.listing import Listed as Listed
    from pledgetrack.model.config import Config
    from pledgetrack.model.problems import Problem
    from pledgetrack.model.records import Pledge
    from pledgetrack.model.views import View

__all__ = ["Loaded", "folder_of", "full_records", "list_files", "load", "load_config", "now_ns",
           "user_folder"]


class Loaded:
    """What :func:`load` found, file by file, before the rules that span files.

    ``pledges``: the records of the view (none for ``"problems"``) of files without errors, in
    no particular order; ``problems``: every file's problems; ``declared``: (id, path, line of
    the id) of every file whose id could be read; ``failed``: the paths of files with errors;
    ``notes``: warnings for the user about the cache itself (a cache folder refused), each
    given once per process.
    """

    __slots__ = ("declared", "failed", "notes", "pledges", "problems")

    def __init__(self, pledges: list[Pledge], problems: list[Problem],
                 declared: list[tuple[str, str, int]], failed: set[str],
                 notes: list[str]) -> None:
        self.pledges = pledges
        self.problems = problems
        self.declared = declared
        self.failed = failed
        self.notes = notes


def folder_of(root: Path, use: bool = True) -> Path | None:
    """The cache folder of a data root; None when the cache is not to be used (``use`` False,
    ``PLEDGETRACK_NO_CACHE`` set, a CI job: see :func:`pledgetrack.cache.folder.in_ci`), there
    is no home folder to keep it in, or the folder (or the
    user's cache folder above it) is a symbolic link, belongs to another user or can be written
    by other users — then with a note (see :attr:`Loaded.notes`)."""
    from pledgetrack.cache.folder import disabled_by_env, refuse, refused, unsafe

    if not use or disabled_by_env():
        return None
    from pledgetrack.cache.shards import cache_dir

    folder = cache_dir(root)
    if folder is None:
        return None
    for path in (os.fspath(folder.parent), os.fspath(folder)):
        why = unsafe(path, folder=True)
        if why is not None:
            refuse(path, why)
            return None
    return None if refused(os.fspath(folder)) else folder


def user_folder() -> str | None:
    """The user's cache folder, where every data root's cache folder is (None: no home):
    ``$PLEDGETRACK_CACHE_DIR``, else ``$XDG_CACHE_HOME/pledgetrack``, else
    ``~/.cache/pledgetrack``."""
    from pledgetrack.cache.folder import cache_base

    return cache_base()


def now_ns() -> int:
    """The time to take before listing: a file changed after it is never trusted unread."""
    return time.time_ns()


def list_files(root: Path, files: list[Path] | None = None) -> list[Listed]:
    """The pledge files of a data root (every ``pledges/*.yaml``, or ``files``), as the cache
    keys them: path relative to the root, path, time and size. Raises OSError when the folder
    cannot be read."""
    from pledgetrack.cache import listing as listing_mod

    if files is None:
        return listing_mod.scan(os.fspath(root))
    return listing_mod.of_files(root, files)


def load(
    listed: list[Listed], config: Config, view: View, *, folder: Path | None,
    complete: bool, listed_ns: int, jobs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    each: Callable[[Pledge], None] | None = None,
) -> Loaded:
    """The records of ``view`` and the problems of the ``listed`` files.

    ``folder``: the cache folder (None: nothing read or written; the result is the same).
    ``complete``: the listing is every file of the data root (entries of other files are
    dropped from the cache). ``listed_ns``: :func:`now_ns` taken before the listing
    (:func:`list_files`). ``jobs`` caps the worker processes that parse many files (default:
    the CPUs available, or ``PLEDGETRACK_JOBS``). ``progress(done, total)`` is called as groups
    of files are done (once, at the end, when the cache has every file). ``each``, when
    given, is handed every record instead of :attr:`Loaded.pledges` keeping them, one shard at
    a time, in no particular order: a caller that needs little of each record keeps only that
    (the records of files that turn out to share an id with another are handed over too).
    """
    from pledgetrack.cache.folder import notes
    from pledgetrack.cache.scheduler import ShardLoader

    loader = ShardLoader(config, folder, view, complete, listed_ns, each)
    loader.run(listed, jobs, progress)
    return Loaded(loader.pledges, loader.problems, loader.declared, loader.failed, notes())


def full_records(
    root: Path, paths: Iterable[str], config: Config, *, folder: Path | None,
) -> Iterator[tuple[str, Pledge | None]]:
    """The full record of each pledge file (``paths`` relative to ``root``), one at a time, in
    the order given, as (path, record): from the cache (``folder``) where it holds the file as
    it is now, else read and parsed. The record is None for a file that no longer reads
    without errors. Memory holds one record at a time, not all of them."""
    from pledgetrack.cache.listing import of_relative
    from pledgetrack.cache.single import full_records as read

    return read(of_relative(os.fspath(root), paths), config, folder)


def load_config(root: Path, folder: Path | None) -> Config:
    """A data root's configuration, from the cache while ``pledgetrack.yaml`` is unchanged
    (parsing it imports the YAML parser)."""
    from pledgetrack.cache.scheduler import load_config as through_cache

    return through_cache(root, folder)
