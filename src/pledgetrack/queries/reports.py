"""The follow-through summary behind `pledgetrack report`: plain results, no printing.

Definitions (docs/reports.md repeats them for users):

* **by_status** counts each selected pledge once, by its status as a whole on the as-of date
  (for a joint pledge, by the ``joint_status`` rule: :mod:`pledgetrack.model.joint`); every
  status of the vocabulary is present, zeros included, and so is the derived ``mixed``, which is
  not final. ``percent`` is the share of all
  selected pledges; ``final_rate`` the share of those with a final status (PolitiFact's "% of
  those with a final rating"), for the final statuses only.
* **Compliance**, after the G7 Research Group: a pledge whose updates name parties
  (:attr:`Pledge.assessed_parties`) has one cell per party, scored by that party's status; any
  other pledge has one cell, scored by its status. A cell whose status has no score (not yet
  rated, unrateable) is *not assessed*. ``mean`` is the average over assessed cells only (None
  when there are none) and ``percent`` is (mean + 1) / 2 x 100; ``coverage`` is the share of
  cells assessed, shown wherever the mean is. With parties in the filter, only
  those parties' cells of per-party pledges are counted.
* **Groups** (``by``): a pledge counts once in every group it belongs to, so group totals may add
  up to more than the total. ``domain``, ``recipient`` and ``tag`` group by each of the pledge's
  values (``(none)`` when it has none), ``year`` by the year announced. ``actor`` groups by each
  actor with the pledge's status as a whole, and its compliance counts all the pledge's cells;
  ``party`` groups by each actor with *that party's own* status, and its compliance counts only
  that party's cell (the single cell, for a pledge assessed as a whole).
* **Matrix**: pledges x parties. A per-party pledge shows each party's score; a pledge assessed as
  a whole shows its score under each of its actors, since it binds them all. Row averages are the
  pledges' compliance; column averages count every cell in the column.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from pledgetrack.errors import PledgetrackError
from pledgetrack.model.config import Config
from pledgetrack.model.dates import today
from pledgetrack.model.joint import UNANIMOUS, JointRule
from pledgetrack.model.records import Pledge, Standing, standing_at
from pledgetrack.model.vocabulary import UNRATED, Vocabulary
from pledgetrack.queries.selection import DataLike, Filter, PledgeState, select, state_at
from pledgetrack.queries.skipped import Skipped, skipped_files

if TYPE_CHECKING:
    from pledgetrack.queries.trend import Period, TrendPoint

GroupBy = Literal["domain", "actor", "recipient", "party", "year", "tag"]
GROUP_BY: tuple[GroupBy, ...] = ("domain", "actor", "recipient", "party", "year", "tag")
NO_GROUP = "(none)"


def percent_of(part: int | float, whole: int) -> float | None:
    return None if whole == 0 else part / whole * 100


@dataclass(frozen=True, slots=True)
class Compliance:
    """Compliance over a set of cells: ``assessed`` of ``cells`` have a score."""

    mean: float | None
    assessed: int
    cells: int

    @property
    def percent(self) -> float | None:
        return None if self.mean is None else (self.mean + 1) / 2 * 100

    @property
    def coverage(self) -> float | None:
        """The share of cells assessed, in percent (None without cells): a mean over few of
        them says little, so it is shown wherever the mean is."""
        return percent_of(self.assessed, self.cells)

    @classmethod
    def of(cls, scores: Iterable[float | None]) -> Compliance:
        values = list(scores)
        assessed = [s for s in values if s is not None]
        mean = sum(assessed) / len(assessed) if assessed else None
        return cls(mean, len(assessed), len(values))

    @classmethod
    def of_totals(cls, total: float, assessed: int, cells: int) -> Compliance:
        """From the sum of the assessed scores, added up as they came."""
        return cls(total / assessed if assessed else None, assessed, cells)

    def to_dict(self) -> dict[str, object]:
        return {
            "mean": _round(self.mean, 4),
            "percent": _round(self.percent, 2),
            "assessed": self.assessed,
            "cells": self.cells,
            "coverage": _round(self.coverage, 2),
        }


@dataclass(frozen=True, slots=True)
class Group:
    name: str
    total: int
    by_status: dict[str, int]
    compliance: Compliance

    def to_dict(self) -> dict[str, object]:
        return {
            "total": self.total,
            "by_status": dict(self.by_status),
            "compliance": self.compliance.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class MatrixRow:
    id: str
    title: str
    # party -> score (None: not assessed); parties the pledge does not bind are absent.
    scores: dict[str, float | None]
    compliance: Compliance


@dataclass(frozen=True, slots=True)
class Matrix:
    parties: list[str]
    rows: list[MatrixRow]
    by_party: dict[str, Compliance]

    def to_dict(self) -> dict[str, object]:
        pledges = []
        by_pledge = {}
        for r in self.rows:
            compliance = r.compliance.to_dict()
            pledges.append({"id": r.id, "scores": dict(r.scores), **compliance})
            by_pledge[r.id] = compliance
        return {
            "parties": list(self.parties),
            "pledges": pledges,
            "by_pledge": by_pledge,
            "by_party": {p: c.to_dict() for p, c in self.by_party.items()},
        }


@dataclass(frozen=True)
class Summary:
    """Everything `pledgetrack report` shows. :meth:`to_dict` is the documented JSON shape.

    ``vocabulary`` holds every status counted: the configured ones and the derived ``mixed``.
    """

    as_of: dt.date
    vocabulary: Vocabulary
    stale_after_days: int
    total: int
    by_status: dict[str, int]
    compliance: Compliance
    states: list[PledgeState]
    overdue: list[PledgeState]
    stale: list[PledgeState]
    by: GroupBy | None = None
    groups: dict[str, Group] = field(default_factory=dict)
    matrix: Matrix | None = None
    # Files that failed the check and are not counted: part of the answer, in every format.
    skipped: list[Skipped] = field(default_factory=list)
    # The rule that gave joint pledges their status (model.joint).
    joint_status: JointRule = UNANIMOUS
    # With --trend: the period and the state at the end of each period (see queries.trend).
    trend_period: Period | None = None
    trend: list[TrendPoint] = field(default_factory=list)

    @property
    def final(self) -> int:
        """How many pledges have a final status."""
        return sum(n for s, n in self.by_status.items() if self.vocabulary.is_final(s))

    @property
    def percent(self) -> dict[str, float | None]:
        return {s: percent_of(n, self.total) for s, n in self.by_status.items()}

    @property
    def final_rate(self) -> dict[str, float | None]:
        """Share of each final status among pledges with a final status."""
        final = self.final
        return {
            s: percent_of(n, final) for s, n in self.by_status.items()
            if self.vocabulary.is_final(s)
        }

    def to_dict(self) -> dict[str, object]:
        doc: dict[str, object] = {
            "as_of": self.as_of.isoformat(),
            "total": self.total,
            "by_status": dict(self.by_status),
            "percent": {s: _round(v, 2) for s, v in self.percent.items()},
            "final": self.final,
            "final_rate": {s: _round(v, 2) for s, v in self.final_rate.items()},
            "by": self.by,
            "groups": {name: g.to_dict() for name, g in self.groups.items()},
            "overdue": [s.id for s in self.overdue],
            "stale": [s.id for s in self.stale],
            "stale_after_days": self.stale_after_days,
            "compliance": self.compliance.to_dict(),
            "skipped": [f.to_dict() for f in self.skipped],
        }
        if self.matrix is not None:
            doc["matrix"] = self.matrix.to_dict()
        if self.trend_period is not None:
            doc["trend_period"] = self.trend_period
            doc["trend"] = [point.to_dict() for point in self.trend]
        return doc


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


# -- compliance cells ---------------------------------------------------------------------------


def _party_allowed(parties: Sequence[str]) -> frozenset[str] | None:
    return frozenset(p.casefold() for p in parties) if parties else None


def cell_statuses(
    pledge: Pledge, config: Config, as_of: dt.date, parties: Sequence[str] = ()
) -> dict[str | None, str]:
    """The statuses of a pledge's compliance cells: party -> status, or ``{None: status}`` for a
    pledge assessed as a whole. ``parties`` narrows a per-party pledge to those parties."""
    timeline = pledge.timeline()
    standing = standing_at(pledge, timeline, timeline.cut(as_of), config.vocabulary,
                           config.joint_status)
    return _cell_statuses(standing, _party_allowed(parties))


def _cell_statuses(
    standing: Standing, allowed: frozenset[str] | None
) -> dict[str | None, str]:
    if not standing.parties:
        return {None: standing.status}
    # A party without an update is not assessed, whatever the vocabulary's first status scores.
    since = standing.party_since
    return {
        party: status if since[party] is not None else UNRATED
        for party, status in standing.parties.items()
        if allowed is None or party.casefold() in allowed
    }


def cells(
    pledge: Pledge, config: Config, as_of: dt.date, parties: Sequence[str] = ()
) -> dict[str | None, float | None]:
    """A pledge's compliance cells: party -> score, or ``{None: score}`` for a pledge assessed
    as a whole (see :func:`cell_statuses`)."""
    vocab = config.vocabulary
    return {k: vocab.score(v) for k, v in cell_statuses(pledge, config, as_of, parties).items()}


class _Assessed:
    """One pledge's state and cells, worked out once for every part of a summary."""

    # A plain class: one is made per pledge, and a frozen dataclass costs twice as much.
    __slots__ = ("pledge", "scores", "state", "statuses")

    def __init__(self, pledge: Pledge, state: PledgeState, statuses: dict[str | None, str],
                 scores: dict[str | None, float | None]) -> None:
        self.pledge = pledge
        self.state = state
        self.statuses = statuses
        self.scores = scores


