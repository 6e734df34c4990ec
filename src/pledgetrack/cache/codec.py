"""Records in bytes, and back: the form in which parsed files travel between processes and are kept
in the cache.

Records are pickled as calls to constructors of their own (:func:`pledge_record`,
:func:`update_record`, their outline views' :func:`pledge_outline` and :func:`update_outline`,
and :func:`partial_date`, which build the same records faster than the classes do), so that
reading them back is one pass of the C unpickler with no Python loop of ours;
:func:`loads` accepts exactly these constructors, the record classes and builtin values, so a
cache file never gets to name any other class or function. Equal values are shared when encoding
— dates, names (actors, statuses, parties, publishers), the tuples of them, the key tuples of line
maps — so that the pickle stores them once and the records read back share them: a dataset of
100,000 pledges stays several times smaller. Dates are also shared across shards when read.

A record is encoded twice: as its *outline* (:class:`~pledgetrack.model.records.PledgeOutline`:
what counting, grouping and listing need) and *full*. Which fields each holds, and in which
order, comes from the record classes alone.

Reading back never trusts the bytes: whoever can write the cache folder can write a pickle with
right digests and any values. Every constructor a cache file may call checks the type of every
value it is given against the record class's annotations (checks generated once, with the
constructors), dates are checked to be dates of the calendar, line maps to map names to numbers;
any mismatch raises :class:`Forged`, and the loader builds the shard again from the files.
"""

from __future__ import annotations

import dataclasses
import io
import pickle
import sys
from collections.abc import Callable, Iterator, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any

from pledgetrack.model.config import Config
from pledgetrack.model.problems import Problem
from pledgetrack.model.vocabulary import Status, Vocabulary

if TYPE_CHECKING:
    from pledgetrack.model.dates import PartialDate
    from pledgetrack.model.records import Pledge, Source, Update

class Forged(TypeError):
    """A value read back from a cache file that no record of this version can hold."""


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


_all_str = frozenset({str}).issuperset
_all_int = frozenset({int}).issuperset

# Tuples of names found to hold names only. The encoder shares them (a data set has a few
# hundred distinct lists of actors, domains or field names for tens of thousands of records), so
# that looking one up here is cheaper than checking it again.
_NAMES: set[tuple[str, ...]] = set()
_NAMES_MAX = 1 << 16


def _names(value: Any) -> bool:
    """Whether ``value`` is a tuple of texts (then remembered)."""
    if type(value) is not tuple or not _all_str(map(type, value)):
        return False
    if len(_NAMES) >= _NAMES_MAX:
        _NAMES.clear()
    _NAMES.add(value)
    return True


_set_keys = LineMap.__dict__["_keys"].__set__
_set_lines = LineMap.__dict__["_lines"].__set__


def line_map(keys: Any, lines: Any) -> LineMap:
    """A line map read back: names and line numbers, as many of each (else :class:`Forged`)."""
    if not ((keys in _NAMES or _names(keys)) and type(lines) is tuple
            and len(keys) == len(lines) and _all_int(map(type, lines))):
        raise Forged("not a line map")
    made = object.__new__(LineMap)
    _set_keys(made, keys)
    _set_lines(made, lines)
    return made


def _allowed() -> dict[tuple[str, str], Any]:
    # The record modules are imported when records are first read, not with this module. Every
    # name a cache file may call is a checking constructor (see the module's docstring), under
    # the names the pickles of this and earlier versions use.
    built = _built()
    return {
        ("pledgetrack.model.records", "Source"): built.source,
        ("pledgetrack.model.dates", "PartialDate"): partial_date,
        ("pledgetrack.cache.codec", "LineMap"): line_map,
        ("pledgetrack.cache.codec", "partial_date"): partial_date,
        ("pledgetrack.cache.codec", "pledge_record"): built.pledge,
        ("pledgetrack.cache.codec", "update_record"): built.update,
        ("pledgetrack.cache.codec", "pledge_outline"): built.pledge_outline,
        ("pledgetrack.cache.codec", "update_outline"): built.update_outline,
    }


