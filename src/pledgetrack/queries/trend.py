"""The state at the end of each period, behind `report --trend`: plain results, no printing.

Each point is the figure `report --as-of END` gives with the same filters: the pledges selected
on that date, counted by status, and their compliance. The period ends run from the end of the
period holding ``since`` to the end of the period holding the report's as-of date; the last
point is the as-of date itself (the period so far), so that it equals the report.

A pledge's state changes only on the dates of its updates, so each pledge's timeline (sorted
once, :meth:`Pledge.timeline`) is walked once over the period ends: the state is worked out once
per run of ends it holds through, and the counts are added where the run starts and taken off
where it ends (a running sum over the ends then gives every point). Filters on the state
(``--status``, ``--overdue``, ``--stale``, ``--final/--open``) depend on the date in other ways,
so with them each pledge is evaluated at every end.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from pledgetrack.errors import PledgetrackError
from pledgetrack.model.config import Config
from pledgetrack.model.records import Pledge, standing_at
from pledgetrack.queries.reports import Compliance, _cell_statuses, _party_allowed
from pledgetrack.queries.selection import Filter, state_at

Period = Literal["month", "quarter", "year"]
PERIODS: tuple[Period, ...] = ("month", "quarter", "year")
# The ends of more periods than this are refused: a typo in --since (0025) would otherwise ask
# for tens of thousands of points.
MOST_POINTS = 1200


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """The state at one period end: what `report --as-of` that day counts."""

    as_of: dt.date
    total: int
    by_status: dict[str, int]
    compliance: Compliance

    def to_dict(self) -> dict[str, object]:
        return {"as_of": self.as_of.isoformat(), "total": self.total,
                "by_status": dict(self.by_status), "compliance": self.compliance.to_dict()}


def _next_end(day: dt.date, period: Period) -> dt.date:
    """The last day of the period holding ``day``."""
    months = {"month": 1, "quarter": 3, "year": 12}[period]
    first_month = (day.month - 1) // months * months + 1
    month = first_month + months  # the first month of the next period
    year = day.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return dt.date(year, month, 1) - dt.timedelta(days=1)


def period_ends(since: dt.date, as_of: dt.date, period: Period) -> list[dt.date]:
    """The last day of each period from the one holding ``since`` to the one holding
    ``as_of``; the last is ``as_of`` itself."""
    if period not in PERIODS:
        raise PledgetrackError(f"unknown period '{period}'; valid: {', '.join(PERIODS)}")
    if since > as_of:
        raise PledgetrackError(
            f"--since {since.isoformat()} is after the report date {as_of.isoformat()}")
    ends = []
    end = _next_end(since, period)
    while end < as_of:
        ends.append(end)
        if len(ends) >= MOST_POINTS:
            raise PledgetrackError(
                f"--trend {period} from {since.isoformat()} gives more than {MOST_POINTS} "
                "points; give a later --since or a longer period")
        end = _next_end(end + dt.timedelta(days=1), period)
    ends.append(as_of)
    return ends


def first_day(pledges: Sequence[Pledge], filter: Filter) -> dt.date | None:
    """The earliest announcement or update among the pledges the filter's fields keep."""
    days = []
    for p in pledges:
        if not filter._fields_match(p):
            continue
        if p.announced is not None:
            days.append(p.announced.start)
        starts = p.timeline().starts
        if starts:
            days.append(starts[0])
    return min(days) if days else None


def trend(
    pledges: Sequence[Pledge], config: Config, filter: Filter, ends: Sequence[dt.date],
) -> list[TrendPoint]:
    """The point at each of ``ends`` (ascending) over ``pledges``; see the module doc."""
    n = len(ends)
    names = config.statuses.names
    vocabulary, rule = config.vocabulary, config.joint_status
    score = vocabulary.score
    allowed = _party_allowed(filter.parties)
    # What changes at each end ([i]: from ends[i] on): a pledge's counts are added at the first
    # end of a run of ends in one state and taken off after its last.
    d_status: list[dict[str, int]] = [{} for _ in range(n + 1)]
    d_sum = [0.0] * (n + 1)
    d_assessed = [0] * (n + 1)
    d_cells = [0] * (n + 1)
    d_total = [0] * (n + 1)

    def shift(k: int, sign: int, state: tuple[str, float, int, int]) -> None:
        status, total, assessed, cells = state
        d_total[k] += sign
        row = d_status[k]
        row[status] = row.get(status, 0) + sign
        d_sum[k] += sign * total
        d_assessed[k] += sign * assessed
        d_cells[k] += sign * cells

    def state_of(status: str, statuses: dict[str | None, str]) -> tuple[str, float, int, int]:
        scored = [s for s in map(score, statuses.values()) if s is not None]
        return status, sum(scored), len(scored), len(statuses)

    by_state = filter.tests_state
    fields_match = filter._fields_match
    for p in pledges:
        if not fields_match(p):
            continue
        # The first end by which the pledge was announced (announced_by is monotonic).
        first = 0 if p.announced is None else bisect_left(ends, p.announced.start)
        if first >= n:
            continue
        timeline = p.timeline()
        if by_state:
            for i in range(first, n):
                end = ends[i]
                cut = timeline.cut(end)
                standing = standing_at(p, timeline, cut, vocabulary, rule)
                pledge_state = state_at(p, timeline, cut, config, end, None, standing)
                if filter._state_matches(pledge_state):
                    state = state_of(pledge_state.status, _cell_statuses(standing, allowed))
                    shift(i, 1, state)
                    shift(i + 1, -1, state)
            continue
        # The state can change only at an end that is the first to hold an update.
        bounds = {first}
        for day in timeline.starts:
            i = bisect_left(ends, day)
            if first < i < n:
                bounds.add(i)
        current: tuple[str, float, int, int] | None = None
        for i in sorted(bounds):
            standing = standing_at(p, timeline, timeline.cut(ends[i]), vocabulary, rule)
            state = state_of(standing.status, _cell_statuses(standing, allowed))
            if state != current:
                if current is not None:
                    shift(i, -1, current)
                shift(i, 1, state)
                current = state
        if current is not None:
            shift(n, -1, current)

    points = []
    total = assessed = cell_count = 0
    total_sum = 0.0
    counts = dict.fromkeys(names, 0)
    for i, end in enumerate(ends):
        total += d_total[i]
        total_sum += d_sum[i]
        assessed += d_assessed[i]
        cell_count += d_cells[i]
        for status, change in d_status[i].items():
            counts[status] = counts.get(status, 0) + change
        mean = total_sum / assessed if assessed else None
        points.append(TrendPoint(end, total, dict(counts), Compliance(mean, assessed,
                                                                      cell_count)))
    return points
