"""Pledge records. They know nothing of files or terminals; line numbers are carried only so that
problems found in a record can point back at the text it came from."""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import NamedTuple

from pledgetrack.errors import PledgetrackError
from pledgetrack.model.dates import PartialDate
from pledgetrack.model.joint import UNANIMOUS, JointRule, overall_status
from pledgetrack.model.vocabulary import DEFAULT_VOCABULARY, Vocabulary

# Metadata of the fields that only the full view of a record holds: the texts and sources that
# counting, grouping and listing never read. The outline types below leave them out.
FULL_ONLY = {"view": "full"}

# The most names one list of a pledge (actors, recipients, domains, tags) may hold. The G20 has
# 21 members and the UN 193; a list far longer is a mistake or an attempt to make every report
# of the data set slow (each name is a group and a column of the compliance matrix), so
# `check` reports it as an error (rule too-many-names).
MAX_NAMES = 1_000


@dataclass(frozen=True, slots=True)
class Source:
    url: str
    title: str | None = None
    publisher: str | None = None
    published: PartialDate | None = None
    archived: str | None = None
    line: int = 0


@dataclass(frozen=True, slots=True)
class Update:
    """One entry of a pledge's follow-through log."""

    date: PartialDate
    status: str
    party: str | None = None
    note: str | None = field(default=None, metadata=FULL_ONLY)
    sources: tuple[Source, ...] = field(default=(), metadata=FULL_ONLY)
    recorded: PartialDate | None = None
    line: int = 0
    # 1-based line of each field, for problems found later ("status", "party", "date" …).
    lines: Mapping[str, int] = field(default_factory=dict, metadata=FULL_ONLY)


class Timeline:
    """A pledge's updates in date order (ties: file order), with what the questions asked as of
    a date need: every as-of question is a prefix of this order, found by one bisection.

    Worked out once per record (:meth:`Pledge.timeline`): a report asks several questions of each
    pledge (status, each party's status, last activity), and sorting its updates for each one
    was most of a report's time over a large data set.
    """

    # Tuples, not lists, and no copy of updates already in order: a report keeps one timeline
    # per pledge, so at 100,000 pledges every field counts in megabytes.
    __slots__ = ("parties", "starts", "updates")

    def __init__(self, updates: tuple[Update, ...]) -> None:
        starts = tuple([u.date.start for u in updates])
        ordered = updates
        if any(starts[i] > starts[i + 1] for i in range(len(starts) - 1)):
            order = sorted(range(len(starts)), key=starts.__getitem__)  # stable
            ordered = tuple([updates[i] for i in order])
            starts = tuple([starts[i] for i in order])
        self.updates: tuple[Update, ...] = ordered
        self.starts: tuple[dt.date, ...] = starts
        self.parties = any(u.party for u in updates)

    def cut(self, as_of: dt.date | None) -> int:
        """How many updates had happened by ``as_of`` (all when None): they come first."""
        return len(self.starts) if as_of is None else bisect_right(self.starts, as_of)

    def latest(self, cut: int, party: str | None = None) -> Update | None:
        """The last of the first ``cut`` updates (for ``party``: naming it or no party)."""
        if party is None:
            return self.updates[cut - 1] if cut else None
        ups = self.updates
        for i in range(cut - 1, -1, -1):
            named = ups[i].party
            if named is None or named == party:
                return ups[i]
        return None

    def latest_of(self, cut: int, parties: tuple[str, ...]) -> list[Update | None]:
        """:meth:`latest` for each of ``parties`` at once, in one pass back from ``cut``."""
        found: list[Update | None] = [None] * len(parties)
        where = {p: i for i, p in enumerate(parties)}
        missing = len(where)
        ups = self.updates
        for i in range(cut - 1, -1, -1):
            if not missing:
                break
            u = ups[i]
            if u.party is None:
                return [u if f is None else f for f in found]
            at = where.get(u.party)
            if at is not None and found[at] is None:
                found[at] = u
                missing -= 1
        return found

    def last_end(self, cut: int) -> dt.date | None:
        """The latest last day of the first ``cut`` updates' periods (a partial date ends with
        its period, which may end after a later, more precise update)."""
        if not cut:
            return None
        return max([u.date.end for u in self.updates[:cut]])


