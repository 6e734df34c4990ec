"""Records in bytes, and back: the form in which parsed files travel between processes and are kept
in the cache.

Records are pickled as calls to their own constructors, so that reading them back is one pass of
the C unpickler with no Python loop of ours; :func:`loads` accepts exactly these record classes and
builtin values, so a cache file never gets to name any other class or function. Equal values are
shared when encoding — dates, names (actors, statuses, parties, publishers), the tuples of them, the
key tuples of line maps — so that the pickle stores them once and the records read back share them:
a dataset of 100,000 pledges stays several times smaller.

A record is encoded twice: *lean* (no summary, quote, criteria, notes, sources or unknown fields,
and no per-field line numbers on updates: what counting, grouping and listing need) and *full*.
"""

from __future__ import annotations

import io
import pickle
import sys
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Literal

from pledgetrack.model.config import Config
from pledgetrack.model.problems import Problem
from pledgetrack.model.vocabulary import Status, Vocabulary

if TYPE_CHECKING:
    from pledgetrack.model.dates import PartialDate
    from pledgetrack.model.records import Pledge, Source, Update

# How much of each record load_dataset builds:
#   full      every field;
#   lean      summary, quote, criteria, notes, sources and extra fields left empty, and no
#             per-field line numbers on updates: enough to count, group and list;
#   problems  no records at all, only the problems (what `check` needs).
Detail = Literal["full", "lean", "problems"]
FULL: Detail = "full"
LEAN: Detail = "lean"
PROBLEMS: Detail = "problems"
DETAILS: tuple[Detail, ...] = (FULL, LEAN, PROBLEMS)


class LineMap(Mapping[str, int]):
    """A compact, read-only ``{field: line}``: the key tuple is shared by every record with the
    same fields in the same order, and the lines are one small tuple (a dict costs 3-4x more)."""

    __slots__ = ("_keys", "_lines")

    def __init__(self, keys: tuple[str, ...], lines: tuple[int, ...]) -> None:
        self._keys = keys
        self._lines = lines

    def __getitem__(self, key: str) -> int:
        try:
            return self._lines[self._keys.index(key)]
        except ValueError:
            raise KeyError(key) from None

    def get(self, key: str, default: Any = None) -> Any:
        keys = self._keys
        return self._lines[keys.index(key)] if key in keys else default

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __repr__(self) -> str:
        return repr(dict(zip(self._keys, self._lines, strict=True)))

    def __reduce__(self) -> tuple[Any, ...]:
        return (LineMap, (self._keys, self._lines))


# The line numbers of an update in a lean record: none, in one shared empty map.
EMPTY: Mapping[str, int] = LineMap((), ())

def _allowed() -> dict[tuple[str, str], Any]:
    # The record modules are imported when records are first read, not with this module.
    from pledgetrack.model.dates import PartialDate
    from pledgetrack.model.records import Pledge, Source, Update

    return {
        ("pledgetrack.model.records", "Pledge"): Pledge,
        ("pledgetrack.model.records", "Update"): Update,
        ("pledgetrack.model.records", "Source"): Source,
        ("pledgetrack.model.dates", "PartialDate"): PartialDate,
        ("pledgetrack.store.codec", "partial_date"): partial_date,
        ("pledgetrack.store.codec", "LineMap"): LineMap,
    }


_ALLOWED: dict[tuple[str, str], Any] = {}


class _RecordUnpickler(pickle.Unpickler):
    """Builtin values and the record classes; any other class or function is refused."""

    def find_class(self, module: str, name: str) -> Any:
        if not _ALLOWED:
            _ALLOWED.update(_allowed())
        allowed = _ALLOWED.get((module, name))
        if allowed is None:
            raise pickle.UnpicklingError(f"refused {module}.{name}")
        return allowed


def loads(data: bytes | memoryview) -> Any:
    return _RecordUnpickler(io.BytesIO(data)).load()


