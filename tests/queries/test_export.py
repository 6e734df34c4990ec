"""`pledgetrack export`: CSV, JSON and JSON Lines rows; `--updates`; formula neutralising; -o."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.clirun import cli
from tests.fixture_reports import AS_OF, AS_OF_TEXT, make_root

COLUMNS = ["id", "title", "actors", "recipients", "domains", "tags", "announced", "deadline",
           "status", "status_date", "source", "made_by", "summary", "quote", "criteria",
           "source_title", "publisher", "parties"]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return make_root(tmp_path)


def export(root: Path, *args: str) -> str:
    result = cli("export", "--dir", str(root), "--as-of", AS_OF_TEXT,
                 *args)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_csv_columns_and_rows(root: Path) -> None:
    text = export(root)
    assert text.splitlines()[0] == ",".join(COLUMNS)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["id"] for r in rows] == ["a-delivered", "b-overdue", "c-stale", "d-unrated",
                                       "f-old", "g-withdrawn", "h-unrateable"]
    c = rows[2]
    assert c == {
        "id": "c-stale", "title": "Joint cyber and maritime centre",
        "actors": "Japan;Philippines", "recipients": "", "domains": "cyber;maritime",
        "tags": "", "announced": "2024-01-15", "deadline": "",
        # Japan stalled (2024-06-01), the Philippines in progress (2024-07): mixed, dated by
        # the later of the two.
        "status": "mixed", "status_date": "2024-07",
        "source": "https://example.org/c-stale", "made_by": "", "summary": "", "quote": "",
        "criteria": "", "source_title": "Source of c-stale", "publisher": "Example",
        "parties": "Japan=stalled;Philippines=in_progress",
    }
    assert rows[0]["parties"] == ""  # a pledge assessed as a whole
    assert rows[3]["tags"] == "t1;t2"
    assert rows[3]["status"] == "not_yet_rated" and rows[3]["status_date"] == ""


def test_json_and_jsonl_rows_have_the_same_keys_with_lists(root: Path) -> None:
    rows = json.loads(export(root, "--format", "json"))
    assert list(rows[2]) == COLUMNS
    assert rows[2]["actors"] == ["Japan", "Philippines"]
    assert rows[2]["deadline"] is None
    assert rows[2]["parties"] == {"Japan": "stalled", "Philippines": "in_progress"}
    assert rows[0]["parties"] == {}
    lines = export(root, "--format", "jsonl").splitlines()
    assert [json.loads(line) for line in lines] == rows


def test_updates_long_format(root: Path) -> None:
    rows = list(csv.DictReader(io.StringIO(export(root, "--updates"))))
    assert list(rows[0]) == ["id", "update", "date", "status", "party", "note", "source",
                             "source_title", "publisher", "recorded"]
    # a: 2; b: 1; c: 2; d: 0; f: 1 (its 2026 update is after the as-of date); g: 1; h: 1.
    assert len(rows) == 8
    c_rows = [r for r in rows if r["id"] == "c-stale"]
    assert [(r["update"], r["date"], r["status"], r["party"]) for r in c_rows] == [
        ("1", "2024-06-01", "stalled", "Japan"), ("2", "2024-07", "in_progress", "Philippines")]
    later = json.loads(export(root, "--updates", "--format", "json", "--as-of", "2026-12-31"))
    assert [(r["update"], r["status"]) for r in later if r["id"] == "f-old"] == [
        (1, "in_progress"), (2, "broken")]


HOSTILE = {
    "title": "=HYPERLINK(\"http://evil.example\",\"click\")",
    "summary": "+cmd|' /C calc'!A0",
    "quote": "-2+3",
    "criteria": "@SUM(1)",
    "made_by": "-Minister",
}


def _hostile_root(tmp_path: Path) -> Path:
    root = make_root(tmp_path, broken=False)
    path = root / "pledges" / "b-overdue.yaml"
    text = path.read_text().replace("title: Coast guard boats\n", "").replace(
        "summary: Harbour patrol boats for the coast guard.\n", "")
    text += "".join(f"{k}: {json.dumps(v)}\n" for k, v in HOSTILE.items())
    path.write_text(text)
    return root


def test_formulas_are_neutralised_unless_raw(tmp_path: Path) -> None:
    root = _hostile_root(tmp_path)
    row = next(r for r in csv.DictReader(io.StringIO(export(root))) if r["id"] == "b-overdue")
    for key, value in HOSTILE.items():
        assert row[key] == "'" + value
    raw = next(r for r in csv.DictReader(io.StringIO(export(root, "--raw")))
               if r["id"] == "b-overdue")
    for key, value in HOSTILE.items():
        assert raw[key] == value
    # Plain text and plain numbers are left alone.
    assert row["status"] == "in_progress"


def test_json_is_never_altered(tmp_path: Path) -> None:
    root = _hostile_root(tmp_path)
    row = next(r for r in json.loads(export(root, "-f", "json")) if r["id"] == "b-overdue")
    assert row["title"] == HOSTILE["title"]


def test_output_file_format_from_extension(root: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    for name in ("p.csv", "p.json", "p.jsonl"):
        export(root, "-o", str(out / name))
    assert (out / "p.csv").read_text(encoding="utf-8") == export(root)
    assert (out / "p.json").read_text(encoding="utf-8") == export(root, "-f", "json")
    assert (out / "p.jsonl").read_text(encoding="utf-8") == export(root, "-f", "jsonl")
    # --format wins over the extension.
    export(root, "-o", str(out / "q.txt"), "-f", "json")
    assert json.loads((out / "q.txt").read_text(encoding="utf-8"))[0]["id"] == "a-delivered"
    # Written through a temporary file that does not stay behind.
    assert sorted(p.name for p in out.iterdir()) == ["p.csv", "p.json", "p.jsonl", "q.txt"]


def test_unknown_extension_is_a_usage_error(root: Path, tmp_path: Path) -> None:
    result = cli("export", "--dir", str(root), "-o",
                 str(tmp_path / "x.xlsx"))
    assert result.exit_code == 2
    assert "cannot tell the format from the file name" in result.stderr
    assert ".csv, .json, .jsonl, .ndjson" in result.stderr
    assert not (tmp_path / "x.xlsx").exists()


def test_unwritable_output_is_a_clean_error(root: Path, tmp_path: Path) -> None:
    result = cli("export", "--dir", str(root), "-o",
                 str(tmp_path / "missing" / "x.csv"))
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1].startswith("pledgetrack: error: cannot write")


def test_python_api_rows(root: Path) -> None:
    import pledgetrack

    ds = pledgetrack.load_dataset(root)
    rows = pledgetrack.export_rows(pledgetrack.select(ds, None, AS_OF), ds.config, AS_OF)
    assert rows[0]["status"] == "delivered" and rows[0]["status_date"] == "2025-05-20"


def test_text_is_exported_without_surrounding_whitespace(tmp_path: Path) -> None:
    root = make_root(tmp_path, broken=False)
    path = root / "pledges" / "b-overdue.yaml"
    path.write_text(path.read_text().replace(
        "summary: Harbour patrol boats for the coast guard.\n",
        "summary: |\n  Harbour patrol boats.\n  Second line.\n"))
    rows = json.loads(export(root, "-f", "json"))
    assert rows[1]["summary"] == "Harbour patrol boats.\nSecond line."


def test_neutralise_rules() -> None:
    from pledgetrack.render.tabular import neutralise

    for cell in ("=1+1", "+cmd", "-x", "@SUM(A1)", "\tX", "\rX", "-2+3", "+"):
        assert neutralise(cell) == "'" + cell
    for cell in ("plain", "", "-1", "+0.5", "12", "a=b", " =x", "'plain", "'"):
        assert neutralise(cell) == cell
    # A quote already before a formula sign gets one more, so that import can take exactly one
    # away and give the cell back as it was.
    for cell in ("'=already", "''+x", "'-1"):
        assert neutralise(cell) == "'" + cell


def test_unneutralise_takes_back_exactly_what_neutralise_added() -> None:
    from pledgetrack.render.tabular import neutralise, unneutralise

    cells = ("=1+1", "+cmd", "-x", "@SUM(A1)", "\tX", "\rX", "-2+3", "+", "plain", "",
             "-1", "+0.5", "'=already", "''+x", "'-1", "'plain", "'", "a=b", "-10% tariffs")
    for cell in cells:
        assert unneutralise(neutralise(cell)) == cell, cell
    assert unneutralise("'plain") == "'plain"  # not something export would have added


@pytest.mark.parametrize("args", [
    [], ["--format", "json"], ["--format", "jsonl"], ["--updates"], ["--full"],
    ["--full", "--format", "jsonl"], ["--search", "patrol"], ["--full", "--search", "harbour"],
    ["-o", "out.csv"], ["--full", "-o", "out.json"],
])
def test_a_large_export_streams_the_same_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               args: list[str]) -> None:
    """Above the in-memory limit, records are read one by one and written as they come: the
    output is the same, byte for byte."""
    from pledgetrack.store import stream

    root = make_root(tmp_path)  # with a broken file, which both ways skip

    def export() -> tuple[str, str]:
        out = tmp_path / "out.csv" if "out.csv" in args else tmp_path / "out.json"
        out.unlink(missing_ok=True)
        result = cli("export", "--dir", root, "--as-of", AS_OF_TEXT,
                     *[str(tmp_path / a) if a.startswith("out.") else a for a in args])
        assert result.exit_code == 0, result.stderr
        written = out.read_text(encoding="utf-8") if out.exists() else ""
        return result.stdout + written, result.stderr

    in_memory = export()
    monkeypatch.setattr(stream, "IN_MEMORY_MAX", 0)
    assert export() == in_memory
    assert "zz-broken" in in_memory[1]


def test_json_written_row_by_row_is_json_dumps() -> None:
    from pledgetrack.render.export import json_chunks

    rows = [{"a": "x\ny", "b": [1, {"c": None}], "d": "日本"}, {}, {"e": []}]
    for doc in ([], rows[:1], rows):
        text = "".join(json_chunks(doc, columns=None))
        assert text == json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
