"""Full and partial dates: ``2025-10-26``, ``2025-10``, ``2025-Q4``, ``2025``.

A partial date stands for a period. It has *begun* on its first day and is *over* after its last:
a partial deadline means the end of the period, and an update counts as having happened once its
period has begun (so an update dated ``2026`` shows up in a report run during 2026).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Literal

Precision = Literal["year", "quarter", "month", "day"]

_ISO = re.compile(r"^(\d{4})(?:-(?:(\d{2})(?:-(\d{2}))?|[Qq]([1-4])))?$")


class DateError(ValueError):
    """A text that is not a valid full or partial date."""


@dataclass(frozen=True, slots=True)
class PartialDate:
    """A calendar date known to a year, quarter, month or day."""

    year: int
    month: int | None = None
    day: int | None = None
    quarter: int | None = None
    # start and end, worked out on first use: reports ask for them hundreds of thousands of
    # times over a large data set, and making a datetime.date each time was a third of the work.
    _start: dt.date | None = field(default=None, init=False, repr=False, compare=False)
    _end: dt.date | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def precision(self) -> Precision:
        if self.day is not None:
            return "day"
        if self.month is not None:
            return "month"
        if self.quarter is not None:
            return "quarter"
        return "year"

    @property
    def start(self) -> dt.date:
        """The first day of the period."""
        start = self._start
        if start is None:
            if self.month is not None:
                start = dt.date(self.year, self.month, self.day or 1)
            elif self.quarter is not None:
                start = dt.date(self.year, 3 * self.quarter - 2, 1)
            else:
                start = dt.date(self.year, 1, 1)
            object.__setattr__(self, "_start", start)
        return start

    @property
    def end(self) -> dt.date:
        """The last day of the period."""
        end = self._end
        if end is None:
            if self.day is not None and self.month is not None:
                end = dt.date(self.year, self.month, self.day)
            else:
                month = self.month if self.month is not None else (
                    3 * self.quarter if self.quarter is not None else 12
                )
                end = dt.date(self.year, month, calendar.monthrange(self.year, month)[1])
            object.__setattr__(self, "_end", end)
        return end

    def __str__(self) -> str:
        if self.day is not None:
            return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        if self.month is not None:
            return f"{self.year:04d}-{self.month:02d}"
        if self.quarter is not None:
            return f"{self.year:04d}-Q{self.quarter}"
        return f"{self.year:04d}"

    def isoformat(self) -> str:
        return str(self)

    @classmethod
    def from_date(cls, value: dt.date) -> PartialDate:
        return cls(value.year, value.month, value.day)

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        """Parse the canonical forms; raise :class:`DateError` with a readable reason."""
        match = _ISO.fullmatch(text.strip())
        if not match:
            raise DateError(
                f"'{text}' is not a date; use YYYY-MM-DD, YYYY-MM, YYYY-Qn or YYYY"
            )
        year_s, month_s, day_s, quarter_s = match.groups()
        year = int(year_s)
        if year < 1:
            raise DateError(f"'{text}' is not a date: year 0 does not exist")
        if quarter_s:
            return cls(year, quarter=int(quarter_s))
        if month_s is None:
            return cls(year)
        month = int(month_s)
        if not 1 <= month <= 12:
            raise DateError(f"'{text}' is not a date: there is no month {month}")
        if day_s is None:
            return cls(year, month)
        day = int(day_s)
        last = calendar.monthrange(year, month)[1]
        if not 1 <= day <= last:
            raise DateError(
                f"'{text}' is not a date: {calendar.month_name[month]} {year} has {last} days"
            )
        return cls(year, month, day)

    def sort_key(self) -> tuple[dt.date, dt.date]:
        return (self.start, self.end)


def today() -> dt.date:
    return dt.date.today()


# The forms `parse_user_date` accepts, for error messages and --help.
USER_DATE_FORMS = (
    "2025-10-26", "2025-10", "2025-Q4", "2025", "26 Oct 2025", "October 26, 2025", "Oct 2025",
    "Q4 2025", "today", "yesterday",
)
_QUARTER_FIRST = re.compile(r"^[Qq]([1-4])\s*[-/ ]?\s*(\d{4})$")
_YEAR_QUARTER = re.compile(r"^(\d{4})\s*[- ]\s*[Qq]([1-4])$")
_MONTH_WORD = re.compile(
    r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?(?![a-z])", re.IGNORECASE
)
_NUMERIC = re.compile(r"^(\d{1,4})\s*[./-]\s*(\d{1,2})\s*[./-]\s*(\d{1,4})$")


def _numeric_refusal(text: str, a: int, b: int, c: str) -> str:
    """Why ``a/b/c`` is refused, with the readings it could have: only those that are real
    dates (31/12/2025 can only be 31 December, never a month 31)."""
    short = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    year = int(c) if len(c) == 4 else None
    readings = []
    for day, month in ((a, b), (b, a)):
        if not 1 <= month <= 12 or day < 1:
            continue
        if day > calendar.monthrange(year or 2000, month)[1]:
            continue
        iso = f"{year}-{month:02d}-{day:02d}" if year else f"YYYY-{month:02d}-{day:02d}"
        words = f"{day} {short[month - 1]} {year if year else 'YYYY'}"
        if (iso, words) not in readings:
            readings.append((iso, words))
    refused = "day/month/year and month/day/year forms are refused"
    if not readings:
        return f"'{text}' is no date ({refused}); {_accepted()}"
    if len(readings) == 1:
        iso, words = readings[0]
        return f"'{text}': {refused}; write {iso} or {words}"
    (iso1, _), (iso2, _) = readings
    return (f"'{text}' is ambiguous ({iso1} or {iso2}?): {refused}; write the ISO form or use "
            f"a month name; {_accepted()}")


def _accepted() -> str:
    return "accepted forms: " + ", ".join(USER_DATE_FORMS)


def parse_user_date(text: str, today: dt.date) -> PartialDate:
    """A date typed by a person: the canonical forms, ``today``, ``yesterday``, ``26 Oct 2025``,
    ``October 26, 2025``, ``Oct 2025``, ``Q4 2025``.

    Forms that need a guess (``03/04/2025``: March or April?) are refused rather than guessed,
    and so is a day or month without a year.
    """
    value = " ".join(text.split())
    lowered = value.lower()
    if lowered == "today":
        return PartialDate.from_date(today)
    if lowered == "yesterday":
        return PartialDate.from_date(today - dt.timedelta(days=1))
    if _ISO.fullmatch(value):
        return PartialDate.parse(value)
    match = _QUARTER_FIRST.fullmatch(value)
    if match:
        return PartialDate(int(match.group(2)), quarter=int(match.group(1)))
    match = _YEAR_QUARTER.fullmatch(value)
    if match:
        return PartialDate(int(match.group(1)), quarter=int(match.group(2)))
    if not value:
        raise DateError(f"no date given; {_accepted()}")
    match = _NUMERIC.fullmatch(value)
    if match:
        a, b, c = match.groups()
        if len(a) == 4:
            raise DateError(f"'{text}' is not an accepted form; write it as "
                            f"{a}-{int(b):02d}-{int(c):02d}; {_accepted()}")
        raise DateError(_numeric_refusal(text, int(a), int(b), c))
    if not _MONTH_WORD.search(value) or not re.search(r"\d{4}", value):
        raise DateError(f"'{text}' is not a date I can read without guessing; {_accepted()}")
    return _month_name_date(text, value)


_MONTHS = {
    name: number
    for number, names in enumerate((
        ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
        ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
        ("oct", "october"), ("nov", "november"), ("dec", "december"),
    ), 1)
    for name in names
}
# One word of a date written with a month name: the month ("Oct", "Oct.", "October"), the day
# (1 or 2 digits, "26th" too) or the year (4 digits), each maybe followed by a comma.
_WORD = re.compile(r"(?:(?P<month>[a-z]+)\.?|(?P<day>\d{1,2})(?:st|nd|rd|th)?|(?P<year>\d{4})),?")
_TIME = re.compile(r"\d{1,2}:\d{2}")
# The orders of month-name dates that are accepted: day month year, month day year, month year.
_ORDERS = {("day", "month", "year"), ("month", "day", "year"), ("month", "year")}


def _month_name_date(text: str, value: str) -> PartialDate:
    """A date written with a month name: every word must belong to one of the accepted forms;
    anything else (a weekday, a second number, a time) makes it an error, never a guess."""
    words = value.lower().split()
    kinds: list[str] = []
    year = month = day = 0
    # An accepted form has at most three words: a fourth is an error as it stands, and the words
    # after it need not be looked at.
    for number, word in enumerate(words[:4]):
        match = _WORD.fullmatch(word)
        if _TIME.fullmatch(word):
            raise DateError(f"'{text}' has a time of day; give only the date")
        if match is None or (match.group("month") and match.group("month") not in _MONTHS) \
                or (word.endswith(",") and number == len(words) - 1) or number == 3:
            raise DateError(f"'{text}' is not a date: '{word}' is not part of an accepted form; "
                            f"{_accepted()}")
        if match.group("month"):
            kinds.append("month")
            month = _MONTHS[match.group("month")]
        elif match.group("day"):
            kinds.append("day")
            day = int(match.group("day"))
        else:
            kinds.append("year")
            year = int(match.group("year"))
    if tuple(kinds) not in _ORDERS:
        raise DateError(f"'{text}' is not a date I can read without guessing; {_accepted()}")
    if year < 1:
        raise DateError(f"'{text}' is not a date: year 0 does not exist")
    if not day:
        if "day" in kinds:
            raise DateError(f"'{text}' is not a date: day is out of range (there is no day 0)")
        return PartialDate(year, month)
    last = calendar.monthrange(year, month)[1]
    if day > last:
        raise DateError(f"'{text}' is not a date: day is out of range "
                        f"({calendar.month_name[month]} {year} has {last} days)")
    return PartialDate(year, month, day)


def parse_ordered_date(text: str, order: Literal["dmy", "mdy"]) -> PartialDate | None:
    """``30/05/2024`` (``dmy``) or ``05/30/2024`` (``mdy``) read in the order the caller states,
    for tables whose dates are all written one way; None when ``text`` is not of that shape
    (the caller reads it as any other date). A four-digit year comes last."""
    match = _NUMERIC.match(" ".join(text.split()))
    if match is None or len(match.group(3)) != 4:
        return None
    first, second, year = (int(g) for g in match.groups())
    day, month = (first, second) if order == "dmy" else (second, first)
    try:
        dt.date(year, month, day)
    except ValueError:
        raise DateError(f"'{text}' read as {order} is not a real date") from None
    return PartialDate(year, month, day)


def parse_date(text: str, option: str, on: dt.date | None = None) -> PartialDate:
    """A date given in an option (``option`` names it), as a person writes it, relative to
    ``on`` (default: today); a bad one is a usage error naming the option."""
    from pledgetrack.errors import PledgetrackError

    try:
        return parse_user_date(text, on or today())
    except DateError as exc:
        raise PledgetrackError(f"{option}: {exc}") from None
