"""Loading pledge files into records, with every problem found on the way.

:func:`load_dataset` reuses the cache of parsed records (:mod:`pledgetrack.cache.shards`) for files
that have not changed, parses the others — in several processes when there are many — and applies
the rules that span files. The YAML parser is imported only when some file has to be parsed.
"""

from __future__ import annotations

import gc
import os
import stat
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pledgetrack.cache import listing as listing_mod
from pledgetrack.cache import shards as cachefile
from pledgetrack.cache.codec import (
    DETAILS,
    FULL,
    LEAN,
    PROBLEMS,
    Detail,
    decode_config,
    decode_problems,
    encode_config,
    encode_problems,
)
from pledgetrack.model.config import Config
from pledgetrack.model.problems import Problem
from pledgetrack.store.root import CONFIG_FILE, PLEDGES_DIR, find_root, relative

# Entry fields, bound here: the loops over 10,000 entries read them for every file.
E_DIGEST, E_SIZE, E_MTIME, E_READ_NS = (
    cachefile.E_DIGEST, cachefile.E_SIZE, cachefile.E_MTIME, cachefile.E_READ_NS)
E_RULE_KEY, E_PARSE_PROBLEMS, E_RULE_PROBLEMS = (
    cachefile.E_RULE_KEY, cachefile.E_PARSE_PROBLEMS, cachefile.E_RULE_PROBLEMS)
E_LEAN, E_ID, E_ID_LINE = cachefile.E_LEAN, cachefile.E_ID, cachefile.E_ID_LINE

if TYPE_CHECKING:
    # Not imported at run time unless records are built: `check` never needs them, and every
    # import counts in the start-up time of a command.
    from pledgetrack.model.records import Pledge
    from pledgetrack.yamlfile.build import RecordBuilder

# A copy of yamltree.MAX_FILE_BYTES, which imports the YAML parser (tests/cli/test_startup.py ties
# the two).
MAX_FILE_BYTES = 1024 * 1024


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

    ``pledges`` holds only records without errors, sorted by id; ``problems`` holds everything
    found, sorted by place; ``broken`` names the files left out of ``pledges``.
    """

    root: Path
    config: Config
    pledges: list[Pledge]
    problems: list[Problem]
    broken: list[str] = field(default_factory=list)
    files: int = 0
    # How much of each record was loaded: "full", "lean" or "problems" (see load_dataset).
    detail: str = FULL

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


def parse_pledge(data: bytes, rel_path: str) -> tuple[Pledge | None, list[Problem]]:
    """Parse one file's bytes: structural problems only (no configuration needed)."""
    pledge, problems, _ = parse_with_salvage(data, rel_path)
    return pledge, problems


def rule_problems(pledge: Pledge | None, salvage: RecordBuilder | None,
                  config: Config) -> list[Problem]:
    """The problems of the rules that need the configuration: over the record, or, for a file
    with structural errors, the errors over its best-effort record (every problem at once)."""
    from pledgetrack.checks.rules import check_pledge, check_salvage

    if pledge is not None:
        return list(check_pledge(pledge, config))
    if salvage is not None and salvage.salvage is not None:
        return list(check_salvage(salvage.salvage, config, salvage.no_status))
    return []


