"""Loading a listing's files shard by shard: what the cache holds whole is taken as it is, the
other shards are brought up to date — unchanged files from the cache, the others parsed and
checked, in several processes when there are many — and written back.

Internal to :mod:`pledgetrack.cache` (see :func:`pledgetrack.cache.load`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pledgetrack.cache import shards as cachefile
from pledgetrack.cache.codec import decode_config, decode_problems, encode_config, encode_problems
from pledgetrack.cache.listing import SYMLINK, Listed
from pledgetrack.cache.shards import (
    E_CHECKED,
    E_DIGEST,
    E_FULL_AT,
    E_FULL_LEN,
    E_ID,
    E_ID_LINE,
    E_IDENT,
    E_MTIME,
    E_OUTLINE,
    E_PARSE_PROBLEMS,
    E_READ_NS,
    E_REL,
    E_RULE_KEY,
    E_RULE_PROBLEMS,
    E_SIZE,
    new_entry,
)
from pledgetrack.model.config import Config
from pledgetrack.model.problems import Problem
from pledgetrack.model.views import FULL, OUTLINE, PROBLEMS, View
from pledgetrack.yamlfile import pledgefile

if TYPE_CHECKING:
    # Not imported at run time unless records are built: `check` never needs them, and every
    # import counts in the start-up time of a command.
    from pledgetrack.model.records import Pledge


def trusted(
    entry: cachefile.Entry | None, mtime: int, size: int, ident: int, rule_key: str
) -> bool:
    """Whether a cache entry can be used without reading the file."""
    return (
        entry is not None
        and entry[E_DIGEST] is not None
        and entry[E_SIZE] == size
        and entry[E_MTIME] == mtime
        and entry[E_IDENT] == ident
        and mtime + cachefile.RACY_NS <= entry[E_READ_NS]
        and entry[E_RULE_KEY] == rule_key
    )


def vouched(entry: cachefile.Entry, written: int) -> bool:
    """Whether `check` may take an entry's problems without parsing the file again: they were
    found by parsing and checking the file (not kept because its content hash matched), and the
    entry says it was read no later than its shard file was written. With :func:`trusted`
    (the file has not changed since it was read), the shard was written after the file took its
    present form: an entry planted before a checkout cannot pass, whatever times it claims,
    since nobody can set a file's status-change time back (docs/reliability.md)."""
    return entry[E_CHECKED] is True and entry[E_READ_NS] <= written + cachefile.WRITTEN_SLACK_NS


def _untrusted(entries: dict[str, cachefile.Entry], files: list[Listed], rule_key: str,
               written: int, checking: bool) -> int:
    """How many of the listed files' entries cannot be used without reading the file (for
    `check`, ``checking``: without parsing and checking it)."""
    trusted_entry = trusted
    get = entries.get
    if checking:
        found = 0
        for rel, _, mtime, size, ident in files:
            entry = get(rel)
            if (entry is None or not trusted_entry(entry, mtime, size, ident, rule_key)
                    or not vouched(entry, written)):
                found += 1
        return found
    return sum(not trusted_entry(get(rel), mtime, size, ident, rule_key)
               for rel, _, mtime, size, ident in files)


