"""Everything `pledgetrack show` states about one pledge, derived as of a date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from pledgetrack.model.config import Config
from pledgetrack.model.dates import PartialDate
from pledgetrack.model.records import Pledge, Source, Update


@dataclass(frozen=True, slots=True)
class StatusView:
    name: str
    label: str
    color: str
    final: bool
    since: PartialDate | None  # date of the update that set it; None when never assessed


@dataclass(frozen=True, slots=True)
class PledgeView:
    pledge: Pledge
    as_of: dt.date
    status: StatusView
    by_party: dict[str, StatusView] = field(default_factory=dict)
    # Days from as_of to the last day of the deadline: positive ahead, negative once passed.
    days_left: int | None = None
    overdue: bool = False
    colors: dict[str, str] = field(default_factory=dict)  # status name -> colour
    # The updates shown, oldest first (JSON: in file order): with a cut-off date, those dated
    # up to it.
    updates: tuple[Update, ...] = ()
    # Updates dated after the cut-off, not shown (0 without one).
    later: int = 0
    # The pledge was announced after as_of: on that date it did not exist yet.
    not_yet_announced: bool = False

    def to_dict(self) -> dict[str, object]:
        p = self.pledge
        shown = {id(u) for u in self.updates}  # in the file's order, as before
        return {
            "id": p.id,
            "path": p.path,
            "title": p.title,
            "actors": list(p.actors),
            "recipients": list(p.recipients),
            "domains": list(p.domains),
            "made_by": p.made_by,
            "announced": _text(p.announced),
            "deadline": _text(p.deadline),
            "deadline_end": p.deadline.end.isoformat() if p.deadline else None,
            "days_left": self.days_left,
            "overdue": self.overdue,
            "as_of": self.as_of.isoformat(),
            "not_yet_announced": self.not_yet_announced,
            "status": None if self.not_yet_announced else _status_dict(self.status),
            "status_by_party": {} if self.not_yet_announced else
            {k: _status_dict(v) for k, v in self.by_party.items()},
            "summary": p.summary,
            "quote": p.quote,
            "criteria": p.criteria,
            "tags": list(p.tags),
            "sources": [source_dict(s) for s in p.sources],
            "updates": [update_dict(u) for u in p.updates if id(u) in shown],
            "later_updates": self.later,
            "extra": dict(p.extra),
        }


def _text(value: PartialDate | None) -> str | None:
    return None if value is None else str(value)


def _status_dict(status: StatusView) -> dict[str, object]:
    return {"name": status.name, "label": status.label, "final": status.final,
            "since": _text(status.since)}


def source_dict(source: Source) -> dict[str, object]:
    return {"url": source.url, "title": source.title, "publisher": source.publisher,
            "published": _text(source.published), "archived": source.archived}


def update_dict(update: Update) -> dict[str, object]:
    return {"date": str(update.date), "status": update.status, "party": update.party,
            "note": update.note, "sources": [source_dict(s) for s in update.sources],
            "recorded": _text(update.recorded)}


def _status(config: Config, name: str, since: PartialDate | None) -> StatusView:
    status = config.statuses.get(name)
    return StatusView(
        name=name,
        label=status.label if status else name,
        color=status.color if status else "default",
        final=config.vocabulary.is_final(name),
        since=since,
    )


def view_pledge(pledge: Pledge, config: Config, as_of: dt.date, *,
                cut: bool = False) -> PledgeView:
    """The pledge as of ``as_of``: its status, per-party statuses and deadline then. With
    ``cut`` (an as-of date the user asked for), the timeline stops at ``as_of`` too and
    ``later`` counts the updates left out; without it every update is shown, oldest first."""
    standing = config.standing(pledge, as_of)
    status = _status(config, standing.status, standing.since)
    by_party = {party: _status(config, name, standing.party_since[party])
                for party, name in standing.parties.items()}
    days_left = (pledge.deadline.end - as_of).days if pledge.deadline else None
    shown = pledge.updates_until(as_of if cut else None)
    return PledgeView(pledge, as_of, status, by_party, days_left,
                      pledge.is_overdue(as_of, status.final) and pledge.announced_by(as_of),
                      {s.name: s.color for s in config.statuses},
                      updates=tuple(shown), later=len(pledge.updates) - len(shown),
                      not_yet_announced=not pledge.announced_by(as_of))