class Encoder:
    """Pickles records, sharing equal values (see the module's docstring)."""

    def __init__(self) -> None:
        from pledgetrack.model.dates import PartialDate
        from pledgetrack.model.records import Pledge, Source, Update

        self._shared: dict[Any, Any] = {}
        self._lean_table = {Pledge: self._lean_pledge, Update: self._lean_update,
                            PartialDate: _reduce_date}
        self._full_table = {Pledge: self._full_pledge, Update: self._full_update,
                            Source: self._source, PartialDate: _reduce_date}

    def share(self, value: Any) -> Any:
        if value is None:
            return None
        shared = self._shared.get(value)
        if shared is None:
            if type(value) is str:
                value = sys.intern(value)
            shared = self._shared[value] = value
        return shared

    def _lines(self, lines: Mapping[str, int]) -> LineMap:
        return LineMap(self.share(tuple(lines)), tuple(lines.values()))

    def _lean_pledge(self, p: Pledge) -> tuple[Any, ...]:
        s = self.share
        return (type(p), (p.id, p.title, s(p.actors), s(p.domains), (), s(p.announced),
                         s(p.recipients), s(p.made_by), s(p.deadline), None, None, None,
                         s(p.tags), p.updates, {}, p.path, self._lines(p.lines)))

    def _lean_update(self, u: Update) -> tuple[Any, ...]:
        s = self.share
        return (type(u), (s(u.date), s(u.status), s(u.party), None, (), s(u.recorded), u.line,
                         EMPTY))

    def _full_pledge(self, p: Pledge) -> tuple[Any, ...]:
        s = self.share
        return (type(p), (p.id, p.title, s(p.actors), s(p.domains), p.sources, s(p.announced),
                         s(p.recipients), s(p.made_by), s(p.deadline), p.summary, p.quote,
                         p.criteria, s(p.tags), p.updates, dict(p.extra),
                         p.path, self._lines(p.lines)))

    def _full_update(self, u: Update) -> tuple[Any, ...]:
        s = self.share
        return (type(u), (s(u.date), s(u.status), s(u.party), u.note, u.sources, s(u.recorded),
                         u.line, self._lines(u.lines)))

    def _source(self, x: Source) -> tuple[Any, ...]:
        s = self.share
        return (type(x), (x.url, x.title, s(x.publisher), s(x.published), x.archived, x.line))

    def _dumps(self, value: Any, table: dict[type, Any]) -> bytes:
        buffer = io.BytesIO()
        pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
        pickler.dispatch_table = table
        pickler.dump(value)
        return buffer.getvalue()

    def lean(self, value: Any) -> bytes:
        """Pickle ``value`` (records, or lists of them) as lean records."""
        return self._dumps(value, self._lean_table)

    def full(self, value: Any) -> bytes:
        return self._dumps(value, self._full_table)

    def lean_copy(self, p: Pledge) -> Pledge:
        """The lean record of ``p`` without pickling (records parsed in this process)."""
        cls, args = self._lean_pledge(p)
        fields = list(args)
        fields[13] = tuple(type(u)(*self._lean_update(u)[1]) for u in p.updates)
        lean: Pledge = cls(*fields)
        return lean


def _reduce_date(d: PartialDate) -> tuple[Any, ...]:
    return (partial_date, (d.year, d.month, d.day, d.quarter))


# Dates read back, shared by every record of the process: a data set names a few thousand
# distinct dates in tens of thousands of places, and each date works out its first and last
# day once instead of once per record.
_DATES: dict[tuple[Any, ...], PartialDate] = {}
_DATES_MAX = 1 << 16


def partial_date(*fields: Any) -> PartialDate:
    """The date of these fields (year, month, day, quarter), shared with equal ones read."""
    date = _DATES.get(fields)
    if date is None:
        from pledgetrack.model.dates import PartialDate

        if len(_DATES) >= _DATES_MAX:
            _DATES.clear()
        date = _DATES[fields] = PartialDate(*fields)
    return date


# -- problems ----------------------------------------------------------------------------------

def encode_problems(problems: list[Problem]) -> tuple[tuple[Any, ...], ...]:
    return tuple((p.line, p.col, p.level, p.rule, p.message) for p in problems)


def decode_problems(path: str, encoded: tuple[tuple[Any, ...], ...]) -> list[Problem]:
    return [Problem(path, t[0], t[1], t[2], t[3], t[4]) for t in encoded]


# -- configuration -----------------------------------------------------------------------------

def encode_config(config: Config) -> tuple[Any, ...]:
    statuses = tuple(
        (s.name, s.label, s.final, s.color, s.score, s.description)
        for s in config.vocabulary
    )
    return (statuses, tuple(config.domains.items()), config.stale_after_days,
            config.require_update_sources)


def decode_config(encoded: tuple[Any, ...]) -> Config:
    statuses, domains, stale, require = encoded
    vocabulary = Vocabulary(tuple(Status(*s) for s in statuses))
    return Config(vocabulary, dict(domains), int(stale), bool(require))
