"""Lossless round trips and the tables researchers bring: `export --full` → `import`, update
tables (`import --updates`), scoring sheets, dated status histories, CSV quotes, dates written
day/month/year and tables without ids. Figures are worked out by hand in each test."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from pledgetrack.store.loader import parse_pledge
from pledgetrack.yamlfile.serialize import dump_pledge
from tests.clirun import REPO, cli
from tests.fixture_reports import AS_OF_TEXT, CONFIG, make_root


def run(*args: str) -> tuple[int, str, str]:
    result = cli(*args)
    return result.exit_code, result.stdout, result.stderr


def ok(*args: str) -> str:
    code, out, err = run(*args)
    assert code == 0, err
    return out


def empty_root(path: Path, config: str | None = CONFIG) -> Path:
    (path / "pledges").mkdir(parents=True)
    if config is not None:
        (path / "pledgetrack.yaml").write_text(config, encoding="utf-8")
    return path


# -- the full export -------------------------------------------------------------------------

# Everything a file can hold: a joint pledge with per-party updates entered out of date order
# (a backdated entry), sources with every field, recorded dates, an unknown field, and text a
# spreadsheet or a terminal could trip on.
RICH = """\
id: z-joint
title: '-10% tariffs, "quoted", =SUM(A1)'
actors:
  - Japan
  - Philippines
  - Thailand
recipients:
  - ASEAN
domains:
  - maritime
made_by: '@minister'
announced: 2025-03
deadline: 2026-Q2
summary: |-
  Two lines,
  日本とASEAN — ความร่วมมือทางทะเล
quote: '+cooperation'
criteria: 'Delivered when: boats are handed over.'
tags:
  - t1
sources:
  - url: https://example.org/z
    title: Joint statement
    publisher: Example Ministry
    published: 2025-03-02
    archived: https://archive.example.org/z
updates:
  - date: 2025-06-01
    status: in_progress
    party: Japan
    note: "Budget; line two\\nwith a break"
    sources:
      - url: https://example.org/z/1
        title: Budget
        publisher: Kyodo
        published: 2025-06-02
        archived: https://archive.example.org/z/1
    recorded: 2025-06-03
  - date: 2025-04-10
    status: stalled
    party: Philippines
    note: Entered after the June update.
    sources:
      - url: https://example.org/z/2
  - date: 2025-09
    status: delivered
    party: Japan
review:
  by: desk
  round: '2'
