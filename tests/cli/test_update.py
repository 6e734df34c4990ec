"""`pledgetrack update`: append-only diffs in git, validation, dates, concurrency, cost."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pledgetrack.cli import authoring
from pledgetrack.store.loader import load_dataset
from tests.clirun import SCRIPT, cli
from tests.conftest import VALID, WriteFn
from tests.yamlfile.test_serialize import yamllint_problems

REPO = Path(__file__).resolve().parents[2]


def update(root: Path, *args: str) -> tuple[int, str, str]:
    result = cli("update", "--dir", str(root), *args)
    return result.exit_code, result.stdout, result.stderr


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                          check=True).stdout


def init_repo(path: Path) -> None:
    git(path, "init", "-q", "-b", "main")
    git(path, "config", "user.email", "test@example.org")
    git(path, "config", "user.name", "Test")
    git(path, "config", "core.autocrlf", "false")


@pytest.fixture
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> dt.date:
    day = dt.date(2025, 11, 20)
    monkeypatch.setattr(authoring, "today", lambda: day)
    return day


def test_git_diff_shows_only_added_lines_on_every_bundled_file(tmp_path: Path) -> None:
    shutil.copytree(REPO / "pledges", tmp_path / "pledges")
    shutil.copy(REPO / "pledgetrack.yaml", tmp_path)
    init_repo(tmp_path)
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "data")
    ids = sorted(p.stem for p in (tmp_path / "pledges").glob("*.yaml"))
    for pledge_id in ids:
        code, _, err = update(tmp_path, pledge_id, "--status", "stalled", "--date", "2025-11-20",
                              "--note", "Nothing new: 進展なし", "--source",
                              "https://example.org/review")
        assert code == 0, err
    diff = git(tmp_path, "diff", "--numstat")
    rows = [line.split("\t") for line in diff.splitlines()]
    assert len(rows) == len(ids)
    for added, deleted, _ in rows:
        assert deleted == "0"
        assert int(added) >= 5  # date, status, note, sources, url (+ recorded, + updates:)
    patch = git(tmp_path, "diff", "-U0")
    changed = [line for line in patch.splitlines()
               if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert all(line.startswith("+") for line in changed)
    assert load_dataset(tmp_path).errors == []
    for path in (tmp_path / "pledges").glob("*.yaml"):
        assert yamllint_problems(path.read_text("utf-8")) == [], path.name


def test_comments_quoting_and_crlf_survive(data_root: Path, write: WriteFn) -> None:
    text = ("# keep me\r\nid: p\r\ntitle: 'Quoted: title'   # and me\r\nactors: [Japan]\r\n"
            "domains:\r\n- cyber\r\nannounced: 2025-10-26\r\nsources:\r\n"
            "- url: \"https://example.org\"\r\n\r\n# footer\r\n")
    path = write("p", raw=text.encode())
    code, _, err = update(data_root, "p", "--status", "in_progress", "--date", "2025-11-01")
    assert code == 0, err
    new = path.read_bytes().decode()
    assert new.startswith(text)
    assert new[len(text):] == ("updates:\r\n  - date: 2025-11-01\r\n    status: in_progress\r\n"
                               "    recorded: " + dt.date.today().isoformat() + "\r\n")


@pytest.mark.parametrize(("typed", "written"), [
    ("26 Oct 2025", "2025-10-26"),
    ("October 28, 2025", "2025-10-28"),
    ("Nov 2025", "2025-11"),
    ("2025-Q4", "2025-Q4"),
    ("Q4 2025", "2025-Q4"),
    ("yesterday", "2025-11-19"),
])
def test_human_dates(data_root: Path, write: WriteFn, fixed_today: dt.date, typed: str,
                     written: str) -> None:
    path = write("p")
    code, _, err = update(data_root, "p", "--status", "in_progress", "--date", typed)
    assert code == 0, err
    # Backdated entries also say when they were written down.
    assert path.read_text("utf-8").endswith(
        f"  - date: {written}\n    status: in_progress\n    recorded: 2025-11-20\n")


def test_date_defaults_to_today_without_recorded(
    data_root: Path, write: WriteFn, fixed_today: dt.date
) -> None:
    path = write("p")
    assert update(data_root, "p", "-s", "stalled")[0] == 0
    assert path.read_text("utf-8").endswith("  - date: 2025-11-20\n    status: stalled\n")


def test_ambiguous_date_is_refused_with_the_accepted_forms(
    data_root: Path, write: WriteFn
) -> None:
    path = write("p")
    before = path.read_bytes()
    code, _, err = update(data_root, "p", "--status", "stalled", "--date", "03/04/2025")
    assert code == 2
    assert "'03/04/2025' is ambiguous" in err and "26 Oct 2025" in err and "2025-Q4" in err
    assert path.read_bytes() == before


@pytest.mark.parametrize(("args", "config", "message"), [
    (["--status", "kept"], "", "unknown status 'kept'"),
    (["--status", "stalled", "--party", "France"], "", "party 'France' is not among"),
    (["--status", "stalled"], "require_update_sources: true\n", "--source URL"),
    (["--status", "stalled", "--date", "2025-02-30"], "", "February 2025 has 28 days"),
    (["--status", "stalled", "--source", "not-a-url"], "", "not a URL"),
])
def test_invalid_input_leaves_the_file_untouched(
    data_root: Path, write: WriteFn, args: list[str], config: str, message: str
) -> None:
    if config:
        (data_root / "pledgetrack.yaml").write_text(config)
    path = write("p")
    before = path.read_bytes()
    code, out, err = update(data_root, "p", *args)
    assert code == 2 and out == ""
    assert message in err
    assert path.read_bytes() == before


def test_warnings_are_written_anyway(data_root: Path, write: WriteFn) -> None:
    write("p", VALID.replace("{id}", "p") + "updates:\n  - date: 2025-11-10\n    status: stalled\n")
    code, _, err = update(data_root, "p", "-s", "in_progress", "--date", "2025-01-01")
    assert code == 0
    assert "is dated before the pledge was announced (2025-10-26)" in err
    assert len(load_dataset(data_root).pledges[0].updates) == 2


def test_a_backdated_update_goes_among_the_others_in_date_order(
    tmp_path: Path, fixed_today: dt.date
) -> None:
    (tmp_path / "pledges").mkdir()
    path = tmp_path / "pledges" / "p.yaml"
    path.write_text(VALID.replace("{id}", "p") + (
        "updates:\n"
        "  - date: 2025-11-01\n    status: in_progress\n    note: First.\n"
        "  # The talks stalled after the summit.\n"
        "  - date: 2025-11-15\n    status: stalled\n    note: Third.\n"
    ), encoding="utf-8")
    init_repo(tmp_path)
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "data")
    code, _, err = update(tmp_path, "p", "-s", "delivered", "--date", "2025-11-10",
                          "--note", "Second.")
    assert code == 0, err
    assert err == ("pledges/p.yaml: added update 2 of 3, in date order (delivered, "
                   "2025-11-10)\n")  # no warning: nothing is out of order
    assert [u.note for u in load_dataset(tmp_path).pledges[0].updates] == [
        "First.", "Second.", "Third."]
    # The entry goes before the comment that describes the entry below it; git sees only
    # added lines.
    patch = git(tmp_path, "diff", "-U0")
    changed = [line for line in patch.splitlines()
               if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert changed == ["+  - date: 2025-11-10", "+    status: delivered", "+    note: Second.",
                       "+    recorded: 2025-11-20"]
    assert "    note: Second.\n    recorded: 2025-11-20\n  # The talks stalled" in (
        path.read_text("utf-8"))
    # Nothing left for check --strict, which an update out of date order used to fail forever.
    result = cli("check", "--strict", "--dir", tmp_path)
    assert result.exit_code == 0, result.stdout
    # Before every entry, and on a day some entry already has (after it: added later).
    assert update(tmp_path, "p", "-s", "in_progress", "--date", "2025-10-28")[0] == 0
    assert update(tmp_path, "p", "-s", "stalled", "--date", "2025-11-10", "--note", "Later")[0] == 0
    notes = [u.note for u in load_dataset(tmp_path).pledges[0].updates]
    assert notes == [None, "First.", "Second.", "Later", "Third."]
    assert cli("check", "--strict", "--dir", tmp_path).exit_code == 0


def test_a_backdated_update_in_a_flow_list(data_root: Path, write: WriteFn) -> None:
    path = write("p", VALID.replace("{id}", "p") + (
        "updates: [{date: 2025-11-01, status: in_progress},"
        " {date: 2025-12-01, status: stalled}]\n"))
    assert update(data_root, "p", "-s", "delivered", "--date", "2025-11-20")[0] == 0
    assert [str(u.date) for u in load_dataset(data_root).pledges[0].updates] == [
        "2025-11-01", "2025-11-20", "2025-12-01"]
    assert path.read_text("utf-8").startswith(VALID.replace("{id}", "p"))


def test_status_in_any_case_is_written_as_the_vocabulary_spells_it(
    data_root: Path, write: WriteFn
) -> None:
    path = write("p")
    assert update(data_root, "p", "-s", "In_Progress", "--date", "2025-11-01")[0] == 0
    assert "    status: in_progress\n" in path.read_text("utf-8")


def test_a_file_with_errors_is_refused_untouched(data_root: Path, write: WriteFn) -> None:
    # A copy made with cp keeps the other file's id, and has a status typo of its own.
    path = write("copy", VALID.replace("{id}", "original") + (
        "updates:\n  - date: 2025-11-01\n    status: done\n"), name="copy")
    before = path.read_bytes()
    code, out, err = update(data_root, "copy", "-s", "in_progress", "--date", "2025-11-02")
    assert code == 1 and out == ""
    assert err.splitlines() == [
        "pledges/copy.yaml:1:1: error: id 'original' differs from the file name 'copy' "
        "[id-mismatch]",
        "pledges/copy.yaml:15:1: error: update 1: unknown status 'done'; valid: not_yet_rated, "
        "in_progress, stalled, partial, delivered, broken, withdrawn, unrateable "
        "[unknown-status]",
        "pledgetrack: error: pledges/copy.yaml has 2 errors; nothing was written: fix them "
        "first with 'pledgetrack edit copy'",
    ]
    assert path.read_bytes() == before


def test_every_problem_of_an_update_at_once(data_root: Path, write: WriteFn) -> None:
    (data_root / "pledgetrack.yaml").write_text("require_update_sources: true\n")
    path = write("p")
    before = path.read_bytes()
    code, _, err = update(data_root, "p", "-s", "in_progres", "--party", "France")
    assert code == 2
    lines = err.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("pledgetrack: error: unknown status 'in_progres' (did you mean "
                               "'in_progress'?)")
    assert lines[1].startswith("pledgetrack: error: party 'France' is not among the actors")
    assert lines[2].startswith("pledgetrack: error: this repository requires a source")
    assert path.read_bytes() == before


def test_unknown_id_suggests_close_matches(data_root: Path, write: WriteFn) -> None:
    write("japan-philippines-raa")
    code, _, err = update(data_root, "japan-philipines-raa", "-s", "stalled")
    assert code == 2
    assert "no pledge 'japan-philipines-raa'" in err
    assert "did you mean 'japan-philippines-raa'?" in err


@pytest.mark.parametrize("bad", ["../../etc/passwd", "/etc/passwd", "..", "a/../b", "x\\y"])
def test_ids_cannot_escape_the_pledges_folder(data_root: Path, bad: str) -> None:
    code, _, err = update(data_root, bad, "-s", "stalled")
    assert code == 2 and "must be a lowercase slug" in err


def test_unicode_note_round_trips(data_root: Path, write: WriteFn) -> None:
    path = write("p")
    note = "日本とフィリピン — ญี่ปุ่น — Nhật Bản: đã ký"
    assert update(data_root, "p", "-s", "delivered", "--note", note)[0] == 0
    assert f"note: '{note}'\n".encode() in path.read_bytes()  # ': ' inside needs quotes
    assert load_dataset(data_root).pledges[0].updates[0].note == note


@pytest.mark.reliability
def test_concurrent_processes_on_one_pledge_and_others_all_land(
    data_root: Path, write: WriteFn
) -> None:
    """20 `pledgetrack update` processes on one pledge and 6 more on two others, all at once."""
    for name in ("p", "q", "r"):
        write(name)
    targets = ["p"] * 20 + ["q", "r"] * 3
    procs = [
        subprocess.Popen(
            [str(SCRIPT), "update", target, "--dir", str(data_root), "--status",
             "in_progress", "--note", f"writer {n}"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for n, target in enumerate(targets)
    ]
    results = [(p.wait(timeout=300), p.stderr.read() if p.stderr else "") for p in procs]
    for p in procs:
        for stream in (p.stdout, p.stderr):
            if stream:
                stream.close()
    assert [code for code, _ in results] == [0] * len(targets), results
    dataset = load_dataset(data_root)
    assert dataset.errors == []
    for name in ("p", "q", "r"):
        pledge = dataset.get(name)
        assert pledge is not None
        notes = sorted(u.note or "" for u in pledge.updates)
        assert notes == sorted(f"writer {n}" for n, t in enumerate(targets) if t == name)
    assert sorted(p.name for p in (data_root / "pledges").iterdir()) == [
        "p.yaml", "q.yaml", "r.yaml"]


AUDIT = """
import json, os, sys
events = []
def hook(event, args):
    if event in ("open", "os.scandir", "os.listdir", "glob.glob", "os.walk") and args:
        target = args[0]
        if isinstance(target, (str, bytes, os.PathLike)):
            events.append([event, os.path.abspath(os.fsdecode(target))])
