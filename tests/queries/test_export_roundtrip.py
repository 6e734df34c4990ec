"""Round trip: export → import into an empty folder → export again gives identical output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.clirun import cli
from tests.fixture_reports import AS_OF_TEXT, make_root

REPO = Path(__file__).resolve().parents[2]


def export(root: Path, *args: str) -> str:
    result = cli("export", "--dir", str(root), "--as-of", AS_OF_TEXT,
                 *args)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def round_trip(source: Path, tmp_path: Path, fmt: str, *extra: str) -> tuple[str, str]:
    first = export(source, "--format", fmt, *extra)
    table = tmp_path / f"pledges.{fmt}"
    table.write_text(first, encoding="utf-8")
    empty = tmp_path / "empty"
    (empty / "pledges").mkdir(parents=True)
    result = cli("import", str(table), "--dir", str(empty))
    assert result.exit_code == 0, result.stderr
    return first, export(empty, "--format", fmt, *extra)


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
def test_bundled_data_round_trips(tmp_path: Path, fmt: str) -> None:
    first, second = round_trip(REPO, tmp_path, fmt)
    assert first.count("japan-") >= 15
    assert second == first


def _with_awkward_text(tmp_path: Path) -> Path:
    root = make_root(tmp_path / "src", broken=False)
    path = root / "pledges" / "b-overdue.yaml"
    text = path.read_text(encoding="utf-8").replace(
        "summary: Harbour patrol boats for the coast guard.\n",
        "summary: |\n  Two lines, \"quoted\", a comma;\n  日本とASEAN — サイバー協力\n"
        "quote: '=HYPERLINK(\"http://evil.example\")'\n"
        "made_by: '-Minister'\n",
    )
    path.write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
def test_awkward_text_round_trips(tmp_path: Path, fmt: str) -> None:
    first, second = round_trip(_with_awkward_text(tmp_path), tmp_path, fmt)
    assert second == first


def test_default_csv_round_trip_gives_formula_text_back_without_the_quote(
        tmp_path: Path) -> None:
    # export puts a ' before a cell that starts with =, +, -, @ (a spreadsheet would run it);
    # import removes exactly that quote, so the record comes back as it was.
    _, _ = round_trip(_with_awkward_text(tmp_path), tmp_path, "csv")
    rows = json.loads(export(tmp_path / "empty", "--format", "json"))
    b = next(r for r in rows if r["id"] == "b-overdue")
    assert b["quote"] == "=HYPERLINK(\"http://evil.example\")"
    assert b["made_by"] == "-Minister"


def test_raw_csv_round_trip_keeps_formula_text_exactly(tmp_path: Path) -> None:
    root = _with_awkward_text(tmp_path)
    first, second = round_trip(root, tmp_path, "csv", "--raw")
    assert second == first
    # With --raw the imported record holds the text as it was, without a quote prefix.
    rows = json.loads(export(tmp_path / "empty", "--format", "json"))
    b = next(r for r in rows if r["id"] == "b-overdue")
    assert b["quote"] == '=HYPERLINK("http://evil.example")'
    assert b["made_by"] == "-Minister"
    # The block scalar's final line break is layout, not text: export leaves it out.
    assert b["summary"] == "Two lines, \"quoted\", a comma;\n日本とASEAN — サイバー協力"
