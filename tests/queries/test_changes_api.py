"""`pledgetrack.changes`: the record behind `pledgetrack changes`, through the Python API.

A data folder of four pledges, made here, and the third quarter of 2025 (1 July to 30 September)
as the window. Every figure is worked out by hand in the comments, then compared with what
`pledgetrack changes -f json` prints for the same window.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

import pledgetrack as pt
from tests.clirun import cli

PLEDGES = {
    # Announced before the window, delivered in it; its deadline (30 Sept) ends in it.
    "p-kept": """\
id: p-kept
title: Cyber defence training
actors: [Japan]
domains: [cyber]
announced: 2025-01-15
deadline: 2025-09
sources:
  - url: https://example.org/summit
updates:
  - date: 2025-02-01
    status: in_progress
  - date: 2025-08-10
    status: delivered
    note: Course held.
    sources:
      - url: https://example.org/kept
        title: Ministry notice
""",
    # Never updated; its deadline (31 July) passes in the window, so it becomes overdue.
    "p-late": """\
id: p-late
title: Patrol boat handover
actors: [Japan]
domains: [maritime]
announced: 2025-03-01
deadline: 2025-07-31
sources:
  - url: https://example.org/summit
""",
    # Joint, assessed party by party: the first update (no party) moves both parties, the
    # second only the Philippines.
    "p-joint": """\
id: p-joint
title: Joint coast guard drills
actors: [Japan, Philippines]
domains: [maritime]
announced: 2024-06-01
sources:
  - url: https://example.org/summit
updates:
  - date: 2024-07-01
    status: in_progress
  - date: 2025-07-15
    status: delivered
    party: Philippines
    note: Drills held off Manila.
""",
    # Announced in the window; not rated yet.
    "p-new": """\
id: p-new
title: Maritime dialogue
actors: [Philippines]
domains: [diplomacy]
announced: 2025-08-20
sources:
  - url: https://example.org/summit