def _assess(
    pledges: Iterable[Pledge], config: Config, as_of: dt.date, parties: Sequence[str]
) -> list[_Assessed]:
    vocabulary = config.vocabulary
    score, rule = vocabulary.score, config.joint_status
    allowed = _party_allowed(parties)
    out = []
    for p in pledges:
        # One cut of the timeline and one standing serve the state and every cell.
        timeline = p.timeline()
        cut = timeline.cut(as_of)
        standing = standing_at(p, timeline, cut, vocabulary, rule)
        state = state_at(p, timeline, cut, config, as_of, None, standing)
        statuses = _cell_statuses(standing, allowed)
        out.append(_Assessed(p, state, statuses, {k: score(v) for k, v in statuses.items()}))
    return out


# -- groups -------------------------------------------------------------------------------------


def _group_names(p: Pledge, by: GroupBy, allowed: frozenset[str] | None) -> list[str]:
    if by == "domain":
        values: Sequence[str] = p.domains
    elif by in ("actor", "party"):
        values = p.actors
        if by == "party" and allowed is not None:
            values = [a for a in values if a.casefold() in allowed]
    elif by == "recipient":
        values = p.recipients
    elif by == "tag":
        values = p.tags
    else:
        values = [f"{p.announced.year:04d}"] if p.announced else []
    return list(dict.fromkeys(values)) or [NO_GROUP]


