"""`report --trend`: points worked out by hand from tests/fixture_reports.py, and every point
checked against a separate `report --as-of` run on the same data."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from tests.clirun import cli
from tests.fixture_reports import AS_OF_TEXT, make_root

# The vocabulary, with the derived `mixed` before the first final status.
STATUSES = ["not_yet_rated", "in_progress", "stalled", "mixed", "partial", "delivered", "broken",
            "withdrawn", "unrateable"]


@pytest.fixture
def root(tmp_path: Path, yaml_loader: str) -> Path:
    return make_root(tmp_path)


def report_json(root: Path, *args: str) -> dict[str, Any]:
    result = cli("report", "--dir", str(root), "--format", "json", *args)
    assert result.exit_code == 0, result.stderr
    doc: dict[str, Any] = json.loads(result.stdout)
    return doc


def counts(**given: int) -> dict[str, int]:
    return {s: given.get(s, 0) for s in STATUSES}


def test_quarters_of_2025_by_hand(root: Path) -> None:
    doc = report_json(root, "--as-of", AS_OF_TEXT, "--trend", "quarter", "--since", "2025-01")
    assert doc["trend_period"] == "quarter"
    assert [p["as_of"] for p in doc["trend"]] == [
        "2025-03-31", "2025-06-30", "2025-09-30", "2025-12-31"]
    q1, q2, q3, q4 = doc["trend"]
    # 31 March: a (in progress 0), b (not rated), c (mixed as a whole; cells Japan -1,
    # Philippines 0), f (in progress 0), g (withdrawn -1): 6 cells, 5 assessed, -2/5.
    assert q1 == {"as_of": "2025-03-31", "total": 5,
                  "by_status": counts(in_progress=2, mixed=1, not_yet_rated=1, withdrawn=1),
                  "compliance": {"mean": -0.4, "percent": 30.0, "assessed": 5, "cells": 6,
                                 "coverage": 83.33}}
    # 30 June: a delivered (+1); h announced that day, not rated until 1 July.
    # +1 n/a -1 0 0 -1 n/a: 7 cells, 5 assessed, -1/5.
    assert q2 == {"as_of": "2025-06-30", "total": 6,
                  "by_status": counts(delivered=1, in_progress=1, mixed=1, not_yet_rated=2,
                                      withdrawn=1),
                  "compliance": {"mean": -0.2, "percent": 40.0, "assessed": 5, "cells": 7,
                                 "coverage": 71.43}}
    # 30 September: h unrateable (still no score).
    assert q3["by_status"] == counts(delivered=1, in_progress=1, mixed=1, not_yet_rated=1,
                                     withdrawn=1, unrateable=1)
    assert q3["compliance"] == {"mean": -0.2, "percent": 40.0, "assessed": 5, "cells": 7,
                                "coverage": 71.43}
    # The last point is the report itself.
    assert q4 == {"as_of": "2025-12-31", "total": doc["total"], "by_status": doc["by_status"],
                  "compliance": doc["compliance"]}
    assert q4["compliance"] == {"mean": -0.1667, "percent": 41.67, "assessed": 6, "cells": 8,
                                "coverage": 75.0}


@pytest.mark.parametrize("filters", [
    [], ["--party", "Philippines"], ["--status", "in_progress"], ["--domain", "cyber"],
    ["--overdue"],
])
def test_every_point_is_the_report_on_that_day(root: Path, filters: list[str]) -> None:
    doc = report_json(root, "--as-of", "2026-02", "--trend", "month", "--since", "2025-05",
                      *filters)
    # May 2025 .. February 2026: ten month ends, the last one the as-of date (28 February).
    assert len(doc["trend"]) == 10 and doc["trend"][-1]["as_of"] == "2026-02-28"
    for point in doc["trend"]:
        alone = report_json(root, "--as-of", point["as_of"], *filters)
        assert point == {"as_of": alone["as_of"], "total": alone["total"],
                         "by_status": alone["by_status"], "compliance": alone["compliance"]}


def test_default_since_is_the_first_announcement_or_update(root: Path) -> None:
    doc = report_json(root, "--as-of", AS_OF_TEXT, "--trend", "year")
    # f-old is announced in 2023, the earliest: 2023, 2024, 2025.
    assert [(p["as_of"], p["total"]) for p in doc["trend"]] == [
        ("2023-12-31", 1), ("2024-12-31", 4), ("2025-12-31", 7)]


def test_csv_markdown_table_and_html(root: Path) -> None:
    base = ("report", "--dir", str(root), "--as-of", AS_OF_TEXT, "--trend", "quarter",
            "--since", "2025-01")
    rows = list(csv.reader(io.StringIO(cli(*base, "--format", "csv").stdout)))
    assert rows[0] == ["as_of", "total", *STATUSES, "mean", "percent", "assessed", "cells",
                       "coverage"]
    assert rows[1] == ["2025-03-31", "5", "1", "2", "0", "1", "0", "0", "0", "1", "0", "-0.4",
                       "30.0", "5", "6", "83.33"]
    assert rows[-1][0] == "(skipped)"  # zz-broken.yaml is named, as in every format
    md = cli(*base, "--format", "markdown").stdout.splitlines()
    assert "### Trend by quarter" in md
    # Columns: not rated, in progress, mixed, delivered, withdrawn, unrateable.
    assert "| 2025-06-30 | 6 | 2 | 1 | 1 | 1 | 1 | 0 | 40.0 % | 5/7 (71.4 %) |" in md
    table = cli(*base, "--format", "table").stdout
    assert "Trend by quarter" in table and "Compliance: " in table
    # 30, 40, 40, 41.67 % on eight levels: blocks 3, 4, 4, 4.
    assert "\u2583\u2584\u2584\u2584" in table
    page = cli(*base, "--format", "html").stdout
    assert '<section id="trend"' in page and "<polyline" in page
    assert "Compliance by quarter from 2025-03-31 (30.0 %) to 2025-12-31 (41.7 %)." in page


def test_without_trend_the_json_has_no_trend(root: Path) -> None:
    assert "trend" not in report_json(root, "--as-of", AS_OF_TEXT)


@pytest.mark.parametrize(("args", "message"), [
    (["--since", "2025"], "--since goes with --trend"),
    (["--trend", "week"], "'week' is not one of"),
    (["--trend", "month", "--since", "2026-05"], "is after the report date"),
    (["--trend", "month", "--since", "0001"], "more than"),
])
def test_bad_input_is_one_line(root: Path, args: list[str], message: str) -> None:
    result = cli("report", "--dir", str(root), "--as-of", AS_OF_TEXT, *args)
    assert result.exit_code == 2, result.stdout
    assert message in result.stderr and "Traceback" not in result.stderr
