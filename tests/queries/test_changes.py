"""`pledgetrack changes`: every figure worked out by hand from tests/fixture_reports.py, and
checked against separate `report --as-of` runs on the same data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.clirun import cli
from tests.fixture_reports import make_root


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return make_root(tmp_path, broken=False)


def changes_json(root: Path, *args: str) -> dict[str, Any]:
    result = cli("changes", "--dir", str(root), "--format", "json", *args)
    assert result.exit_code == 0, result.stderr
    doc: dict[str, Any] = json.loads(result.stdout)
    return doc


def report_compliance(root: Path, as_of: str, *args: str) -> dict[str, Any]:
    result = cli("report", "--dir", str(root), "--format", "json", "--as-of", as_of, *args)
    assert result.exit_code == 0, result.stderr
    doc: dict[str, Any] = json.loads(result.stdout)
    return {"as_of": as_of, "total": doc["total"], **doc["compliance"]}


def test_window_of_2025(root: Path) -> None:
    doc = changes_json(root, "--since", "2025-05", "--until", "2025-12-31")
    # The window opens on 1 May: the state at since is that of 30 April.
    assert doc["since"] == "2025-05-01" and doc["until"] == "2025-12-31"
    # Updates dated 1 May .. 31 Dec: a-delivered 05-20, h-unrateable 07-01, b-overdue 10-15.
    assert [(t["id"], t["party"], t["date"], t["from"], t["to"]) for t in doc["transitions"]] == [
        ("a-delivered", None, "2025-05-20", "in_progress", "delivered"),
        ("h-unrateable", None, "2025-07-01", "not_yet_rated", "unrateable"),
        ("b-overdue", None, "2025-10-15", "not_yet_rated", "in_progress"),
    ]
    first = doc["transitions"][0]
    assert first["note"] == "Programme started."
    assert first["sources"] == []  # the update cites none of its own
    # Announced 30 June (h) and in November (d); e-future is 2026.
    assert [p["id"] for p in doc["announced"]] == ["d-unrated", "h-unrateable"]
    # b-overdue (deadline end of Q3, in progress) and d-unrated (15 Dec, not rated) are
    # overdue on 31 Dec; neither was on 30 April (b's deadline ahead, d not announced).
    assert [s["id"] for s in doc["became_overdue"]] == ["b-overdue", "d-unrated"]
    # Deadlines ending in the window: a 30 June, b 30 Sept, d 15 Dec.
    assert [(s["id"], s["deadline"]) for s in doc["deadlines"]] == [
        ("a-delivered", "2025-06"), ("b-overdue", "2025-Q3"), ("d-unrated", "2025-12-15")]
    c = doc["compliance"]
    # 30 April: a in progress 0, b not rated, c Japan stalled -1 and Philippines in progress 0,
    # f in progress 0, g withdrawn -1: 6 cells, 5 assessed, mean -2/5 = -0.4, 30 %.
    assert c["since"] == {"as_of": "2025-04-30", "total": 5, "mean": -0.4, "percent": 30.0,
                          "assessed": 5, "cells": 6, "coverage": 83.33}
    # 31 December: +1 (a) 0 (b) -1 0 (c) n/a (d) 0 (f) -1 (g) n/a (h): mean -1/6.
    assert c["until"] == {"as_of": "2025-12-31", "total": 7, "mean": -0.1667,
                          "percent": 41.67, "assessed": 6, "cells": 8, "coverage": 75.0}
    # -1/6 + 0.4 = 0.2333; 41.667 - 30 = 11.67 points; coverage 75 - 83.33.
    assert c["change"] == {"mean": 0.2333, "percent": 11.67, "assessed": 1, "cells": 2,
                           "coverage": -8.33}
    # The same figures as separate reports on those dates.
    assert c["since"] == report_compliance(root, "2025-04-30")
    assert c["until"] == report_compliance(root, "2025-12-31")


def test_party_transitions_and_the_reports_agree(root: Path) -> None:
    doc = changes_json(root, "--since", "2024", "--until", "2024")
    # c-stale is assessed party by party: Japan stalled on 1 June, which makes the pledge as a
    # whole mixed (its actors differ; joint_status unanimous), the Philippines in progress in
    # July (still mixed as a whole); g-withdrawn (as a whole) withdrawn in September.
    assert [(t["id"], t["party"], t["date"], t["from"], t["to"]) for t in doc["transitions"]] == [
        ("c-stale", None, "2024-06-01", "not_yet_rated", "mixed"),
        ("c-stale", "Japan", "2024-06-01", "not_yet_rated", "stalled"),
        ("c-stale", "Philippines", "2024-07", "not_yet_rated", "in_progress"),
        ("g-withdrawn", None, "2024-09", "not_yet_rated", "withdrawn"),
    ]
    # Each transition is the difference between the matrix the day before and on the day.
    for t in doc["transitions"][1:]:
        before = {"2024-06-01": "2024-05-31", "2024-07": "2024-06-30", "2024-09": "2024-08-31"}
        on = {"2024-06-01": "2024-06-01", "2024-07": "2024-07-31", "2024-09": "2024-09-30"}
        scores = []
        for date in (before[t["date"]], on[t["date"]]):
            result = cli("report", "--dir", str(root), "--format", "json", "--matrix",
                         "--as-of", date)
            rows = {r["id"]: r["scores"] for r in json.loads(result.stdout)["matrix"]["pledges"]}
            party = t["party"] or "Japan"  # a whole pledge shows its score under each actor
            scores.append(rows[t["id"]][party])
        score = {"not_yet_rated": None, "stalled": -1, "in_progress": 0, "withdrawn": -1}
        assert scores == [score[t["from"]], score[t["to"]]]
    # Announced in 2024: b-overdue (1 May), c-stale (15 Jan), g-withdrawn (2 Feb).
    assert [p["id"] for p in doc["announced"]] == ["b-overdue", "c-stale", "g-withdrawn"]
    assert doc["became_overdue"] == [] and doc["deadlines"] == []


def test_party_filter_keeps_that_partys_cells(root: Path) -> None:
    doc = changes_json(root, "--since", "2024", "--until", "2024", "--party", "Philippines")
    # Pledges binding the Philippines: c-stale (as a whole, and its Philippine cell; not the
    # Japanese one) and g-withdrawn (as a whole).
    assert [(t["id"], t["party"]) for t in doc["transitions"]] == [
        ("c-stale", None), ("c-stale", "Philippines"), ("g-withdrawn", None)]
    assert doc["compliance"]["until"] == report_compliance(root, "2024-12-31",
                                                           "--party", "Philippines")


def test_markdown_digest(root: Path) -> None:
    result = cli("changes", "--dir", str(root), "--since", "2025-05", "--until", "2025-12-31",
                 "--format", "markdown")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "## What changed, 2025-05-01 to 2025-12-31"
    assert lines[2] == ("3 status changes on 3 pledges, 2 announced, 2 became overdue, "
                        "3 deadlines in the window; compliance 41.7 % (+11.7 points).")
    assert "### Status changes (3)" in lines
    assert ("| 2025-05-20 | Cyber training for ASEAN (`a-delivered`) |   | `in_progress` "
            "\u2192 `delivered` | Programme started. |   |") in lines
    assert "| **Change** |   | +2 | +0.23 (+11.7 points) |" in lines
    for heading in ("### Compliance", "### Announced (2)", "### Became overdue (2)",
                    "### Deadlines in the window (3)"):
        assert heading in lines


def test_html_page_escapes_and_links(root: Path) -> None:
    pledge = root / "pledges" / "b-overdue.yaml"
    pledge.write_text(pledge.read_text(encoding="utf-8").replace(
        "    status: in_progress\n",
        "    status: in_progress\n    note: <script>alert(1)</script>\n"
        "    sources:\n      - url: https://example.org/news\n        title: News\n"), "utf-8")
    result = cli("changes", "--dir", str(root), "--since", "2025-10-01", "--until",
                 "2025-10-31", "--format", "html")
    assert result.exit_code == 0, result.stderr
    page = result.stdout
    assert page.startswith("<!DOCTYPE html>")
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert '<a href="https://example.org/news" rel="noreferrer">News</a>' in page
    doc = changes_json(root, "--since", "2025-10-01", "--until", "2025-10-31")
    assert doc["transitions"][0]["sources"] == [
        {"url": "https://example.org/news", "title": "News", "archived": None}]


def test_table_on_a_terminal_width(root: Path) -> None:
    result = cli("changes", "--dir", str(root), "--since", "2024", "--until", "2024",
                 "--format", "table")
    assert result.exit_code == 0, result.stderr
    assert "What changed, 2024-01-01 to 2024-12-31" in result.stdout
    assert "Status changes (4)" in result.stdout


def test_table_in_a_pipe_names_its_columns_and_bounds_its_rules(root: Path) -> None:
    pledge = root / "pledges" / "b-overdue.yaml"
    long_note = "Two boats handed over at the port. " * 12  # 420 characters, on one line
    pledge.write_text(pledge.read_text(encoding="utf-8").replace(
        "    status: in_progress\n", f"    status: in_progress\n    note: {long_note}\n"),
        "utf-8")
    result = cli("changes", "--dir", str(root), "--since", "2025-05", "--until", "2025-12-31",
                 "--format", "table")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert long_note.strip() in result.stdout  # a pipe: nothing wrapped or cut

    def table(title: str) -> list[list[str]]:
        at = lines.index(title)
        end = lines.index("", at) if "" in lines[at:] else len(lines)
        return [line.split() for line in lines[at + 1:end] if not line.startswith("\u2500")]

    # As the Markdown digest's headers; Announced has no status column.
    # Announced 1 May .. 31 Dec 2025: d (November 2025), h (30 June 2025).
    assert table("Announced (2)") == [["pledge", "announced"], ["d-unrated", "2025-11"],
                                      ["h-unrateable", "2025-06-30"]]
    assert table("Became overdue (2)") == [["pledge", "deadline", "status"],
                                           ["b-overdue", "2025-Q3", "in_progress"],
                                           ["d-unrated", "2025-12-15", "not_yet_rated"]]
    assert table("Deadlines in the window (3)")[0] == [
        "pledge", "deadline", "status", "on", "2025-12-31"]
    # Each rule under a header ends with that header, however long the notes below.
    rules = [(lines[i - 1], line) for i, line in enumerate(lines) if line.startswith("\u2500")]
    assert len(rules) == 4  # status changes, announced, became overdue, deadlines
    for header, rule in rules:
        assert len(rule) <= len(header) < 120, (header, len(rule))


@pytest.mark.parametrize(("args", "message"), [
    (["--since", "2025-13"], "--since"),
    (["--since", "2025-06", "--until", "2025-01"],
     "--until 2025-01-31 is before --since 2025-06-01"),
    (["--since", "2025", "--as-of", "2025"], "not --as-of"),
])
def test_bad_input_is_one_line(root: Path, args: list[str], message: str) -> None:
    result = cli("changes", "--dir", str(root), *args)
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_since_is_required(root: Path) -> None:
    result = cli("changes", "--dir", str(root))
    assert result.exit_code == 2 and "--since" in result.stderr


def test_readme_examples_run_on_the_bundled_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import re
    import shlex

    from tests.clirun import REPO

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    examples = [re.split(r"\s[|>#]", line)[0] for line in readme.splitlines()
                if line.startswith("pledgetrack changes ")]
    assert len(examples) >= 3
    monkeypatch.chdir(tmp_path)  # -o FILE lands here
    # The file the README writes before its --intro examples.
    (tmp_path / "intro.md").write_text(
        "# About\nFollow-through on the [summit](https://example.org/summit) pledges.\n", "utf-8")
    for example in examples:
        result = cli(*shlex.split(example)[1:], "--dir", str(REPO))
        assert result.exit_code == 0, (example, result.stderr)
    assert (tmp_path / "changes.html").read_text("utf-8").startswith("<!DOCTYPE html>")
    assert ("<title>The quarter in pledges \u2014 2025-10-01 to 2025-12-31</title>"
            in (tmp_path / "q4.html").read_text("utf-8"))


def test_markdown_digest_escapes_titles(root: Path) -> None:
    pledge = root / "pledges" / "a-delivered.yaml"
    pledge.write_text(pledge.read_text(encoding="utf-8").replace(
        "title: Cyber training for ASEAN", "title: 'Cyber | training <b>now</b> *soon*'"), "utf-8")
    result = cli("changes", "--dir", str(root), "--since", "2025-05-20", "--until",
                 "2025-05-20", "--format", "markdown")
    assert result.exit_code == 0, result.stderr
    [row] = [line for line in result.stdout.splitlines() if line.startswith("| 2025-05-20")]
    # The pipe does not open a column, the tag and the stars are shown as written.
    assert row.count(" | ") == 5, row
    assert "<b>" not in row and "*soon*" not in row
    assert "(`a-delivered`)" in row


@pytest.mark.parametrize("fmt", ["json", "markdown", "table"])
def test_title_and_intro_are_for_the_html_page_only(root: Path, fmt: str) -> None:
    result = cli("changes", "--dir", str(root), "--since", "2025", "--title", "Digest",
                 "--format", fmt)
    assert result.exit_code == 2
    assert f"--title applies only to --format html (the format here is {fmt})" in result.stderr
    missing = cli("changes", "--dir", str(root), "--since", "2025", "--intro",
                  str(root / "nope.md"), "--format", "html")
    assert missing.exit_code == 2 and "--intro" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_help_hides_the_as_of_it_refuses(root: Path) -> None:
    result = cli("changes", "--help", env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "--as-of DATE" not in result.stdout
    assert "as of --until" in result.stdout and "as of --as-of" not in result.stdout
    # report still offers --as-of, with its own wording.
    report = cli("report", "--help", env={"COLUMNS": "200"}).stdout
    assert "--as-of" in report and "as of --as-of" in report
