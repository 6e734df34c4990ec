"""`pledgetrack export`: CSV, JSON and JSON Lines rows; `--updates`; formula neutralising; -o."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.clirun import cli
from tests.fixture_reports import ALL_IDS, AS_OF, AS_OF_TEXT, make_root

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


EXPORT_ARGS = [
    [], ["--format", "json"], ["--format", "jsonl"], ["--updates"], ["--full"],
    ["--full", "--format", "jsonl"], ["--search", "patrol"], ["--full", "--search", "harbour"],
    ["--status", "stalled,in_progress", "--updates", "--format", "json"],
    ["--domain", "cyber", "--full"], ["--actor", "philippines", "--format", "jsonl"],
    ["-o", "out.csv"], ["--full", "-o", "out.json"],
]


def _run_export(root: Path, tmp_path: Path, args: list[str], *more: str) -> tuple[str, str]:
    out = tmp_path / "out.csv" if "out.csv" in args else tmp_path / "out.json"
    out.unlink(missing_ok=True)
    result = cli("export", "--dir", root, "--as-of", AS_OF_TEXT, *more,
                 *[str(tmp_path / a) if a.startswith("out.") else a for a in args])
    assert result.exit_code == 0, result.stderr
    written = out.read_text(encoding="utf-8") if out.exists() else ""
    return result.stdout + written, result.stderr


def _in_memory(root: Path, args: list[str]) -> str:
    """What the export writes, worked out through the Python API from every full record
    loaded at once."""
    import pledgetrack
    from pledgetrack.queries.exports import PLEDGE_COLUMNS, UPDATE_COLUMNS, full_row
    from pledgetrack.queries.selection import Filter
    from pledgetrack.render import export as formats

    ds = pledgetrack.load_dataset(root, cache=False)
    flags = set(args)
    options = {a: args[i + 1] for i, a in enumerate(args) if a in ("--format", "--search",
                                                                     "--domain")}
    chosen = pledgetrack.select(ds, Filter.from_options(
        search=options.get("--search"), domain=[options["--domain"]] if "--domain" in options
        else None), AS_OF)
    fmt = options.get("--format", "json" if "--full" in flags else "csv")
    if "--full" in flags:
        rows = [full_row(p, AS_OF) for p in chosen]
        return "".join(getattr(formats, f"{fmt}_chunks")(rows, columns=None))
    rows = pledgetrack.export_rows(chosen, ds.config, AS_OF, updates="--updates" in flags)
    columns = UPDATE_COLUMNS if "--updates" in flags else PLEDGE_COLUMNS
    return "".join(getattr(formats, f"{fmt}_chunks")(rows, columns=columns))


@pytest.mark.parametrize("args", EXPORT_ARGS)
def test_an_export_read_from_the_cache_or_the_files_writes_the_same_bytes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]) -> None:
    """The full records are read one at a time, from the records cache when it holds the file
    as it is, else from the file: every way gives the same bytes."""
    from pledgetrack.cache import shards

    root = make_root(tmp_path)  # with a broken file, which every way skips
    first = _run_export(root, tmp_path, args)  # files just written: parsed again
    monkeypatch.setattr(shards, "RACY_NS", 0)
    assert _run_export(root, tmp_path, args) == first  # decoded from the cache
    assert _run_export(root, tmp_path, args, "--no-cache") == first
    assert "zz-broken" in first[1]
    if "--search" not in args and "--status" not in args and "--actor" not in args:
        assert first[0] == _in_memory(root, args)


def test_files_sharing_an_id_are_left_out_of_an_export(tmp_path: Path) -> None:
    root = make_root(tmp_path, broken=False)
    text = (root / "pledges" / "b-overdue.yaml").read_text(encoding="utf-8")
    (root / "pledges" / "b-twin.yaml").write_text(text, encoding="utf-8")
    out, err = _run_export(root, tmp_path, ["--format", "jsonl"])
    ids = [json.loads(line)["id"] for line in out.splitlines()]
    # The copy is the one found wrong (its name is not its id), as `check` says.
    assert ids == ALL_IDS
    assert err == ("pledgetrack: warning: skipping pledges/b-twin.yaml (2 errors; run "
                   "pledgetrack check)\n")


def test_an_export_writes_each_row_before_reading_the_next_record(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Written as it goes: each full record is decoded from the cache, one at a time, and its
    row written before the next record is read; so memory never holds them all."""
    import pledgetrack.cache
    from pledgetrack.cache import codec, shards
    from pledgetrack.cli.output import Output
    from pledgetrack.model.records import Pledge
    from pledgetrack.yamlfile import pledgefile

    monkeypatch.setattr(shards, "RACY_NS", 0)
    root = make_root(tmp_path)
    events: list[str] = []
    cli("check", "--dir", root)  # fills the cache
    decode, parse = codec.loads, pledgefile.parse_with_salvage
    door = pledgetrack.cache.full_records
    write = Output.data_chunks

    def decoding(data: bytes | memoryview) -> object:
        record = decode(data)
        if type(record) is Pledge:
            events.append(f"decode {record.id}")
        return record

    def parsing(*args: object, **kwargs: object) -> object:
        events.append("parse")
        return parse(*args, **kwargs)  # type: ignore[arg-type]

    def reading(*args: object, **kwargs: object) -> object:
        for rel, record in door(*args, **kwargs):  # type: ignore[arg-type]
            events.append(f"read {rel}")
            yield rel, record

    def writing(self: Output, chunks: object) -> None:
        def logged() -> object:
            for chunk in chunks:  # type: ignore[attr-defined]
                events.append("write header" if chunk.startswith("id,title,") else "write")
                yield chunk
        write(self, logged())  # type: ignore[arg-type]

    monkeypatch.setattr(codec, "loads", decoding)
    monkeypatch.setattr(pledgefile, "parse_with_salvage", parsing)
    monkeypatch.setattr(pledgetrack.cache, "full_records", reading)
    monkeypatch.setattr(Output, "data_chunks", writing)
    for args in (["--format", "jsonl"], ["--full", "--format", "jsonl"]):
        events.clear()
        out, _ = _run_export(root, tmp_path, args)
        expected: list[str] = []
        for line in out.splitlines():
            pledge_id = json.loads(line)["id"]
            expected += [f"decode {pledge_id}", f"read pledges/{pledge_id}.yaml", "write"]
        assert len(expected) == 3 * 7
        assert events == expected, args
    # CSV: the header first, then a row per record as it is read.
    events.clear()
    _run_export(root, tmp_path, [])
    assert events[0] == "write header"
    assert events[1:4] == ["decode a-delivered", "read pledges/a-delivered.yaml", "write"]


