"""Records in bytes, and back: the form in which parsed files travel between processes and are kept
in the cache.

Records are pickled as calls to constructors of their own (:func:`pledge_record`,
:func:`update_record`, :func:`partial_date`, which build the same records faster than the classes
do), so that reading them back is one pass of the C unpickler with no Python loop of ours;
:func:`loads` accepts exactly these constructors, the record classes and builtin values, so a
cache file never gets to name any other class or function. Equal values are shared when encoding
— dates, names (actors, statuses, parties, publishers), the tuples of them, the key tuples of line
maps — so that the pickle stores them once and the records read back share them: a dataset of
100,000 pledges stays several times smaller. Dates are also shared across shards when read.

A record is encoded twice: *lean* (no summary, quote, criteria, notes, sources or unknown fields,
and no per-field line numbers on updates: what counting, grouping and listing need) and *full*.
"""

from __future__ import annotations

import io
import pickle
import sys
from collections.abc import Callable, Iterator, Mapping
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

    pledge, update = _built()
    return {
        ("pledgetrack.model.records", "Pledge"): Pledge,
        ("pledgetrack.model.records", "Update"): Update,
        ("pledgetrack.model.records", "Source"): Source,
        ("pledgetrack.model.dates", "PartialDate"): PartialDate,
        ("pledgetrack.cache.codec", "LineMap"): LineMap,
        ("pledgetrack.cache.codec", "partial_date"): partial_date,
        ("pledgetrack.cache.codec", "pledge_record"): pledge,
        ("pledgetrack.cache.codec", "update_record"): update,
    }


def _builders() -> tuple[Callable[..., Pledge], Callable[..., Update]]:
    """Constructors of pledges and updates that set the fields straight into their slots.

    A frozen dataclass's own ``__init__`` goes through ``object.__setattr__`` for every field:
    reading 50,000 records back, that was most of the time. These take the same arguments in
    the same order (tests hold them to the classes' fields) and build equal records.
    """
    from pledgetrack.model.records import Pledge, Update

    new = object.__new__
    p = {name: Pledge.__dict__[name].__set__ for name in Pledge.__slots__}
    u = {name: Update.__dict__[name].__set__ for name in Update.__slots__}

    def pledge(
        id: str, title: str, actors: tuple[str, ...], domains: tuple[str, ...],
        sources: tuple[Source, ...], announced: PartialDate | None,
        recipients: tuple[str, ...], made_by: str | None, deadline: PartialDate | None,
        summary: str | None, quote: str | None, criteria: str | None, tags: tuple[str, ...],
        updates: tuple[Update, ...], extra: Mapping[str, object], path: str,
        lines: Mapping[str, int],
        _id: Any = p["id"], _title: Any = p["title"], _actors: Any = p["actors"],
        _domains: Any = p["domains"], _sources: Any = p["sources"],
        _announced: Any = p["announced"], _recipients: Any = p["recipients"],
        _made_by: Any = p["made_by"], _deadline: Any = p["deadline"],
        _summary: Any = p["summary"], _quote: Any = p["quote"], _criteria: Any = p["criteria"],
        _tags: Any = p["tags"], _updates: Any = p["updates"], _extra: Any = p["extra"],
        _path: Any = p["path"], _lines: Any = p["lines"], _timeline: Any = p["_timeline"],
    ) -> Pledge:
        record: Pledge = new(Pledge)
        _id(record, id)
        _title(record, title)
        _actors(record, actors)
        _domains(record, domains)
        _sources(record, sources)
        _announced(record, announced)
        _recipients(record, recipients)
        _made_by(record, made_by)
        _deadline(record, deadline)
        _summary(record, summary)
        _quote(record, quote)
        _criteria(record, criteria)
        _tags(record, tags)
        _updates(record, updates)
        _extra(record, extra)
        _path(record, path)
        _lines(record, lines)
        _timeline(record, None)
        return record

    def update(
        date: PartialDate, status: str, party: str | None, note: str | None,
        sources: tuple[Source, ...], recorded: PartialDate | None, line: int,
        lines: Mapping[str, int],
        _date: Any = u["date"], _status: Any = u["status"], _party: Any = u["party"],
        _note: Any = u["note"], _sources: Any = u["sources"], _recorded: Any = u["recorded"],
        _line: Any = u["line"], _lines: Any = u["lines"],
    ) -> Update:
        record: Update = new(Update)
        _date(record, date)
        _status(record, status)
        _party(record, party)
        _note(record, note)
        _sources(record, sources)
        _recorded(record, recorded)
        _line(record, line)
        _lines(record, lines)
        return record

    return pledge, update


_BUILT: list[tuple[Callable[..., Pledge], Callable[..., Update]]] = []


def _built() -> tuple[Callable[..., Pledge], Callable[..., Update]]:
    if not _BUILT:
        _BUILT.append(_builders())
    return _BUILT[0]


def pledge_record(*fields: Any) -> Pledge:
    """A pledge from its fields in constructor order (the name a cache file calls)."""
    return _built()[0](*fields)


def update_record(*fields: Any) -> Update:
    """An update from its fields in constructor order (the name a cache file calls)."""
    return _built()[1](*fields)


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
        return (pledge_record, (
            p.id, p.title, s(p.actors), s(p.domains), (), s(p.announced), s(p.recipients),
            s(p.made_by), s(p.deadline), None, None, None, s(p.tags), p.updates, {}, p.path,
            self._lines(p.lines)))

    def _lean_update(self, u: Update) -> tuple[Any, ...]:
        s = self.share
        return (update_record, (
            s(u.date), s(u.status), s(u.party), None, (), s(u.recorded), u.line, EMPTY))

    def _full_pledge(self, p: Pledge) -> tuple[Any, ...]:
        s = self.share
        return (pledge_record, (
            p.id, p.title, s(p.actors), s(p.domains), p.sources, s(p.announced),
            s(p.recipients), s(p.made_by), s(p.deadline), p.summary, p.quote, p.criteria,
            s(p.tags), p.updates, dict(p.extra), p.path, self._lines(p.lines)))

    def _full_update(self, u: Update) -> tuple[Any, ...]:
        s = self.share
        return (update_record, (
            s(u.date), s(u.status), s(u.party), u.note, u.sources, s(u.recorded), u.line,
            self._lines(u.lines)))

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
            config.require_update_sources, config.require_archived, config.joint_status)


def decode_config(encoded: tuple[Any, ...]) -> Config:
    statuses, domains, stale, require, archived, joint = encoded
    vocabulary = Vocabulary(tuple(Status(*s) for s in statuses))
    return Config(vocabulary, dict(domains), int(stale), bool(require), bool(archived), joint)