def parse_with_salvage(
    data: bytes, rel_path: str
) -> tuple[Pledge | None, list[Problem], RecordBuilder | None]:
    """:func:`parse_pledge`, with the builder when the file parsed as YAML but has errors (its
    ``salvage`` record serves :func:`rule_problems`)."""
    from pledgetrack.yamlfile.build import RecordBuilder
    from pledgetrack.yamlfile.yamltree import YamlProblem, decode, find_conflict_markers, parse

    builder = RecordBuilder(rel_path)
    if len(data) > MAX_FILE_BYTES:
        builder.report("error", "file-too-large",
                       f"the file is {len(data):,} bytes; the limit is {MAX_FILE_BYTES:,}", 1)
        return None, builder.problems, None
    if not data.strip():
        builder.report("error", "empty-file", "the file is empty", 1)
        return None, builder.problems, None
    try:
        text = decode(data)
        markers = find_conflict_markers(text)
        if markers:
            for line in markers:
                builder.report("error", "conflict-marker",
                               "unresolved git merge-conflict marker; resolve the conflict "
                               "and remove the markers", line)
            return None, builder.problems, None
        result = parse(text)
    except YamlProblem as exc:
        builder.report("error", exc.rule, exc.message, exc.line, exc.col)
        return None, builder.problems, None
    for dup in result.duplicates:
        builder.report("error", "duplicate-key",
                       f"duplicate key '{dup.key}' (first on line {dup.first_line}); "
                       "YAML readers silently keep only one", dup.line, dup.col)
    pledge = builder.pledge(result.tree)
    if builder.errors:
        if pledge is not None:  # only duplicate keys: the record itself is whole
            builder.salvage = pledge
        return None, builder.problems, builder
    return pledge, builder.problems, None


def _read(path: str | Path) -> bytes:
    # O_NOFOLLOW: a link swapped in after the listing saw a regular file is not followed either.
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0))
    with open(fd, "rb") as handle:
        # One more byte than the limit tells a file over it; no bigger buffer than the file.
        size = os.fstat(handle.fileno()).st_size
        return handle.read(min(size, MAX_FILE_BYTES) + 1)


def _unreadable(rel: str, exc: OSError) -> Problem:
    return Problem(rel, 1, 1, "error", "unreadable",
                   f"cannot read the file: {exc.strerror or exc}")


def _symlink(rel: str) -> Problem:
    # A link committed in a pull request could point at any file of the machine running
    # `check` in CI; its content must never reach a report or an error message.
    return Problem(rel, 1, 1, "error", "symlink",
                   "the file is a symbolic link; pledge files must be regular files "
                   "(links are never followed)")


def load_file(path: Path, root: Path, config: Config) -> FileResult:
    """One file, parsed and checked (no cache)."""
    rel = relative(root, path)
    if path.is_symlink():
        return FileResult(rel, None, [_symlink(rel)])
    try:
        data = _read(path)
    except OSError as exc:
        return FileResult(rel, None, [_unreadable(rel, exc)])
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
    detail: Detail = FULL,
) -> Dataset:
    """Load every pledge under a data root (found as :func:`find_root` does when None).

    ``files`` limits loading to those files. ``progress(done, total)`` is called as groups of
    files are done (once, at the end, when the cache has every file). ``cache=False`` (or
    ``PLEDGETRACK_NO_CACHE=1``) neither reads nor writes the cache of parsed records; the result
    is the same either way. ``jobs`` caps the worker processes used to parse many files (default:
    the CPUs available, or ``PLEDGETRACK_JOBS``); 1 parses in this process. ``detail`` says how
    much of each record to build: ``"full"``; ``"lean"`` leaves out summary, quote, criteria,
    notes, sources and unknown fields (empty), and updates' per-field line numbers, for commands
    that count, group and list many pledges; ``"problems"`` builds no records (``pledges`` is
    empty), for `check`. Problems, ``broken`` and ``files`` are the same in every mode.
    """
    if detail not in DETAILS:
        raise ValueError(f"detail must be one of {', '.join(DETAILS)}, not {detail!r}")
    data_root = find_root(root)
    folder = cachefile.cache_dir(data_root) if cache and not cachefile.disabled_by_env() else None
    # Records hold no reference cycles; the collector would only rescan them as they pile up
    # (a third of the load time at 10,000 files).
    collecting = gc.isenabled()
    gc.disable()
    try:
        # Everything is looked at (stat) before it is read: a file edited meanwhile shows a
        # newer time than the one recorded, so nothing kept from this load is reused for it.
        listed_ns = time.time_ns()
        cfg = config if config is not None else _load_config(data_root, folder)
        listing = _listing(data_root, files)
        loader = _Loader(data_root, cfg, folder, detail, files is None, listed_ns)
        loader.run(listing, jobs, progress)
        dataset = loader.dataset(len(listing))
        return dataset
    finally:
        if collecting:
            gc.enable()