sys.addaudithook(hook)
sys.argv = ["pledgetrack", *sys.argv[1:]]
from pledgetrack.cli.app import main
try:
    main()
finally:
    sys.stderr.write("AUDIT " + json.dumps(events) + "\\n")
"""


def test_update_reads_only_its_own_file(data_root: Path, write: WriteFn) -> None:
    for n in range(30):
        write(f"other-{n}")
    write("bad", raw=b"id: [broken")
    write("p")
    proc = subprocess.run(
        [sys.executable, "-c", AUDIT, "update", "p", "--dir", str(data_root), "-s", "stalled"],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    events = json.loads(proc.stderr.split("AUDIT ", 1)[1])
    pledges = str(data_root / "pledges")
    touched = {Path(p).name for e, p in events if p.startswith(pledges + "/")}
    listed = [p for e, p in events if e != "open" and p.startswith(pledges)]
    assert touched == {"p.yaml", ".p.yaml.tmp"}
    assert listed == []
    # and pledgetrack.yaml is the only other data file read
    others = {Path(p).name for e, p in events
              if p.startswith(str(data_root)) and not p.startswith(pledges)
              and ".pledgetrack-cache" not in p}
    assert others <= {"pledgetrack.yaml"}


def complete(root: Path, *words: str) -> list[str]:
    """What bash completion offers for the last word (Typer's completion protocol)."""
    import os

    env = {**os.environ, "_PLEDGETRACK_COMPLETE": "complete_bash",
           "COMP_WORDS": " ".join(["pledgetrack", *words]), "COMP_CWORD": str(len(words))}
    proc = subprocess.run([str(SCRIPT)], cwd=root, env=env, capture_output=True, text=True,
                          check=False)
    return proc.stdout.split()


def test_shell_completion_of_ids_statuses_and_domains(data_root: Path, write: WriteFn) -> None:
    (data_root / "pledgetrack.yaml").write_text("domains:\n  cyber: Cyber\n  ai: AI\n")
    for name in ("japan-asean-cyber", "japan-asean-ai", "uk-raa"):
        write(name)
    assert complete(data_root, "update", "japan-") == ["japan-asean-ai", "japan-asean-cyber"]
    assert complete(data_root, "show", "uk") == ["uk-raa"]
    assert complete(data_root, "edit", "japan-asean-c") == ["japan-asean-cyber"]
    assert complete(data_root, "update", "uk-raa", "--status", "de") == ["delivered"]
    assert complete(data_root, "add", "--domain", "c") == ["cyber"]
