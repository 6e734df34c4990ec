"""Selecting pledges: filters, the as-of date, and each pledge's derived state on that date.

Plain functions over records; nothing here prints or reads files.

Semantics, in one place (docs/reports.md repeats them for users):

* **as of** a date: only pledges announced by then (the announcement's period has begun); a
  pledge's status is that of its latest update dated up to then (ties: file order); a joint
  pledge's (updates naming a party) follows from its actors' statuses by the configured
  ``joint_status`` rule (:mod:`pledgetrack.model.joint`).
* **overdue**: the deadline is over (the last day of a partial deadline's period is before the
  as-of date) and the status is not final.
* **stale**: the status is not final and the pledge's latest activity — its latest update up to the
  as-of date or, with none, its announcement — is more than ``stale_after_days`` days before the
  as-of date. A partial date counts from the last day of its period (never later than the as-of
  date), so an update dated ``2025-10`` keeps a pledge fresh as if made on 31 October 2025.
* **--party P**: pledges that bind P (P among the actors), like ``--actor``; the tests on status
  use the pledge's status as a whole. Reports then also narrow compliance to P's cells
  (:mod:`pledgetrack.queries.reports`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Literal, Protocol

from pledgetrack.errors import PledgetrackError
from pledgetrack.model.config import Config
from pledgetrack.model.dates import PartialDate, parse_date, today
from pledgetrack.model.records import NO_PARTIES, Pledge, Standing, standing_at
from pledgetrack.model.suggest import did_you_mean

if TYPE_CHECKING:
    from pledgetrack.model.records import Timeline

SortKey = Literal["status", "deadline", "announced", "updated", "id"]
SORT_KEYS: tuple[SortKey, ...] = ("id", "status", "deadline", "announced", "updated")


class DataLike(Protocol):
    """What the queries need of a data set (a :class:`~pledgetrack.store.loader.Dataset`)."""

    @property
    def config(self) -> Config: ...

    @property
    def pledges(self) -> list[Pledge]: ...


# -- dates given by users -----------------------------------------------------------------------


def parse_as_of(text: str | None) -> dt.date:
    """``--as-of``: a date, ``today``, or a partial date meaning the end of its period."""
    if text is None or not text.strip():
        return today()
    return parse_date(text, "--as-of").end


# -- derived state ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PledgeState:
    """A pledge as it stood on ``as_of`` (for one party, when ``party`` is set)."""

    pledge: Pledge
    as_of: dt.date
    status: str
    # The date of the update that set the status (None: no update yet).
    status_date: PartialDate | None
    final: bool
    overdue: bool
    stale: bool
    # The day the staleness rule counts from (latest update, else the announcement).
    last_activity: dt.date | None
    party: str | None = None
    # Each actor's own status, for a joint pledge (empty for one assessed as a whole).
    parties: Mapping[str, str] = field(default_factory=lambda: NO_PARTIES)

    @property
    def id(self) -> str:
        return self.pledge.id

    @property
    def days_since_activity(self) -> int | None:
        if self.last_activity is None:
            return None
        return (self.as_of - self.last_activity).days


def last_activity(pledge: Pledge, as_of: dt.date) -> dt.date | None:
    """The latest update up to ``as_of`` (any party), else the announcement; see module doc."""
    timeline = pledge.timeline()
    return _last_activity(pledge, timeline, timeline.cut(as_of), as_of)


def _last_activity(
    pledge: Pledge, timeline: Timeline, cut: int, as_of: dt.date
) -> dt.date | None:
    # The latest of min(end, as_of) over the updates is min(latest end, as_of).
    end = timeline.last_end(cut)
    if end is None:
        if pledge.announced is None:
            return None
        end = pledge.announced.end
    return end if end < as_of else as_of


def evaluate(
    pledge: Pledge, config: Config, as_of: dt.date, party: str | None = None
) -> PledgeState:
    """The state of ``pledge`` on ``as_of``: status, overdue, stale."""
    timeline = pledge.timeline()
    return state_at(pledge, timeline, timeline.cut(as_of), config, as_of, party)


def state_at(
    pledge: Pledge, timeline: Timeline, cut: int, config: Config, as_of: dt.date,
    party: str | None = None, standing: Standing | None = None,
) -> PledgeState:
    """:func:`evaluate` for a pledge whose timeline is already cut at ``as_of`` (and whose
    standing on that date may be known already)."""
    vocabulary = config.vocabulary
    parties: Mapping[str, str] = NO_PARTIES
    if party is None:
        if standing is None:
            standing = standing_at(pledge, timeline, cut, vocabulary, config.joint_status)
        status, since, parties = standing.status, standing.since, standing.parties
    else:
        latest = timeline.latest(cut, party)
        status = latest.status if latest else vocabulary.initial
        since = latest.date if latest else None
    final = vocabulary.is_final(status)
    activity = _last_activity(pledge, timeline, cut, as_of)
    stale = (
        not final
        and activity is not None
        and (as_of - activity).days > config.stale_after_days
    )
    return _new_state(pledge, as_of, status, since, final,
                      pledge.is_overdue(as_of, final), stale, activity, party, parties)


def _state_builder() -> Callable[..., PledgeState]:
    # A frozen dataclass's __init__ sets each field through object.__setattr__; a report makes
    # one state per pledge, and that was a fifth of its work. The same fields, straight into
    # their slots (tests hold this to the class's fields).
    new = object.__new__
    slot = {name: getattr(PledgeState, name).__set__ for name in PledgeState.__slots__}

    def build(
        pledge: Pledge, as_of: dt.date, status: str, status_date: PartialDate | None,
        final: bool, overdue: bool, stale: bool, last_activity: dt.date | None,
        party: str | None, parties: Mapping[str, str],
        _pledge: Any = slot["pledge"], _as_of: Any = slot["as_of"], _status: Any = slot["status"],
        _status_date: Any = slot["status_date"], _final: Any = slot["final"],
        _overdue: Any = slot["overdue"], _stale: Any = slot["stale"],
        _last_activity: Any = slot["last_activity"], _party: Any = slot["party"],
        _parties: Any = slot["parties"],
    ) -> PledgeState:
        state: PledgeState = new(PledgeState)
        _pledge(state, pledge)
        _as_of(state, as_of)
        _status(state, status)
        _status_date(state, status_date)
        _final(state, final)
        _overdue(state, overdue)
        _stale(state, stale)
        _last_activity(state, last_activity)
        _party(state, party)
        _parties(state, parties)
        return state

    return build


_new_state = _state_builder()


# -- filters ------------------------------------------------------------------------------------


def _fold(values: Iterable[str]) -> frozenset[str]:
    return frozenset(v.casefold() for v in values)


def _tuple(values: str | Iterable[str] | None) -> tuple[str, ...]:
    if values is None:
        return ()
    if isinstance(values, str):
        return (values,)
    return tuple(values)


@dataclass(frozen=True)
class Filter:
    """Which pledges to keep. Empty fields keep everything.

    Values of one field are alternatives (``statuses=("stalled", "broken")`` keeps either);
    different fields must all hold. Statuses, domains, actors, recipients, parties and tags
    match without regard to case. Dates: ``announced_since`` keeps pledges announced on or after
    the start of that period, ``announced_before`` those announced before it begins;
    ``due_before`` keeps deadlines that end before the period begins, ``due_after`` those that
    end after it is over. ``final``: True keeps final statuses, False open ones, None both.
    ``search`` looks, without regard to case, in the title, summary, quote and update notes.
    ``parties`` keeps pledges binding one of them, like ``actors``; summaries also count only
    those parties' compliance cells.
    """

    statuses: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()
    recipients: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    parties: tuple[str, ...] = ()
    announced_since: PartialDate | None = None
    announced_before: PartialDate | None = None
    due_before: PartialDate | None = None
    due_after: PartialDate | None = None
    overdue: bool = False
    stale: bool = False
    final: bool | None = None
    search: str | None = None
    _folded: dict[str, frozenset[str]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        # Accept a single string or a list where a tuple is expected (handy in a notebook).
        for name in ("statuses", "actors", "recipients", "domains", "tags", "parties"):
            object.__setattr__(self, name, _tuple(getattr(self, name)))
        for name in ("statuses", "domains", "actors", "recipients", "tags", "parties"):
            self._folded[name] = _fold(getattr(self, name))

    @classmethod
    def from_options(
        cls,
        *,
        status: Sequence[str] | None = None,
        actor: Sequence[str] | None = None,
        recipient: Sequence[str] | None = None,
        domain: Sequence[str] | None = None,
        tag: Sequence[str] | None = None,
        party: Sequence[str] | None = None,
        announced_since: str | None = None,
        announced_before: str | None = None,
        due_before: str | None = None,
        due_after: str | None = None,
        overdue: bool = False,
        stale: bool = False,
        final: bool | None = None,
        search: str | None = None,
    ) -> Filter:
        """A filter from command-line style text values; bad dates raise PledgetrackError."""

        def date(text: str | None, option: str) -> PartialDate | None:
            return None if text is None else parse_date(text, option)

        def names(values: Sequence[str] | None) -> tuple[str, ...]:
            # `--status delivered,broken` is two values, as `--status delivered --status
            # broken` (status and domain names are slugs: a comma is never part of one).
            return tuple(v.strip() for value in values or () for v in value.split(",")
                         if v.strip())

        return cls(
            statuses=names(status),
            actors=tuple(actor or ()),
            recipients=tuple(recipient or ()),
            domains=names(domain),
            tags=tuple(tag or ()),
            parties=tuple(party or ()),
            announced_since=date(announced_since, "--announced-since"),
            announced_before=date(announced_before, "--announced-before"),
            due_before=date(due_before, "--due-before"),
            due_after=date(due_after, "--due-after"),
            overdue=overdue,
            stale=stale,
            final=final,
            search=search or None,
        )

    # -- validation ---------------------------------------------------------------------------

    def validate(self, config: Config, pledges: Sequence[Pledge] | NamesInUse = ()) -> None:
        """Unknown statuses and domains are errors that list the valid values (``mixed``, the
        derived status of a joint pledge, is valid). ``pledges``: the records, or the names
        they use."""
        names = config.statuses.names
        folded_names = _fold(names)
        for status in self.statuses:
            if status.casefold() not in folded_names:
                raise PledgetrackError(
                    f"unknown status '{status}'{did_you_mean(status, names)}; valid: "
                    f"{', '.join(names)}"
                )
        if self.domains:
            # The configured taxonomy, or, without one, the domains the data uses.
            known = list(config.domains) or sorted(_used(pledges, "domains"))
            folded_known = _fold(known)
            for domain in self.domains:
                if domain.casefold() not in folded_known:
                    where = "valid" if config.domains else "domains in use"
                    raise PledgetrackError(
                        f"unknown domain '{domain}'{did_you_mean(domain, known)}; {where}: "
                        f"{', '.join(known) or '(none)'}"
                    )

    def unmatched(self, pledges: Sequence[Pledge] | NamesInUse) -> list[str]:
        """A message for each actor, recipient, party or tag asked for that no pledge has
        (matching ignores case), with the closest value in use: a typo would otherwise be an
        empty result that looks like a finding. ``pledges``: the records, or the names they
        use."""
        fields = (("actors", "actor", "actors"), ("recipients", "recipient", "recipients"),
                  ("parties", "party", "actors"), ("tags", "tag", "tags"))
        messages = []
        for name, noun, attribute in fields:
            asked = getattr(self, name)
            if not asked:
                continue
            used = sorted(_used(pledges, attribute))
            folded = {v.casefold() for v in used}
            for value in asked:
                if value.casefold() not in folded:
                    messages.append(f"no pledge has the {noun} '{value}'"
                                    f"{did_you_mean(value, used)}")
        return messages

    @property
    def asks_names(self) -> bool:
        """Whether the filter names actors, recipients, parties, tags or domains (which
        :meth:`validate` and :meth:`unmatched` compare with the names in use)."""
        return bool(self.actors or self.recipients or self.parties or self.tags
                    or self.domains)

    # -- matching -----------------------------------------------------------------------------

    @property
    def tests_state(self) -> bool:
        return bool(self.statuses) or self.overdue or self.stale or self.final is not None

    def _fields_match(self, p: Pledge) -> bool:
        if self.actors and not self._folded["actors"] & _fold(p.actors):
            return False
        if self.recipients and not self._folded["recipients"] & _fold(p.recipients):
            return False
        if self.parties and not self._folded["parties"] & _fold(p.actors):
            return False
        if self.tags and not self._folded["tags"] & _fold(p.tags):
            return False
        if self.domains and not self._folded["domains"] & _fold(p.domains):
            return False
        if self.announced_since or self.announced_before:
            if p.announced is None:
                return False
            if self.announced_since and p.announced.start < self.announced_since.start:
                return False
            if self.announced_before and p.announced.start >= self.announced_before.start:
                return False
        if self.due_before or self.due_after:
            if p.deadline is None:
                return False
            if self.due_before and not p.deadline.end < self.due_before.start:
                return False
            if self.due_after and not p.deadline.end > self.due_after.end:
                return False
        return not self.search or _mentions(p, self.search)

    def _state_matches(self, s: PledgeState) -> bool:
        if self.statuses and s.status.casefold() not in self._folded["statuses"]:
            return False
        if self.final is not None and s.final != self.final:
            return False
        if self.overdue and not s.overdue:
            return False
        return not (self.stale and not s.stale)

    def matches(self, p: Pledge, config: Config, as_of: dt.date) -> bool:
        """Whether the pledge, as it stood on ``as_of``, passes the filter."""
        if not p.announced_by(as_of) or not self._fields_match(p):
            return False
        if not self.tests_state:
            return True
        return self._state_matches(evaluate(p, config, as_of))


class NamesInUse:
    """The names records use, gathered as the records come (:meth:`add`): what
    :meth:`Filter.validate` and :meth:`Filter.unmatched` compare a filter's names with when the
    records themselves are not kept."""

    __slots__ = ("actors", "domains", "recipients", "tags")

    def __init__(self) -> None:
        self.actors: set[str] = set()
        self.recipients: set[str] = set()
        self.domains: set[str] = set()
        self.tags: set[str] = set()

    def add(self, p: Pledge) -> None:
        self.actors.update(p.actors)
        self.recipients.update(p.recipients)
        self.domains.update(p.domains)
        self.tags.update(p.tags)


def _used(pledges: Sequence[Pledge] | NamesInUse, attribute: str) -> set[str]:
    if isinstance(pledges, NamesInUse):
        found: set[str] = getattr(pledges, attribute)
        return found
    return {v for p in pledges for v in getattr(p, attribute)}


def _mentions(p: Pledge, text: str) -> bool:
    needle = text.casefold()
    haystacks = [p.title, p.summary, p.quote, *(u.note for u in p.updates)]
    return any(h is not None and needle in h.casefold() for h in haystacks)


# -- selection ----------------------------------------------------------------------------------


def select(
    dataset: DataLike, filter: Filter | None = None, as_of: dt.date | None = None
) -> list[Pledge]:
    """The pledges of ``dataset`` announced by ``as_of`` (default today) that pass ``filter``,
    in id order. Raises :class:`PledgetrackError` for an unknown status or domain."""
    when = as_of or today()
    chosen = filter or Filter()
    chosen.validate(dataset.config, dataset.pledges)
    return [p for p in dataset.pledges if chosen.matches(p, dataset.config, when)]


class Chooser:
    """Chooses pledges as :func:`select` does, from records handed over one at a time in any
    order (a load's ``each``), keeping of each chosen pledge only its id and path — and, when the
    filter names any, the names in use (:attr:`names`) — so that memory never holds every
    record. :meth:`paths` gives the choice in id order."""

    __slots__ = ("_gather", "as_of", "chosen", "config", "filter", "names")

    def __init__(self, filter: Filter, config: Config, as_of: dt.date) -> None:
        self.filter = filter
        self.config = config
        self.as_of = as_of
        self.chosen: list[tuple[str, str]] = []
        self.names = NamesInUse()
        self._gather = filter.asks_names

    def __call__(self, p: Pledge) -> None:
        if self._gather:
            self.names.add(p)
        if self.filter.matches(p, self.config, self.as_of):
            self.chosen.append((p.id, p.path))

    def paths(self, broken: Iterable[str] = ()) -> list[str]:
        """The paths of the chosen pledges in id order, without the files named in ``broken``
        (found to have errors once every record was seen: two files with one id)."""
        left_out = set(broken)
        self.chosen.sort()
        return [path for _, path in self.chosen if path not in left_out]


def states(
    dataset: DataLike, pledges: Iterable[Pledge], as_of: dt.date | None = None
) -> list[PledgeState]:
    """Each pledge's state on ``as_of`` (default today), as a whole."""
    when = as_of or today()
    return [evaluate(p, dataset.config, when) for p in pledges]


# The pledge's id, read in C (a lambda and a property per state were most of sorting 10,000).
_BY_ID = attrgetter("pledge.id")


def sort_states(
    items: Sequence[PledgeState], key: SortKey, config: Config, reverse: bool = False
) -> list[PledgeState]:
    """Sort for listing. Dates ascend (earliest first) and missing dates go last, ties by id;
    ``status`` follows the vocabulary's order. ``reverse`` flips the order of the values, not
    the place of missing ones."""
    if key not in SORT_KEYS:
        raise PledgetrackError(f"unknown sort key '{key}'; valid: {', '.join(SORT_KEYS)}")
    by_id = sorted(items, key=_BY_ID)
    if key == "id":
        return by_id[::-1] if reverse else by_id
    if key == "status":
        order = {name: i for i, name in enumerate(config.statuses.names)}
        return sorted(by_id, key=lambda s: order.get(s.status, len(order)), reverse=reverse)

    def date_of(s: PledgeState) -> PartialDate | None:
        if key == "deadline":
            return s.pledge.deadline
        if key == "announced":
            return s.pledge.announced
        return s.status_date

    present = [s for s in by_id if date_of(s) is not None]
    missing = [s for s in by_id if date_of(s) is None]

    def sort_key(s: PledgeState) -> tuple[dt.date, dt.date]:
        d = date_of(s)
        assert d is not None
        return (d.end, d.start) if key == "deadline" else (d.start, d.end)

    return sorted(present, key=sort_key, reverse=reverse) + missing
