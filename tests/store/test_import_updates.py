"""`import --updates` adds updates as `update` does: the same checks from the same function, and
nothing twice (re-running an import, or reading `export --updates` back, adds nothing)."""

from __future__ import annotations

import csv
import io
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from pledgetrack.model.config import Config
from pledgetrack.store import writer
from pledgetrack.store.importer import ImportOptions, apply_plan, plan_import
from tests.clirun import REPO, cli

CONFIG = """\
stale_after_days: 100
domains:
  cyber: Cyber
  maritime: Maritime
"""

SOLO = """\
id: solo
title: Cyber training for ASEAN
actors: [Japan]
domains: [cyber]
announced: 2025-01-10
sources:
  - url: https://example.org/solo
    archived: https://archive.example.org/solo
updates:
  - date: 2025-03-01
    status: in_progress
    note: Programme announced.
    sources:
      - url: https://example.org/solo/1
        title: Announcement
        publisher: Example
        published: 2025-03-02
        archived: https://archive.example.org/solo/1
      - url: https://example.org/solo/2
        archived: https://archive.example.org/solo/2
"""

JOINT = """\
id: joint
title: Coast guard boats
actors: [Japan, Philippines]
domains: [maritime]
announced: 2025-02-01
sources:
  - url: https://example.org/joint
updates:
  - date: 2025-04-01
    status: stalled
    party: Philippines
    sources:
      - url: https://example.org/joint/1
"""


def make_root(path: Path, extra_config: str = "") -> Path:
    root = path / "data"
    (root / "pledges").mkdir(parents=True)
    (root / "pledgetrack.yaml").write_text(CONFIG + extra_config, encoding="utf-8")
    (root / "pledges" / "solo.yaml").write_text(SOLO, encoding="utf-8")
    (root / "pledges" / "joint.yaml").write_text(JOINT, encoding="utf-8")
    return root


def files(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((root / "pledges").iterdir())}


def table(path: Path, rows: list[dict[str, str]]) -> Path:
    columns = list(dict.fromkeys(k for row in rows for k in row))
    out = io.StringIO()
    writer_ = csv.DictWriter(out, columns, lineterminator="\n")
    writer_.writeheader()
    writer_.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def run(*args: str | Path) -> tuple[int, str, str]:
    result = cli(*args)
    return result.exit_code, result.stdout, result.stderr


# -- the checks of `update`, through both doors ----------------------------------------------------

@dataclass(frozen=True)
class Case:
    rule: str  # the check, as named in writer.UPDATE_CHECKS
    row: dict[str, str]  # the update, as an import row (options of `update` made from it)
    update_says: str  # what `update` reports
    import_says: str  # what `import --updates` reports (on the row's line, naming the column)
    warning: bool = False  # a warning (written anyway) rather than an error
    config: str = ""


BASE = {"id": "solo", "date": "2025-06-01", "status": "in_progress",
        "source": "https://example.org/new"}

CASES = [
    # A status that is not one word cannot come from a table cell: the cell is refused first.
    Case("status-word", {**BASE, "status": "in\nprogress"},
         "the status must be one word", "'status' must be a single line"),
    Case("party-line", {**BASE, "id": "joint", "party": "Japan\nPhilippines"},
         "must be a single line", "'party' must be a single line"),
    Case("source-url", {**BASE, "source": "example.org/x"},
         "'example.org/x' is not a URL; it must start with http:// or https://",
         "'source': 'example.org/x' is not a URL starting with http:// or https://"),
    Case("unknown-status", {**BASE, "status": "in_progres"},
         "unknown status 'in_progres' (did you mean 'in_progress'?)",
         "'status': unknown status 'in_progres' (did you mean 'in_progress'?)"),
    Case("unknown-party", {**BASE, "id": "joint", "party": "Japn"},
         "party 'Japn' is not among the actors of 'joint' (Japan, Philippines) "
         "(did you mean 'Japan'?)",
         "'party': party 'Japn' is not among the actors of 'joint' (Japan, Philippines) "
         "(did you mean 'Japan'?)"),
    Case("unknown-party", {**BASE, "party": "Philippines"},
         "party 'Philippines' is not among the actors of 'solo' (Japan)",
         "'party': party 'Philippines' is not among the actors of 'solo' (Japan)"),
    Case("missing-source", {k: v for k, v in BASE.items() if k != "source"},
         "this repository requires a source for every update",
         "'source': this repository requires a source for every update",
         config="require_update_sources: true\n"),
    Case("missing-archived", BASE,
         "this repository requires an archived copy of every source",
         "'archived': this repository requires an archived copy of every source",
         config="require_archived: true\n"),
    Case("update-before-announced", {**BASE, "date": "2024-12-01"},
         "update 1 (2024-12-01) is dated before the pledge was announced (2025-01-10)",
         "'date': update 1 (2024-12-01) is dated before the pledge was announced (2025-01-10)",
         warning=True),
    Case("future-date", {**BASE, "date": "2099-05-01"},
         "the update is dated in the future (2099-05-01)",
         "'date': the update is dated in the future (2099-05-01)", warning=True),
]

