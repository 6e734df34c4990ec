"""Full records one at a time, in the order asked for: what an export of a large data root
writes as it goes, instead of holding every record's texts and sources at once.

Each shard file concerned is opened once and checked whole (its digests), then every record is
read on its own (``pread`` of its bytes) and decoded as it is needed: memory holds one record
and, per file, where its bytes are. A file the cache does not hold as it is now (changed since
it was cached, or no cache at all) is read and parsed instead, as a load would.

Internal to :mod:`pledgetrack.cache` (see :func:`pledgetrack.cache.full_records`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from pledgetrack.cache import shards as cachefile
from pledgetrack.cache.codec import encode_config
from pledgetrack.cache.listing import SYMLINK, Listed
from pledgetrack.cache.scheduler import trusted
from pledgetrack.cache.shards import (
    E_FULL_AT,
    E_FULL_LEN,
    E_OUTLINE,
    E_PARSE_PROBLEMS,
    E_RULE_PROBLEMS,
    OpenShard,
)
from pledgetrack.model.config import Config

if TYPE_CHECKING:
    from pledgetrack.model.problems import Problem
    from pledgetrack.model.records import Pledge

# Where one file's full record is: its open shard, offset and length in the full part.
_Place = tuple[OpenShard, int, int]


def _errors(encoded: tuple[tuple[object, ...], ...]) -> bool:
    return any(problem[2] == "error" for problem in encoded)


def _places(listed: list[Listed], config: Config, folder: Path | None,
            opened: list[OpenShard]) -> list[_Place | None]:
    """Where the cache holds each listed file's full record as the file is now (None: the file
    is to be parsed). The shards' entries are dropped once looked at."""
    places: list[_Place | None] = [None] * len(listed)
    if folder is None:
        return places
    key = cachefile.version_key()
    rule_key = cachefile.digest(repr(encode_config(config)).encode()).hex()
    by_shard: dict[int, list[int]] = {}
    for i, item in enumerate(listed):
        by_shard.setdefault(cachefile.shard_of(item[0]), []).append(i)
    for shard, indexes in sorted(by_shard.items()):
        found = cachefile.open_shard(cachefile.shard_path(folder, shard), key)
        if found is None:
            continue
        opened.append(found)
        entries = found.entries
        for i in indexes:
            rel, _, mtime, size, ident = listed[i]
            entry = entries.get(rel)
            if (entry is None or entry[E_OUTLINE] < 0
                    or not trusted(entry, mtime, size, ident, rule_key)
                    or _errors(entry[E_PARSE_PROBLEMS]) or _errors(entry[E_RULE_PROBLEMS])):
                continue
            places[i] = (found, entry[E_FULL_AT], entry[E_FULL_LEN])
        found.entries = {}
    return places


def _parsed(rel: str, path: str, size: int, config: Config) -> Pledge | None:
    """The file's record, parsed and checked as a load does; None when it has errors."""
    from pledgetrack.yamlfile import pledgefile

    if size == SYMLINK:
        return None
    try:
        data = pledgefile.read_pledge_file(path)
    except OSError:
        return None
    pledge, problems, salvage = pledgefile.parse_with_salvage(data, rel)
    if pledge is None or _any_error(problems):
        return None
    if _any_error(pledgefile.rule_problems(pledge, salvage, config)):
        return None
    return pledge


def _any_error(problems: list[Problem]) -> bool:
    return any(p.level == "error" for p in problems)


def full_records(listed: list[Listed], config: Config,
                 folder: Path | None) -> Iterator[tuple[str, Pledge | None]]:
    """See :func:`pledgetrack.cache.full_records`."""
    from pledgetrack.cache.codec import loads as load_record
    from pledgetrack.model.records import Pledge

    # A file with a status outside the vocabulary has an error, so its record is never handed
    # out: one that is comes from a cache file written by someone else.
    known = frozenset(config.vocabulary.names).issuperset
    opened: list[OpenShard] = []
    try:
        places = _places(listed, config, folder, opened)
        for i, (rel, path, _, size, _) in enumerate(listed):
            place = places[i]
            places[i] = None
            record = None
            if place is not None:
                shard, at, length = place
                try:
                    record = load_record(shard.full_record_at(at, length))
                except Exception:  # a record that does not load is read from its file
                    record = None
                if (type(record) is not Pledge or record.path != rel
                        or not known(u.status for u in record.updates)):
                    record = None
            if record is None:
                record = _parsed(rel, path, size, config)
            yield rel, record
    finally:
        for shard in opened:
            shard.close()