# -- constructors and reducers, derived from the record classes' fields --------------------------
#
# A frozen dataclass's own ``__init__`` goes through ``object.__setattr__`` for every field:
# reading 50,000 records back, that was most of the time. The constructors below set the fields
# straight into their slots; the reducers pick the same fields in the same order. Both are
# generated from the classes' fields (:func:`dataclasses.fields`), so that a field added to a
# record needs nothing here; a view's constructor takes only the fields that view holds.


def _stored(cls: type, view: type) -> tuple[str, ...]:
    """The init fields of ``cls`` that ``view`` holds, in the class's order."""
    from pledgetrack.model.records import full_only

    withheld = full_only(cls) if view is not cls else ()
    return tuple(f.name for f in dataclasses.fields(cls) if f.init and f.name not in withheld)


def _plain(value: Any, depth: int = 0) -> bool:
    """Whether ``value`` is what a field this version does not know can hold: text, numbers,
    booleans, None, and lists and mappings (by text) of them."""
    kind = type(value)
    if value is None or kind is str or kind is int or kind is float or kind is bool:
        return True
    if depth > 64:
        return False
    if kind is list:
        return all(_plain(v, depth + 1) for v in value)
    if kind is dict:
        return all(type(k) is str and _plain(v, depth + 1) for k, v in value.items())
    return False


def _checks(cls: type, view: type) -> tuple[list[str], dict[str, Any]]:
    """The type checks of ``view``'s stored fields, as Python expressions over the constructor's
    arguments (all true: the values fit), and the names they use. Made from the fields'
    annotations: a field of a type not listed here stops the program at once, so that every
    field added to a record is decided on."""
    from pledgetrack.model.dates import PartialDate
    from pledgetrack.model.records import Pledge, PledgeOutline, Source, Update, UpdateOutline

    outline = view in (PledgeOutline, UpdateOutline)
    updates = UpdateOutline if outline else Update
    scope: dict[str, Any] = {
        "_type": type, "_map": map, "_str": str, "_int": int, "_tuple": tuple, "_dict": dict,
        "_date": PartialDate, "_lines": LineMap, "_plain": _plain, "_known": _NAMES,
        "_names": _names,
        "_all_updates": frozenset({updates}).issuperset,
        "_all_sources": frozenset({Source}).issuperset,
    }
    forms = {
        "str": "_type({0}) is _str",
        "str | None": "({0} is None or _type({0}) is _str)",
        "int": "_type({0}) is _int",
        "tuple[str, ...]": "({0} in _known or _names({0}))",
        "PartialDate": "_type({0}) is _date",
        "PartialDate | None": "({0} is None or _type({0}) is _date)",
        "tuple[Update, ...]": "_type({0}) is _tuple and _all_updates(_map(_type, {0}))",
        "tuple[Source, ...]": "_type({0}) is _tuple and _all_sources(_map(_type, {0}))",
        "Mapping[str, int]": "_type({0}) is _lines",
        "Mapping[str, object]": "_type({0}) is _dict and (not {0} or _plain({0}))",
    }
    assert cls in (Pledge, Update, Source)
    hints = {f.name: str(f.type) for f in dataclasses.fields(cls)}
    checks = []
    for name in _stored(cls, view):
        form = forms.get(hints[name])
        if form is None:
            raise TypeError(f"no cache check for {cls.__name__}.{name}: {hints[name]}")
        checks.append(form.format(name))
    return checks, scope


def _constructor(cls: type, view: type) -> Callable[..., Any]:
    """A function taking ``view``'s stored fields in order and returning a ``view`` record,
    after checking the type of every value (:class:`Forged` when one does not fit); the other
    slots of the class (worked out later, as a pledge's timeline) are set to None."""
    stored = _stored(cls, view)
    unset = tuple(f.name for f in dataclasses.fields(cls) if not f.init)
    checks, scope = _checks(cls, view)
    scope.update({"_new": object.__new__, "_view": view, "_forged": Forged})
    # One expression: the checks cost a few percent of reading a record back.
    body = [f"    if not ({' and '.join(checks)}):",
            f"        raise _forged('not a {view.__name__} of this version')",
            "    record = _new(_view)"]
    for name in stored + unset:
        scope[f"_set_{name}"] = cls.__dict__[name].__set__
        body.append(f"    _set_{name}(record, {name if name in stored else 'None'})")
    body.append("    return record")
    code = f"def build({', '.join(stored)}):\n" + "\n".join(body) + "\n"
    exec(code, scope)
    build: Callable[..., Any] = scope["build"]
    build.__qualname__ = build.__name__ = f"build_{view.__name__}"
    return build