""",
}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "pledges").mkdir()
    (tmp_path / "pledgetrack.yaml").write_text(
        "domains:\n  cyber: Cyber\n  maritime: Maritime\n  diplomacy: Diplomacy\n", "utf-8")
    for pid, text in PLEDGES.items():
        (tmp_path / "pledges" / f"{pid}.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def cli_json(root: Path, *args: str) -> dict[str, Any]:
    result = cli("changes", "--dir", str(root), "-f", "json", *args)
    assert result.exit_code == 0, result.stderr
    doc: dict[str, Any] = json.loads(result.stdout)
    return doc


def test_the_third_quarter(root: Path, yaml_loader: str,
                           capsys: pytest.CaptureFixture[str]) -> None:
    ds = pt.load_dataset(root, cache=False)
    c = pt.changes(ds, "2025-Q3", dt.date(2025, 9, 30))
    assert capsys.readouterr() == ("", "")  # a record, nothing printed
    assert isinstance(c, pt.Changes)
    assert (c.since, c.until) == (dt.date(2025, 7, 1), dt.date(2025, 9, 30))

    # p-joint on 15 July: the Philippines in progress -> delivered, Japan still in progress, so
    # the pledge as a whole (unanimous rule) in progress -> mixed; p-kept on 10 August. Sorted
    # by date, then id, then party (the whole pledge first).
    assert [(t.id, t.party, str(t.date), t.before, t.after) for t in c.transitions] == [
        ("p-joint", None, "2025-07-15", "in_progress", "mixed"),
        ("p-joint", "Philippines", "2025-07-15", "in_progress", "delivered"),
        ("p-kept", None, "2025-08-10", "in_progress", "delivered"),
    ]
    assert all(isinstance(t, pt.Transition) for t in c.transitions)
    kept = c.transitions[2]
    assert kept.note == "Course held."
    assert [(s.url, s.title) for s in kept.sources] == [
        ("https://example.org/kept", "Ministry notice")]
    assert c.parties_changed == {"(whole)": 2, "Philippines": 1}

    assert [p.id for p in c.announced] == ["p-new"]  # 20 August
    # p-late: deadline 31 July over on 30 Sept and not final; on 30 June it was still ahead.
    assert [s.id for s in c.became_overdue] == ["p-late"]
    # Deadlines ending in the window, by deadline: 31 July, then 30 Sept (p-kept, delivered).
    assert [(s.id, s.status) for s in c.deadlines] == [
        ("p-late", "not_yet_rated"), ("p-kept", "delivered")]

    # 30 June: p-kept 0, p-late not rated, p-joint Japan 0 and Philippines 0 -> 4 cells,
    # 3 assessed, mean 0, (0 + 1) / 2 = 50 %, coverage 3/4 = 75 %.
    start = c.start
    assert (start.as_of, start.total) == (dt.date(2025, 6, 30), 3)
    assert start.compliance.mean == 0
    assert start.compliance.percent == pytest.approx(50.0)
    assert (start.compliance.assessed, start.compliance.cells) == (3, 4)
    # 30 Sept: p-kept +1, p-late n/a, p-joint Japan 0 and Philippines +1, p-new n/a -> 5 cells,
    # 3 assessed, mean 2/3, (2/3 + 1) / 2 = 83.33 %, coverage 3/5 = 60 %.
    end = c.end
    assert (end.as_of, end.total) == (dt.date(2025, 9, 30), 4)
    assert end.compliance.mean == pytest.approx(2 / 3)
    assert end.compliance.percent == pytest.approx(250 / 3)
    assert (end.compliance.assessed, end.compliance.cells) == (3, 5)
    mean, points = c.change
    assert mean == pytest.approx(2 / 3) and points == pytest.approx(100 / 3)

    doc: dict[str, Any] = c.to_dict()
    assert doc["compliance"] == {
        "since": {"as_of": "2025-06-30", "total": 3, "mean": 0.0, "percent": 50.0,
                  "assessed": 3, "cells": 4, "coverage": 75.0},
        "until": {"as_of": "2025-09-30", "total": 4, "mean": 0.6667, "percent": 83.33,
                  "assessed": 3, "cells": 5, "coverage": 60.0},
        # 75 % -> 60 % coverage: one more cell, none more assessed.
        "change": {"mean": 0.6667, "percent": 33.33, "assessed": 0, "cells": 1,
                   "coverage": -15.0},
    }
    assert doc["transitions"][2] == {
        "id": "p-kept", "party": None, "date": "2025-08-10", "from": "in_progress",
        "to": "delivered", "note": "Course held.",
        "sources": [{"url": "https://example.org/kept", "title": "Ministry notice",
                     "archived": None}]}
    # The command line prints exactly this record.
    assert cli_json(root, "--since", "2025-Q3", "--until", "2025-09-30") == doc


def test_dates_in_any_form_and_a_filter(root: Path) -> None:
    ds = pt.load_dataset(root)
    as_text = pt.changes(ds, "2025-07", "2025-09").to_dict()
    assert pt.changes(ds, pt.PartialDate(2025, quarter=3),
                      pt.PartialDate.parse("2025-Q3")).to_dict() == as_text
    assert pt.changes(ds, dt.date(2025, 7, 1), dt.datetime(2025, 9, 30, 18, 0)).to_dict() == as_text
    assert pt.changes(ds, "1 Jul 2025", "30 Sep 2025").to_dict() == as_text

    # With --party Philippines: p-joint (as a whole and its Philippine cell) and p-new.
    philippines = pt.Filter(parties=("Philippines",))
    c = pt.changes(ds, "2025-Q3", "2025-Q3", filter=philippines)
    assert [(t.id, t.party) for t in c.transitions] == [("p-joint", None),
                                                       ("p-joint", "Philippines")]
    # 30 June: the Philippine cell of p-joint, 0: mean 0, 50 %, 1 of 1 assessed. 30 Sept: that
    # cell +1 and p-new not rated: mean 1, 100 %, 1 of 2 assessed.
    doc: dict[str, Any] = c.to_dict()
    assert doc["compliance"]["since"] == {"as_of": "2025-06-30", "total": 1, "mean": 0.0,
                                          "percent": 50.0, "assessed": 1, "cells": 1,
                                          "coverage": 100.0}
    assert doc["compliance"]["until"] == {"as_of": "2025-09-30", "total": 2, "mean": 1.0,
                                          "percent": 100.0, "assessed": 1, "cells": 2,
                                          "coverage": 50.0}
    assert [p.id for p in c.announced] == ["p-new"]
    assert c.became_overdue == [] and c.deadlines == []
    assert cli_json(root, "--since", "2025-Q3", "--until", "2025-Q3",
                    "--party", "Philippines") == doc


def test_until_defaults_to_today(root: Path) -> None:
    c = pt.changes(pt.load_dataset(root), "2025-07")
    assert c.until == dt.date.today()
    # Every update of the data is dated by now: the three transitions above, and no others.
    assert len(c.transitions) == 3


@pytest.mark.parametrize(("since", "until", "message"), [
    ("2025-13", None, "since: "),
    # The API's words, not the command line's flags.
    ("2025-09", "2025-07", "^until 2025-07-31 is before since 2025-09-01$"),
    (20250701, None, "not int"),
    ("0001-01-01", None, "after 0001-01-01"),  # the day before it does not exist
    ("0001", "0001-06", "after 0001-01-01"),
])
def test_bad_dates_raise_the_users_error(root: Path, since: Any, until: Any,
                                         message: str) -> None:
    ds = pt.load_dataset(root)
    with pytest.raises(pt.PledgetrackError, match=message):
        pt.changes(ds, since, until)


@pytest.mark.parametrize("form", ["table", "markdown", "json", "html"])
def test_a_window_from_the_first_day_of_year_one_is_refused(root: Path, form: str) -> None:
    result = cli("changes", "--since", "0001-01-01", "-f", form, "--dir", root)
    assert result.exit_code == 2, result.output  # a bad option value, as --until before --since
    assert "the window must open after 0001-01-01" in result.stderr
    assert result.stdout == ""
    # The second day of year 1 is a window like any other.
    assert cli("changes", "--since", "0001-01-02", "-f", "json", "--dir", root).exit_code == 0
