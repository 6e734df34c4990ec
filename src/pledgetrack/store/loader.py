"""Loading a data root: listing -> records cache -> :class:`Dataset`.

The records cache (:mod:`pledgetrack.cache`) reads, parses and checks the files one by one, or
takes what it already holds for unchanged ones; this module adds the rules that span files (one
id, one file) and sorts the result. The YAML parser is imported only when some file has to be
parsed.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING

from pledgetrack import cache as records_cache
from pledgetrack.model.config import Config
from pledgetrack.model.problems import Problem
from pledgetrack.model.views import FULL, VIEWS, View
from pledgetrack.store.root import PLEDGES_DIR, find_root, relative
from pledgetrack.yamlfile.pledgefile import (
    parse_pledge,
    parse_with_salvage,
    read_pledge_file,
    rule_problems,
    symlink,
    unreadable,
)

if TYPE_CHECKING:
    from pledgetrack.model.records import Pledge

__all__ = ["Dataset", "FileResult", "load_dataset", "load_file", "parse_pledge",
           "parse_with_salvage", "rule_problems"]


@dataclass(slots=True)
class FileResult:
    """One file: its record (None when it has structural errors) and its problems."""

    path: str
    pledge: Pledge | None
    problems: list[Problem]

    @property
    def has_errors(self) -> bool:
        return any(p.level == "error" for p in self.problems)


@dataclass(slots=True)
class Dataset:
    """A loaded data root.

    ``pledges`` holds only records without errors, sorted by id, of the ``view`` loaded (see
    :func:`load_dataset`); ``problems`` holds everything found, sorted by place; ``broken``
    names the files left out of ``pledges``.
    """

    root: Path
    config: Config
    pledges: list[Pledge]
    problems: list[Problem]
    broken: list[str] = field(default_factory=list)
    files: int = 0
    view: View = FULL
    # Warnings about the records cache itself (a cache folder refused as unsafe).
    notes: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "warning"]

    def get(self, pledge_id: str) -> Pledge | None:
        for p in self.pledges:
            if p.id == pledge_id:
                return p
        return None


def load_file(path: Path, root: Path, config: Config) -> FileResult:
    """One file, parsed and checked (no cache)."""
    rel = relative(root, path)
    if path.is_symlink():
        return FileResult(rel, None, [symlink(rel)])
    try:
        data = read_pledge_file(path)
    except OSError as exc:
        return FileResult(rel, None, [unreadable(rel, exc)])
    pledge, problems, salvage = parse_with_salvage(data, rel)
    problems.extend(rule_problems(pledge, salvage, config))
    return FileResult(rel, pledge, problems)


def load_dataset(
    root: str | os.PathLike[str] | None = None,
    *,
    config: Config | None = None,
    files: Iterable[Path] | None = None,
    progress: Callable[[int, int], None] | None = None,
    cache: bool = True,
    jobs: int | None = None,
    view: View = FULL,
    each: Callable[[Pledge], None] | None = None,
) -> Dataset:
    """Load every pledge under a data root (found as :func:`find_root` does when None).

    ``files`` limits loading to those files. ``progress(done, total)`` is called as groups of
    files are done (once, at the end, when the cache has every file). ``cache=False`` (or
    ``PLEDGETRACK_NO_CACHE=1``) neither reads nor writes the cache of parsed records; the result
    is the same either way. ``jobs`` caps the worker processes used to parse many files (default:
    the CPUs available, or ``PLEDGETRACK_JOBS``); 1 parses in this process.

    ``view`` says what to build of each record: ``"full"`` (:class:`Pledge`); ``"outline"``
    (:class:`PledgeOutline`: no summary, quote, criteria, sources, unknown fields, update notes
    or sources — what counting, grouping and listing need; a question that needs one of them,
    as a search does, raises :class:`ViewError` instead of answering without it);
    ``"problems"``: no records (``pledges`` is empty), for `check`. Problems, ``broken`` and
    ``files`` are the same in every view.

    ``each``, when given, is handed every record of the view as it is loaded, in no particular
    order, and ``pledges`` stays empty: memory then never holds every record (a caller keeps
    what it needs of each). Records of files that turn out to have errors (two files with one
    id) are handed over too: ``broken`` names them once the load is done.
    """
    if view not in VIEWS:
        raise ValueError(f"view must be one of {', '.join(VIEWS)}, not {view!r}")
    data_root = find_root(root)
    folder = records_cache.folder_of(data_root, cache)
    # Records hold no reference cycles; the collector would only rescan them as they pile up
    # (a third of the load time at 10,000 files).
    collecting = gc.isenabled()
    gc.disable()
    try:
        # Everything is looked at (stat) before it is read: a file edited meanwhile shows a
        # newer time than the one recorded, so nothing kept from this load is reused for it.
        listed_ns = records_cache.now_ns()
        cfg = config if config is not None else records_cache.load_config(data_root, folder)
        listed = _listing(data_root, files)
        loaded = records_cache.load(listed, cfg, view, folder=folder, complete=files is None,
                             listed_ns=listed_ns, jobs=jobs, progress=progress, each=each)
        return _dataset(data_root, cfg, view, loaded, len(listed))
    finally:
        if collecting:
            gc.enable()


def _listing(root: Path, files: Iterable[Path] | None) -> list[records_cache.Listed]:
    from pledgetrack.errors import PledgetrackError

    try:
        return records_cache.list_files(root, None if files is None else list(files))
    except OSError as exc:
        raise PledgetrackError(f"cannot read {root / PLEDGES_DIR}: {exc.strerror}") from None


def _dataset(
    root: Path, config: Config, view: View, loaded: records_cache.Loaded, files: int
) -> Dataset:
    """The rules that span files (one id, one file), then everything in order."""
    declared = loaded.declared
    problems = loaded.problems
    failed = loaded.failed
    if len({d[0] for d in declared}) < len(declared):
        from pledgetrack.checks.rules import duplicate_ids

        duplicates = list(duplicate_ids(declared))
        problems.extend(duplicates)
        failed.update(p.path for p in duplicates)
    pledges = [p for p in loaded.pledges if p.path not in failed] if failed else loaded.pledges
    pledges.sort(key=attrgetter("id"))
    problems.sort(key=Problem.sort_key)
    return Dataset(root, config, pledges, problems, sorted(failed), files, view, loaded.notes)
