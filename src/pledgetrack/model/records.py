"""Pledge records. They know nothing of files or terminals; line numbers are carried only so that
problems found in a record can point back at the text it came from."""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field

from pledgetrack.model.dates import PartialDate
from pledgetrack.model.vocabulary import UNRATED


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
    note: str | None = None
    sources: tuple[Source, ...] = ()
    recorded: PartialDate | None = None
    line: int = 0
    # 1-based line of each field, for problems found later ("status", "party", "date" …).
    lines: Mapping[str, int] = field(default_factory=dict)


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

    def last_end(self, cut: int) -> dt.date | None:
        """The latest last day of the first ``cut`` updates' periods (a partial date ends with
        its period, which may end after a later, more precise update)."""
        if not cut:
            return None
        return max([u.date.end for u in self.updates[:cut]])


@dataclass(frozen=True, slots=True)
class Pledge:
    id: str
    title: str
    actors: tuple[str, ...]
    domains: tuple[str, ...]
    sources: tuple[Source, ...]
    announced: PartialDate | None = None
    recipients: tuple[str, ...] = ()
    made_by: str | None = None
    deadline: PartialDate | None = None
    summary: str | None = None
    quote: str | None = None
    criteria: str | None = None
    tags: tuple[str, ...] = ()
    updates: tuple[Update, ...] = ()
    # Optional fields this version does not know, kept so that nothing is lost on export.
    extra: Mapping[str, object] = field(default_factory=dict)
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

    def status(self, as_of: dt.date | None = None, party: str | None = None) -> str:
        """The current status: that of the latest update by date (ties: file order)."""
        latest = self.latest_update(as_of, party)
        return latest.status if latest else UNRATED

    @property
    def assessed_parties(self) -> tuple[str, ...]:
        """The actors assessed one by one: all actors once any update names a party."""
        if self.timeline().parties:
            return self.actors
        return ()

    def status_by_party(self, as_of: dt.date | None = None) -> dict[str, str]:
        """Status per assessed party; empty when the pledge is assessed as a whole."""
        return {p: self.status(as_of, p) for p in self.assessed_parties}

    def announced_by(self, as_of: dt.date) -> bool:
        return self.announced is None or self.announced.start <= as_of

    def is_overdue(self, as_of: dt.date, final: bool) -> bool:
        """Deadline passed (the end of a partial deadline's period) without a final status."""
        return self.deadline is not None and self.deadline.end < as_of and not final