# What a pledge assessed as a whole has for its parties (shared: one per pledge would count).
NO_PARTIES: Mapping[str, str] = MappingProxyType({})
NO_DATES: Mapping[str, PartialDate | None] = MappingProxyType({})


class Standing(NamedTuple):
    """Where a pledge stands as of a date: its status as a whole and, for a joint pledge (one
    whose updates name a party), each actor's own status.

    A named tuple: a report makes one per pledge, and a tuple is the cheapest record to build.
    """

    status: str
    # The date of the update that set the status: for a joint pledge, the latest of the updates
    # that set its actors' statuses. None: no update yet.
    since: PartialDate | None
    # Actor -> its own status (the vocabulary's first status with no update yet); empty for a
    # pledge assessed as a whole.
    parties: Mapping[str, str] = NO_PARTIES
    # Actor -> date of the update that set its status (None: no update yet).
    party_since: Mapping[str, PartialDate | None] = NO_DATES


def standing_at(
    pledge: Pledge, timeline: Timeline, cut: int, vocabulary: Vocabulary,
    rule: JointRule = UNANIMOUS,
) -> Standing:
    """:meth:`Pledge.standing` for a timeline already cut at the as-of date: the one place where
    a pledge's status is derived."""
    if not timeline.parties:
        latest = timeline.latest(cut)
        if latest is None:
            return Standing(vocabulary.initial, None)
        return Standing(latest.status, latest.date)
    actors = pledge.assessed_parties
    latest_of = timeline.latest_of(cut, actors)
    initial = vocabulary.initial
    parties = {a: (u.status if u else initial) for a, u in zip(actors, latest_of, strict=True)}
    dates = {a: (u.date if u else None) for a, u in zip(actors, latest_of, strict=True)}
    known = [u.date for u in latest_of if u is not None]
    since = max(known, key=lambda d: (d.start, d.end)) if known else None
    status = overall_status([u.status if u else None for u in latest_of], vocabulary, rule)
    return Standing(status, since, parties, dates)