# Updates are put among the others in date order, so neither `update` nor an import can add one
# out of order: the check stays for files edited by hand (`check` reports it there).
UNREACHABLE = {"update-order"}


def test_every_check_of_update_is_exercised_below() -> None:
    assert {c.rule for c in CASES} | UNREACHABLE == set(writer.UPDATE_CHECKS)


def _update_args(row: dict[str, str]) -> list[str]:
    args = [row["id"], "--status", row["status"], "--date", row["date"]]
    for column, option in (("party", "--party"), ("note", "--note"), ("source", "--source")):
        if column in row:
            args += [option, row[column]]
    return args


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.rule}-{c.row['id']}")
def test_update_and_import_apply_the_same_check(tmp_path: Path, case: Case) -> None:
    by_update = make_root(tmp_path / "update", case.config)
    by_import = make_root(tmp_path / "import", case.config)
    before = files(by_update)
    u_code, _, u_err = run("update", *_update_args(case.row), "--dir", by_update)
    rows = table(tmp_path / "u.csv", [case.row])
    i_code, _, i_err = run("import", "--updates", rows, "--dir", by_import)
    assert case.update_says in u_err
    assert f"u.csv:2: {case.import_says}" in i_err
    if case.warning:
        assert (u_code, i_code) == (0, 0), (u_err, i_err)
        assert "warning" in u_err and "warning" in i_err
        # Both wrote the same update (`update` adds when it was recorded: today).
        recorded = re.compile(rb"\n    recorded: [0-9-]+")
        assert recorded.sub(b"", files(by_update)[f"{case.row['id']}.yaml"]) == \
            files(by_import)[f"{case.row['id']}.yaml"]
    else:
        assert u_code != 0 and i_code != 0
        assert files(by_update) == before == files(by_import)


