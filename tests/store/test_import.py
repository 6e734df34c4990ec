"""`pledgetrack import`: CSV, JSON and JSON Lines rows to pledge files, all or nothing."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from pledgetrack.model.records import Pledge
from pledgetrack.store.loader import load_dataset
from tests.clirun import cli
from tests.yamlfile.test_serialize import yamllint_problems

HEADER = ("id,title,actors,recipients,domains,tags,announced,deadline,status,status_date,"
          "source,made_by,summary,quote,criteria,source_title,publisher")
CYBER_ROW = (
    "japan-asean-cyber,Support cyber capacity building in ASEAN,Japan,ASEAN;Philippines,"
    "cyber;ai,summit-2025,2025-10-26,2026-Q4,in_progress,2025-11-20,https://example.org/cyber,"
    'Prime Minister,"Two lines\nof summary.",We will support ASEAN.,'
    "Delivered when training runs.,Summit report,Kyodo"
)
MARITIME_ROW = (
    'japan-asean-maritime,"Maritime security, coast guards",Japan,,maritime,,2025-10,,,,'
    "https://example.org/maritime,,,,,,"
)
CSV = f"{HEADER}\n{CYBER_ROW}\n{MARITIME_ROW}\n"


def run_import(root: Path, *args: str) -> tuple[int, str, str]:
    result = cli("import", "--dir", str(root), *args)
    return result.exit_code, result.stdout, result.stderr


def table(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.write_text(text, encoding="utf-8")
    return path


def export_row(p: Pledge) -> dict[str, str]:
    """A row in the export format, made from a loaded record: what import must reproduce."""
    latest = p.latest_update()
    return {
        "id": p.id, "title": p.title, "actors": ";".join(p.actors),
        "recipients": ";".join(p.recipients), "domains": ";".join(p.domains),
        "tags": ";".join(p.tags), "announced": str(p.announced or ""),
        "deadline": str(p.deadline or ""), "status": p.status(),
        "status_date": str(latest.date) if latest else "", "source": p.sources[0].url,
        "made_by": p.made_by or "", "summary": p.summary or "", "quote": p.quote or "",
        "criteria": p.criteria or "", "source_title": p.sources[0].title or "",
        "publisher": p.sources[0].publisher or "",
    }


def test_csv_rows_become_canonical_files(data_root: Path) -> None:
    path = table(data_root, "in.csv", CSV)
    code, out, err = run_import(data_root, str(path))
    assert code == 0, err
    assert out == "pledges/japan-asean-cyber.yaml\npledges/japan-asean-maritime.yaml\n"
    assert "imported 2 pledges (2 created, 0 replaced)" in err
    text = (data_root / "pledges" / "japan-asean-cyber.yaml").read_text("utf-8")
    assert text == """\
id: japan-asean-cyber
title: Support cyber capacity building in ASEAN
actors:
  - Japan
recipients:
  - ASEAN
  - Philippines
domains:
  - cyber
  - ai
made_by: Prime Minister
announced: 2025-10-26
deadline: 2026-Q4
summary: |-
  Two lines
  of summary.
quote: We will support ASEAN.
criteria: Delivered when training runs.
tags:
  - summit-2025
sources:
  - url: https://example.org/cyber
    title: Summit report
    publisher: Kyodo
updates:
  - date: 2025-11-20
    status: in_progress
    sources:
      - url: https://example.org/cyber
        title: Summit report
        publisher: Kyodo