# -- the configuration, through the cache --------------------------------------------------------

def _load_config(root: Path, folder: Path | None) -> Config:
    path = root / CONFIG_FILE
    if folder is not None and path.is_file():
        encoded = cachefile.read_config(folder, path, cachefile.version_key())
        if encoded is not None:
            try:
                return decode_config(encoded)
            except Exception:  # a bad cache entry is rebuilt, never trusted
                pass
    # Parsing the configuration imports the YAML parser: only when the cache cannot answer.
    from pledgetrack.store.configfile import config_from_bytes, load_config

    if folder is None or not path.is_file():
        return load_config(root)
    try:
        data = path.read_bytes()
    except OSError:
        return load_config(root)  # it reports the error
    # The bytes parsed are the bytes recorded: the cached entry is checked by content.
    config = config_from_bytes(data)
    mark = (len(data), cachefile.digest(data))
    cachefile.write_config(folder, cachefile.version_key(), mark, encode_config(config))
    return config


# -- listing -------------------------------------------------------------------------------------

# See store.listing; -1 in both numbers when stat failed (a file named by the caller).
Listed = listing_mod.Listed
SYMLINK = listing_mod.SYMLINK


def _listing(root: Path, files: Iterable[Path] | None) -> list[Listed]:
    from pledgetrack.errors import PledgetrackError

    if files is None:
        try:
            return listing_mod.scan(os.fspath(root))
        except OSError as exc:
            raise PledgetrackError(
                f"cannot read {root / PLEDGES_DIR}: {exc.strerror}") from None
    listing: list[Listed] = []
    for path in files:
        try:
            st = os.lstat(path)
            mark = ((SYMLINK, SYMLINK) if stat.S_ISLNK(st.st_mode)
                    else (listing_mod.file_time(st), st.st_size))
        except OSError:
            mark = (-1, -1)
        listing.append((relative(root, Path(path)), os.fspath(path), *mark))
    return listing


# -- loading, shard by shard ---------------------------------------------------------------------

def _trusted(entry: cachefile.Entry | None, mtime: int, size: int, rule_key: str) -> bool:
    """Whether a cache entry can be used without reading the file."""
    return (
        entry is not None
        and entry[E_DIGEST] is not None
        and entry[E_SIZE] == size
        and entry[E_MTIME] == mtime
        and mtime + cachefile.RACY_NS <= entry[E_READ_NS]
        and entry[E_RULE_KEY] == rule_key
    )


def _untrusted(entries: dict[str, cachefile.Entry], files: list[Listed], rule_key: str) -> int:
    """How many of the listed files' entries cannot be used without reading the file."""
    trusted = _trusted
    get = entries.get
    return sum(not trusted(get(rel), mtime, size, rule_key) for rel, _, mtime, size in files)


