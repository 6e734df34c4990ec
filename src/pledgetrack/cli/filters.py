"""The filter options shared by `list`, `report` and `export`, defined once.

:func:`filter_options` adds them (and ``--as-of``) to a command and hands the command one
:class:`Selection` instead of a dozen arguments.
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import typer

from pledgetrack.cli import complete

if TYPE_CHECKING:
    from pledgetrack.queries.selection import Filter

DATE_FORMS = ("YYYY-MM-DD, YYYY-MM, YYYY-Qn, YYYY, or as written: 26 Oct 2025, Oct 2025, "
              "Q4 2025, today, yesterday")


@dataclass(frozen=True, slots=True)
class Selection:
    """What the filter options ask for."""

    filter: Filter
    as_of: dt.date
    # Whether --as-of was given (a whole export keeps every update unless it was).
    as_of_given: bool = False


def _many(name: str, help_text: str, metavar: str, **extra: Any) -> Any:
    return typer.Option(f"--{name}", help=f"{help_text} Repeatable.", metavar=metavar,
                        show_default=False, **extra)


def _date(name: str, help_text: str) -> Any:
    return typer.Option(f"--{name}", help=f"{help_text} ({DATE_FORMS}).", metavar="DATE",
                        show_default=False)


_P = inspect.Parameter
_KW = _P.KEYWORD_ONLY

# (name, annotation, default): the order of --help.
_FILTERS: list[tuple[str, Any, Any]] = [
    ("status", Annotated[list[str] | None, _many(
        "status", "Keep pledges with this status (as of --as-of).", "STATUS",
        autocompletion=complete.filter_statuses)], None),
    ("actor", Annotated[list[str] | None, _many(
        "actor", "Keep pledges made by this actor.", "NAME")], None),
    ("recipient", Annotated[list[str] | None, _many(
        "recipient", "Keep pledges made to this recipient.", "NAME")], None),
    ("domain", Annotated[list[str] | None, _many(
        "domain", "Keep pledges in this domain.", "DOMAIN",
        autocompletion=complete.domains)], None),
    ("tag", Annotated[list[str] | None, _many(
        "tag", "Keep pledges with this tag.", "TAG")], None),
    ("party", Annotated[list[str] | None, _many(
        "party", "Keep pledges binding this party (one of the actors); reports then count "
        "only this party's compliance cells.", "NAME")], None),
    ("announced_since", Annotated[str | None, _date(
        "announced-since", "Keep pledges announced on or after the start of DATE")], None),
    ("announced_before", Annotated[str | None, _date(
        "announced-before", "Keep pledges announced before DATE begins")], None),
    ("due_before", Annotated[str | None, _date(
        "due-before", "Keep pledges whose deadline ends before DATE begins")], None),
    ("due_after", Annotated[str | None, _date(
        "due-after", "Keep pledges whose deadline ends after DATE is over")], None),
    ("overdue", Annotated[bool, typer.Option(
        "--overdue", help="Keep overdue pledges (deadline over, status not final).")], False),
    ("stale", Annotated[bool, typer.Option(
        "--stale", help="Keep stale pledges (not final, no update within stale_after_days).",
    )], False),
    ("final", Annotated[bool | None, typer.Option(
        "--final/--open", help="Keep pledges with a final status / with an open one.",
        show_default=False)], None),
    ("search", Annotated[str | None, typer.Option(
        "--search", metavar="TEXT", show_default=False,
        help="Keep pledges whose title, summary, quote or update notes contain TEXT "
        "(case-insensitive).")], None),
    ("as_of", Annotated[str | None, typer.Option(
        "--as-of", metavar="DATE", show_default=False,
        help="Show the world as it stood on DATE: only pledges announced by then, statuses "
        "from the updates dated up to then. A partial date means the end of its period. "
        "Default: today.")], None),
]
FILTER_NAMES = tuple(name for name, _, _ in _FILTERS)


def selection_from(values: dict[str, Any]) -> Selection:
    """Parse the options' values; bad dates raise PledgetrackError (exit 2)."""
    from pledgetrack.queries.selection import Filter, parse_as_of

    given = values.pop("as_of")
    return Selection(Filter.from_options(**values), parse_as_of(given), given is not None)


# `changes` has a window (--since, --until) instead of --as-of: there --as-of is refused with a
# clear message, so it stays an option but is not shown, and statuses are those at --until.
_WINDOW_FILTERS: list[tuple[str, Any, Any]] = [
    ("status", Annotated[list[str] | None, _many(
        "status", "Keep pledges with this status (as of --until).", "STATUS",
        autocompletion=complete.filter_statuses)], None),
    *_FILTERS[1:-1],
    ("as_of", Annotated[str | None, typer.Option(
        "--as-of", metavar="DATE", show_default=False, hidden=True,
        help="Refused here: the window is --since to --until.")], None),
]


def filter_options(func: Callable[..., int]) -> Callable[..., int]:
    """Give a command the shared filter options. The command takes ``selection: Selection``;
    Typer sees the filter options in its place, after the command's own options."""
    return _with_filters(func, _FILTERS)


def window_filter_options(func: Callable[..., int]) -> Callable[..., int]:
    """The filter options of a command with a window of dates rather than --as-of."""
    return _with_filters(func, _WINDOW_FILTERS)


def _with_filters(func: Callable[..., int], filters: list[tuple[str, Any, Any]]
                  ) -> Callable[..., int]:
    own = inspect.signature(func, eval_str=True)
    params = [p for p in own.parameters.values() if p.name != "selection"]
    params += [_P(name, _KW, default=default, annotation=annotation)
               for name, annotation, default in filters]

    @functools.wraps(func)
    def command(*args: Any, **kwargs: Any) -> int:
        values = {name: kwargs.pop(name) for name in FILTER_NAMES}
        return func(*args, selection=selection_from(values), **kwargs)

    command.__signature__ = own.replace(parameters=params)  # type: ignore[attr-defined]
    command.__annotations__ = {p.name: p.annotation for p in params}
    return command