def test_a_file_changed_while_an_export_runs_is_read_as_it_is_now(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Between choosing the pledges and reading their full records, one file is edited and one
    broken: the edit is exported, the broken file skipped with a warning."""
    import pledgetrack.cache
    from pledgetrack.cache import shards

    monkeypatch.setattr(shards, "RACY_NS", 0)
    root = make_root(tmp_path, broken=False)
    cli("check", "--dir", root)
    door = pledgetrack.cache.full_records

    def editing(*args: object, **kwargs: object) -> object:
        a = root / "pledges" / "a-delivered.yaml"
        a.write_text(a.read_text(encoding="utf-8").replace(
            "title: ", "title: Edited ", 1), encoding="utf-8")
        (root / "pledges" / "b-overdue.yaml").write_text("id: [unclosed\n", encoding="utf-8")
        return door(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pledgetrack.cache, "full_records", editing)
    out, err = _run_export(root, tmp_path, ["--full", "--format", "jsonl"])
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in rows] == [i for i in ALL_IDS if i != "b-overdue"]
    assert rows[0]["title"].startswith("Edited ")
    assert err == ("pledgetrack: warning: skipping pledges/b-overdue.yaml: it changed during the "
                   "export and no longer reads without errors\n")


def test_a_damaged_cache_file_is_not_trusted_by_an_export(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cache_home: Path) -> None:
    """Shard files damaged after the pledges were chosen (a record's bytes, or a cut file):
    the records are read from their files, the output is the same."""
    import pledgetrack.cache
    from pledgetrack.cache import shards

    monkeypatch.setattr(shards, "RACY_NS", 0)
    root = make_root(tmp_path)
    expected = _run_export(root, tmp_path, ["--full"])
    door = pledgetrack.cache.full_records

    def damaging(*args: object, **kwargs: object) -> object:
        for i, path in enumerate(sorted(cache_home.rglob("shard-*.bin"))):
            data = bytearray(path.read_bytes())
            if i % 2:
                data[-10] ^= 0xFF
                path.write_bytes(bytes(data))
            else:
                path.write_bytes(bytes(data[:-10]))
        return door(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pledgetrack.cache, "full_records", damaging)
    assert _run_export(root, tmp_path, ["--full"]) == expected


def test_json_written_row_by_row_is_json_dumps() -> None:
    from pledgetrack.render.export import json_chunks

    rows = [{"a": "x\ny", "b": [1, {"c": None}], "d": "日本"}, {}, {"e": []}]
    for doc in ([], rows[:1], rows):
        text = "".join(json_chunks(doc, columns=None))
        assert text == json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def test_a_json_export_leaves_no_garbage_to_the_end(tmp_path: Path) -> None:
    """The executable turns the garbage collector off after a load; an export, which makes its
    rows one at a time, turns it back on: indented JSON leaves a reference cycle per row, which
    would otherwise pile up until the process ends (2 KB a row: 200 MB at 100,000)."""
    import subprocess
    import sys

    root = tmp_path / "data"
    (root / "pledges").mkdir(parents=True)
    for i in range(1000):
        (root / "pledges" / f"p{i:03d}.yaml").write_text(
            f"id: p{i:03d}\ntitle: Pledge {i}\nactors: [Japan]\ndomains: [cyber]\n"
            "announced: 2025-01-01\nsources:\n  - url: https://example.org/a\n"
            "updates:\n  - date: 2025-02-01\n    status: in_progress\n    note: Begun.\n",
            encoding="utf-8")
    script = (
        "import gc, sys\n"
        "from pledgetrack.cli import entry\n"
        "sys.argv = ['pledgetrack', *sys.argv[1:]]\n"
        "try:\n"
        "    entry.main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "gc.enable()\n"
        "print(gc.collect(), file=sys.stderr)\n"
    )
    for args in (["--format", "json"], ["--full"]):
        result = subprocess.run(
            [sys.executable, "-c", script, "export", "--dir", str(root), *args,
             "-o", str(tmp_path / "out.json")],
            capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        assert len(json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))) == 1000
        # What the collector finds at the end: the cycles of the last rows, since its last
        # pass, never those of every row (about 30 objects a row).
        assert int(result.stderr.strip().splitlines()[-1]) < 5000, args