class ShardTask:
    """Bring one shard up to date (see :func:`_run_shard`)."""

    # A plain class: a dataclass costs a millisecond of start-up for every command.
    __slots__ = ("cache_path", "config", "detail", "files", "key", "listed_ns", "pickled",
                 "prune", "rule_key", "shard", "trust")

    def __init__(
        self, shard: int, files: list[Listed], cache_path: str | None, config: Any,
        rule_key: str, key: Any, prune: bool, listed_ns: int, detail: Detail, pickled: bool,
    ) -> None:
        self.shard = shard
        self.files = files
        self.cache_path = cache_path  # None: no cache to read or write
        self.config = config  # encoded
        self.rule_key = rule_key
        self.key = key  # the cache's version key
        self.prune = prune  # drop the entries of files that are not listed (a full listing)
        self.listed_ns = listed_ns
        self.detail = detail
        self.pickled = pickled  # results as bytes (to another process) or as objects
        self.trust = True  # False: the cache file failed once; build the shard from the files

    def __getstate__(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        for name, value in zip(self.__slots__, state, strict=True):
            setattr(self, name, value)


class ShardResult:
    __slots__ = ("data", "entries", "records", "shard")

    def __init__(
        self, shard: int, entries: list[cachefile.Entry], records: dict[str, Pledge],
        data: bytes | None = None,
    ) -> None:
        self.shard = shard
        self.entries = entries
        self.records = records  # by path: lean or full records, none for "problems"
        # From another process: the shard's bytes instead of the entries and records.
        self.data = data

    def __getstate__(self) -> tuple[Any, ...]:
        return (self.shard, self.entries, self.records, self.data)

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        self.shard, self.entries, self.records, self.data = state


_configs: dict[str, Config] = {}


def _run_shard(task: ShardTask) -> ShardResult:
    """Reuse what the cache holds for the shard's unchanged files, parse the others, write the
    shard back. Runs in a worker process for big loads."""
    config = _configs.get(task.rule_key)
    if config is None:
        config = _configs[task.rule_key] = decode_config(task.config)
    if task.cache_path is not None and task.trust:
        old = cachefile.read_shard(Path(task.cache_path), task.key, lean=True, full=True)
        if old is not None:
            try:
                return _build_shard(task, config, old)
            except Exception:  # a cache file whose parts do not fit together
                pass  # is no cache: the shard is built again from the files alone
    return _build_shard(task, config, None)


def _build_shard(task: ShardTask, config: Config, old: cachefile.Shard | None) -> ShardResult:
    from pledgetrack.cache.codec import Encoder
    from pledgetrack.cache.codec import loads as load_records

    caching = task.cache_path is not None
    old_entries = dict(old.entries) if old is not None else {}
    encoder = Encoder()
    entries: list[cachefile.Entry] = []
    records: list[Pledge] = []  # lean records as they go to the lean part
    full_parts: list[bytes] = []
    at = 0
    # Full records stay as parsed when used in this process; otherwise they travel pickled.
    full_here = task.detail == FULL and not task.pickled
    full_bytes_needed = caching or (task.detail == FULL and task.pickled)
    kept: dict[str, Pledge] = {}  # what this process hands back when not pickled

    def add(entry: list[Any], record: Pledge | None, full: bytes, returned: Pledge | None) -> None:
        nonlocal at
        if record is not None:
            entry[cachefile.E_LEAN] = len(records)
            records.append(record)
            if returned is not None:
                kept[entry[cachefile.E_REL]] = returned
        entry[cachefile.E_FULL_AT] = at
        entry[cachefile.E_FULL_LEN] = len(full)
        full_parts.append(full)
        at += len(full)
        entries.append(tuple(entry))

    listed_ns = task.listed_ns
    for rel, path, mtime, size in task.files:
        cached = old_entries.pop(rel, None)
        data: bytes | None = None
        if cached is not None and (cached[cachefile.E_DIGEST] is None or size < 0):
            cached = None  # unreadable or a link, then or now: never reused
        if cached is not None and cached[cachefile.E_LEAN] < 0 and \
                cached[cachefile.E_RULE_KEY] != task.rule_key:
            # A file with errors keeps no record to run the rules on again: it is parsed again
            # (files with errors are few).
            cached = None
        if cached is not None:
            same = cached[cachefile.E_SIZE] == size and cached[cachefile.E_MTIME] == mtime
            if not (same and mtime + cachefile.RACY_NS <= cached[cachefile.E_READ_NS]):
                # Touched, checked out again, or perhaps edited in the clock tick it was read
                # in: the content decides.
                try:
                    data = _read(path)
                except OSError:
                    data = None
                if data is None or cachefile.digest(data) != cached[cachefile.E_DIGEST]:
                    cached = None
        if cached is not None:
            assert old is not None and old.lean is not None
            reuse = list(cached)
            reuse[cachefile.E_MTIME], reuse[cachefile.E_SIZE] = mtime, size
            if data is not None:
                reuse[cachefile.E_READ_NS] = listed_ns
            full = cachefile.full_of(old, cached)
            record = None
            returned = None
            if cached[cachefile.E_LEAN] >= 0:
                record = old.lean[cached[cachefile.E_LEAN]]
                returned = record if task.detail == LEAN else None
                if full_here or reuse[cachefile.E_RULE_KEY] != task.rule_key:
                    whole: Pledge = load_records(full)
                    returned = whole if full_here else returned
                    if reuse[cachefile.E_RULE_KEY] != task.rule_key:
                        # The configuration changed: the per-file rules run again.
                        from pledgetrack.checks.rules import check_pledge

                        reuse[cachefile.E_RULE_PROBLEMS] = encode_problems(
                            list(check_pledge(whole, config)))
            reuse[cachefile.E_RULE_KEY] = task.rule_key
            add(reuse, record, full, returned)
            continue
        entry, pledge = _parse_entry(rel, path, mtime, size, data, config, task.rule_key,
                                     listed_ns)
        full = encoder.full(pledge) if pledge is not None and full_bytes_needed else b""
        returned = None
        if pledge is not None:
            returned = pledge if full_here else (
                encoder.lean_copy(pledge) if task.detail == LEAN and not task.pickled else None)
        add(entry, pledge, full, returned)
    if not task.prune and old is not None:
        for cached in old_entries.values():  # files outside this load: kept as they were
            index = cached[cachefile.E_LEAN]
            assert old.lean is not None
            add(list(cached), old.lean[index] if index >= 0 else None,
                cachefile.full_of(old, cached), None)
    if not caching and not task.pickled:
        return ShardResult(task.shard, entries, kept)
    # Pickled once: the same bytes are the cache file and what a worker sends back (`check`
    # without the cache needs no records back at all).
    lean = encoder.lean(records if caching or task.detail == LEAN else [])
    full_all = b"".join(full_parts)
    head_index, _ = cachefile.shard_parts(task.key, entries, lean, full_all)
    if caching:
        cachefile.write_atomic(Path(task.cache_path or ""), head_index, lean, full_all)
    if task.pickled:
        return ShardResult(task.shard, [], {}, head_index + lean + full_all)
    return ShardResult(task.shard, entries, kept)


def _parse_entry(
    rel: str, path: str, mtime: int, size: int, data: bytes | None, config: Config,
    rule_key: str, listed_ns: int,
) -> tuple[list[Any], Pledge | None]:
    if size == SYMLINK:
        link = encode_problems([_symlink(rel)])
        return [rel, mtime, size, None, listed_ns, link, -1, None, 0, 0, 0, rule_key, ()], None
    if data is None:
        try:
            data = _read(path)
        except OSError as exc:
            unreadable = encode_problems([_unreadable(rel, exc)])
            return [rel, mtime, size, None, listed_ns, unreadable, -1, None, 0, 0, 0, rule_key,
                    ()], None
    pledge, problems, salvage = parse_with_salvage(data, rel)
    pledge_id, id_line = None, 0
    if pledge is not None:
        pledge_id, id_line = pledge.id, pledge.lines.get("id", 1)
    found = encode_problems(rule_problems(pledge, salvage, config))
    entry = [rel, mtime, size, cachefile.digest(data), listed_ns, encode_problems(problems), -1,
             pledge_id, id_line, 0, 0, rule_key, found]
    return entry, pledge


class _Part:
    """The results of one shard's files, kept apart until they are known to be whole."""

    __slots__ = ("declared", "failed", "files", "pledges", "problems")

    def __init__(self, files: int) -> None:
        self.files = files
        self.problems: list[Problem] = []
        self.pledges: list[Pledge] = []
        self.declared: list[tuple[str, str, int]] = []
        self.failed: set[str] = set()


class _Loader:
    """Collects the results of one load_dataset call, shard by shard."""

    def __init__(
        self, root: Path, config: Config, folder: Path | None, detail: Detail, prune: bool,
        listed_ns: int,
    ) -> None:
        self.root = root
        self.config = config
        self.folder = folder
        self.detail = detail
        self.prune = prune
        self.listed_ns = listed_ns
        self.config_enc = encode_config(config)
        self.rule_key = cachefile.digest(repr(self.config_enc).encode()).hex()
        self.key = cachefile.version_key() if folder is not None else None
        self.problems: list[Problem] = []
        self.pledges: list[Pledge] = []
        self.declared: list[tuple[str, str, int]] = []
        self.failed: set[str] = set()

    def run(
        self, listing: list[Listed], jobs: int | None,
        progress: Callable[[int, int], None] | None,
    ) -> None:
        from pledgetrack.cache.parallel import MIN_FILES, default_jobs, map_unordered

        by_shard: dict[int, list[Listed]] = {}
        for item in listing:
            by_shard.setdefault(cachefile.shard_of(item[0]), []).append(item)
        total = len(listing)
        done = 0
        tasks: list[ShardTask] = []

        def advance(count: int) -> None:
            # A load answered by the cache alone reports only its end: it is over before a
            # progress bar would show.
            nonlocal done
            done += count
            if progress is not None and (tasks or done == total):
                progress(done, total)

        def again(shard: int, files: list[Listed]) -> None:
            # The cache file's parts do not fit together: built again from the files alone.
            task = self._task(shard, files)
            task.trust = False
            tasks.append(task)

        # Shards the cache has whole are taken at once, one at a time, so that no more than one
        # shard file is held in memory; the others become tasks.
        detail = self.detail
        work = 0
        for shard, files in by_shard.items():
            path = cachefile.shard_path(self.folder, shard) if self.folder is not None else None
            cached = None
            if path is not None and self.key is not None:
                cached = cachefile.read_shard(path, self.key, lean=detail == LEAN,
                                              full=detail == FULL)
            if cached is not None and (not self.prune or len(cached.entries) == len(files)):
                entries = cached.entries
                stale = _untrusted(entries, files, self.rule_key)
                if not stale:
                    part = self._from_cache(cached, files)
                    if part is not None:
                        done += self._commit(part)
                    else:
                        again(shard, files)
                        work += len(files)
                    continue
                work += stale
            else:
                work += len(files)
            tasks.append(self._task(shard, files))
        if not tasks:
            if total:
                advance(0)
            return

        def from_task(task: ShardTask, result: ShardResult, retried: list[ShardTask]) -> None:
            files = by_shard[result.shard]
            try:
                part = self._from_result(result, files)
            except Exception:
                if self.folder is None or not task.trust:
                    raise  # no cache involved: a fault of ours, to be seen
                retry = self._task(result.shard, files)
                retry.trust = False
                retried.append(retry)
                return
            advance(self._commit(part))

        advance(0)
        retried: list[ShardTask] = []
        workers = min(jobs if jobs is not None else default_jobs(), len(tasks))
        if workers > 1 and work >= MIN_FILES:
            # The biggest shards first, so that no worker is left with a long one at the end.
            tasks.sort(key=lambda t: -len(t.files))
            by_number = {t.shard: t for t in tasks}
            for task in tasks:
                task.pickled = True
            with map_unordered(_run_shard, tasks, workers) as results:
                for result in results:
                    from_task(by_number[result.shard], result, retried)
        else:
            for task in tasks:
                from_task(task, _run_shard(task), retried)
        for task in retried:
            from_task(task, _run_shard(task), retried)

    def _task(self, shard: int, files: list[Listed]) -> ShardTask:
        path = cachefile.shard_path(self.folder, shard) if self.folder is not None else None
        return ShardTask(shard, files, os.fspath(path) if path is not None else None,
                         self.config_enc, self.rule_key, self.key, self.prune, self.listed_ns,
                         self.detail, False)

    def _from_cache(self, shard: cachefile.Shard, files: list[Listed]) -> _Part | None:
        """The listed files' results from a shard read from the cache, or None when its
        content turns out not to hold together."""
        from pledgetrack.cache.codec import loads as load_records

        record: Callable[[cachefile.Entry], Pledge]
        if self.detail == FULL:
            view = memoryview(shard.full or b"")

            def record(entry: cachefile.Entry) -> Pledge:
                at = entry[cachefile.E_FULL_AT]
                whole: Pledge = load_records(view[at:at + entry[cachefile.E_FULL_LEN]])
                return whole
        else:
            lean: list[Pledge] = shard.lean or []

            def record(entry: cachefile.Entry) -> Pledge:
                return lean[entry[cachefile.E_LEAN]]

        try:
            return self._collect(shard.entries, files, record)
        except Exception:  # never trusted: anything amiss means the files are read again
            return None

    def _from_result(self, result: ShardResult, files: list[Listed]) -> _Part:
        from pledgetrack.cache.codec import loads as load_records

        if result.data is None:  # from this process
            records = result.records
            entries = {e[cachefile.E_REL]: e for e in result.entries}
            return self._collect(entries, files, lambda e: records[e[cachefile.E_REL]])
        index, lean_part, full_part = cachefile.split_parts(result.data)
        _, entry_list = cachefile.loads(index)
        entries = {e[cachefile.E_REL]: e for e in entry_list}
        if self.detail == FULL:
            def record(entry: cachefile.Entry) -> Pledge:
                at = entry[cachefile.E_FULL_AT]
                whole: Pledge = load_records(full_part[at:at + entry[cachefile.E_FULL_LEN]])
                return whole
            return self._collect(entries, files, record)
        lean: list[Pledge] = load_records(lean_part) if self.detail == LEAN else []
        return self._collect(entries, files, lambda e: lean[e[cachefile.E_LEAN]])

    def _collect(
        self, entries: dict[str, cachefile.Entry], files: list[Listed],
        record: Callable[[cachefile.Entry], Pledge],
    ) -> _Part:
        """The listed files' results from a shard's entries (nothing is kept until commit)."""
        keep = self.detail != PROBLEMS
        if keep:
            from pledgetrack.model.records import Pledge
        part = _Part(len(files))
        failed = part.failed
        declared = part.declared
        pledges = part.pledges
        for item in files:
            rel = item[0]
            entry = entries[rel]
            problems = entry[E_PARSE_PROBLEMS]
            rule_problems = entry[E_RULE_PROBLEMS]
            if problems or rule_problems:
                found = decode_problems(rel, problems) + decode_problems(rel, rule_problems)
                part.problems.extend(found)
                if any(p.level == "error" for p in found):
                    failed.add(rel)
            if entry[E_LEAN] < 0:
                continue
            pledge_id, id_line = entry[E_ID], entry[E_ID_LINE]
            if type(pledge_id) is not str or type(id_line) is not int:
                raise TypeError("not an id")
            declared.append((pledge_id, rel, id_line))
            if keep and rel not in failed:
                pledge = record(entry)
                if type(pledge) is not Pledge or pledge.path != rel:
                    raise TypeError("not the record of this file")
                pledges.append(pledge)
        return part

    def _commit(self, part: _Part) -> int:
        self.problems.extend(part.problems)
        self.pledges.extend(part.pledges)
        self.declared.extend(part.declared)
        self.failed.update(part.failed)
        return part.files

    def dataset(self, files: int) -> Dataset:
        duplicates: list[Problem] = []
        if len({d[0] for d in self.declared}) < len(self.declared):
            from pledgetrack.checks.rules import duplicate_ids

            duplicates = list(duplicate_ids(self.declared))
        problems = self.problems
        problems.extend(duplicates)
        failed = self.failed
        failed.update(p.path for p in duplicates)
        pledges = [p for p in self.pledges if p.path not in failed]
        pledges.sort(key=attrgetter("id"))
        problems.sort(key=Problem.sort_key)
        return Dataset(self.root, self.config, pledges, problems, sorted(failed), files,
                       self.detail)
