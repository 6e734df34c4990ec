"""Pledge records. They know nothing of files or terminals; line numbers are carried only so that
problems found in a record can point back at the text it came from."""

from __future__ import annotations

import datetime as dt
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

    # -- derived state -------------------------------------------------------------------------

    def updates_until(self, as_of: dt.date | None = None) -> list[Update]:
        """The updates that had happened by ``as_of`` (all when None), oldest first.

        Sorted by date; the sort is stable, so entries with the same date keep file order.
        """
        ups = [u for u in self.updates if as_of is None or u.date.start <= as_of]
        ups.sort(key=lambda u: u.date.start)
        return ups

    def latest_update(
        self, as_of: dt.date | None = None, party: str | None = None
    ) -> Update | None:
        """The update that sets the status as of a date, for one party or for the whole pledge.

        For a party, updates naming that party and updates naming no party both count.
        """
        ups = self.updates_until(as_of)
        if party is not None:
            ups = [u for u in ups if u.party is None or u.party == party]
        return ups[-1] if ups else None

    def status(self, as_of: dt.date | None = None, party: str | None = None) -> str:
        """The current status: that of the latest update by date (ties: file order)."""
        latest = self.latest_update(as_of, party)
        return latest.status if latest else UNRATED

    @property
    def assessed_parties(self) -> tuple[str, ...]:
        """The actors assessed one by one: all actors once any update names a party."""
        if any(u.party for u in self.updates):
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
