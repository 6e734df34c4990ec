"""Convenience functions of the Python API."""

from __future__ import annotations

import datetime as dt
import os
from typing import TYPE_CHECKING

from pledgetrack.model.problems import Problem
from pledgetrack.store.loader import load_dataset

if TYPE_CHECKING:
    from pledgetrack.model.dates import PartialDate
    from pledgetrack.queries.changes import Changes
    from pledgetrack.queries.selection import DataLike, Filter



def check(root: str | os.PathLike[str] | None = None) -> list[Problem]:
    """Every problem in a data root, sorted by file and line (an empty list when clean)."""
    return load_dataset(root, view="problems").problems  # the same problems in every view


def _partial(value: PartialDate | dt.date | str, name: str) -> PartialDate:
    from pledgetrack.model.dates import PartialDate, parse_date

    if isinstance(value, PartialDate):
        return value
    if isinstance(value, dt.datetime):  # a datetime is a date too: its day, not its time
        return PartialDate.from_date(value.date())
    if isinstance(value, dt.date):
        return PartialDate.from_date(value)
    if isinstance(value, str):
        return parse_date(value, name)
    from pledgetrack.errors import PledgetrackError

    raise PledgetrackError(f"{name}: a date, a PartialDate or a text such as '2025-10', "
                           f"not {type(value).__name__}")


def changes(
    dataset: DataLike,
    since: PartialDate | dt.date | str,
    until: PartialDate | dt.date | str | None = None,
    filter: Filter | None = None,
) -> Changes:
    """What happened between two dates, as `pledgetrack changes` shows it (no printing).

    The window opens on the first day of ``since`` and closes on the last day of ``until``
    (default today); either may be a :class:`PartialDate`, a :class:`datetime.date` or a text
    as the command line takes it (``"2025-11"``, ``"2025-Q4"``, ``"26 Oct 2025"``). The pledges
    are those :func:`pledgetrack.summarise` selects with ``filter`` as of ``until``.
    ``to_dict()`` of the result is the JSON of ``changes --format json``. A bad date, or an
    ``until`` before ``since``, raises :class:`PledgetrackError`.
    """
    from pledgetrack.queries.changes import changes as what_changed

    start = _partial(since, "since")
    end = _partial(until, "until") if until is not None else None
    return what_changed(dataset, start, end, filter)