def _group_sort_key(name: str) -> tuple[int, str, str]:
    return (name == NO_GROUP, name.casefold(), name)


def status_by_group(
    summary: Summary, by: Literal["domain", "actor", "recipient", "year", "tag"]
) -> dict[str, dict[str, int]]:
    """Group -> status -> count over the summary's pledges, each counted in every group it
    belongs to under its status as a whole (the counts of ``groups`` without compliance; every
    status of the vocabulary present). Groups in the order of ``groups``."""
    names = summary.vocabulary.names
    counts: dict[str, dict[str, int]] = {}
    for state in summary.states:
        for name in _group_names(state.pledge, by, None):
            row = counts.setdefault(name, dict.fromkeys(names, 0))
            row[state.status] = row.get(state.status, 0) + 1
    return {name: counts[name] for name in sorted(counts, key=_group_sort_key)}


def groups(
    pledges: Sequence[Pledge], config: Config, as_of: dt.date, by: GroupBy,
    parties: Sequence[str] = (),
) -> dict[str, Group]:
    """A status-by-group table with each group's compliance; see the module doc."""
    return _groups(_assess(pledges, config, as_of, parties), config, by, parties)


def _groups(
    assessed: Sequence[_Assessed], config: Config, by: GroupBy, parties: Sequence[str]
) -> dict[str, Group]:
    if by not in GROUP_BY:
        raise PledgetrackError(f"unknown grouping '{by}'; valid: {', '.join(GROUP_BY)}")
    allowed = _party_allowed(parties)
    names = config.statuses.names
    counts: dict[str, dict[str, int]] = {}
    # Each group's cells as running totals (sum of scores, assessed, cells): a pledge's cells
    # are added up once, not copied into each of its groups, so that a pledge with thousands of
    # actors costs time and memory in proportion to them, not to their square.
    tallies: dict[str, list[float]] = {}
    for a in assessed:
        whole: tuple[float, int, int] | None = None
        for name in _group_names(a.pledge, by, allowed):
            if by == "party" and name != NO_GROUP:
                # The party's own cell; a pledge assessed as a whole has its single cell.
                key: str | None = name if name in a.statuses else None
                status = a.statuses.get(key, a.state.status)
                own = _tally([a.scores[key]] if key in a.scores else [])
            else:
                status = a.state.status
                if whole is None:
                    whole = _tally(a.scores.values())
                own = whole
            row = counts.get(name)
            if row is None:
                row = counts[name] = dict.fromkeys(names, 0)
                tallies[name] = [0.0, 0, 0]
            row[status] = row.get(status, 0) + 1
            tally = tallies[name]
            tally[0] += own[0]
            tally[1] += own[1]
            tally[2] += own[2]
    return {
        name: Group(name, sum(counts[name].values()), counts[name],
                    Compliance.of_totals(tallies[name][0], int(tallies[name][1]),
                                         int(tallies[name][2])))
        for name in sorted(counts, key=_group_sort_key)
    }


