"""`pledgetrack report`: every figure checked against numbers worked out by hand.

The fixture (tests/fixture_reports.py) has a table of the pledges' states as of 2025-12-31; the
arithmetic for each figure is in the comments next to the expected value.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from tests.clirun import cli
from tests.fixture_reports import AS_OF, AS_OF_TEXT, make_root

# Every status counted: the vocabulary's, with the derived `mixed` before the first final one.
STATUSES = ["not_yet_rated", "in_progress", "stalled", "mixed", "partial", "delivered", "broken",
            "withdrawn", "unrateable"]


def run(root: Path, *args: str) -> Any:
    return cli("report", "--dir", str(root), "--as-of", AS_OF_TEXT, *args)


def report_json(root: Path, *args: str) -> dict[str, Any]:
    result = run(root, "--format", "json", *args)
    assert result.exit_code == 0, result.stderr
    doc: dict[str, Any] = json.loads(result.stdout)
    return doc


@pytest.fixture
def root(tmp_path: Path, yaml_loader: str) -> Path:
    # Every figure under both YAML loaders (libyaml and pure Python).
    return make_root(tmp_path)


def test_counts_percentages_and_final_rate(root: Path) -> None:
    doc = report_json(root)
    assert doc["as_of"] == "2025-12-31"
    # a, b, c, d, f, g, h; e-future is announced after the as-of date; zz-broken is skipped.
    assert doc["total"] == 7
    assert doc["by_status"] == {
        "not_yet_rated": 1,  # d
        "in_progress": 2,    # b (2025-10-15), f
        "stalled": 0,
        "mixed": 1,          # c: Japan stalled, the Philippines in progress
        "partial": 0,
        "delivered": 1,      # a
        "broken": 0,         # f turns broken on 2026-01-10, after the as-of date
        "withdrawn": 1,      # g
        "unrateable": 1,     # h
    }
    assert list(doc["by_status"]) == STATUSES  # every status, in the vocabulary's order
    assert doc["percent"] == {
        "not_yet_rated": 14.29,  # 1/7 = 14.2857…
        "in_progress": 28.57,    # 2/7 = 28.571…
        "stalled": 0.0, "mixed": 14.29, "partial": 0.0,
        "delivered": 14.29, "broken": 0.0, "withdrawn": 14.29, "unrateable": 14.29,
    }
    # Final statuses: delivered a, withdrawn g, unrateable h -> 3 (mixed c is not final, and
    # has no final rate).
    assert doc["final"] == 3
    assert doc["final_rate"] == {
        "partial": 0.0,
        "delivered": 33.33,   # 1/3
        "broken": 0.0,
        "withdrawn": 33.33,   # 1/3
        "unrateable": 33.33,  # 1/3
    }


def test_overdue_and_stale(root: Path) -> None:
    doc = report_json(root)
    # b: deadline 2025-Q3 ends 2025-09-30 < 2025-12-31, in progress.
    # d: deadline 2025-12-15 < 2025-12-31, not yet rated.
    # a's deadline (2025-06) passed too, but a is delivered (final).
    assert doc["overdue"] == ["b-overdue", "d-unrated"]
    # stale_after_days = 100:
    # c (mixed, open): latest update 2024-07 counts as 2024-07-31; 2025-12-31 - 2024-07-31 =
    # 518 days > 100.
    # f: latest update up to the as-of date 2023-05-01: 975 days > 100.
    # b: 2025-10-15 -> 77 days; d: announced 2025-11 counts as 2025-11-30 -> 31 days.
    # a, g, h are final, never stale.
    assert doc["stale"] == ["c-stale", "f-old"]
    assert doc["stale_after_days"] == 100


def test_compliance(root: Path) -> None:
    doc = report_json(root)
    # Cells: a +1 (delivered); b 0 (in progress); c per party: Japan -1 (stalled),
    # Philippines 0 (in progress); d not assessed (not yet rated); f 0; g -1 (withdrawn,
    # one cell for the whole pledge); h not assessed (unrateable).
    # 8 cells, 6 assessed, sum 1 + 0 - 1 + 0 + 0 - 1 = -1, mean -1/6 = -0.1667,
    # percent (-1/6 + 1) / 2 x 100 = 41.67; coverage 6/8 = 75 %.
    assert doc["compliance"] == {"mean": -0.1667, "percent": 41.67, "assessed": 6, "cells": 8,
                                 "coverage": 75.0}


def test_groups_by_domain(root: Path) -> None:
    doc = report_json(root, "--by", "domain")
    assert doc["by"] == "domain"
    groups = doc["groups"]
    assert list(groups) == ["cyber", "diplomacy", "maritime"]
    zero = dict.fromkeys(STATUSES, 0)
    # cyber: a delivered, c mixed, f in progress. Cells a +1, c -1 and 0, f 0:
    # 4 assessed of 4, mean 0/4 = 0, percent 50, coverage 100.
    assert groups["cyber"] == {
        "total": 3,
        "by_status": {**zero, "delivered": 1, "in_progress": 1, "mixed": 1},
        "compliance": {"mean": 0.0, "percent": 50.0, "assessed": 4, "cells": 4,
                       "coverage": 100.0},
    }
    # diplomacy: d not yet rated, h unrateable; 0 assessed of 2 cells (coverage 0 %).
    assert groups["diplomacy"] == {
        "total": 2,
        "by_status": {**zero, "not_yet_rated": 1, "unrateable": 1},
        "compliance": {"mean": None, "percent": None, "assessed": 0, "cells": 2,
                       "coverage": 0.0},
    }
    # maritime: b in progress, c mixed, g withdrawn. Cells b 0, c -1 and 0, g -1:
    # mean -2/4 = -0.5, percent (0.5) / 2 x 100 = 25.
    assert groups["maritime"] == {
        "total": 3,
        "by_status": {**zero, "in_progress": 1, "mixed": 1, "withdrawn": 1},
        "compliance": {"mean": -0.5, "percent": 25.0, "assessed": 4, "cells": 4,
                       "coverage": 100.0},
    }
    # c counts in both cyber and maritime: 3 + 2 + 3 = 8 > 7.
    assert sum(g["total"] for g in groups.values()) == 8


def test_groups_by_party_use_each_partys_own_status(root: Path) -> None:
    groups = report_json(root, "--by", "party")["groups"]
    zero = dict.fromkeys(STATUSES, 0)
    # Japan binds a, b, c, f, g, h. Its own statuses: a delivered, b in progress, c stalled
    # (its own update), f in progress, g withdrawn, h unrateable.
    # Its cells: a +1, b 0, c -1, f 0, g -1, h n/a: 5 assessed of 6, sum -1, mean -0.2,
    # percent 0.8 / 2 x 100 = 40, coverage 5/6 = 83.33 %.
    assert groups["Japan"] == {
        "total": 6,
        "by_status": {**zero, "delivered": 1, "in_progress": 2, "stalled": 1,
                      "withdrawn": 1, "unrateable": 1},
        "compliance": {"mean": -0.2, "percent": 40.0, "assessed": 5, "cells": 6,
                       "coverage": 83.33},
    }
    # Philippines binds c, d, g: c in progress (own update), d not yet rated, g withdrawn.
    # Cells c 0, d n/a, g -1: 2 assessed of 3, mean -0.5, percent 25, coverage 66.67 %.
    assert groups["Philippines"] == {
        "total": 3,
        "by_status": {**zero, "in_progress": 1, "not_yet_rated": 1, "withdrawn": 1},
        "compliance": {"mean": -0.5, "percent": 25.0, "assessed": 2, "cells": 3,
                       "coverage": 66.67},
    }


def test_groups_by_actor_use_the_whole_pledges_status(root: Path) -> None:
    groups = report_json(root, "--by", "actor")["groups"]
    # Japan: a delivered, b in progress, c mixed (as a whole), f in progress,
    # g withdrawn, h unrateable. All the cells of these pledges: a +1, b 0, c -1 and 0, f 0,
    # g -1, h n/a: 6 assessed of 7, sum -1, mean -1/6 = -0.1667, percent 41.67, coverage
    # 6/7 = 85.71 %.
    assert groups["Japan"]["total"] == 6
    assert groups["Japan"]["by_status"]["in_progress"] == 2
    assert groups["Japan"]["by_status"]["mixed"] == 1
    assert groups["Japan"]["by_status"]["stalled"] == 0
    assert groups["Japan"]["compliance"] == {
        "mean": -0.1667, "percent": 41.67, "assessed": 6, "cells": 7, "coverage": 85.71}
    # Philippines: c (-1 and 0), d (n/a), g (-1): 3 assessed of 4, sum -2, mean -0.6667,
    # percent (1/3) / 2 x 100 = 16.67, coverage 75 %.
    assert groups["Philippines"]["total"] == 3
    assert groups["Philippines"]["compliance"] == {
        "mean": -0.6667, "percent": 16.67, "assessed": 3, "cells": 4, "coverage": 75.0}


def test_groups_by_year_recipient_and_tag(root: Path) -> None:
    # Announced: f 2023; b, c, g 2024; a, d, h 2025.
    years = report_json(root, "--by", "year")["groups"]
    assert {y: g["total"] for y, g in years.items()} == {"2023": 1, "2024": 3, "2025": 3}
    # Recipients: a ASEAN, d Japan, the others none (listed last).
    recipients = report_json(root, "--by", "recipient")["groups"]
    assert [(r, g["total"]) for r, g in recipients.items()] == [
        ("ASEAN", 1), ("Japan", 1), ("(none)", 5)]
    # Tags: a t1; d t1, t2; g t2; b, c, f, h none.
    tags = report_json(root, "--by", "tag")["groups"]
    assert [(t, g["total"]) for t, g in tags.items()] == [("t1", 2), ("t2", 2), ("(none)", 4)]
    # t2: d (n/a) and g (-1): 1 assessed of 2, mean -1, percent 0, coverage 50 %.
    assert tags["t2"]["compliance"] == {"mean": -1.0, "percent": 0.0, "assessed": 1, "cells": 2,
                                        "coverage": 50.0}


def test_matrix(root: Path) -> None:
    m = report_json(root, "--matrix")["matrix"]
    assert m["parties"] == ["Japan", "Philippines"]
    # Scores; a party the pledge does not bind is absent. g is assessed as a whole, so its -1
    # shows under both of its actors.
    assert {r["id"]: r["scores"] for r in m["pledges"]} == {
        "a-delivered": {"Japan": 1},
        "b-overdue": {"Japan": 0},
        "c-stale": {"Japan": -1, "Philippines": 0},
        "d-unrated": {"Philippines": None},
        "f-old": {"Japan": 0},
        "g-withdrawn": {"Japan": -1, "Philippines": -1},
        "h-unrateable": {"Japan": None},
    }
    # Per-pledge averages: c (-1 + 0) / 2 = -0.5 -> 25 %; g one cell, -1 -> 0 %;
    # d and h not assessed.
    by_pledge = m["by_pledge"]
    # Coverage: a row's cells assessed, in percent.
    assert by_pledge["a-delivered"] == {"mean": 1.0, "percent": 100.0, "assessed": 1, "cells": 1,
                                        "coverage": 100.0}
    assert by_pledge["c-stale"] == {"mean": -0.5, "percent": 25.0, "assessed": 2, "cells": 2,
                                    "coverage": 100.0}
    assert by_pledge["g-withdrawn"] == {"mean": -1.0, "percent": 0.0, "assessed": 1, "cells": 1,
                                        "coverage": 100.0}
    assert by_pledge["d-unrated"] == {"mean": None, "percent": None, "assessed": 0, "cells": 1,
                                      "coverage": 0.0}
    # Per-party averages, over the column: Japan +1, 0, -1, 0, -1, n/a -> -1/5 = -0.2 (40 %),
    # 5 of 6 assessed (83.33 %); Philippines 0, n/a, -1 -> -1/2 = -0.5 (25 %), 2 of 3 (66.67 %).
    assert m["by_party"] == {
        "Japan": {"mean": -0.2, "percent": 40.0, "assessed": 5, "cells": 6, "coverage": 83.33},
        "Philippines": {"mean": -0.5, "percent": 25.0, "assessed": 2, "cells": 3,
                        "coverage": 66.67},
    }
    # The matrix rows carry the same averages as by_pledge.
    row_c = next(r for r in m["pledges"] if r["id"] == "c-stale")
    assert row_c["mean"] == -0.5 and row_c["assessed"] == 2


def test_party_filter_narrows_compliance_to_that_party(root: Path) -> None:
    doc = report_json(root, "--party", "japan")
    # Pledges binding Japan: a, b, c, f, g, h.
    assert doc["total"] == 6
    # Cells: a +1, b 0, c (Japan only) -1, f 0, g -1, h n/a: 5 assessed of 6, mean -0.2.
    assert doc["compliance"] == {"mean": -0.2, "percent": 40.0, "assessed": 5, "cells": 6,
                                 "coverage": 83.33}


def test_as_of_changes_the_world(root: Path) -> None:
    # As of 2026-03-31: e-future is announced (2026-02-01), f-old is broken (2026-01-10).
    result = cli("report", "--dir", str(root), "--as-of", "2026-Q1",
                 "-f", "json")
    doc = json.loads(result.stdout)
    assert doc["as_of"] == "2026-03-31"  # a partial date means the end of its period
    assert doc["total"] == 8
    assert doc["by_status"]["broken"] == 1
    assert doc["by_status"]["in_progress"] == 1  # b; f is broken now
    assert doc["by_status"]["mixed"] == 1  # c
    assert doc["by_status"]["not_yet_rated"] == 2  # d and e
    # As of 2024-06-30: announced by then are b (2024-05-01), c (2024-01-15), f (2023),
    # g (2024-02-02). c's only update by then is Japan's stalled (2024-06-01), so the
    # Philippines is not yet rated and c is mixed; g has none yet.
    doc = report_json(root, "--as-of", "2024-06-30")
    assert doc["total"] == 4
    assert doc["by_status"]["stalled"] == 0
    assert doc["by_status"]["mixed"] == 1
    assert doc["by_status"]["not_yet_rated"] == 2  # b, g
    assert doc["by_status"]["in_progress"] == 1  # f


def test_empty_selection_has_zero_counts_and_no_rates(root: Path) -> None:
    doc = report_json(root, "--tag", "no-such-tag")
    assert doc["total"] == 0
    assert doc["by_status"] == dict.fromkeys(STATUSES, 0)
    assert set(doc["percent"].values()) == {None}
    assert doc["compliance"] == {"mean": None, "percent": None, "assessed": 0, "cells": 0,
                                 "coverage": None}


def test_broken_files_are_skipped_with_a_warning(root: Path) -> None:
    result = run(root, "-f", "json")
    assert result.exit_code == 0
    assert result.stderr == (
        "pledgetrack: warning: skipping pledges/zz-broken.yaml "
        "(2 errors; run pledgetrack check)\n"
    )


def test_markdown_shows_the_figures(root: Path) -> None:
    result = run(root, "--format", "markdown", "--by", "domain", "--matrix")
    text = result.stdout
    assert text.startswith("## Follow-through as of 2025-12-31: 7 pledges\n")
    # -1/6 -> -0.17; 41.67 -> 41.7 with one decimal; 6 of 8 cells -> 75 %.
    assert "Compliance: **41.7 % (mean -0.17) \u2014 6 of 8 cells assessed (75 %)**" in text
    assert "2 pledges overdue; 2 pledges stale (no update within 100 days)" in text
    assert "| In progress (`in_progress`) | 2 | 28.6 | \u2013 |" in text
    assert "| Mixed (`mixed`) | 1 | 14.3 | \u2013 |" in text
    assert "| Delivered (`delivered`) | 1 | 14.3 | 33.3 |" in text
    assert "| **Total** | **7** | 100.0 | 3 final |" in text
    # Columns of the used statuses: not yet rated, in progress, mixed, delivered, withdrawn,
    # unrateable; then compliance and the cells assessed.
    assert "| cyber | 3 | 0 | 1 | 1 | 1 | 0 | 0 | 50.0 % | 4/4 (100 %) |" in text
    assert "| diplomacy | 2 | 1 | 0 | 0 | 0 | 0 | 1 | n/a | 0/2 (0 %) |" in text
    assert "| `c-stale` | -1 | 0 | -0.50 | 25.0 | 2/2 (100 %) |" in text
    assert ("| **Average** | -0.20 | -0.50 | **-0.17** | **41.7** | **6/8 (75 %)** |"
            in text)
    assert "| **Cells assessed** | 5/6 (83.3 %) | 2/3 (66.7 %) |" in text


def test_csv_status_table_and_matrix(root: Path) -> None:
    rows = list(csv.DictReader(io.StringIO(run(root, "-f", "csv", "--by", "year").stdout)))
    overall = {r["status"]: r for r in rows if r["group"] == "all"}
    assert overall["in_progress"]["count"] == "2"
    assert overall["in_progress"]["percent"] == "28.57"
    assert overall["mixed"]["count"] == "1"
    assert overall["mixed"]["final_percent"] == ""  # not final
    assert overall["delivered"]["final_percent"] == "33.33"
    assert overall["in_progress"]["final_percent"] == ""  # not a final status
    y2024 = {r["status"]: r["count"] for r in rows if r["group"] == "2024"}
    assert y2024["in_progress"] == "1" and y2024["mixed"] == "1"  # b; c
    assert y2024["withdrawn"] == "1"  # g
    matrix = list(csv.reader(io.StringIO(run(root, "-f", "csv", "--matrix").stdout)))
    assert matrix[0] == ["id", "title", "Japan", "Philippines", "mean", "percent", "assessed",
                         "cells", "coverage"]
    assert matrix[3] == ["c-stale", "Joint cyber and maritime centre", "-1", "0", "-0.5",
                         "25.0", "2", "2", "100.0"]
    # The last row names zz-broken.yaml, which is not counted (tests/cli/test_skipped_files.py);
    # before it, each party's cells assessed: Japan 5 of 6, the Philippines 2 of 3.
    assert matrix[-3] == ["(average)", "", "-0.2", "-0.5", "-0.1667", "41.67", "6", "8", "75.0"]
    assert matrix[-2] == ["(coverage)", "", "83.33", "66.67", "", "", "", "", ""]


def test_table_format(root: Path) -> None:
    result = run(root, "--format", "table", "--matrix")
    assert result.exit_code == 0
    text = result.stdout
    assert "Follow-through as of 2025-12-31: 7 pledges" in text
    assert "Compliance: 41.7 % (mean -0.17) \u2014 6 of 8 cells assessed (75 %)" in text
    assert "\x1b[" not in text  # not a terminal: no colour


def test_report_defaults_to_markdown_in_a_pipe(root: Path) -> None:
    assert run(root).stdout.startswith("## Follow-through")


def test_python_api_gives_the_same_summary(root: Path) -> None:
    import pledgetrack

    ds = pledgetrack.load_dataset(root)
    summary = pledgetrack.summarise(ds, pledgetrack.Filter(domains=["cyber"]), AS_OF)
    # cyber: a, c, f (see test_groups_by_domain).
    assert summary.total == 3
    assert [s.id for s in summary.states] == ["a-delivered", "c-stale", "f-old"]
    assert summary.compliance.mean == 0.0 and summary.compliance.percent == 50.0
    assert summary.to_dict()["by_status"]["in_progress"] == 1  # f; c is mixed
    assert summary.to_dict()["by_status"]["mixed"] == 1
