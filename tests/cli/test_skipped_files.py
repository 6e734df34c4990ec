"""Files that fail the check are part of every answer that leaves them out: report (every
format), list and export (stderr, and list's table and Markdown), and --strict fails on them."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.clirun import cli
from tests.fixture_reports import AS_OF_TEXT, make_root

BROKEN = "pledges/zz-broken.yaml"


def run(*args: str) -> object:
    return cli(*args)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    # 9 files: 8 pledges (one announced after the as-of date) and zz-broken.yaml, with two errors
    # (announced: 2025-13-01, no title).
    return make_root(tmp_path)


def report(root: Path, *args: str) -> object:
    return cli("report", "--dir", str(root), "--as-of", AS_OF_TEXT, *args)


def test_report_json_lists_the_skipped_files(root: Path) -> None:
    result = report(root, "-f", "json")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["total"] == 7
    assert len(doc["skipped"]) == 1
    skipped = doc["skipped"][0]
    assert skipped["path"] == BROKEN
    assert skipped["errors"] == 2
    assert "2025-13-01" in skipped["first"] or "title" in skipped["first"]


def test_report_json_skipped_is_an_empty_list_when_none(root: Path) -> None:
    (root / BROKEN).unlink()
    doc = json.loads(report(root, "-f", "json").stdout)
    assert doc["skipped"] == []


def test_report_markdown_warns_at_the_top(root: Path) -> None:
    text = report(root, "-f", "markdown").stdout
    lines = text.splitlines()
    assert lines[0].startswith("## Follow-through")
    assert lines[2].startswith("> **Warning:** 1 file fails the check and is not counted")
    assert "zz-broken.yaml" in lines[2]
    assert "(2 errors)" in lines[2]
    (root / BROKEN).unlink()
    assert "Warning" not in report(root, "-f", "markdown").stdout


def test_report_table_says_it_under_the_table(root: Path) -> None:
    text = report(root, "-f", "table").stdout
    total = text.index("total ")
    line = text.index("1 file fails the check and is not counted: pledges/zz-broken.yaml")
    assert line > total
    assert text.index("Compliance:") > line


def test_report_html_has_a_banner(root: Path) -> None:
    page = report(root, "-f", "html").stdout
    assert 'class="skipped" role="alert"' in page
    assert "1 file fails the check and is not counted in this report." in page
    assert "<code>pledges/zz-broken.yaml</code>" in page
    (root / BROKEN).unlink()
    assert 'class="skipped"' not in report(root, "-f", "html").stdout


def test_report_csv_has_a_row_per_skipped_file(root: Path) -> None:
    rows = list(csv.reader(io.StringIO(report(root, "-f", "csv").stdout)))
    skipped = [r for r in rows if r[0] == "(skipped)"]
    assert len(skipped) == 1
    assert skipped[0][1] == BROKEN
    assert skipped[0][5] == "2"  # the count column holds the number of errors
    matrix = list(csv.reader(io.StringIO(report(root, "-f", "csv", "--matrix").stdout)))
    assert matrix[-1][0] == "(skipped)"
    assert matrix[-1][1].startswith(f"{BROKEN} (2 errors; first: ")


def test_list_says_it_in_the_table_and_markdown(root: Path) -> None:
    base = ["list", "--dir", str(root), "--as-of", AS_OF_TEXT]
    table = run(*base, "-f", "table")
    assert "7 pledges; 1 file fails the check and is not counted: pledges/zz-broken.yaml" in (
        table.stdout.replace("\n", " ").replace("  ", " "))
    md = run(*base, "-f", "markdown").stdout
    assert md.startswith("> **Warning:** 1 file fails the check")
    for fmt in ("tsv", "csv", "json", "table", "markdown"):
        result = run(*base, "-f", fmt)
        assert f"skipping {BROKEN} (2 errors" in result.stderr, fmt
        assert result.exit_code == 0


def test_export_says_it_on_stderr(root: Path) -> None:
    for fmt in ("csv", "json", "jsonl"):
        result = run("export", "--dir", str(root), "-f", fmt)
        assert result.exit_code == 0
        assert f"skipping {BROKEN} (2 errors" in result.stderr
        assert "zz-broken" not in result.stdout


@pytest.mark.parametrize("command", ["report", "list", "export"])
def test_strict_fails_when_a_file_was_skipped(root: Path, command: str) -> None:
    result = run(command, "--dir", str(root), "--strict", "-f", "json")
    assert result.exit_code == 1
    assert result.stdout  # the output is still written
    assert "--strict: 1 file failed the check and was left out" in result.stderr
    (root / BROKEN).unlink()
    assert run(command, "--dir", str(root), "--strict", "-f", "json").exit_code == 0


def test_strict_report_to_a_file_still_writes_it(root: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.md"
    result = run("report", "--dir", str(root), "--strict", "-o", str(out))
    assert result.exit_code == 1
    assert "> **Warning:**" in out.read_text(encoding="utf-8")


def test_a_taxonomy_added_later_does_not_drop_pledges_silently(tmp_path: Path) -> None:
    (tmp_path / "pledges").mkdir()
    for pid, domain in (("a", "cyber"), ("b", "ai"), ("c", "maritime")):
        (tmp_path / "pledges" / f"{pid}.yaml").write_text(
            f"id: {pid}\ntitle: T\nactors: [Japan]\ndomains: [{domain}]\nannounced: 2025-01-01\n"
            "sources:\n  - url: https://example.org/x\n", encoding="utf-8")
    assert len(json.loads(cli("list", "--dir", tmp_path, "-f", "json").stdout)) == 3
    # A taxonomy without 'maritime': c fails the check, and every answer says so.
    (tmp_path / "pledgetrack.yaml").write_text("domains:\n  cyber: Cyber\n  ai: AI\n")
    table = cli("list", "--dir", tmp_path, "-f", "table")
    assert table.exit_code == 0
    assert "2 pledges; 1 file fails the check and is not counted: pledges/c.yaml" in (
        " ".join(table.stdout.split()))
    assert "skipping pledges/c.yaml (1 error" in table.stderr
    assert cli("list", "--dir", tmp_path, "--strict", "-f", "tsv").exit_code == 1
    doc = json.loads(cli("report", "--dir", tmp_path, "-f", "json").stdout)
    assert doc["total"] == 2
    assert doc["skipped"][0]["path"] == "pledges/c.yaml"
    assert "unknown domain 'maritime'" in doc["skipped"][0]["first"]
