"""What changed between two dates, behind `pledgetrack changes`: plain results, no printing.

Definitions (docs/reports.md repeats them for users):

* The **window** runs from the first day of ``since`` to the last day of ``until`` (a partial
  date such as ``2025-10`` opens at its first day and closes at its last). The state *at since*
  is the state as the window opened: that of ``report --as-of`` the day before it.
* The pledges are those ``report --as-of UNTIL`` selects with the same filters.
* A **transition** is a change of a pledge's status as a whole (``party`` None) or of a party's
  own status in a joint pledge, made by the updates dated in the window; updates dated on the
  same day count together. The statuses are the model's (:func:`standing_at`) and the reports'
  cells, worked out before and after each date.
* **announced**: pledges whose announcement's period begins in the window.
* **became overdue**: overdue at until and not overdue as the window opened (the overdue rule
  of :func:`pledgetrack.queries.selection.evaluate` at both dates).
* **deadlines**: pledges whose deadline (the last day of its period) falls in the window.
* **compliance** at both ends is the reports' figure (:func:`summarise`) for the pledges each
  date's report selects; ``change`` is until minus since.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from pledgetrack.model.dates import PartialDate, today
from pledgetrack.model.records import Pledge, Source, standing_at
from pledgetrack.queries.reports import (
    Compliance,
    Summary,
    _cell_statuses,
    _party_allowed,
    summarise,
)
from pledgetrack.queries.selection import DataLike, Filter, PledgeState, evaluate
from pledgetrack.queries.skipped import Skipped, skipped_files

ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Transition:
    """A cell's status changed on ``date``: from ``before`` to ``after``."""

    pledge: Pledge
    party: str | None
    date: PartialDate
    before: str
    after: str
    note: str | None
    sources: tuple[Source, ...]

    @property
    def id(self) -> str:
        return self.pledge.id

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.pledge.id,
            "party": self.party,
            "date": self.date.isoformat(),
            "from": self.before,
            "to": self.after,
            "note": self.note,
            "sources": [_source_dict(s) for s in self.sources],
        }


def _source_dict(s: Source) -> dict[str, object]:
    return {"url": s.url, "title": s.title, "archived": s.archived}


@dataclass(frozen=True, slots=True)
class Ends:
    """Compliance at one end of the window."""

    as_of: dt.date
    total: int
    compliance: Compliance

    def to_dict(self) -> dict[str, object]:
        return {"as_of": self.as_of.isoformat(), "total": self.total,
                **self.compliance.to_dict()}


@dataclass(frozen=True)
class Changes:
    """Everything `pledgetrack changes` shows. :meth:`to_dict` is the documented JSON shape."""

    since: dt.date
    until: dt.date
    transitions: list[Transition]
    announced: list[Pledge]
    became_overdue: list[PledgeState]
    deadlines: list[PledgeState]
    opening: Summary
    closing: Summary
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def start(self) -> Ends:
        return Ends(self.opening.as_of, self.opening.total, self.opening.compliance)

    @property
    def end(self) -> Ends:
        return Ends(self.closing.as_of, self.closing.total, self.closing.compliance)

    @property
    def change(self) -> tuple[float | None, float | None]:
        """Until minus since: (mean, percentage points); None where either is not assessed."""
        a, b = self.opening.compliance, self.closing.compliance
        if a.mean is None or b.mean is None or a.percent is None or b.percent is None:
            return None, None
        return b.mean - a.mean, b.percent - a.percent

    @property
    def parties_changed(self) -> dict[str, int]:
        """Party (``(whole)`` for pledges assessed as a whole) -> transitions."""
        counts: dict[str, int] = {}
        for t in self.transitions:
            key = t.party or "(whole)"
            counts[key] = counts.get(key, 0) + 1
        return dict(sorted(counts.items(), key=lambda kv: (kv[0].casefold(), kv[0])))

    def to_dict(self) -> dict[str, object]:
        mean, points = self.change
        return {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "transitions": [t.to_dict() for t in self.transitions],
            "announced": [{"id": p.id, "title": p.title,
                           "announced": p.announced.isoformat() if p.announced else None}
                          for p in self.announced],
            "became_overdue": [_state_dict(s) for s in self.became_overdue],
            "deadlines": [_state_dict(s) for s in self.deadlines],
            "compliance": {
                "since": self.start.to_dict(),
                "until": self.end.to_dict(),
                "change": {"mean": None if mean is None else round(mean, 4),
                           "percent": None if points is None else round(points, 2),
                           "assessed": self.closing.compliance.assessed
                           - self.opening.compliance.assessed,
                           "cells": self.closing.compliance.cells
                           - self.opening.compliance.cells,
                           "coverage": _difference(self.closing.compliance.coverage,
                                                   self.opening.compliance.coverage)},
            },
            "skipped": [f.to_dict() for f in self.skipped],
        }


