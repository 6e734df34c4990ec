"""Dates as people type them (`update --date`, `add --announced`)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

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
    ("Oct. 26, 2025", PartialDate(2025, 10, 26)),
    ("26th October 2025", PartialDate(2025, 10, 26)),
    ("MAY 2026", PartialDate(2026, 5)),
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
    _refused(text, reason)


@pytest.mark.parametrize(("text", "reason"), [
    # One possible reading: it is said, and never an impossible one (no month 31).
    ("31/12/2025", "'31/12/2025': day/month/year and month/day/year forms are refused; write "
                   "2025-12-31 or 31 Dec 2025"),
    ("12/31/2025", "write 2025-12-31 or 31 Dec 2025"),
    ("30/02/2025", "is no date"),
])
def test_day_month_year_forms_offer_only_real_readings(text: str, reason: str) -> None:
    with pytest.raises(DateError) as info:
        parse_user_date(text, TODAY)
    assert reason in str(info.value)
    assert "2025-31-12" not in str(info.value) and "2025-02-30" not in str(info.value)


def _refused(text: str, reason: str) -> None:
    with pytest.raises(DateError) as info:
        parse_user_date(text, TODAY)
    message = str(info.value)
    assert reason in message
    if "ambiguous" in reason or "guessing" in reason:
        assert "26 Oct 2025" in message and "Q4 2025" in message and "yesterday" in message


@pytest.mark.parametrize("text", [
    "oct 2025 mon tue",  # dateutil skipped the weekdays and took a day from them
    "Oct 2025 -1",
    "Monday 27 Oct 2025",
    "26 Oct 2025 2026",
    "Oct 26 27 2025",
    "26 Oct 2025 x",
    "26 Oct 2025 at noon",
    "2025 Oct 26",
    "Oct 2025,",
    "26 Octopus 2025",
    "26 Oct 2025 +0900",
    "26/Oct/2025",
])
def test_a_word_outside_the_accepted_forms_is_an_error(text: str) -> None:
    with pytest.raises(DateError) as info:
        parse_user_date(text, TODAY)
    assert "not part of an accepted form" in str(info.value) or "without guessing" in str(
        info.value)
    assert "26 Oct 2025" in str(info.value)


def test_a_day_zero_or_past_the_month_is_refused() -> None:
    for text in ("0 Oct 2025", "31 Nov 2025", "Feb 30, 2024"):
        with pytest.raises(DateError, match="day is out of range"):
            parse_user_date(text, TODAY)


def test_update_refuses_a_date_with_extra_words(tmp_path: Path) -> None:
    from tests.clirun import cli
    from tests.conftest import VALID

    (tmp_path / "pledges").mkdir()
    path = tmp_path / "pledges" / "a.yaml"
    path.write_text(VALID.replace("{id}", "a"), "utf-8")
    before = path.read_bytes()
    result = cli("update", "a", "--status", "in_progress", "--date", "oct 2025 mon tue",
                 "--dir", str(tmp_path))
    assert result.exit_code == 2, result.output
    assert "'mon' is not part of an accepted form" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert path.read_bytes() == before