class _Built:
    """The constructors of the record classes and of their outline views."""

    __slots__ = ("pledge", "pledge_outline", "source", "update", "update_outline")

    def __init__(self) -> None:
        from pledgetrack.model.records import Pledge, PledgeOutline, Source, Update, UpdateOutline

        self.source = _constructor(Source, Source)
        self.pledge = _constructor(Pledge, Pledge)
        self.update = _constructor(Update, Update)
        self.pledge_outline = _constructor(Pledge, PledgeOutline)
        self.update_outline = _constructor(Update, UpdateOutline)


_BUILT: list[_Built] = []


def _built() -> _Built:
    if not _BUILT:
        _BUILT.append(_Built())
    return _BUILT[0]


def pledge_record(*fields: Any) -> Pledge:
    """A pledge from its fields in constructor order (the name a cache file calls)."""
    record: Pledge = _built().pledge(*fields)
    return record


def update_record(*fields: Any) -> Update:
    """An update from its fields in constructor order (the name a cache file calls)."""
    record: Update = _built().update(*fields)
    return record


def pledge_outline(*fields: Any) -> Pledge:
    """A pledge's outline from the fields it holds, in constructor order."""
    record: Pledge = _built().pledge_outline(*fields)
    return record


def update_outline(*fields: Any) -> Update:
    """An update's outline from the fields it holds, in constructor order."""
    record: Update = _built().update_outline(*fields)
    return record


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


def _reducer(cls: type, view: type, call: Callable[..., Any]) -> Callable[[Any, Any], Any]:
    """A function (encoder, record) -> (call, fields) picking ``view``'s stored fields of a
    record, sharing equal values: names, dates and tuples of names are shared, line maps made
    compact, unknown fields copied into a plain dict, records within (updates, sources) left to
    the pickler's table."""
    hints = {f.name: str(f.type) for f in dataclasses.fields(cls)}
    scope: dict[str, Any] = {"_call": call, "_dict": dict}
    picks = []
    for name in _stored(cls, view):
        hint = hints[name]
        if hint.startswith("Mapping[str, int]"):
            picks.append(f"enc._lines(r.{name})")
        elif hint.startswith("Mapping"):
            picks.append(f"_dict(r.{name})")
        elif hint.startswith(("tuple[Update", "tuple[Source", "int")):
            picks.append(f"r.{name}")
        else:  # text, names, dates and tuples of names
            picks.append(f"enc.share(r.{name})")
    code = (f"def reduce(enc, r):\n    return (_call, ({', '.join(picks)},))\n")
    exec(code, scope)
    reduce: Callable[[Any, Any], Any] = scope["reduce"]
    return reduce