def _tally(scores: Iterable[float | None]) -> tuple[float, int, int]:
    """Cells as (sum of the scores, how many are assessed, how many cells)."""
    total = 0.0
    assessed = cells = 0
    for score in scores:
        cells += 1
        if score is not None:
            total += score
            assessed += 1
    return total, assessed, cells


# -- matrix -------------------------------------------------------------------------------------


def matrix(
    pledges: Sequence[Pledge], config: Config, as_of: dt.date, parties: Sequence[str] = ()
) -> Matrix:
    """Pledges x parties, with per-pledge and per-party averages; see the module doc."""
    return _matrix(_assess(pledges, config, as_of, parties), parties)


def _matrix(assessed: Sequence[_Assessed], parties: Sequence[str]) -> Matrix:
    allowed = _party_allowed(parties)
    # Each party's cells in row order, gathered in the one pass over the rows.
    columns: dict[str, list[float | None]] = {}
    rows: list[MatrixRow] = []
    of = Compliance.of
    for a in assessed:
        scores = a.scores
        whole = None in scores
        row_scores: dict[str, float | None] = {}
        for actor in a.pledge.actors:
            if allowed is not None and actor.casefold() not in allowed:
                continue
            if actor in row_scores:
                continue  # an actor named twice is one cell
            score = scores[None] if whole else scores.get(actor)
            row_scores[actor] = score
            column = columns.get(actor)
            if column is None:
                column = columns[actor] = []
            column.append(score)
        rows.append(MatrixRow(a.pledge.id, a.pledge.title, row_scores, of(scores.values())))
    names = sorted(columns, key=lambda n: (n.casefold(), n))
    by_party = {name: of(columns[name]) for name in names}
    return Matrix(names, rows, by_party)


# -- the summary --------------------------------------------------------------------------------


def summarise_pledges(
    pledges: Sequence[Pledge],
    config: Config,
    as_of: dt.date,
    *,
    by: GroupBy | None = None,
    with_matrix: bool = False,
    parties: Sequence[str] = (),
    skipped: Sequence[Skipped] = (),
) -> Summary:
    """The summary of already selected pledges (see :func:`summarise`); ``skipped`` names the
    files that could not be counted."""
    assessed = _assess(pledges, config, as_of, parties)
    pledge_states = [a.state for a in assessed]
    by_status = dict.fromkeys(config.statuses.names, 0)
    for s in pledge_states:
        by_status[s.status] = by_status.get(s.status, 0) + 1
    return Summary(
        as_of=as_of,
        vocabulary=config.statuses,
        stale_after_days=config.stale_after_days,
        total=len(pledge_states),
        by_status=by_status,
        compliance=Compliance.of(score for a in assessed for score in a.scores.values()),
        states=pledge_states,
        overdue=[s for s in pledge_states if s.overdue],
        stale=[s for s in pledge_states if s.stale],
        by=by,
        groups=_groups(assessed, config, by, parties) if by else {},
        matrix=_matrix(assessed, parties) if with_matrix else None,
        skipped=list(skipped),
        joint_status=config.joint_status,
    )


def summarise(
    dataset: DataLike,
    filter: Filter | None = None,
    as_of: dt.date | None = None,
    *,
    by: GroupBy | None = None,
    with_matrix: bool = False,
    trend: Period | None = None,
    trend_since: dt.date | None = None,
) -> Summary:
    """Select with ``filter`` as of ``as_of`` (default today) and summarise: counts by status,
    final-verdict rates, groups, overdue and stale pledges, compliance, the files left out
    (``skipped``), and optionally the compliance matrix and the state at the end of each
    ``trend`` period from ``trend_since`` (default: the first announcement or update). The
    filter's parties narrow compliance to their cells."""
    when = as_of or today()
    chosen = filter or Filter()
    pledges = select(dataset, chosen, when)
    summary = summarise_pledges(pledges, dataset.config, when, by=by, with_matrix=with_matrix,
                                parties=chosen.parties, skipped=skipped_files(dataset))
    if trend is None:
        return summary
    from dataclasses import replace

    from pledgetrack.queries import trend as trends

    start = trend_since or trends.first_day(dataset.pledges, chosen) or when
    ends = trends.period_ends(start, when, trend)
    points = trends.trend(dataset.pledges, dataset.config, chosen, ends)
    return replace(summary, trend_period=trend, trend=points)