class ShardTask:
    """Bring one shard up to date (see :func:`_run_shard`)."""

    # A plain class: a dataclass costs a millisecond of start-up for every command.
    __slots__ = ("cache_path", "config", "files", "key", "listed_ns", "pickled", "prune",
                 "rule_key", "shard", "trust", "view")

    def __init__(
        self, shard: int, files: list[Listed], cache_path: str | None, config: Any,
        rule_key: str, key: Any, prune: bool, listed_ns: int, view: View, pickled: bool,
    ) -> None:
        self.shard = shard
        self.files = files
        self.cache_path = cache_path  # None: no cache to read or write
        self.config = config  # encoded
        self.rule_key = rule_key
        self.key = key  # the cache's version key
        self.prune = prune  # drop the entries of files that are not listed (a full listing)
        self.listed_ns = listed_ns
        self.view = view
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
        self.records = records  # by path: outline or full records, none for "problems"
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
        old = cachefile.read_shard(Path(task.cache_path), task.key, outline=True, full=True)
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
    records: list[Pledge] = []  # records as they go to the outline part
    full_parts: list[bytes] = []
    at = 0
    # Full records stay as parsed when used in this process; otherwise they travel pickled.
    full_here = task.view == FULL and not task.pickled
    full_bytes_needed = caching or (task.view == FULL and task.pickled)
    kept: dict[str, Pledge] = {}  # what this process hands back when not pickled

    def add(entry: list[Any], record: Pledge | None, full: bytes, returned: Pledge | None) -> None:
        nonlocal at
        if record is not None:
            entry[E_OUTLINE] = len(records)
            records.append(record)
            if returned is not None:
                kept[entry[E_REL]] = returned
        entry[E_FULL_AT] = at
        entry[E_FULL_LEN] = len(full)
        full_parts.append(full)
        at += len(full)
        entries.append(tuple(entry))

    listed_ns = task.listed_ns
    # `check` takes no problem list it cannot vouch for (see vouched): the file is parsed again.
    checking = task.view == PROBLEMS
    for rel, path, mtime, size, ident in task.files:
        cached = old_entries.pop(rel, None)
        data: bytes | None = None
        if cached is not None and (cached[E_DIGEST] is None or size < 0):
            cached = None  # unreadable or a link, then or now: never reused
        if cached is not None and cached[E_OUTLINE] < 0 and cached[E_RULE_KEY] != task.rule_key:
            # A file with errors keeps no record to run the rules on again: it is parsed again
            # (files with errors are few).
            cached = None
        sure = False
        if cached is not None:
            assert old is not None
            sure = vouched(cached, old.written)
            same = (cached[E_SIZE] == size and cached[E_MTIME] == mtime
                    and cached[E_IDENT] == ident)
            if checking and not (sure and same and mtime + cachefile.RACY_NS <= cached[E_READ_NS]):
                cached = None
            elif not (same and mtime + cachefile.RACY_NS <= cached[E_READ_NS]):
                # Touched, checked out again, or perhaps edited in the clock tick it was read
                # in: the content decides.
                try:
                    data = pledgefile.read_pledge_file(path)
                except OSError:
                    data = None
                if data is None or cachefile.digest(data) != cached[E_DIGEST]:
                    cached = None
        if cached is not None:
            assert old is not None and old.outline is not None
            reuse = list(cached)
            reuse[E_MTIME], reuse[E_SIZE], reuse[E_IDENT] = mtime, size, ident
            # Problems kept because the content hash matched are not vouched for (see vouched).
            reuse[E_CHECKED] = sure and data is None
            if data is not None:
                reuse[E_READ_NS] = listed_ns
            full = cachefile.full_of(old, cached)
            record = None
            returned = None
            if cached[E_OUTLINE] >= 0:
                record = old.outline[cached[E_OUTLINE]]
                returned = record if task.view == OUTLINE else None
                if full_here or reuse[E_RULE_KEY] != task.rule_key:
                    whole: Pledge = load_records(full)
                    returned = whole if full_here else returned
                    if reuse[E_RULE_KEY] != task.rule_key:
                        # The configuration changed: the per-file rules run again.
                        from pledgetrack.checks.rules import check_pledge

                        reuse[E_RULE_PROBLEMS] = encode_problems(
                            list(check_pledge(whole, config)))
            reuse[E_RULE_KEY] = task.rule_key
            add(reuse, record, full, returned)
            continue
        entry, pledge = _parse_entry(rel, path, mtime, size, ident, data, config, task.rule_key,
                                     listed_ns)
        full = encoder.full(pledge) if pledge is not None and full_bytes_needed else b""
        returned = None
        if pledge is not None:
            returned = pledge if full_here else (
                encoder.outline_copy(pledge) if task.view == OUTLINE and not task.pickled else None)
        add(entry, pledge, full, returned)
    if not task.prune and old is not None:
        for cached in old_entries.values():  # files outside this load: kept as they were
            index = cached[E_OUTLINE]
            assert old.outline is not None
            kept_entry = list(cached)
            kept_entry[E_CHECKED] = vouched(cached, old.written)
            add(kept_entry, old.outline[index] if index >= 0 else None,
                cachefile.full_of(old, cached), None)
    if not caching and not task.pickled:
        return ShardResult(task.shard, entries, kept)
    # Pickled once: the same bytes are the cache file and what a worker sends back (`check`
    # without the cache needs no records back at all).
    outline = encoder.outline(records if caching or task.view == OUTLINE else [])
    full_all = b"".join(full_parts)
    head_index, _ = cachefile.shard_parts(task.key, entries, outline, full_all)
    if caching:
        cachefile.write_atomic(Path(task.cache_path or ""), head_index, outline, full_all)
    if task.pickled:
        return ShardResult(task.shard, [], {}, head_index + outline + full_all)
    return ShardResult(task.shard, entries, kept)