class Encoder:
    """Pickles records, sharing equal values (see the module's docstring)."""

    def __init__(self) -> None:
        from pledgetrack.model.dates import PartialDate
        from pledgetrack.model.records import (
            Pledge,
            PledgeOutline,
            Source,
            Update,
            UpdateOutline,
        )

        self._shared: dict[Any, Any] = {}
        reducers = _reducers()
        outline_pledge = partial(reducers[0], self)
        outline_update = partial(reducers[1], self)
        self._outline_pledge = outline_pledge
        self._outline_update = outline_update
        # An outline pickled again (a shard rebuilt around it) stays the same outline.
        self._outline_table = {Pledge: outline_pledge, PledgeOutline: outline_pledge,
                               Update: outline_update, UpdateOutline: outline_update,
                               PartialDate: _reduce_date}
        self._full_table = {Pledge: partial(reducers[2], self),
                            Update: partial(reducers[3], self),
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

    def _source(self, x: Source) -> tuple[Any, ...]:
        return (type(x), tuple(self.share(getattr(x, f.name)) for f in dataclasses.fields(x)))

    def _dumps(self, value: Any, table: dict[type, Any]) -> bytes:
        buffer = io.BytesIO()
        pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
        pickler.dispatch_table = table
        pickler.dump(value)
        return buffer.getvalue()

    def outline(self, value: Any) -> bytes:
        """Pickle ``value`` (records, or lists of them) as outline records."""
        return self._dumps(value, self._outline_table)

    def full(self, value: Any) -> bytes:
        return self._dumps(value, self._full_table)

    def outline_copy(self, p: Pledge) -> Pledge:
        """The outline of ``p`` without pickling (records parsed in this process)."""
        built = _built()
        _, args = self._outline_pledge(p)
        updates_at = _stored_index("updates")
        fields = list(args)
        fields[updates_at] = tuple(built.update_outline(*self._outline_update(u)[1])
                                   for u in p.updates)
        outline: Pledge = built.pledge_outline(*fields)
        return outline


_REDUCERS: list[tuple[Callable[[Any, Any], Any], ...]] = []


def _reducers() -> tuple[Callable[[Any, Any], Any], ...]:
    """The reducers of outline pledges and updates, then of full ones."""
    if not _REDUCERS:
        from pledgetrack.model.records import Pledge, PledgeOutline, Update, UpdateOutline

        _REDUCERS.append((
            _reducer(Pledge, PledgeOutline, pledge_outline),
            _reducer(Update, UpdateOutline, update_outline),
            _reducer(Pledge, Pledge, pledge_record),
            _reducer(Update, Update, update_record),
        ))
    return _REDUCERS[0]


def _stored_index(name: str) -> int:
    from pledgetrack.model.records import Pledge, PledgeOutline

    return _stored(Pledge, PledgeOutline).index(name)


def _reduce_date(d: PartialDate) -> tuple[Any, ...]:
    return (partial_date, (d.year, d.month, d.day, d.quarter))


# Dates read back, shared by every record of the process: a data set names a few thousand
# distinct dates in tens of thousands of places, and each date works out its first and last
# day once instead of once per record.
_DATES: dict[tuple[Any, ...], PartialDate] = {}
_DATES_MAX = 1 << 16


def partial_date(*fields: Any) -> PartialDate:
    """The date of these fields (year, month, day, quarter), shared with equal ones read;
    :class:`Forged` when they are not a date a file can hold."""
    date = _DATES.get(fields)
    if date is None:
        date = _checked_date(fields)
        if len(_DATES) >= _DATES_MAX:
            _DATES.clear()
        _DATES[fields] = date
    return date


def _checked_date(fields: tuple[Any, ...]) -> PartialDate:
    from pledgetrack.model.dates import PartialDate

    if len(fields) != 4:
        raise Forged("not a date")
    year, month, day, quarter = fields
    if not (type(year) is int and (month is None or type(month) is int)
            and (day is None or (type(day) is int and month is not None))
            and (quarter is None or (type(quarter) is int and month is None
                                     and 1 <= quarter <= 4))):
        raise Forged("not a date")
    date = PartialDate(year, month, day, quarter)
    try:  # the period's first and last days: a day of the calendar, or no date
        date.start  # noqa: B018 - worked out now, kept by the date
        date.end  # noqa: B018
    except (ValueError, OverflowError):
        raise Forged("not a date") from None
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


_STATUS_TYPES = ((str,), (str,), (bool,), (str,), (float, int, type(None)), (str,))


def decode_config(encoded: tuple[Any, ...]) -> Config:
    """The configuration of :func:`encode_config`; :class:`Forged` when a value is not of its
    type (the cached configuration is then read again from its file)."""
    from pledgetrack.model.joint import JOINT_RULES

    statuses, domains, stale, require, archived, joint = encoded
    if not (type(statuses) is tuple and statuses and type(domains) is tuple
            and all(type(s) is tuple and len(s) == len(_STATUS_TYPES)
                    and all(type(v) in t for v, t in zip(s, _STATUS_TYPES, strict=True))
                    for s in statuses)
            and all(type(d) is tuple and len(d) == 2 and _all_str(map(type, d)) for d in domains)
            and type(stale) is int and type(require) is bool and type(archived) is bool
            and joint in JOINT_RULES):
        raise Forged("not a configuration")
    vocabulary = Vocabulary(tuple(Status(*s) for s in statuses))
    return Config(vocabulary, dict(domains), int(stale), bool(require), bool(archived), joint)