def _difference(after: float | None, before: float | None) -> float | None:
    return None if after is None or before is None else round(after - before, 2)


def _state_dict(s: PledgeState) -> dict[str, object]:
    deadline = s.pledge.deadline
    return {"id": s.id, "title": s.pledge.title,
            "deadline": deadline.isoformat() if deadline else None, "status": s.status,
            "final": s.final, "overdue": s.overdue}


def _transitions(pledge: Pledge, dataset: DataLike, since: dt.date, until: dt.date,
                 allowed: frozenset[str] | None) -> list[Transition]:
    timeline = pledge.timeline()
    starts = timeline.starts
    config = dataset.config
    first = timeline.cut(since - ONE_DAY)
    last = timeline.cut(until)
    if first == last:
        return []

    def statuses(cut: int) -> dict[str | None, str]:
        # The pledge as a whole (None), and each party's cell of a joint pledge.
        standing = standing_at(pledge, timeline, cut, config.vocabulary, config.joint_status)
        return {None: standing.status, **_cell_statuses(standing, allowed)}

    out: list[Transition] = []
    before = statuses(first)
    i = first
    while i < last:
        # Updates of one day count together: the state after the day's last one.
        j = i
        while j < last and starts[j] == starts[i]:
            j += 1
        after = statuses(j)
        for party, status in after.items():
            old = before.get(party, status)
            if old != status:
                update = timeline.latest(j, party)
                assert update is not None  # a changed status was set by an update
                out.append(Transition(pledge, party, update.date, old, status, update.note,
                                      update.sources))
        before = after
        i = j
    return out


def changes(
    dataset: DataLike,
    since: PartialDate,
    until: PartialDate | None = None,
    filter: Filter | None = None,
) -> Changes:
    """What changed from the first day of ``since`` to the last day of ``until`` (default
    today); see the module doc."""
    from pledgetrack.errors import PledgetrackError

    start = since.start
    end = until.end if until is not None else today()
    if end < start:
        raise PledgetrackError(
            f"until {end.isoformat()} is before since {start.isoformat()}")
    chosen = filter or Filter()
    if start.toordinal() == 1:
        # The opening state is the day before: there is none before 1 January of year 1.
        raise PledgetrackError("the window must open after 0001-01-01")
    opening_day = start - ONE_DAY
    closing = summarise(dataset, chosen, end)
    opening = summarise(dataset, chosen, opening_day)
    pledges = [s.pledge for s in closing.states]
    allowed = _party_allowed(chosen.parties)
    config = dataset.config

    transitions: list[Transition] = []
    announced: list[Pledge] = []
    became_overdue: list[PledgeState] = []
    deadlines: list[PledgeState] = []
    for p, state in zip(pledges, closing.states, strict=True):
        transitions.extend(_transitions(p, dataset, start, end, allowed))
        if p.announced is not None and start <= p.announced.start <= end:
            announced.append(p)
        if state.overdue and not (p.announced_by(opening_day)
                                  and evaluate(p, config, opening_day).overdue):
            became_overdue.append(state)
        if p.deadline is not None and start <= p.deadline.end <= end:
            deadlines.append(state)
    transitions.sort(key=lambda t: (t.date.start, t.date.end, t.pledge.id, t.party or ""))
    deadlines.sort(key=lambda s: (s.pledge.deadline.end if s.pledge.deadline else end, s.id))
    return Changes(
        since=start, until=end, transitions=transitions, announced=announced,
        became_overdue=became_overdue, deadlines=deadlines, opening=opening, closing=closing,
        skipped=skipped_files(dataset),
    )
