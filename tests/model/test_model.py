"""The model: partial dates, the vocabulary, derived status."""

from __future__ import annotations

import datetime as dt

import pytest

from pledgetrack.model.dates import DateError, PartialDate
from pledgetrack.model.records import Pledge, Source, Update
from pledgetrack.model.vocabulary import DEFAULT_VOCABULARY

D = dt.date


@pytest.mark.parametrize(
    ("text", "precision", "start", "end"),
    [
        ("2025-10-26", "day", D(2025, 10, 26), D(2025, 10, 26)),
        ("2025-10", "month", D(2025, 10, 1), D(2025, 10, 31)),
        ("2024-02", "month", D(2024, 2, 1), D(2024, 2, 29)),
        ("2025-Q4", "quarter", D(2025, 10, 1), D(2025, 12, 31)),
        ("2025-q1", "quarter", D(2025, 1, 1), D(2025, 3, 31)),
        ("2025", "year", D(2025, 1, 1), D(2025, 12, 31)),
    ],
)
def test_partial_dates(text: str, precision: str, start: dt.date, end: dt.date) -> None:
    value = PartialDate.parse(text)
    assert (value.precision, value.start, value.end) == (precision, start, end)
    assert str(PartialDate.parse(str(value))) == str(value)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2025-02-30", "February 2025 has 28 days"),
        ("2024-02-30", "February 2024 has 29 days"),
        ("2025-13", "there is no month 13"),
        ("0000", "year 0 does not exist"),
        ("26/10/2025", "use YYYY-MM-DD"),
        ("2025-Q5", "use YYYY-MM-DD"),
        ("", "use YYYY-MM-DD"),
    ],
)
def test_impossible_dates(text: str, reason: str) -> None:
    with pytest.raises(DateError, match=reason):
        PartialDate.parse(text)


def test_default_vocabulary() -> None:
    v = DEFAULT_VOCABULARY
    assert v.names == ["not_yet_rated", "in_progress", "stalled", "partial", "delivered",
                       "broken", "withdrawn", "unrateable"]
    assert [v.score(n) for n in v.names] == [None, 0, -1, 0, 1, -1, -1, None]
    assert [n for n in v.names if v.is_final(n)] == [
        "partial", "delivered", "broken", "withdrawn", "unrateable"]
    assert v.initial == "not_yet_rated"


def _update(date: str, status: str, party: str | None = None) -> Update:
    return Update(PartialDate.parse(date), status, party)


def _pledge(*updates: Update, actors: tuple[str, ...] = ("Japan",)) -> Pledge:
    return Pledge("p", "t", actors, ("cyber",), (Source("https://x"),),
                  PartialDate.parse("2025-01-01"), updates=updates)


def test_status_is_derived_from_the_latest_update_by_date() -> None:
    # File order is not date order: the 2025-03 update is the latest.
    p = _pledge(_update("2025-03-01", "delivered"), _update("2025-02-01", "stalled"))
    assert p.status() == "delivered"
    assert p.status(as_of=D(2025, 2, 15)) == "stalled"
    assert p.status(as_of=D(2025, 1, 15)) == "not_yet_rated"


def test_same_date_ties_keep_file_order() -> None:
    p = _pledge(_update("2025-03-01", "stalled"), _update("2025-03-01", "in_progress"))
    assert p.status() == "in_progress"


def test_partial_update_date_counts_once_its_period_has_begun() -> None:
    p = _pledge(_update("2025-Q2", "in_progress"))
    assert p.status(as_of=D(2025, 3, 31)) == "not_yet_rated"
    assert p.status(as_of=D(2025, 4, 1)) == "in_progress"


def test_status_per_party() -> None:
    p = _pledge(
        _update("2025-02-01", "in_progress"),
        _update("2025-03-01", "delivered", "Japan"),
        _update("2025-04-01", "stalled", "Philippines"),
        actors=("Japan", "Philippines"),
    )
    assert p.assessed_parties == ("Japan", "Philippines")
    assert p.status_by_party() == {"Japan": "delivered", "Philippines": "stalled"}
    assert p.status_by_party(D(2025, 3, 15)) == {"Japan": "delivered",
                                                 "Philippines": "in_progress"}
    # The whole pledge: by the joint rule, not the latest update of any party.
    assert p.status() == "mixed"  # unanimous (the default): delivered and stalled differ
    assert p.status(D(2025, 2, 15)) == "in_progress"  # both in progress
    # weakest: stalled (open) before delivered (final); in progress (0) before delivered (+1).
    assert p.status(rule="weakest") == "stalled"
    assert p.status(D(2025, 3, 15), rule="weakest") == "in_progress"


def test_pledge_without_party_updates_is_assessed_as_a_whole() -> None:
    p = _pledge(_update("2025-02-01", "in_progress"), actors=("Japan", "Philippines"))
    assert p.assessed_parties == ()
    assert p.status_by_party() == {}


def test_overdue_uses_the_end_of_a_partial_deadline() -> None:
    p = Pledge("p", "t", ("Japan",), ("cyber",), (), deadline=PartialDate.parse("2025-Q4"))
    assert not p.is_overdue(D(2025, 12, 31), final=False)
    assert p.is_overdue(D(2026, 1, 1), final=False)
    assert not p.is_overdue(D(2026, 1, 1), final=True)