"""
    assert yamllint_problems(text) == []
    dataset = load_dataset(data_root)
    assert dataset.problems == []
    maritime = dataset.get("japan-asean-maritime")
    assert maritime is not None and maritime.updates == ()  # empty status: no update


def test_rows_read_back_as_the_same_rows(data_root: Path) -> None:
    # The round trip the export format must hold: import, then the export of what was written
    # gives the rows that went in.
    rows = list(csv.DictReader(io.StringIO(CSV)))
    assert run_import(data_root, str(table(data_root, "in.csv", CSV)))[0] == 0
    dataset = load_dataset(data_root)
    exported = [export_row(p) for p in dataset.pledges]
    expected = [dict(r, status=r["status"] or "not_yet_rated") for r in rows]
    assert exported == expected


def test_json_with_real_lists_and_jsonl(data_root: Path) -> None:
    rows = [
        {"id": "a", "title": "日本とASEAN", "actors": ["Japan"], "domains": ["cyber", "ai"],
         "announced": "26 Oct 2025", "source": "https://example.org/a", "status": "delivered",
         "status_date": 2026, "tags": "x;y"},
        {"id": "b", "title": "Hợp tác an ninh", "actors": "Japan;Vietnam", "domains": "maritime",
         "announced": "2025", "source": "https://example.org/b", "status": "not_yet_rated"},
    ]
    path = table(data_root, "in.json", json.dumps(rows, ensure_ascii=False, indent=2))
    code, _, err = run_import(data_root, str(path))
    assert code == 0, err
    a = load_dataset(data_root).get("a")
    assert a is not None
    assert (a.title, a.domains, a.tags, str(a.announced)) == (
        "日本とASEAN", ("cyber", "ai"), ("x", "y"), "2025-10-26")
    assert [(str(u.date), u.status) for u in a.updates] == [("2026", "delivered")]
    assert "title: 日本とASEAN\n".encode() in (data_root / "pledges" / "a.yaml").read_bytes()

    jsonl = "\n".join(json.dumps(dict(r, id=r["id"] + "2")) for r in rows) + "\n\n"
    code, _, err = run_import(data_root, str(table(data_root, "in.jsonl", jsonl)))
    assert code == 0, err
    assert load_dataset(data_root).get("b2") is not None

    wrapped = json.dumps({"pledges": [dict(rows[0], id="c")]})
    assert run_import(data_root, str(table(data_root, "w.json", wrapped)))[0] == 0


def test_status_map(data_root: Path) -> None:
    text = HEADER.split(",source")[0] + ",source\n" \
        "a,A,Japan,,cyber,,2025,,Promise Kept,2025-11,https://example.org/a\n" \
        "b,B,Japan,,cyber,,2025,,in the works,2025-12,https://example.org/b\n"
    path = table(data_root, "in.csv", text)
    code, _, err = run_import(data_root, str(path))
    assert code == 1
    lines = err.splitlines()
    # Each reason names its column; the valid statuses are listed once, not on every row.
    assert lines[0].startswith("/") and ":2: 'status': unknown status 'Promise Kept'; valid " \
        "statuses: not_yet_rated, " in lines[0] and "--status-map" in lines[0]
    assert lines[1].endswith("in.csv:3: 'status': unknown status 'in the works'")
    assert err.count("valid statuses") == 1
    code, _, err = run_import(data_root, str(path), "--status-map", "Promise Kept=delivered",
                              "--status-map", "In The Works=in_progress")
    assert code == 0, err
    statuses = {p.id: p.status() for p in load_dataset(data_root).pledges}
    assert statuses == {"a": "delivered", "b": "in_progress"}


def test_row_reasons_name_their_column_in_column_order(data_root: Path) -> None:
    text = HEADER.split(",source")[0] + ",source\n" \
        "a,A,Japan,,cyber,,2025-13,,Promise Kept,yesterday-ish,https://example.org/a\n"
    path = table(data_root, "in.csv", text)
    code, _, err = run_import(data_root, str(path))
    assert code == 1
    reasons = err.splitlines()[0].split(": ", 1)[1].split("; ")
    columns = [r.split(":")[0] for r in reasons if r.startswith("'")]
    assert columns == ["'announced'", "'status'", "'status_date'"]
    assert "'status': unknown status 'Promise Kept'" in reasons


def test_bad_status_map_is_a_usage_error(data_root: Path) -> None:
    path = table(data_root, "in.csv", CSV)
    assert "write it as OLD=NEW" in run_import(data_root, str(path), "--status-map", "kept")[2]
    code, _, err = run_import(data_root, str(path), "--status-map", "Kept=done")
    assert code == 2 and "'done' is not a status" in err


def test_every_bad_row_is_reported_and_nothing_is_written(data_root: Path) -> None:
    (data_root / "pledgetrack.yaml").write_text("domains:\n  cyber: Cyber\n  ai: AI\n")
    text = HEADER.split(",made_by")[0] + "\n" + "\n".join([
        "good,Good,Japan,,cyber,,2025,,,,https://example.org/g",                 # line 2
        '"../evil",Bad id,Japan,,cyber,,2025,,,,https://example.org/e',         # line 3
        'x,"A title on',                                                         # line 4
        'two lines",Japan,,cyber,,2025,,,,https://example.org/x',               # (line 5)
        "y,Y,Japan,,space,,2025,,,,https://example.org/y",                       # line 6
        "z,Z,,,cyber,,2025,,,,https://example.org/z",                            # line 7
        "w,W,Japan,,cyber,,03/04/2025,,,,https://example.org/w",                 # line 8
        "v,V,Japan,,cyber,,2025,,stalled,,https://example.org/v",                # line 9
        "good,Again,Japan,,cyber,,2025,,,,https://example.org/g2",               # line 10
        "u,U,Japan,,cyber,,2025,,,,ftp://example.org/u",                         # line 11
    ]) + "\n"
    code, out, err = run_import(data_root, str(table(data_root, "bad.csv", text)))
    assert code == 1 and out == ""
    lines = err.splitlines()
    expected = [
        ("bad.csv:3:", "must be a lowercase slug"),
        ("bad.csv:4:", "'title' must be a single line"),
        ("bad.csv:6:", "unknown domain 'space'"),
        ("bad.csv:7:", "missing actors"),
        ("bad.csv:8:", "'03/04/2025' is ambiguous"),
        ("bad.csv:9:", "status 'stalled' needs a status_date"),
        ("bad.csv:10:", "id 'good' is also on line 2"),
        ("bad.csv:11:", "is not a URL"),
    ]
    assert len(lines) == len(expected) + 1
    for line, (place, reason) in zip(lines, expected, strict=False):
        assert line.startswith(str(data_root / place)) and reason in line, (line, reason)
    assert lines[-1] == "8 bad rows; nothing was written"
    assert list((data_root / "pledges").iterdir()) == []


def test_json_errors_have_line_numbers(data_root: Path) -> None:
    text = '[\n  {"id": "a", "title": "A", "actors": ["Japan"], "domains": ["cyber"],\n' \
        '   "announced": "2025", "source": "https://example.org/a"},\n' \
        '  {"id": "b", "title": "B", "actors": [1], "domains": ["cyber"],\n' \
        '   "announced": "2025", "source": "https://example.org/b"},\n  "not a row"\n]\n'
    code, _, err = run_import(data_root, str(table(data_root, "in.json", text)))
    assert code == 1
    assert "in.json:4: 'actors' must list text" in err
    assert "in.json:6: a row must be an object with keys, not a str" in err
    code, _, err = run_import(data_root, str(table(data_root, "broken.json", '[{"id": }]')))
    assert code == 1 and "broken.json:1: not valid JSON" in err
    code, _, err = run_import(data_root, str(table(data_root, "in.jsonl", '{"id": "a"}\n{')))
    assert code == 1 and "in.jsonl:2: not valid JSON" in err


def test_existing_ids_need_replace(data_root: Path) -> None:
    path = table(data_root, "in.csv", CSV)
    assert run_import(data_root, str(path))[0] == 0
    target = data_root / "pledges" / "japan-asean-maritime.yaml"
    target.write_text(target.read_text() + "# a local comment\n")
    before = target.read_bytes()
    code, _, err = run_import(data_root, str(path))
    assert code == 1
    assert "in.csv:4: pledge 'japan-asean-maritime' already exists" in err
    assert "pass --replace to replace it" in err
    assert target.read_bytes() == before

    code, out, err = run_import(data_root, str(path), "--replace", "--dry-run")
    assert code == 0
    assert out == ("would replace pledges/japan-asean-cyber.yaml\n"
                   "would replace pledges/japan-asean-maritime.yaml\n")
    # The dry run gives the real run's warning about what replacing loses.
    assert "warning: would replace 2 existing files: their comments and any updates not in " \
        "the table are not kept" in err
    assert target.read_bytes() == before

    code, _, err = run_import(data_root, str(path), "--replace")
    assert code == 0 and "(0 created, 2 replaced)" in err
    assert "warning: replacing 2 existing files" in err
    assert "# a local comment" not in target.read_text()


def test_update_is_a_deprecated_alias_of_replace(data_root: Path) -> None:
    path = table(data_root, "in.csv", CSV)
    assert run_import(data_root, str(path))[0] == 0
    code, _, err = run_import(data_root, str(path), "--update")
    assert code == 0 and "(0 created, 2 replaced)" in err
    assert "warning: --update is deprecated: it replaces existing files, use --replace; to " \
        "append updates from a table, use --updates" in err


def test_replacing_one_file_is_said_in_the_singular(data_root: Path) -> None:
    path = table(data_root, "in.csv", CSV)
    assert run_import(data_root, str(path))[0] == 0
    one = table(data_root, "one.csv", f"{HEADER}\n{CYBER_ROW}\n")
    code, _, err = run_import(data_root, str(one), "--replace")
    assert code == 0
    assert "warning: replacing 1 existing file: its comments and any updates" in err


def test_replace_and_its_deprecated_name_together_are_a_usage_error(data_root: Path) -> None:
    path = table(data_root, "in.csv", CSV)
    assert run_import(data_root, str(path))[0] == 0
    code, _, err = run_import(data_root, str(path), "--replace", "--update")
    assert code == 2 and "--update is the deprecated name of --replace" in err


UPDATE_TABLE = ("id,update,date,status,party,note,source\n"
                "japan-asean-cyber,2,2026-01-10,delivered,,Done.,https://example.org/done\n")


@pytest.mark.parametrize("flags", [["--update"], ["--replace"], []])
def test_an_update_table_given_as_pledge_table_points_to_updates(
        data_root: Path, flags: list[str]) -> None:
    assert run_import(data_root, str(table(data_root, "in.csv", CSV)))[0] == 0
    path = table(data_root, "history.csv", UPDATE_TABLE)
    code, _, err = run_import(data_root, str(path), *flags)
    assert code == 1
    assert f"use --updates {path}" in err
    assert "missing title" not in err


def test_a_mistyped_updates_option_is_not_offered_the_deprecated_alias(data_root: Path) -> None:
    code, _, err = run_import(data_root, "--update-file", "x.csv")
    assert code == 2
    assert "no such option '--update-file'" in err
    assert "'--update'" not in err and "did you mean '--updates'?" in err


def test_dry_run_writes_nothing(data_root: Path) -> None:
    code, out, err = run_import(data_root, str(table(data_root, "in.csv", CSV)), "--dry-run")
    assert code == 0
    assert out == ("would create pledges/japan-asean-cyber.yaml\n"
                   "would create pledges/japan-asean-maritime.yaml\n")
    assert "dry run: 2 to create, 0 to replace; nothing was written" in err
    assert list((data_root / "pledges").iterdir()) == []


def test_unknown_columns_are_named(data_root: Path) -> None:
    text = CSV.replace(HEADER, HEADER + ",overdue").replace("Kyodo\n", "Kyodo,no\n")
    code, _, err = run_import(data_root, str(table(data_root, "in.csv", text)))
    assert code == 0, err
    assert "warning: ignored columns: overdue" in err


@pytest.mark.parametrize(("name", "message"), [
    ("in.xlsx", "unknown file type '.xlsx'"),
    ("missing.csv", "no such file"),
])
def test_unreadable_input_is_a_usage_error(data_root: Path, name: str, message: str) -> None:
    if name.endswith(".xlsx"):
        (data_root / name).write_bytes(b"PK")
    code, _, err = run_import(data_root, str(data_root / name))
    assert code == 2 and message in err


# -- JSON is read as JSON ------------------------------------------------------------------------

ROW = {"id": "hidden", "title": "Hidden", "actors": ["Japan"], "domains": ["cyber"],
       "announced": "2025", "source": "https://example.org/h"}


def test_only_the_top_level_pledges_key_holds_rows(data_root: Path) -> None:
    # A "pledges" list anywhere but at the top level (here inside a comment, first in the file)
    # is data, not rows.
    text = json.dumps({"comment": {"pledges": [ROW]}, "pledges": []})
    code, _, err = run_import(data_root, str(table(data_root, "in.json", text)))
    assert code == 0, err
    assert not (data_root / "pledges" / "hidden.yaml").exists()
    # The same with the top-level list after another key that holds the same text.
    visible = dict(ROW, id="visible")
    text = ('{"note": "\\"pledges\\": [", "other": {"pledges": [' + json.dumps(ROW) + ']},\n'
            ' "pledges": [\n' + json.dumps(visible) + "]}")
    code, _, err = run_import(data_root, str(table(data_root, "in2.json", text)))
    assert code == 0, err
    assert sorted(p.name for p in (data_root / "pledges").iterdir()) == ["visible.yaml"]


@pytest.mark.parametrize(("text", "message"), [
    ('{"pledges": [], "pledges": [' + json.dumps(ROW) + "]}",
     "in.json:1: duplicate key 'pledges' in an object"),
    ('[\n' + json.dumps(ROW)[:-1] + ', "title": "Other"}]',
     "in.json:2: duplicate key 'title' in an object"),
    ("[" * 1000 + "]" * 1000, "in.json:1: not valid JSON for import: nested too deeply"),
    ("[" * 100_000 + "]" * 100_000, "in.json:1: not valid JSON for import: nested too deeply"),
    ('[{"id": "a", "title": ' + "9" * 5000 + "}]",
     "in.json:1: not valid JSON for import: a number has too many digits"),
    ("[] []", "in.json:1: not valid JSON: extra data after the document"),
    ('{"rows": []}', 'expected a list of rows, or {"pledges": [...]}'),
    ('{"pledges": {"a": 1}}', 'expected a list of rows, or {"pledges": [...]}'),
    ('"pledges"', "expected a JSON list of rows"),
])
def test_json_that_is_not_a_list_of_rows_is_one_line(
    data_root: Path, text: str, message: str
) -> None:
    code, out, err = run_import(data_root, str(table(data_root, "in.json", text)))
    assert code in (1, 2)
    assert message in err, err
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err and out == ""
    assert list((data_root / "pledges").iterdir()) == []


@pytest.mark.parametrize(("text", "message"), [
    ("{}\n" + "[" * 1000 + "]" * 1000 + "\n", "in.jsonl:2: not valid JSON for import: nested"),
    ('{"a": ' + "1" * 5000 + "}\n", "in.jsonl:1: not valid JSON for import: a number"),
    ('{"id": "a", "id": "b"}\n', "in.jsonl:1: duplicate key 'id'"),
    ("{} {}\n", "in.jsonl:1: not valid JSON: extra data"),
])
def test_json_lines_that_are_not_rows_are_one_line(
    data_root: Path, text: str, message: str
) -> None:
    code, _, err = run_import(data_root, str(table(data_root, "in.jsonl", text)))
    assert code == 1
    assert message in err, err
    assert len(err.strip().splitlines()) == 1, err


def test_a_cell_over_the_csv_size_limit_is_reported_at_its_line(data_root: Path) -> None:
    rows = ["id,title,actors,domains,announced,source",
            "a,A,Japan,cyber,2025,https://example.org/a",
            "b,B,Japan,cyber,2025,https://example.org/b",
            "c,C,Japan,cyber,2025," + "x" * 200_000]
    path = data_root / "big.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    code, _, err = run_import(data_root, str(path))
    assert code == 1
    assert "big.csv:4: not valid CSV" in err, err
    assert not list((data_root / "pledges").glob("*.yaml"))


# -- CSV syntax the reader would otherwise take silently ------------------------------------------

@pytest.mark.parametrize(("header", "named"), [
    ("id,title,actors,domains,announced,source,source", "'source'"),
    ("id,title,title,actors,domains,announced,source", "'title'"),
    ("id,title,actors,domains,announced,source, Title ", "'title' (also as 'Title')"),
    ("id,title,title,actors,domains,announced,source,source", "'title', 'source'"),
])
def test_a_duplicate_column_in_a_pledge_table_is_refused(
    data_root: Path, header: str, named: str
) -> None:
    """A CSV reader keeps the last of two cells under one name: the other would be lost."""
    # A valid row: without the check, it would be imported, one of the two cells lost.
    cell = {"id": "p", "title": "T", "actors": "Japan", "domains": "cyber",
            "announced": "2025-10", "source": "https://example.org/p"}
    row = ",".join(cell[name.strip().lower()] for name in header.split(","))
    path = table(data_root, "dup.csv", f"{header}\n{row}\n")
    code, out, err = run_import(data_root, str(path))
    assert code == 1
    plural = "s" if ", " in named else ""
    assert err == (f"pledgetrack: error: {path}:1: duplicate column{plural} {named} in the "
                   "header; only one of each would be read (column names are compared ignoring "
                   "case and surrounding spaces)\n")
    assert out == ""
    assert not list((data_root / "pledges").glob("*.yaml"))


def test_a_duplicate_column_in_an_update_table_is_refused(data_root: Path) -> None:
    assert run_import(data_root, table(data_root, "p.csv", CSV).as_posix())[0] == 0
    before = {p.name: p.read_bytes() for p in (data_root / "pledges").iterdir()}
    path = table(data_root, "u.csv", "id,date,status,note,note,source\n"
                 "japan-asean-maritime,2025-12-01,stalled,first,second,https://example.org/u\n")
    code, _, err = run_import(data_root, "--updates", str(path))
    assert code == 1
    assert f"{path}:1: duplicate column 'note' in the header" in err, err
    assert {p.name: p.read_bytes() for p in (data_root / "pledges").iterdir()} == before


def test_empty_column_names_are_not_duplicates(data_root: Path) -> None:
    """A sheet saved with trailing empty columns still imports."""
    rows = CSV.replace("\n", ",,\n")
    code, _, err = run_import(data_root, str(table(data_root, "wide.csv", rows)))
    assert code == 0, err


def test_a_quote_never_closed_is_reported_where_it_opens(data_root: Path) -> None:
    """Not as a row missing its source: the open cell swallows the rest of the file."""
    text = (f"{HEADER}\n{MARITIME_ROW}\n"
            'japan-asean-x,"Open quote,Japan,,maritime,,2025-10,,,,https://example.org/x\n'
            "japan-asean-y,Y,Japan,,maritime,,2025-10,,,,https://example.org/y\n")
    path = table(data_root, "open.csv", text)
    code, _, err = run_import(data_root, str(path))
    assert code == 1
    assert err == (f"pledgetrack: error: {path}:3: not valid CSV: the quoted cell that starts "
                   "on this line is never closed (a '\"' is missing)\n")
    assert not list((data_root / "pledges").glob("*.yaml"))


def test_text_after_a_closing_quote_is_a_csv_error(data_root: Path) -> None:
    """`"Maritime"security` was read as one cell, the quotes dropped; now it is refused."""
    text = f"{HEADER}\n" + MARITIME_ROW.replace('"Maritime security, coast guards"',
                                                '"Maritime"security')
    path = table(data_root, "after.csv", text)
    code, _, err = run_import(data_root, str(path))
    assert code == 1
    assert err == (f"pledgetrack: error: {path}:2: not valid CSV: ',' expected after '\"'\n")
    assert not list((data_root / "pledges").glob("*.yaml"))