@dataclass(frozen=True, slots=True)
class Pledge:
    id: str
    title: str
    actors: tuple[str, ...]
    domains: tuple[str, ...]
    sources: tuple[Source, ...] = field(metadata=FULL_ONLY)
    announced: PartialDate | None = None
    recipients: tuple[str, ...] = ()
    made_by: str | None = None
    deadline: PartialDate | None = None
    summary: str | None = field(default=None, metadata=FULL_ONLY)
    quote: str | None = field(default=None, metadata=FULL_ONLY)
    criteria: str | None = field(default=None, metadata=FULL_ONLY)
    tags: tuple[str, ...] = ()
    updates: tuple[Update, ...] = ()
    # Optional fields this version does not know, kept so that nothing is lost on export.
    extra: Mapping[str, object] = field(default_factory=dict, metadata=FULL_ONLY)
    # Path relative to the data root, with forward slashes ("pledges/<id>.yaml").
    path: str = ""
    lines: Mapping[str, int] = field(default_factory=dict)
    # The timeline, worked out on first use (not part of the record's value).
    _timeline: Timeline | None = field(default=None, init=False, repr=False, compare=False)

    # -- derived state -------------------------------------------------------------------------

    def timeline(self) -> Timeline:
        """The updates in date order, with what as-of questions need (worked out once)."""
        timeline = self._timeline
        if timeline is None:
            timeline = Timeline(self.updates)
            object.__setattr__(self, "_timeline", timeline)
        return timeline

    def updates_until(self, as_of: dt.date | None = None) -> list[Update]:
        """The updates that had happened by ``as_of`` (all when None), oldest first.

        Sorted by date; the sort is stable, so entries with the same date keep file order.
        """
        timeline = self.timeline()
        return list(timeline.updates[:timeline.cut(as_of)])

    def latest_update(
        self, as_of: dt.date | None = None, party: str | None = None
    ) -> Update | None:
        """The update that sets the status as of a date, for one party or for the whole pledge.

        For a party, updates naming that party and updates naming no party both count.
        """
        timeline = self.timeline()
        return timeline.latest(timeline.cut(as_of), party)

    def standing(
        self, as_of: dt.date | None = None, vocabulary: Vocabulary = DEFAULT_VOCABULARY,
        rule: JointRule = UNANIMOUS,
    ) -> Standing:
        """Where the pledge stands as of a date (all updates when None): its status as a whole
        and each actor's (see :mod:`pledgetrack.model.joint` for a joint pledge)."""
        timeline = self.timeline()
        return standing_at(self, timeline, timeline.cut(as_of), vocabulary, rule)

    def status(
        self, as_of: dt.date | None = None, party: str | None = None,
        vocabulary: Vocabulary = DEFAULT_VOCABULARY, rule: JointRule = UNANIMOUS,
    ) -> str:
        """The status as of a date: of one party (its latest update, or latest naming no party),
        or of the pledge as a whole (its latest update; for a joint pledge, by ``rule``)."""
        if party is not None:
            latest = self.latest_update(as_of, party)
            return latest.status if latest else vocabulary.initial
        return self.standing(as_of, vocabulary, rule).status

    @property
    def assessed_parties(self) -> tuple[str, ...]:
        """The actors assessed one by one (each once): all actors once any update names a
        party."""
        if self.timeline().parties:
            return tuple(dict.fromkeys(self.actors))
        return ()

    def status_by_party(
        self, as_of: dt.date | None = None, vocabulary: Vocabulary = DEFAULT_VOCABULARY
    ) -> dict[str, str]:
        """Status per assessed party; empty when the pledge is assessed as a whole."""
        return dict(self.standing(as_of, vocabulary).parties)

    def announced_by(self, as_of: dt.date) -> bool:
        return self.announced is None or self.announced.start <= as_of

    def is_overdue(self, as_of: dt.date, final: bool) -> bool:
        """Deadline passed (the end of a partial deadline's period) without a final status."""
        return self.deadline is not None and self.deadline.end < as_of and not final


# -- views ---------------------------------------------------------------------------------------


class ViewError(PledgetrackError):
    """A field asked of a record view that does not hold it."""


def full_only(cls: type) -> tuple[str, ...]:
    """The fields of a record class that only its full view holds."""
    return tuple(f.name for f in fields(cls) if f.metadata.get("view") == "full")


def _withheld(cls: type, name: str) -> property:
    def missing(self: object) -> object:
        raise ViewError(
            f"{cls.__name__.lower()} '{name}' is not part of the outline records loaded for "
            "counting and listing; load the full records (load_dataset(..., view=\"full\"))"
        )

    return property(missing)


def _outline(outline: type, full: type) -> None:
    """Make ``outline`` the view of ``full`` without its full-only fields: reading one raises
    :class:`ViewError`, so that no question gets a different answer from an outline."""
    withheld = full_only(full)
    kept = tuple(f.name for f in fields(full) if f.name not in withheld and f.compare)
    for name in withheld:
        setattr(outline, name, _withheld(full, name))

    def eq(self: object, other: object) -> object:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in kept)

    def rep(self: object) -> str:
        shown = ", ".join(f"{n}={getattr(self, n)!r}" for n in kept)
        return f"{outline.__name__}({shown})"

    outline.__eq__ = eq  # type: ignore[method-assign,assignment]
    outline.__repr__ = rep  # type: ignore[method-assign,assignment]
    outline.__hash__ = None  # type: ignore[assignment]
    outline.WITHHELD = withheld  # type: ignore[attr-defined]


class UpdateOutline(Update):
    """An update as the outline view holds it: no note, sources or field lines."""

    __slots__ = ()


class PledgeOutline(Pledge):
    """A pledge as the outline view holds it (what `list` and `report` load): every field but
    the full-only ones (:data:`FULL_ONLY`: summary, quote, criteria, sources, unknown fields),
    with :class:`UpdateOutline` updates. Reading a field it does not hold raises
    :class:`ViewError` instead of answering as if the text were empty."""

    __slots__ = ()


_outline(UpdateOutline, Update)
_outline(PledgeOutline, Pledge)