def _parse_entry(
    rel: str, path: str, mtime: int, size: int, ident: int, data: bytes | None,
    config: Config, rule_key: str, listed_ns: int,
) -> tuple[list[Any], Pledge | None]:
    if size == SYMLINK:
        link = encode_problems([pledgefile.symlink(rel)])
        return new_entry(rel, mtime, size, ident, None, listed_ns, link, rule_key), None
    if data is None:
        try:
            data = pledgefile.read_pledge_file(path)
        except OSError as exc:
            unreadable = encode_problems([pledgefile.unreadable(rel, exc)])
            return new_entry(rel, mtime, size, ident, None, listed_ns, unreadable, rule_key), None
    pledge, problems, salvage = pledgefile.parse_with_salvage(data, rel)
    pledge_id, id_line = None, 0
    if pledge is not None:
        pledge_id, id_line = pledge.id, pledge.lines.get("id", 1)
    found = encode_problems(pledgefile.rule_problems(pledge, salvage, config))
    entry = new_entry(rel, mtime, size, ident, cachefile.digest(data), listed_ns,
                      encode_problems(problems), rule_key, found, pledge_id, id_line)
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


class ShardLoader:
    """Collects the results of one load, shard by shard."""

    def __init__(
        self, config: Config, folder: Path | None, view: View, prune: bool, listed_ns: int,
        each: Callable[[Pledge], None] | None = None,
    ) -> None:
        self.config = config
        self.each = each  # None: the records are kept (pledges)
        self.folder = folder
        self.view = view
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
        view = self.view
        work = 0
        for shard, files in by_shard.items():
            path = cachefile.shard_path(self.folder, shard) if self.folder is not None else None
            cached = None
            if path is not None and self.key is not None:
                cached = cachefile.read_shard(path, self.key, outline=view == OUTLINE,
                                              full=view == FULL)
            if cached is not None and (not self.prune or len(cached.entries) == len(files)):
                entries = cached.entries
                stale = _untrusted(entries, files, self.rule_key, cached.written,
                                   view == PROBLEMS)
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
                         self.view, False)

    def _from_cache(self, shard: cachefile.Shard, files: list[Listed]) -> _Part | None:
        """The listed files' results from a shard read from the cache, or None when its
        content turns out not to hold together."""
        from pledgetrack.cache.codec import loads as load_records

        record: Callable[[cachefile.Entry], Pledge]
        if self.view == FULL:
            view = memoryview(shard.full or b"")

            def record(entry: cachefile.Entry) -> Pledge:
                at = entry[E_FULL_AT]
                whole: Pledge = load_records(view[at:at + entry[E_FULL_LEN]])
                return whole
        else:
            outline: list[Pledge] = shard.outline or []

            def record(entry: cachefile.Entry) -> Pledge:
                return outline[entry[E_OUTLINE]]

        try:
            return self._collect(shard.entries, files, record)
        except Exception:  # never trusted: anything amiss means the files are read again
            return None

    def _from_result(self, result: ShardResult, files: list[Listed]) -> _Part:
        from pledgetrack.cache.codec import loads as load_records

        if result.data is None:  # from this process
            records = result.records
            entries = {e[E_REL]: e for e in result.entries}
            return self._collect(entries, files, lambda e: records[e[E_REL]])
        index, outline_part, full_part = cachefile.split_parts(result.data)
        _, entry_list = cachefile.loads(index)
        entries = {e[E_REL]: e for e in entry_list}
        if self.view == FULL:
            def record(entry: cachefile.Entry) -> Pledge:
                at = entry[E_FULL_AT]
                whole: Pledge = load_records(full_part[at:at + entry[E_FULL_LEN]])
                return whole
            return self._collect(entries, files, record)
        outline: list[Pledge] = load_records(outline_part) if self.view == OUTLINE else []
        return self._collect(entries, files, lambda e: outline[e[E_OUTLINE]])

    def _collect(
        self, entries: dict[str, cachefile.Entry], files: list[Listed],
        record: Callable[[cachefile.Entry], Pledge],
    ) -> _Part:
        """The listed files' results from a shard's entries (nothing is kept until commit)."""
        from pledgetrack.model.ids import id_error

        keep = self.view != PROBLEMS
        if keep:
            from operator import attrgetter

            from pledgetrack.model.records import Pledge, PledgeOutline

            expected = PledgeOutline if self.view == OUTLINE else Pledge
            # A file with a status outside the vocabulary has an error, so its record is never
            # handed out: one that is comes from a cache file written by someone else.
            known = frozenset(self.config.vocabulary.names).issuperset
            status_of = attrgetter("status")
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
            if entry[E_OUTLINE] < 0:
                continue
            pledge_id, id_line = entry[E_ID], entry[E_ID_LINE]
            if type(pledge_id) is not str or type(id_line) is not int:
                raise TypeError("not an id")
            declared.append((pledge_id, rel, id_line))
            if rel in failed:
                continue
            # A file whose id is not a valid slug or differs from its name has an error
            # (invalid-id, id-mismatch): an entry without errors that says otherwise was
            # written by someone else, to pass one pledge for another or smuggle a path.
            if pledge_id != _stem(rel) or id_error(pledge_id) is not None:
                raise TypeError("an id that is not its file's")
            if keep:
                pledge = record(entry)
                if type(pledge) is not expected or pledge.path != rel or pledge.id != pledge_id:
                    raise TypeError("not the record of this file")
                if not known(map(status_of, pledge.updates)):
                    raise TypeError("a status outside the vocabulary")
                # Likewise what a file must hold to read without errors: an actor
                # (missing-field), and no update by a party that is not one (unknown-party).
                actors = pledge.actors
                if not actors or any(u.party is not None and u.party not in actors
                                     for u in pledge.updates):
                    raise TypeError("actors that no file without errors has")
                pledges.append(pledge)
        return part

    def _commit(self, part: _Part) -> int:
        self.problems.extend(part.problems)
        each = self.each
        if each is None:
            self.pledges.extend(part.pledges)
        else:
            for record in part.pledges:
                each(record)
        self.declared.extend(part.declared)
        self.failed.update(part.failed)
        return part.files