"""


def rich_root(tmp_path: Path) -> Path:
    root = make_root(tmp_path / "src", broken=False)
    (root / "pledges" / "z-joint.yaml").write_text(RICH, encoding="utf-8")
    return root


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_full_export_imports_back_to_the_same_records(tmp_path: Path, fmt: str) -> None:
    source = rich_root(tmp_path)
    first = ok("export", "--full", "--format", fmt, "--dir", str(source))
    table = tmp_path / f"full.{fmt}"
    table.write_text(first, encoding="utf-8")
    target = empty_root(tmp_path / "copy")
    ok("import", str(table), "--dir", str(target))

    # The same export, and the same answers, from the copy.
    assert ok("export", "--full", "--format", fmt, "--dir", str(target)) == first
    for command in (["report", "-f", "json", "--by", "party", "--matrix"],
                    ["list", "-f", "json"]):
        for as_of in (AS_OF_TEXT, "2025-05-01", "2026-12-31"):
            args = [*command, "--as-of", as_of]
            assert ok(*args, "--dir", str(target)) == ok(*args, "--dir", str(source)), args

    # Every file is in the canonical layout, and the hostile text came back as it was.
    for path in sorted((target / "pledges").iterdir()):
        pledge, problems = parse_pledge(path.read_bytes(), f"pledges/{path.name}")
        assert pledge is not None
        assert all(p.rule == "unknown-field" for p in problems), problems
        assert path.read_text(encoding="utf-8") == dump_pledge(pledge)
    joint, _ = parse_pledge((target / "pledges" / "z-joint.yaml").read_bytes(), "x")
    assert joint is not None
    assert joint.title == '-10% tariffs, "quoted", =SUM(A1)'
    assert joint.summary == "Two lines,\n日本とASEAN — ความร่วมมือทางทะเล"
    assert [u.date.start.isoformat() for u in joint.updates] == [
        "2025-06-01", "2025-04-10", "2025-09-01"]  # file order, as it was
    assert joint.updates[0].sources[0].archived == "https://archive.example.org/z/1"
    assert str(joint.updates[0].recorded) == "2025-06-03"
    assert joint.extra == {"review": {"by": "desk", "round": "2"}}


def test_full_export_of_the_bundled_data_round_trips(tmp_path: Path) -> None:
    first = ok("export", "--full", "--dir", str(REPO))
    rows = json.loads(first)
    assert len(rows) == len(list((REPO / "pledges").glob("*.yaml")))
    table = tmp_path / "full.json"
    table.write_text(first, encoding="utf-8")
    target = empty_root(tmp_path / "copy", config=None)
    if (REPO / "pledgetrack.yaml").exists():
        shutil.copy(REPO / "pledgetrack.yaml", target / "pledgetrack.yaml")
    ok("import", str(table), "--dir", str(target))
    assert ok("export", "--full", "--dir", str(target)) == first
    for args in (["report", "-f", "json"], ["list", "-f", "json"]):
        assert ok(*args, "--dir", str(target)) == ok(*args, "--dir", str(REPO))


def test_full_export_keeps_updates_after_today_and_refuses_csv(tmp_path: Path) -> None:
    root = make_root(tmp_path, broken=False)
    rows = json.loads(ok("export", "--full", "--dir", str(root), "--as-of", AS_OF_TEXT))
    f_old = next(r for r in rows if r["id"] == "f-old")
    assert [u["status"] for u in f_old["updates"]] == ["in_progress"]  # --as-of given
    assert "e-future" not in {r["id"] for r in rows}
    code, _, err = run("export", "--full", "--format", "csv", "--dir", str(root))
    assert code == 2 and "--full writes JSON or JSON Lines" in err


def test_a_bad_full_record_reports_every_problem(tmp_path: Path) -> None:
    root = empty_root(tmp_path / "r")
    bad = [{"id": "p1", "title": "T", "actors": ["Japan"], "domains": ["cyber"],
            "announced": "2025-13-01", "sources": [{"url": "ftp://x"}],
            "updates": [{"date": "2025-01-01"}]}]
    table = tmp_path / "bad.json"
    table.write_text(json.dumps(bad), encoding="utf-8")
    code, _, err = run("import", str(table), "--dir", str(root))
    assert code == 1
    line = err.splitlines()[0]
    assert "announced" in line and "ftp://x" in line and "status" in line
    assert list((root / "pledges").iterdir()) == []


# -- CSV quotes ------------------------------------------------------------------------------

def test_csv_quote_before_a_formula_sign_is_removed_exactly(tmp_path: Path) -> None:
    root = make_root(tmp_path / "src", broken=False)
    path = root / "pledges" / "b-overdue.yaml"
    text = path.read_text(encoding="utf-8").replace(
        "title: Coast guard boats", "title: '-10% tariffs'\nmade_by: \"'=already quoted\"")
    path.write_text(text, encoding="utf-8")
    exported = ok("export", "--dir", str(root), "--as-of", AS_OF_TEXT)
    assert "'-10% tariffs" in exported and "''=already quoted" in exported
    table = tmp_path / "p.csv"
    table.write_text(exported, encoding="utf-8")
    target = empty_root(tmp_path / "copy")
    ok("import", str(table), "--dir", str(target))
    rows = json.loads(ok("export", "-f", "json", "--dir", str(target), "--as-of", AS_OF_TEXT))
    b = next(r for r in rows if r["id"] == "b-overdue")
    assert b["title"] == "-10% tariffs"
    assert b["made_by"] == "'=already quoted"

    # --raw keeps the cell as it is.
    raw_target = empty_root(tmp_path / "raw")
    ok("import", str(table), "--raw", "--dir", str(raw_target))
    rows = json.loads(ok("export", "-f", "json", "--dir", str(raw_target), "--as-of",
                         AS_OF_TEXT))
    assert next(r for r in rows if r["id"] == "b-overdue")["title"] == "'-10% tariffs"


# -- update tables ---------------------------------------------------------------------------

def test_pledge_and_update_tables_carry_per_party_history(tmp_path: Path) -> None:
    source = rich_root(tmp_path)
    pledges_csv = tmp_path / "pledges.csv"
    updates_csv = tmp_path / "updates.csv"
    pledges_csv.write_text(ok("export", "--dir", str(source), "--as-of", "2026-12-31"),
                           encoding="utf-8")
    updates_csv.write_text(ok("export", "--updates", "--dir", str(source), "--as-of",
                              "2026-12-31"), encoding="utf-8")
    target = empty_root(tmp_path / "copy")
    code, _, err = run("import", str(pledges_csv), "--updates", str(updates_csv),
                       "--dir", str(target))
    assert code == 0, err
    # The 9 pledges announced by 2026-12-31 (a to h and z) get the fixture's updates, all dated
    # before then: a 2, b 1, c 2, f 2, g 1, h 1, z 3 = 12; none go to pledges that existed.
    assert "imported 9 pledges (9 created, 0 replaced) with 12 updates from the update table," \
        in err and "and 0 updates to existing pledges" in err
    # Statuses, per party and as a whole, at any date are those of the source.
    for as_of in ("2025-05-01", "2025-07-01", AS_OF_TEXT):
        args = ["report", "-f", "json", "--by", "party", "--matrix", "--as-of", as_of]
        assert ok(*args, "--dir", str(target)) == ok(*args, "--dir", str(source))
    # The backdated entry now stands in date order.
    joint, _ = parse_pledge((target / "pledges" / "z-joint.yaml").read_bytes(), "x")
    assert joint is not None
    assert [str(u.date) for u in joint.updates] == ["2025-04-10", "2025-06-01", "2025-09"]
    assert joint.updates[1].party == "Japan" and joint.updates[1].note == \
        "Budget; line two\nwith a break"


SCORES_PLEDGES = """\
id,title,actors,domains,announced,source
c1,Commitment one,Canada;France;Japan;US,cyber,2024-06-14,https://example.org/c1
c2,Commitment two,Canada;France;Japan,cyber,2024-06-14,https://example.org/c2
c3,Commitment three,Canada;France;Japan;US,cyber,2024-06-14,https://example.org/c3
"""
# One row per member score: +1 full compliance, 0 partial, -1 non-compliance.
SCORES = """\
id,party,date,status,source
c1,Canada,2025-05-01,+1,https://example.org/s
c1,France,2025-05-01,0,https://example.org/s
c1,Japan,2025-05-01,+1,https://example.org/s
c1,US,2025-05-01,-1,https://example.org/s
c2,Canada,2025-05-01,+1,https://example.org/s
c2,France,2025-05-01,+1,https://example.org/s
c2,Japan,2025-05-01,+1,https://example.org/s
c3,Canada,2025-05-01,-1,https://example.org/s
c3,France,2025-05-01,0,https://example.org/s
c3,Japan,2025-05-01,0,https://example.org/s
c3,US,2025-05-01,0,https://example.org/s
"""
SCORE_MAP = ("--status-map", "+1=delivered", "--status-map", "0=partial",
             "--status-map", "-1=broken")


def test_a_scoring_sheet_gives_the_sheets_own_averages(tmp_path: Path) -> None:
    root = empty_root(tmp_path / "g")
    (tmp_path / "c.csv").write_text(SCORES_PLEDGES, encoding="utf-8")
    (tmp_path / "s.csv").write_text(SCORES, encoding="utf-8")
    ok("import", str(tmp_path / "c.csv"), "--updates", str(tmp_path / "s.csv"), *SCORE_MAP,
       "--dir", str(root))
    report = json.loads(ok("report", "-f", "json", "--matrix", "--as-of", "2025-06-01",
                           "--dir", str(root)))
    rows = {r["id"]: r for r in report["matrix"]["pledges"]}
    # c1: (1 + 0 + 1 - 1) / 4 = 0.25 -> (0.25 + 1) / 2 = 62.5 %
    # c2: (1 + 1 + 1) / 3 = 1.0 -> 100 %; c3: (-1 + 0 + 0 + 0) / 4 = -0.25 -> 37.5 %
    assert (rows["c1"]["mean"], rows["c1"]["percent"]) == (0.25, 62.5)
    assert (rows["c2"]["mean"], rows["c2"]["percent"]) == (1.0, 100.0)
    assert (rows["c3"]["mean"], rows["c3"]["percent"]) == (-0.25, 37.5)
    assert rows["c1"]["scores"] == {"Canada": 1, "France": 0, "Japan": 1, "US": -1}
    # 11 cells, all assessed; their sum is 1 + 3 - 1 = 3.
    assert (report["compliance"]["assessed"], report["compliance"]["cells"]) == (11, 11)
    assert report["compliance"]["mean"] == pytest.approx(3 / 11, abs=0.005)


def test_a_dated_status_history_gives_the_status_at_each_date(tmp_path: Path) -> None:
    root = empty_root(tmp_path / "h")
    (tmp_path / "p.csv").write_text(
        "id,title,actors,domains,announced,source\n"
        "p1,Patrol boats,Japan,maritime,2025-01-01,https://example.org/p1\n", encoding="utf-8")
    # Rows out of date order, with the tracker's own labels.
    (tmp_path / "h.csv").write_text(
        "id,date,status,note,source\n"
        "p1,2025-11-20,Promise Kept,Handed over,https://example.org/h3\n"
        "p1,2025-01-10,In the Works,Budget,https://example.org/h1\n"
        "p1,2025-06-01,Stalled,Delayed,https://example.org/h2\n", encoding="utf-8")
    ok("import", str(tmp_path / "p.csv"), "--updates", str(tmp_path / "h.csv"),
       "--status-map", "Promise Kept=delivered", "--status-map", "In the Works=in_progress",
       "--status-map", "stalled=stalled", "--dir", str(root))
    expected = {"2025-01-05": "not_yet_rated", "2025-03-01": "in_progress",
                "2025-06-01": "stalled", "2025-11-19": "stalled", "2025-12-31": "delivered"}
    for as_of, status in expected.items():
        rows = json.loads(ok("list", "-f", "json", "--as-of", as_of, "--dir", str(root)))
        assert rows[0]["status"] == status, as_of
    text = (root / "pledges" / "p1.yaml").read_text(encoding="utf-8")
    assert text.index("2025-01-10") < text.index("2025-06-01") < text.index("2025-11-20")


def test_updates_append_to_existing_files_keeping_every_byte(tmp_path: Path) -> None:
    root = make_root(tmp_path, broken=False)
    path = root / "pledges" / "b-overdue.yaml"
    before = path.read_text(encoding="utf-8")
    (tmp_path / "u.csv").write_text(
        "id,date,status,note,source,published\n"
        "b-overdue,2025-12-20,delivered,Boats delivered,https://example.org/b2,2025-12-21\n",
        encoding="utf-8")
    code, out, err = run("import", "--updates", str(tmp_path / "u.csv"), "--dir", str(root))
    assert code == 0, err
    assert out == "pledges/b-overdue.yaml\n"
    assert "and 1 update to existing pledges" in err
    after = path.read_text(encoding="utf-8")
    assert after.startswith(before)
    assert "published: 2025-12-21" in after


def test_update_rows_are_all_checked_before_anything_is_written(tmp_path: Path) -> None:
    root = make_root(tmp_path, broken=False)
    (root / "pledgetrack.yaml").write_text(CONFIG + "require_update_sources: true\n",
                                           encoding="utf-8")
    for name in ("b-overdue", "c-stale"):  # files that pass `check` under that rule
        path = root / "pledges" / f"{name}.yaml"
        path.write_text(re.sub(r"(\n    status: .*)", r"\1\n    sources: [{url: 'https://e.org'}]",
                               path.read_text(encoding="utf-8")), encoding="utf-8")
    before = {p.name: p.read_bytes() for p in (root / "pledges").iterdir()}
    (tmp_path / "u.csv").write_text(
        "id,date,status,party,source\n"
        "c-stale,2025-12-01,delivered,Japan,https://example.org/ok\n"
        "c-stale,2025-12-01,done,Vietnam,https://example.org/x\n"
        "b-overdue,2025-12-01,delivered,,\n"
        "nope,2025-12-01,delivered,,https://example.org/y\n"
        "b-overdue,31/12/2025,delivered,,https://example.org/z\n",
        encoding="utf-8")
    code, _, err = run("import", "--updates", str(tmp_path / "u.csv"), "--dir", str(root))
    assert code == 1
    lines = err.splitlines()
    assert any(":3: " in line and "unknown status 'done'" in line and "Vietnam" in line
               for line in lines), err
    assert any(":4: " in line and "requires a source" in line for line in lines), err
    assert any(":5: " in line and "nope" in line for line in lines), err
    assert any(":6: " in line and "--dates dmy" in line for line in lines), err
    assert "4 bad rows; nothing was written" in err
    assert {p.name: p.read_bytes() for p in (root / "pledges").iterdir()} == before


def test_a_pledge_tables_status_must_agree_with_the_update_table(tmp_path: Path) -> None:
    root = empty_root(tmp_path / "a")
    (tmp_path / "p.csv").write_text(
        "id,title,actors,domains,announced,source,status,status_date\n"
        "p1,Boats,Japan,maritime,2025-01-01,https://example.org/p1,delivered,2025-02-01\n",
        encoding="utf-8")
    (tmp_path / "u.csv").write_text(
        "id,date,status,source\np1,2025-02-01,in_progress,https://example.org/u\n",
        encoding="utf-8")
    code, _, err = run("import", str(tmp_path / "p.csv"), "--updates", str(tmp_path / "u.csv"),
                       "--dir", str(root))
    assert code == 1
    assert "status 'delivered' does not agree with the update table" in err
    assert list((root / "pledges").iterdir()) == []


# -- spreadsheet realities -------------------------------------------------------------------

DMY = ("title,actors,domains,announced,deadline,source\n"
       "Coast Guard vessels,Japan,maritime,30/05/2024,01/12/2026,https://example.org/a\n")


@pytest.mark.parametrize(("order", "announced", "deadline"), [
    ("dmy", "2024-05-30", "2026-12-01"), ("mdy", None, None)])
def test_dates_in_a_stated_order(tmp_path: Path, order: str, announced: str | None,
                                 deadline: str | None) -> None:
    root = empty_root(tmp_path / "d")
    (tmp_path / "t.csv").write_text(DMY, encoding="utf-8")
    code, _, err = run("import", str(tmp_path / "t.csv"), "--dates", order, "--dir", str(root))
    if announced is None:  # 30/05 read month first: no month 30
        assert code == 1 and "'30/05/2024' read as mdy is not a real date" in err
        return
    assert code == 0, err
    text = (root / "pledges" / "coast-guard-vessels.yaml").read_text(encoding="utf-8")
    assert f"announced: {announced}" in text and f"deadline: {deadline}" in text


def test_day_month_year_dates_are_refused_without_an_order(tmp_path: Path) -> None:
    root = empty_root(tmp_path / "d")
    (tmp_path / "t.csv").write_text(DMY, encoding="utf-8")
    code, _, err = run("import", str(tmp_path / "t.csv"), "--dir", str(root))
    assert code == 1 and "--dates dmy" in err
    code, _, err = run("import", str(tmp_path / "t.csv"), "--dates", "ymd", "--dir", str(root))
    assert code == 2 and "choose dmy" in err


def test_a_table_without_ids_gets_them_from_titles(tmp_path: Path) -> None:
    root = make_root(tmp_path, broken=False)
    (root / "pledges" / "coast-guard-boats.yaml").write_text(
        (root / "pledges" / "b-overdue.yaml").read_text(encoding="utf-8")
        .replace("id: b-overdue", "id: coast-guard-boats"), encoding="utf-8")
    (tmp_path / "t.csv").write_text(
        "title,actors,domains,announced,source\n"
        "Coast guard boats,Japan,maritime,2025-01-01,https://example.org/1\n"
        "Cyber centre,Japan,cyber,2025-01-01,https://example.org/2\n"
        "Cyber centre,Japan,cyber,2025-02-01,https://example.org/3\n", encoding="utf-8")
    code, out, err = run("import", str(tmp_path / "t.csv"), "--dir", str(root))
    assert code == 0, err
    assert out.splitlines() == ["pledges/coast-guard-boats-2.yaml", "pledges/cyber-centre.yaml",
                                "pledges/cyber-centre-2.yaml"]
    assert "t.csv:2: id 'coast-guard-boats-2' made from the title, with a suffix" in err
    assert "t.csv:4: id 'cyber-centre-2'" in err
    assert "ids made from titles for 3 rows" in err


def test_every_bad_field_of_every_row_is_reported(tmp_path: Path) -> None:
    root = empty_root(tmp_path / "b")
    (tmp_path / "t.csv").write_text(
        "id,title,actors,domains,announced,deadline,source\n"
        "p1,T,Japan,space,2025-13-01,someday,ftp://x\n"
        "p2,T,Japan,cyber,2025-01-01,,\n", encoding="utf-8")
    code, _, err = run("import", str(tmp_path / "t.csv"), "--dir", str(root))
    assert code == 1
    first = next(line for line in err.splitlines() if ":2: " in line)
    for part in ("unknown domain 'space'", "'announced'", "'deadline'", "ftp://x"):
        assert part in first, (part, first)
    assert any(":3: " in line and "missing source" in line for line in err.splitlines())