def test_a_status_is_read_in_any_case_as_update_reads_it(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    rows = table(tmp_path / "u.csv", [{**BASE, "status": "In_Progress"}])
    code, _, err = run("import", "--updates", rows, "--dir", root)
    assert code == 0, err
    assert "    status: in_progress\n    sources:\n      - url: https://example.org/new\n" in \
        (root / "pledges" / "solo.yaml").read_text(encoding="utf-8")


# -- bad rows: one line each, naming the file, the line and the column -----------------------------

def test_valid_statuses_are_listed_once_for_the_table(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    rows = table(tmp_path / "u.csv", [{**BASE, "status": "Promise Kept"},
                                      {**BASE, "status": "Promise Broken"}])
    code, _, err = run("import", "--updates", rows, "--dir", root)
    assert code == 1
    lines = err.splitlines()
    assert lines[0].endswith("u.csv:2: 'status': unknown status 'Promise Kept'; valid: "
                             "not_yet_rated, in_progress, stalled, partial, delivered, broken, "
                             "withdrawn, unrateable (see 'pledgetrack statuses'); translate "
                             "another vocabulary with --status-map OLD=NEW")
    assert lines[1].endswith("u.csv:3: 'status': unknown status 'Promise Broken'")
    assert err.count("valid: ") == 1

@pytest.mark.parametrize(("row", "message"), [
    ({**BASE, "date": "2025-13-45"}, "u.csv:3: 'date': '2025-13-45' is not a date"),
    ({**BASE, "date": "31/12/2025"}, "u.csv:3: 'date': '31/12/2025'"),
    ({**BASE, "id": "sol"}, "u.csv:3: 'id': no pledge 'sol' (no file pledges/sol.yaml); did you "
                           "mean 'solo'?"),
    ({**BASE, "id": "../solo"}, "u.csv:3: 'id': id '../solo' must be a lowercase slug"),
    ({**BASE, "status": "Promise Kept"}, "u.csv:3: 'status': unknown status 'Promise Kept'; "
     "valid: not_yet_rated"),
    ({**BASE, "party": "Japan "}, None),  # the sole actor, as `update --party Japan` allows
    ({**BASE, "party": "Vietnam"}, "u.csv:3: 'party': party 'Vietnam' is not among the actors "
     "of 'solo' (Japan)"),
])
def test_a_bad_row_is_one_line_naming_file_line_and_column(
    tmp_path: Path, row: dict[str, str], message: str | None
) -> None:
    root = make_root(tmp_path)
    before = files(root)
    good = {**BASE, "date": "2025-07-01"}
    rows = table(tmp_path / "u.csv", [good, row])
    code, out, err = run("import", "--updates", rows, "--dir", root)
    if message is None:
        assert code == 0, err
        return
    assert code == 1 and out == ""
    lines = err.splitlines()
    assert lines == [lines[0], "1 bad row; nothing was written"], err
    assert lines[0].startswith(f"{tmp_path}/{message}"), err
    assert files(root) == before


def test_a_status_map_to_an_unknown_status_is_refused_before_any_row(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    before = files(root)
    rows = table(tmp_path / "u.csv", [{**BASE, "status": "Promise Kept"}])
    code, _, err = run("import", "--updates", rows, "--status-map", "Promise Kept=kept",
                       "--dir", root)
    assert code == 2
    assert err.splitlines() == [
        "pledgetrack: error: --status-map 'Promise Kept=kept': 'kept' is not a status; valid: "
        "not_yet_rated, in_progress, stalled, partial, delivered, broken, withdrawn, unrateable"]
    assert files(root) == before


# -- nothing twice -------------------------------------------------------------------------------

NEW = [
    {"id": "solo", "date": "2025-06-01", "status": "stalled", "note": "Budget cut.",
     "source": "https://example.org/solo/3"},
    {"id": "joint", "date": "2025-05-01", "status": "in_progress", "party": "Japan",
     "source": "https://example.org/joint/2"},
]


def test_importing_the_same_table_twice_adds_its_updates_once(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    rows = table(tmp_path / "u.csv", NEW)
    code, out, err = run("import", "--updates", rows, "--dir", root)
    assert code == 0, err
    assert out == "pledges/solo.yaml\npledges/joint.yaml\n"
    assert "and 2 updates to existing pledges\n" in err
    once = files(root)
    code, out, err = run("import", "--updates", rows, "--dir", root)
    assert code == 0, err
    assert out == ""
    assert err == ("imported 0 pledges (0 created, 0 replaced) and 0 updates to existing "
                   "pledges; 2 updates already present, skipped\n")
    assert files(root) == once


def test_a_row_repeated_in_the_table_is_added_once(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    rows = table(tmp_path / "u.csv", [NEW[0], NEW[1], NEW[0]])
    code, _, err = run("import", "--updates", rows, "--dir", root)
    assert code == 0, err
    assert "and 2 updates to existing pledges; 1 update already present, skipped\n" in err
    assert (root / "pledges" / "solo.yaml").read_text(encoding="utf-8").count("Budget cut.") == 1


@pytest.mark.parametrize(("row", "skipped"), [
    # What `export --updates` writes for the existing update: its first source's URL, title and
    # publisher (the second source and the published date are not in the table).
    ({"id": "solo", "date": "2025-03-01", "status": "in_progress", "note": " Programme announced.",
      "source": "https://example.org/solo/1", "source_title": "Announcement",
      "publisher": "Example", "recorded": "2025-03-09"}, True),
    # Any of the update's sources; details the row gives must agree.
    ({"id": "solo", "date": "2025-03-01", "status": "in_progress", "note": "Programme announced.",
      "source": "https://example.org/solo/2"}, True),
    ({"id": "solo", "date": "2025-03-01", "status": "in_progress", "note": "Programme announced.",
      "source": "https://example.org/solo/1", "published": "2025-03-02"}, True),
    ({"id": "solo", "date": "2025-03-01", "status": "in_progress", "note": "Programme announced.",
      "source": "https://example.org/solo/1", "publisher": "Other"}, False),
    # Another date precision, status or party is another update.
    ({"id": "solo", "date": "2025-03", "status": "in_progress", "note": "Programme announced.",
      "source": "https://example.org/solo/1"}, False),
    ({"id": "joint", "date": "2025-04-01", "status": "stalled", "party": "Japan",
      "source": "https://example.org/joint/1"}, False),
    ({"id": "joint", "date": "2025-04-01", "status": "stalled", "party": "Philippines",
      "source": "https://example.org/joint/1"}, True),
])
def test_what_already_present_means(tmp_path: Path, row: dict[str, str], skipped: bool) -> None:
    root = make_root(tmp_path)
    before = files(root)
    plan = plan_import(root, None, Config(), updates_path=table(tmp_path / "u.csv", [row]))
    assert not plan.errors
    assert plan.skipped_updates == (1 if skipped else 0)
    assert plan.update_count == (0 if skipped else 1)
    apply_plan(root, plan, Config())
    assert (files(root) == before) is skipped


@pytest.mark.parametrize(("change", "differs"), [
    ({"note": "Programme launched."}, "note"),
    ({"source": "https://example.org/other"}, "source"),
    ({"note": "", "source": ""}, "note and source"),
])
def test_a_near_duplicate_is_added_with_a_warning(
    tmp_path: Path, change: dict[str, str], differs: str
) -> None:
    root = make_root(tmp_path)
    row = {"id": "solo", "date": "2025-03-01", "status": "in_progress",
           "note": "Programme announced.", "source": "https://example.org/solo/1", **change}
    code, _, err = run("import", "--updates", table(tmp_path / "u.csv", [row]), "--dir", root)
    assert code == 0, err
    assert err.splitlines()[0] == (
        "pledgetrack: warning: " f"{tmp_path / 'u.csv'}:2: pledge 'solo' already has an "
        f"update 1 of 2025-03-01 (in_progress) that differs from this row only in {differs}; "
        "added as another update")
    assert "and 1 update to existing pledges\n" in err
    assert (root / "pledges" / "solo.yaml").read_text(encoding="utf-8").count(
        "  - date: 2025-03-01\n") == 2


@pytest.mark.parametrize("suffix", [".csv", ".json", ".jsonl"])
def test_export_updates_read_back_into_the_same_repository_changes_nothing(
    tmp_path: Path, suffix: str
) -> None:
    root = tmp_path / "data"
    shutil.copytree(REPO / "pledges", root / "pledges")
    shutil.copy(REPO / "pledgetrack.yaml", root / "pledgetrack.yaml")
    before = files(root)
    code, exported, err = run("export", "--updates", "-f", suffix[1:], "--dir", root)
    assert code == 0, err
    rows = len(list(csv.DictReader(io.StringIO(run(
        "export", "--updates", "-f", "csv", "--dir", root)[1]))))
    assert rows > 20  # the bundled history, every update dated up to today
    path = tmp_path / f"updates{suffix}"
    path.write_text(exported, encoding="utf-8")
    code, out, err = run("import", "--updates", path, "--dir", root)
    assert code == 0, err
    assert out == ""
    assert err == ("imported 0 pledges (0 created, 0 replaced) and 0 updates to existing "
                   f"pledges; {rows} updates already present, skipped\n")
    assert files(root) == before


def test_the_python_api_counts_what_it_skips(tmp_path: Path) -> None:
    # Through the Python API, a plan's counts are what the CLI reports.
    root = make_root(tmp_path)
    path = table(tmp_path / "u.csv", [NEW[0], NEW[0]])
    plan = plan_import(root, None, Config(), ImportOptions(), updates_path=path)
    assert (plan.update_count, plan.skipped_updates) == (1, 1)


def test_a_pledge_file_check_fails_is_refused_before_anything_is_written(
    tmp_path: Path
) -> None:
    # `update` refuses to write into a file with errors (here: an update citing no source where
    # the configuration requires one); so does the import, at its row, before writing any file.
    root = make_root(tmp_path, "require_update_sources: true\n")
    (root / "pledges" / "bare.yaml").write_text(
        JOINT.replace("joint", "bare").replace("    sources:\n      - url: https://example.org/"
                                               "bare/1\n", ""), encoding="utf-8")
    before = files(root)
    rows = table(tmp_path / "u.csv", [NEW[0], {**NEW[1], "id": "bare"}])
    code, _, err = run("import", "--updates", rows, "--dir", root)
    assert code == 1
    assert err.splitlines() == [
        f"{rows}:3: 'id': pledges/bare.yaml has 1 error; nothing was written: fix it first with "
        "'pledgetrack edit bare'", "1 bad row; nothing was written"]
    assert files(root) == before


def test_the_documented_example_runs_as_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = (REPO / "docs" / "authoring.md").read_text(encoding="utf-8")
    section = text[text.index("#### Running an import again"):]
    table_text = re.search(r"```csv\n(.*?)```", section, re.S)
    session = re.search(r"```console\n(.*?)```", section, re.S)
    assert table_text and session
    shutil.copytree(REPO / "pledges", tmp_path / "pledges")
    shutil.copy(REPO / "pledgetrack.yaml", tmp_path / "pledgetrack.yaml")
    (tmp_path / "history.csv").write_text(table_text.group(1), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    steps = re.split(r"^\$ ", session.group(1), flags=re.M)[1:]
    assert len(steps) == 2
    for step in steps:
        command, *shown = step.splitlines()
        args = command.split()
        assert args[0] == "pledgetrack"
        result = cli(*args[1:])
        assert result.exit_code == 0, result.stderr
        # The session shows stderr and stdout as a terminal interleaves them: warnings, the
        # files written, then the summary.
        lines = result.stderr.splitlines()
        assert shown == [*lines[:-1], *result.stdout.splitlines(), lines[-1]]