def _stem(rel: str) -> str:
    """The file name of ``rel`` without its extension, as ``PurePosixPath(rel).stem``."""
    name = rel.rpartition("/")[2]
    dot = name.rfind(".")
    return name[:dot] if dot > 0 else name


# -- the configuration, through the cache --------------------------------------------------------

def load_config(root: Path, folder: Path | None) -> Config:
    """See :func:`pledgetrack.cache.load_config`."""
    from pledgetrack.store.root import CONFIG_FILE

    path = root / CONFIG_FILE
    if folder is not None and path.is_file():
        encoded = cachefile.read_config(folder, path, cachefile.version_key())
        if encoded is not None:
            try:
                return decode_config(encoded)
            except Exception:  # a bad cache entry is rebuilt, never trusted
                pass
    # Parsing the configuration imports the YAML parser: only when the cache cannot answer.
    from pledgetrack.store.configfile import config_from_bytes
    from pledgetrack.store.configfile import load_config as parse_config

    if folder is None or not path.is_file():
        return parse_config(root)
    try:
        data = path.read_bytes()
    except OSError:
        return parse_config(root)  # it reports the error
    # The bytes parsed are the bytes recorded: the cached entry is checked by content.
    config = config_from_bytes(data)
    mark = (len(data), cachefile.digest(data))
    cachefile.write_config(folder, cachefile.version_key(), mark, encode_config(config))
    return config
