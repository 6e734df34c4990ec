"""Dates as people type them (`update --date`, `add --announced`)."""

from __future__ import annotations

import datetime as dt

import pytest

from pledgetrack.model.dates import DateError, PartialDate, parse_user_date

TODAY = dt.date(2025, 11, 20)


@pytest.mark.parametrize(("text", "expected"), [
    ("2025-10-26", PartialDate(2025, 10, 26)),
    ("2025-10", PartialDate(2025, 10)),
    ("2025-Q4", PartialDate(2025, quarter=4)),
    ("2025-q4", PartialDate(2025, quarter=4)),
    ("2025", PartialDate(2025)),
    ("today", PartialDate(2025, 11, 20)),
    ("Today", PartialDate(2025, 11, 20)),
    ("yesterday", PartialDate(2025, 11, 19)),
    ("26 Oct 2025", PartialDate(2025, 10, 26)),
    ("26 October 2025", PartialDate(2025, 10, 26)),
    ("October 26, 2025", PartialDate(2025, 10, 26)),
    ("Oct 26 2025", PartialDate(2025, 10, 26)),
    ("Oct 2025", PartialDate(2025, 10)),
    ("September 2025", PartialDate(2025, 9)),
    ("Sept 2025", PartialDate(2025, 9)),
    ("Q4 2025", PartialDate(2025, quarter=4)),
    ("q1-2026", PartialDate(2026, quarter=1)),
    ("2025 Q4", PartialDate(2025, quarter=4)),
    ("  26   Oct   2025 ", PartialDate(2025, 10, 26)),
    ("29 Feb 2024", PartialDate(2024, 2, 29)),
])
def test_accepted_forms(text: str, expected: PartialDate) -> None:
    assert parse_user_date(text, TODAY) == expected


def test_yesterday_crosses_month_and_year() -> None:
    assert parse_user_date("yesterday", dt.date(2026, 1, 1)) == PartialDate(2025, 12, 31)


@pytest.mark.parametrize(("text", "reason"), [
    ("03/04/2025", "ambiguous (2025-04-03 or 2025-03-04?)"),
    ("3.4.25", "ambiguous"),
    ("2025/10/26", "write it as 2025-10-26"),
    ("26 Oct", "without guessing"),  # no year
    ("Oct", "without guessing"),
    ("29 Feb 2025", "day is out of range"),
    ("2025-13", "there is no month 13"),
    ("2025-02-30", "February 2025 has 28 days"),
    ("26 Oct 2025 10:00", "time of day"),
    ("next week", "without guessing"),
    ("", "no date given"),
])
def test_refused_forms_say_why_and_list_the_accepted_ones(text: str, reason: str) -> None:
    with pytest.raises(DateError) as info:
        parse_user_date(text, TODAY)
    message = str(info.value)
    assert reason in message
    if "ambiguous" in reason or "guessing" in reason:
        assert "26 Oct 2025" in message and "Q4 2025" in message and "yesterday" in message
