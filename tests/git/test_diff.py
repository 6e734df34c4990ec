"""`pledgetrack diff`: real git repositories built commit by commit, compared in every format."""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest

from pledgetrack.cli.app import app
from pledgetrack.git.revisions import Snapshot, parse_range, read_snapshots
from pledgetrack.model.config import Config
from pledgetrack.model.vocabulary import DEFAULT_STATUSES, Vocabulary
from pledgetrack.queries.diff import compare
from pledgetrack.render import diff as render_diff
from tests.clirun import cli

# -- building repositories ---------------------------------------------------------------------


@pytest.fixture(autouse=True)
def git_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Every git run (the test's and pledgetrack's) ignores the user's configuration and never
    looks above tmp_path for a repository."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Test")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "test@example.org")
    monkeypatch.setenv("GIT_COMMITTER_NAME", "Test")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "test@example.org")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    monkeypatch.delenv("PLEDGETRACK_DIR", raising=False)
    monkeypatch.delenv("GIT_DIR", raising=False)
    monkeypatch.delenv("GIT_WORK_TREE", raising=False)


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def commit(repo: Path, message: str, tag: str | None = None) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    if tag:
        git(repo, "tag", tag)
    return git(repo, "rev-parse", "HEAD")


Upd = tuple[str, str, str | None, str | None, str | None]  # date, status, party, note, url


def pledge(
    pid: str, title: str, *, actors: Sequence[str] = ("Japan",), deadline: str | None = None,
    summary: str | None = None, updates: Sequence[Upd] = (), comment: str = "",
    source: str | None = None,
) -> str:
    lines = [f"id: {pid}", f"title: {title}", "actors:"]
    lines += [f"  - {a}" for a in actors]
    lines += ["domains:", "  - cyber", "announced: 2025-10-26"]
    if deadline:
        lines.append(f"deadline: {deadline}")
    if summary:
        lines.append(f"summary: {summary}")
    lines += ["sources:", f"  - url: https://example.org/{source or pid}",
              "    publisher: Example"]
    if updates:
        lines.append("updates:")
        for date, status, party, note, url in updates:
            lines += [f"  - date: {date}", f"    status: {status}"]
            if party:
                lines.append(f"    party: {party}")
            if note:
                lines.append(f"    note: {note}")
            if url:
                lines += ["    sources:", f"      - url: {url}", "        publisher: Kyodo"]
    if comment:
        lines.append(f"# {comment}")
    return "\n".join(lines) + "\n"


def write(root: Path, name: str, text: str) -> None:
    path = root / "pledges" / f"{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


CYBER_1 = ("2025-11-01", "in_progress", None, "Programme announced.", None)
CYBER_2 = ("2026-01-15", "delivered", None, "Training centre opened.",
           "https://example.org/news/1")
RAA_PH = ("2024-12-16", "in_progress", "Philippines", "Senate concurrence.", None)
RAA_JP = ("2025-06-06", "in_progress", "Japan", "Diet approval.", None)
RAA_PH_2 = ("2025-09-11", "delivered", "Philippines", "Entered into force.",
            "https://example.org/raa")
RADAR_1 = ("2026-02-01", "in_progress", None, "First radars shipped.", None)
COAST = ("2025-10-27", "in_progress", None, "Vessels ordered.", None)
AI_CENTRE = ("2025-12-01", "in_progress", None, "Site chosen.", None)
CONFLICT = """id: osa
title: Official Security Assistance
<<<<<<< HEAD
actors:
  - Japan
=======
actors: [Japan]
>>>>>>> other
"""


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Three commits, tagged v1, v2, v3:

    v1  seven pledges.
    v2  an update appended to cyber-training (whole pledge: in_progress -> delivered) and to raa
        (Philippines: in_progress -> delivered, Japan unchanged, so raa as a whole goes from
        in_progress to mixed); a new pledge ai-centre.
    v3  coast-guard renamed to coast-guard-vessels (file and id, same content); radar moved to
        radar-systems.yaml (same id) with an update appended; old-pledge removed; ai-governance's
        deadline moved and a summary added; osa left with merge-conflict markers; a new file that
        does not parse; a comment added to cyber-training (no change to its data).
    """
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write(root, "cyber-training", pledge("cyber-training", "Cyber training", updates=[CYBER_1]))
    write(root, "raa", pledge("raa", "Reciprocal Access Agreement",
                              actors=("Japan", "Philippines"), updates=[RAA_PH, RAA_JP]))
    write(root, "coast-guard", pledge("coast-guard", "Coast guard vessels", updates=[COAST]))
    write(root, "radar", pledge("radar", "Coastal radars"))
    write(root, "old-pledge", pledge("old-pledge", "An old pledge"))
    write(root, "ai-governance", pledge("ai-governance", "AI governance", deadline="2026"))
    write(root, "osa", pledge("osa", "Official Security Assistance"))
    commit(root, "v1", "v1")

    write(root, "cyber-training", pledge("cyber-training", "Cyber training",
                                         updates=[CYBER_1, CYBER_2]))
    write(root, "raa", pledge("raa", "Reciprocal Access Agreement",
                              actors=("Japan", "Philippines"), updates=[RAA_PH, RAA_JP, RAA_PH_2]))
    write(root, "ai-centre", pledge("ai-centre", "AI centre", updates=[AI_CENTRE]))
    commit(root, "v2", "v2")

    git(root, "mv", "pledges/coast-guard.yaml", "pledges/coast-guard-vessels.yaml")
    write(root, "coast-guard-vessels", pledge("coast-guard-vessels", "Coast guard vessels",
                                              updates=[COAST], source="coast-guard"))
    git(root, "mv", "pledges/radar.yaml", "pledges/radar-systems.yaml")
    write(root, "radar-systems", pledge("radar", "Coastal radars", updates=[RADAR_1]))
    git(root, "rm", "-q", "pledges/old-pledge.yaml")
    write(root, "ai-governance", pledge("ai-governance", "AI governance", deadline="2027-Q1",
                                        summary="Rules for AI in defence."))
    (root / "pledges" / "osa.yaml").write_text(CONFLICT, encoding="utf-8")
    (root / "pledges" / "broken-new.yaml").write_text("id: broken-new\ntitle: [unclosed\n",
                                                      encoding="utf-8")
    write(root, "cyber-training", pledge("cyber-training", "Cyber training",
                                         updates=[CYBER_1, CYBER_2], comment="reviewed"))
    commit(root, "v3", "v3")
    monkeypatch.chdir(root)
    return root


def run(*args: str) -> tuple[int, str, str]:
    result = cli("diff", *args)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def short(repo: Path, rev: str) -> str:
    return git(repo, "rev-parse", rev)[:12]


SUMMARY_V1_V3 = (
    # status: cyber-training, raa, radar; updates: one each on the same three;
    # new: ai-centre (broken-new does not parse, so it is counted there instead);
    # removed: old-pledge; renamed: coast-guard (new id), radar (same id, new file);
    # deadline and edited: ai-governance; do not parse: broken-new, osa.
    "3 pledges changed status, 3 updates added, 1 new pledge, 1 pledge removed, "
    "2 pledges renamed, 1 deadline changed, 1 pledge edited, 2 files do not parse"
)


# -- the three formats over the same history ---------------------------------------------------


def test_text_format_lists_every_kind_of_change_status_changes_first(repo: Path) -> None:
    code, out, err = run("v1", "v3")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == f"v1 ({short(repo, 'v1')}) → v3 ({short(repo, 'v3')})"
    assert lines[1] == SUMMARY_V1_V3
    assert lines[2] == ""
    rows = [tuple(re.split(r"\s{2,}", line, maxsplit=2)) for line in lines[3:]]
    assert rows[:13] == [
        # status changes first, by id
        ("status", "cyber-training", "(whole pledge): in_progress → delivered"),
        ("status", "raa", "(whole pledge): in_progress → mixed"),
        ("status", "raa", "Philippines: in_progress → delivered"),
        ("status", "radar", "(whole pledge): not_yet_rated → in_progress"),
        ("update", "cyber-training",
         "2026-01-15 delivered: Training centre opened. <https://example.org/news/1>"),
        ("update", "raa",
         "2025-09-11 delivered (Philippines): Entered into force. <https://example.org/raa>"),
        ("update", "radar", "2026-02-01 in_progress: First radars shipped."),
        ("new", "ai-centre", "in_progress: AI centre"),
        ("renamed", "coast-guard → coast-guard-vessels",
         "pledges/coast-guard.yaml → pledges/coast-guard-vessels.yaml (new id, same content)"),
        ("renamed", "radar", "pledges/radar.yaml → pledges/radar-systems.yaml "
         "(same id, new file)"),
        ("removed", "old-pledge", "An old pledge"),
        ("deadline", "ai-governance", "2026 → 2027-Q1"),
        ("edited", "ai-governance", "summary changed"),
    ]
    assert rows[13][:2] == ("broken", "pledges/broken-new.yaml")
    assert rows[13][2].startswith("does not parse at v3: line ")
    assert rows[13][2].endswith("[yaml-syntax]")
    # The first conflict marker is on line 3 of osa.yaml.
    assert rows[14] == ("broken", "pledges/osa.yaml", "does not parse at v3: line 3: unresolved "
                        "git merge-conflict marker; resolve the conflict and remove the markers "
                        "[conflict-marker]")
    assert len(rows) == 15
    # Japan's status in raa did not change, so it is not listed.
    assert "Japan:" not in out


def test_markdown_format(repo: Path) -> None:
    code, out, _ = run("v1", "v3", "--format", "markdown")
    assert code == 0
    broken_line = next(line for line in out.splitlines() if "broken-new" in line)
    expected = f"""\
### Pledge changes: v1 ({short(repo, 'v1')}) → v3 ({short(repo, 'v3')})

**{SUMMARY_V1_V3.capitalize()}**

#### Status changes

| Pledge | Party | Before | After |
| --- | --- | --- | --- |
| `cyber-training` | (whole pledge) | In progress | Delivered |
| `raa` | (whole pledge) | In progress | Mixed |
| `raa` | Philippines | In progress | Delivered |
| `radar` | (whole pledge) | Not yet rated | In progress |

#### Updates added

- `cyber-training` — Cyber training
  - 2026-01-15 · **Delivered** — Training centre opened. ([Kyodo](https://example.org/news/1))
- `raa` — Reciprocal Access Agreement
  - 2025-09-11 · **Delivered** · Philippines — Entered into force. ([Kyodo](https://example.org/raa))
- `radar` — Coastal radars
  - 2026-02-01 · **In progress** — First radars shipped.

#### New pledges

- `ai-centre` — AI centre (In progress) — sources: [Example](https://example.org/ai-centre)

#### Renamed

- `coast-guard` → `coast-guard-vessels`: `pledges/coast-guard.yaml` → `pledges/coast-guard-vessels.yaml` (new id, same content)
- `radar`: `pledges/radar.yaml` → `pledges/radar-systems.yaml` (same id, new file)

#### Removed

- `old-pledge` — An old pledge

#### Deadlines changed

- `ai-governance`: 2026 → 2027-Q1

#### Other changes

- `ai-governance` — AI governance
  - summary: (none) → Rules for AI in defence.

#### Files that do not parse

{broken_line}
- `pledges/osa.yaml`: does not parse at v3 — line 3\\: unresolved git merge-conflict marker; resolve the conflict and remove the markers \\[conflict-marker\\]
"""  # noqa: E501
    assert out == expected
    assert broken_line.startswith("- `pledges/broken-new.yaml`: does not parse at v3 — line ")


def test_json_format(repo: Path) -> None:
    code, out, _ = run("v1", "v3", "-f", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["version"] == 1
    assert doc["base"] == {"label": "v1", "commit": git(repo, "rev-parse", "v1")}
    assert doc["head"] == {"label": "v3", "commit": git(repo, "rev-parse", "v3")}
    assert doc["changed"] is True
    assert doc["summary"] == {
        "text": SUMMARY_V1_V3, "status_changed": 3, "updates_added": 3, "added": 1,
        "removed": 1, "renamed": 2, "deadline_changed": 1, "edited": 1, "unparsable": 2,
        "repaired": 0, "config_changed": False,
    }
    by_id = {c["id"]: c for c in doc["changes"]}
    assert [c["id"] for c in doc["changes"]] == [
        "cyber-training", "raa", "radar",  # status changes first
        "ai-centre", "ai-governance", "broken-new", "coast-guard-vessels", "old-pledge", "osa",
    ]
    raa = by_id["raa"]
    assert raa["change"] == "modified"
    assert raa["status_changes"] == [{
        "party": None, "old": "in_progress", "new": "mixed",
        "old_label": "In progress", "new_label": "Mixed",
    }, {
        "party": "Philippines", "old": "in_progress", "new": "delivered",
        "old_label": "In progress", "new_label": "Delivered",
    }]
    assert raa["updates_added"] == [{
        "date": "2025-09-11", "status": "delivered", "party": "Philippines",
        "note": "Entered into force.", "recorded": None,
        "sources": [{"url": "https://example.org/raa", "publisher": "Kyodo"}],
    }]
    cg = by_id["coast-guard-vessels"]
    assert (cg["change"], cg["renamed"], cg["old_id"], cg["new_id"]) == (
        "renamed", "new-id", "coast-guard", "coast-guard-vessels")
    assert (cg["old_path"], cg["new_path"]) == (
        "pledges/coast-guard.yaml", "pledges/coast-guard-vessels.yaml")
    assert cg["status_changes"] == [] and cg["updates_added"] == []
    radar = by_id["radar"]
    assert (radar["change"], radar["renamed"], radar["new_path"]) == (
        "renamed", "moved", "pledges/radar-systems.yaml")
    assert by_id["ai-governance"]["deadline"] == {"old": "2026", "new": "2027-Q1"}
    assert by_id["ai-governance"]["fields"] == [
        {"field": "summary", "old": None, "new": "Rules for AI in defence."}]
    assert by_id["old-pledge"]["change"] == "removed"
    assert by_id["old-pledge"]["new_path"] is None
    assert by_id["ai-centre"]["change"] == "added"
    assert by_id["ai-centre"]["status"] == "in_progress"
    osa = by_id["osa"]
    assert osa["old_error"] is None
    assert osa["new_error"]["rule"] == "conflict-marker"
    assert osa["new_error"]["line"] == 3
    broken = by_id["broken-new"]
    assert broken["change"] == "added" and broken["title"] == ""
    assert broken["new_error"]["rule"] == "yaml-syntax"


def test_table_format_is_plain_text_in_a_pipe(repo: Path) -> None:
    # CliRunner's stdout is not a terminal: no Rich box drawing, no escape codes.
    _, out, _ = run("v1", "v3", "--format", "table")
    assert "┃" not in out and "\x1b[" not in out
    assert out == run("v1", "v3")[1]


def test_table_on_a_terminal_is_a_rich_table(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pledgetrack.render.console as console

    old, new = read_snapshots(repo, parse_range("v1", "v3"))
    monkeypatch.setattr(console, "is_terminal", lambda stream=None: True)
    out = render_diff.table(compare(old, new), color="never")
    assert "┃ change" in out and "│ status" in out
    assert "cyber-training" in out


# -- revisions and ranges ----------------------------------------------------------------------


def test_each_step_of_the_history(repo: Path) -> None:
    assert run("v1", "v2")[1].splitlines()[1] == (
        "2 pledges changed status, 2 updates added, 1 new pledge")
    # v2 -> v3: radar's status changes; the comment in cyber-training is not a change.
    out = run("v2", "v3")[1]
    assert out.splitlines()[1] == (
        "1 pledge changed status, 1 update added, 1 pledge removed, 2 pledges renamed, "
        "1 deadline changed, 1 pledge edited, 2 files do not parse")
    assert "cyber-training" not in out


def test_two_dot_range_is_base_and_head(repo: Path) -> None:
    assert run("v1..v2")[1] == run("v1", "v2")[1]


def test_base_defaults_to_head_and_head_to_the_working_tree(repo: Path) -> None:
    code, out, _ = run("--exit-code")
    assert (code, out.splitlines()[1]) == (0, "no changes to the pledges")
    assert out.splitlines()[0] == f"HEAD ({short(repo, 'HEAD')}) → working tree"
    # Uncommitted: radar gets a second update changing its status.
    write(repo, "radar-systems", pledge("radar", "Coastal radars", updates=[
        RADAR_1, ("2026-03-01", "stalled", None, "Shipments paused.", None)]))
    code, out, _ = run("--exit-code")
    assert code == 1
    assert out.splitlines()[1] == "1 pledge changed status, 1 update added"
    assert "(whole pledge): in_progress → stalled" in out
    # BASE given, HEAD omitted: v2 against the working tree.
    assert "radar" in run("v2")[1]


def test_exit_code_only_with_the_flag(repo: Path) -> None:
    assert run("v1", "v2")[0] == 0
    assert run("v1", "v2", "--exit-code")[0] == 1
    assert run("v2", "v2", "--exit-code")[0] == 0


def test_layout_and_comment_changes_are_no_change(repo: Path) -> None:
    path = repo / "pledges" / "raa.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text("# a comment\n" + text.replace("  - Japan\n", "  -   Japan\n"), "utf-8")
    code, out, _ = run("HEAD", "--exit-code")
    assert code == 0 and "no changes" in out


def test_three_dots_compare_with_the_merge_base(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "feature", "v2")
    write(repo, "raa", pledge("raa", "Reciprocal Access Agreement",
                              actors=("Japan", "Philippines"),
                              updates=[RAA_PH, RAA_JP, RAA_PH_2,
                                       ("2025-10-01", "delivered", "Japan", "Notes exchanged.",
                                        None)]))
    commit(repo, "feature")
    # main (v3) and feature diverged at v2; main...feature shows only what feature did.
    code, out, _ = run("main...feature", "-f", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["base"] == {"label": "merge base of main and feature",
                           "commit": git(repo, "rev-parse", "v2")}
    assert [c["id"] for c in doc["changes"]] == ["raa"]
    # Both parties delivered now: raa as a whole goes from mixed to delivered.
    assert doc["changes"][0]["status_changes"] == [{
        "party": None, "old": "mixed", "new": "delivered",
        "old_label": "Mixed", "new_label": "Delivered"}, {
        "party": "Japan", "old": "in_progress", "new": "delivered",
        "old_label": "In progress", "new_label": "Delivered"}]
    # Compared tip to tip, main's own changes show up too (reversed).
    assert len(json.loads(run("main", "feature", "-f", "json")[1])["changes"]) > 1
    # "A..." means A...HEAD (HEAD is feature now).
    assert json.loads(run("main...", "-f", "json")[1])["changes"] == doc["changes"]


def test_id_filter(repo: Path) -> None:
    doc = json.loads(run("v1", "v3", "--id", "raa", "-i", "coast-guard", "-f", "json")[1])
    # coast-guard is the old id of coast-guard-vessels: a rename is found by either name.
    assert [c["id"] for c in doc["changes"]] == ["raa", "coast-guard-vessels"]
    assert doc["summary"]["text"] == "1 pledge changed status, 1 update added, 1 pledge renamed"


def test_id_found_at_neither_side_is_an_error(repo: Path) -> None:
    # A typo must not read as "no changes": a CI gate on --exit-code would pass.
    code, out, err = run("v2", "v3", "--exit-code", "--id", "cyber-trainig")
    assert code == 2
    assert out == ""
    assert err == ("pledgetrack: error: no pledge 'cyber-trainig' at v2 nor at v3; closest: "
                   "cyber-training\n")
    # A pledge that exists but did not change is no error: "no changes", exit 0.
    code, out, err = run("v2", "v3", "--exit-code", "--id", "ai-centre")
    assert (code, err) == (0, "")
    assert "no changes" in out
    # Found at one side only (removed, or added) is found.
    assert run("v2", "v3", "--id", "old-pledge")[0] == 0
    assert run("v1", "v2", "--id", "ai-centre")[0] == 0


def test_data_root_in_a_subfolder_of_the_repository(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    top = tmp_path / "project"
    data = top / "tracker" / "data"
    data.mkdir(parents=True)
    git(top, "init", "-q", "-b", "main")
    (top / "pledges").mkdir()  # a decoy at the top of the repository: never read
    (top / "pledges" / "decoy.yaml").write_text(pledge("decoy", "Decoy"), "utf-8")
    write(data, "cyber-training", pledge("cyber-training", "Cyber training", updates=[CYBER_1]))
    (data / "pledgetrack.yaml").write_text("statuses:\n" + "".join(
        f"  - name: {s.name}\n    label: {'Kept' if s.name == 'delivered' else s.label}\n"
        for s in DEFAULT_STATUSES), "utf-8")
    commit(top, "one")
    write(data, "cyber-training", pledge("cyber-training", "Cyber training",
                                         updates=[CYBER_1, CYBER_2]))
    commit(top, "two")
    (top / "pledges" / "decoy.yaml").unlink()
    monkeypatch.chdir(data)
    out = run("HEAD~1", "HEAD", "-f", "markdown")[1]
    # The label comes from the data root's own pledgetrack.yaml.
    assert "| `cyber-training` | (whole pledge) | In progress | Kept |" in out
    assert "decoy" not in out
    # --dir from the top of the repository gives the same.
    monkeypatch.chdir(top)
    assert run("HEAD~1", "HEAD", "-f", "markdown", "--dir", "tracker/data")[1] == out


# -- errors ------------------------------------------------------------------------------------


def test_not_a_git_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "plain" / "pledges").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "plain")
    code, out, err = run()
    assert (code, out) == (2, "")
    assert err == (f"pledgetrack: error: '{(tmp_path / 'plain').resolve()}' is not in a git "
                   "repository; pledgetrack diff compares git revisions\n")


def test_missing_revision(repo: Path) -> None:
    code, out, err = run("v9", "v3")
    assert (code, out) == (2, "")
    assert err == ("pledgetrack: error: revision 'v9' not found (not a branch, tag or commit of "
                   "this repository)\n")
    assert run("v1", "nope")[0] == 2
    assert run("nope...v1")[0] == 2


def test_no_commit_yet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "fresh"
    write(root, "cyber-training", pledge("cyber-training", "Cyber training"))
    git(root, "init", "-q", "-b", "main")
    monkeypatch.chdir(root)
    code, _, err = run()
    assert code == 2
    assert err == "pledgetrack: error: revision 'HEAD' does not exist yet: nothing is committed\n"


def test_shallow_clone_without_base(repo: Path, tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", "--no-single-branch", repo.as_uri(), str(clone))
    monkeypatch.chdir(clone)
    code, out, err = run("HEAD~1")
    assert (code, out) == (2, "")
    assert err == ("pledgetrack: error: revision 'HEAD~1' is not in this shallow clone; fetch the "
                   "full history (with actions/checkout: fetch-depth: 0)\n")
    # A branch that is there, but whose history with HEAD is not: no merge base to be found.
    git(repo, "checkout", "-q", "-b", "feature", "v2")
    write(repo, "radar", pledge("radar", "Coastal radars", updates=[RADAR_1]))
    commit(repo, "feature")
    git(clone, "fetch", "-q", "--depth", "1", "origin", "feature:refs/remotes/origin/feature")
    code, _, err = run("origin/main...origin/feature")
    assert code == 2
    assert err == ("pledgetrack: error: no merge base of 'origin/main' and 'origin/feature' in "
                   "this shallow clone; fetch the full history (with actions/checkout: "
                   "fetch-depth: 0)\n")
    # HEAD itself is in a shallow clone: the default comparison works.
    assert run()[0] == 0


@pytest.mark.parametrize("args, message", [
    (("a...b", "c"), "give either a range ('a...b') or BASE and HEAD, not both"),
    (("--", "-x"), "'-x' is not a revision"),
])
def test_bad_arguments(repo: Path, args: tuple[str, ...], message: str) -> None:
    code, out, err = run(*args)
    assert (code, out, err) == (2, "", f"pledgetrack: error: {message}\n")


def test_broken_configuration_at_one_side_is_a_warning(repo: Path) -> None:
    (repo / "pledgetrack.yaml").write_text("colours: yes\n", "utf-8")
    commit(repo, "bad config", "v4")
    code, out, err = run("v3", "v4", "-f", "json")
    assert code == 0
    assert err.startswith("pledgetrack: warning: v4:pledgetrack.yaml:1: unknown setting "
                          "'colours'")
    assert json.loads(out)["summary"]["config_changed"] is True
    assert json.loads(out)["summary"]["text"] == "pledgetrack.yaml changed"


# -- Markdown safety and size ------------------------------------------------------------------


def test_markdown_escapes_record_text(repo: Path) -> None:
    note = "A *court* challenge | <img src=x> [click](https://evil.example) `code` $x$ @team"
    write(repo, "radar-systems", pledge("radar", "Coastal <b>radars</b>", updates=[
        RADAR_1, ("2026-03-01", "stalled", None, note, "https://example.org/a_(b)")]))
    out = run("HEAD", "-f", "markdown")[1]
    line = next(x for x in out.splitlines() if "2026-03-01" in x)
    assert line == (
        "  - 2026-03-01 · **Stalled** — A \\*court\\* challenge \\| &lt;img src=x&gt; "
        "\\[click\\](https\\:\u2060//evil.example) \\`code\\` \\$x\\$ \\@\u2060team "
        "([Kyodo](https://example.org/a_%28b%29))"
    )
    assert "- `radar` — Coastal &lt;b&gt;radars&lt;/b&gt;" in out
    assert not re.search(r"(?<!\\)[<>]", out.split("####", 1)[1])


def _content(markdown: str) -> list[str]:
    """The lines of the sections (not headings, not blank lines)."""
    sections = markdown.split("\n#### ", 1)[1]
    return [line for line in sections.splitlines()[1:]
            if line and not line.startswith(("#### ", "_Truncated"))]


def test_markdown_is_cut_below_the_summary_limit(repo: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    full = run("v1", "v3", "-f", "markdown")[1]
    assert "Truncated" not in full
    monkeypatch.setattr(render_diff, "MAX_MARKDOWN_BYTES", 800)
    cut = run("v1", "v3", "-f", "markdown")[1]
    body, _, note = cut.rpartition("\n_Truncated: ")
    assert len(body.encode()) <= 800
    kept = _content(cut)
    # Whole lines are kept, in order; every other line is counted in the note.
    assert kept == [line for line in _content(full) if line in kept]
    assert int(note.split()[0]) == len(_content(full)) - len(kept) > 0
    assert "GitHub's 1 MiB summary limit" in note


# -- the Python API ----------------------------------------------------------------------------


def snap(label: str, files: dict[str, str], config: Config | None = None) -> Snapshot:
    return Snapshot(label, None, {k: v.encode() for k, v in files.items()}, config or Config())


def test_compare_edited_and_reordered_updates() -> None:
    old = pledge("p", "P", updates=[CYBER_1, RADAR_1])
    reordered = pledge("p", "P", updates=[RADAR_1, CYBER_1])
    result = compare(snap("a", {"pledges/p.yaml": old}), snap("b", {"pledges/p.yaml": reordered}))
    assert result.changes == () and not result.changed
    edited = pledge("p", "P", updates=[(CYBER_1[0], CYBER_1[1], None, "Programme launched.",
                                        None), RADAR_1])
    result = compare(snap("a", {"pledges/p.yaml": old}), snap("b", {"pledges/p.yaml": edited}))
    (change,) = result.changes
    assert change.updates_added == () and change.updates_removed == ()
    assert [(u.old.note, u.new.note) for u in change.updates_changed] == [
        ("Programme announced.", "Programme launched.")]
    assert result.summary.text() == "1 pledge edited"


def test_compare_a_repaired_file_and_labels_of_each_side() -> None:
    relabelled = Config(vocabulary=Vocabulary(tuple(
        s if s.name != "delivered" else type(s)("delivered", "Kept", True)
        for s in DEFAULT_STATUSES)))
    broken = "id: p\ntitle: [\n"
    fixed = pledge("p", "P", updates=[CYBER_2])
    result = compare(snap("a", {"pledges/p.yaml": broken}),
                     snap("b", {"pledges/p.yaml": fixed}, relabelled))
    (change,) = result.changes
    assert change.repaired and change.old_problem is not None
    assert result.summary.text() == "1 file repaired"
    assert result.labels["delivered"] == "Kept"


def test_parse_range() -> None:
    assert parse_range(None, None) == parse_range("HEAD", None)
    r = parse_range("origin/main...HEAD", None)
    assert (r.base, r.head, r.merge_base) == ("origin/main", "HEAD", True)
    r = parse_range("...feature", None)
    assert (r.base, r.head, r.merge_base) == ("HEAD", "feature", True)
    r = parse_range("a..b", None)
    assert (r.base, r.head, r.merge_base) == ("a", "b", False)


def test_config_from_bytes_names_the_revision_and_defaults_stale_after_days() -> None:
    from pledgetrack.errors import PledgetrackError
    from pledgetrack.model.config import DEFAULT_STALE_AFTER_DAYS
    from pledgetrack.store.configfile import config_from_bytes

    config = config_from_bytes(b"domains:\n  cyber: Cyber\n", "v1:pledgetrack.yaml")
    assert (dict(config.domains), config.stale_after_days) == (
        {"cyber": "Cyber"}, DEFAULT_STALE_AFTER_DAYS)
    with pytest.raises(PledgetrackError) as info:
        config_from_bytes(b"domains: 3\nstale_after_days: -1\n", "v1:pledgetrack.yaml")
    assert info.value.message == (
        "v1:pledgetrack.yaml:2: 'stale_after_days' must be a positive whole number")


def test_every_option_of_diff_is_documented() -> None:
    import typer.main

    root = Path(__file__).resolve().parents[2]
    readme = root.joinpath("README.md").read_text("utf-8")
    section = readme.split("### `pledgetrack diff`", 1)[1].split("\n## ", 1)[0]
    page = root.joinpath("docs", "diff.md").read_text("utf-8")
    command = typer.main.get_command(app).commands["diff"]  # type: ignore[attr-defined]
    flags = [o for p in command.params for o in p.opts if o.startswith("--") and o != "--help"]
    assert "--exit-code" in flags and "--format" in flags
    for flag in flags:
        assert flag in section or flag in page, flag
    from pledgetrack.render.registry import choices

    assert f"--format {'|'.join(choices('diff'))}" in section
    assert "[docs/diff.md](docs/diff.md)" in readme


# -- files over the size limit -------------------------------------------------------------------


def _big_pledge(pid: str, size: int) -> bytes:
    head = pledge(pid, "Big").encode()
    return head + b"# " + b"x" * (size - len(head) - 3) + b"\n"


def test_files_over_the_limit_are_reported_by_size_and_never_read(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pledgetrack.git import revisions

    sizes = {"big-a": 3 * 1024 * 1024, "big-b": 2 * 1024 * 1024 + 1}
    for pid, size in sizes.items():
        (repo / "pledges" / f"{pid}.yaml").write_bytes(_big_pledge(pid, size))
    commit(repo, "big files", "v4")
    # An edit of one of them, left in the working tree.
    (repo / "pledges" / "big-a.yaml").write_bytes(_big_pledge("big-a", sizes["big-a"] + 10))
    asked: list[str] = []
    real_blobs = revisions.Git.blobs

    def blobs(self: revisions.Git, ids: list[str]) -> dict[str, bytes]:
        wanted = list(ids)
        asked.extend(wanted)
        return real_blobs(self, wanted)

    monkeypatch.setattr(revisions.Git, "blobs", blobs)
    real_read = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        assert not self.name.startswith("big-"), f"{self} was read whole"
        return real_read(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    big_ids = {git(repo, "rev-parse", f"v4:pledges/{pid}.yaml") for pid in sizes}
    for args in (("v3", "v4"), ("v4",)):
        asked.clear()
        code, out, err = run(*args, "-f", "json")
        assert code == 0, err
        assert not big_ids & set(asked)
        changes = {c["new_path"]: c for c in json.loads(out)["changes"]}
        expected = sizes if args == ("v3", "v4") else {"big-a": sizes["big-a"] + 10}
        assert set(changes) == {f"pledges/{pid}.yaml" for pid in expected}
        for pid, size in expected.items():
            error = changes[f"pledges/{pid}.yaml"]["new_error"]
            assert (error["rule"], error["message"]) == (
                "file-too-large", f"the file is {size:,} bytes; the limit is 1,048,576")
    # Unchanged big files are not even compared: v4 against itself has nothing to say.
    assert run("v4", "v4", "-f", "json")[1].count('"changes": []') == 1


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmHWM (Linux)")
def test_memory_does_not_grow_with_the_size_of_changed_files(repo: Path) -> None:
    import sys

    size = 40 * 1024 * 1024
    for n in range(3):
        (repo / "pledges" / f"huge-{n}.yaml").write_bytes(_big_pledge(f"huge-{n}", size + n))
    commit(repo, "huge files", "v5")
    # The peak of the process's own memory (VmHWM: ru_maxrss would count the test process it
    # was forked from).
    script = ("import sys; from pledgetrack.cli.entry import main\n"
              "sys.argv = ['pledgetrack', 'diff', 'v3', 'v5', '-f', 'markdown']\n"
              "try:\n    main()\nfinally:\n"
              "    peak = [x for x in open('/proc/self/status') if x.startswith('VmHWM')]\n"
              "    print(peak[0].split()[1], file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=repo, capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr
    peak_kib = int(done.stderr.strip().splitlines()[-1])
    # Three 40 MB files read whole took well over 120 MB; unread, the process stays small.
    assert peak_kib < 80 * 1024, peak_kib
    assert "huge-0.yaml" in done.stdout and "41,943,040 bytes" in done.stdout


# -- the size of Markdown: warnings included, and pull-request comments ------------------------


@pytest.fixture
def huge_warning(repo: Path) -> Path:
    """v4: 40 new pledges, an update to one, and a pledgetrack.yaml whose 900 KB domain name
    does not load (a warning that quotes it)."""
    for n in range(40):
        write(repo, f"new-{n:02d}", pledge(f"new-{n:02d}", f"New pledge number {n} " * 8))
    write(repo, "cyber-training", pledge("cyber-training", "Cyber training",
                                         updates=[CYBER_1, CYBER_2, RADAR_1]))
    (repo / "pledgetrack.yaml").write_text("domains:\n  - " + "X" * 900_000 + "\n", "utf-8")
    commit(repo, "v4", "v4")
    return repo


def test_the_size_limit_covers_warnings_and_keeps_real_changes_first(huge_warning: Path) -> None:
    code, out, err = run("v3", "v4", "-f", "markdown")
    assert code == 0, err
    assert len(out.encode()) <= render_diff.MAX_MARKDOWN_BYTES
    # The real changes come first and are all there; the warning, cut short, after them.
    assert out.index("#### Status changes") < out.index("#### New pledges") < out.index(
        "#### Warnings")
    assert all(f"`new-{n:02d}`" in out for n in range(40))
    [warning] = out.split("#### Warnings\n\n")[1].splitlines()
    assert "must be a lowercase slug" in warning
    assert len(warning) < 1200 and " … " in warning
    assert "Truncated" not in out


@pytest.mark.parametrize("limit", ["comment", "3000"])
def test_max_chars_for_a_comment(huge_warning: Path, limit: str) -> None:
    code, full, _ = run("v3", "v4", "-f", "markdown")
    code, out, err = run("v3", "v4", "-f", "markdown", "--max-chars", limit)
    assert code == 0, err
    chars = render_diff.COMMENT_CHARS if limit == "comment" else int(limit)
    assert len(out) <= chars
    _, _, note = out.rpartition("\n_Truncated: ")
    kept = _content(out)
    assert kept == [line for line in _content(full) if line in kept]
    if limit == "comment":
        assert "_Truncated" not in out and kept == _content(full)
        return
    # The status change and the update are kept before the new pledges and the warning.
    assert kept[0] == "| Pledge | Party | Before | After |"
    assert "cyber-training" in kept[2] and kept[3].startswith("- `cyber-training`")
    assert int(note.split()[0]) == len(_content(full)) - len(kept) > 0
    assert "under the limit of 3,000 characters" in note
    assert not any("slug" in line for line in kept)


@pytest.mark.parametrize(("args", "message"), [
    (("--max-chars", "12", "-f", "markdown"), "--max-chars takes a number of at least 1,000"),
    (("--max-chars", "lots", "-f", "markdown"), "--max-chars takes a number"),
    (("--max-chars", "comment"), "--max-chars applies to --format markdown"),
])
def test_bad_max_chars(repo: Path, args: tuple[str, ...], message: str) -> None:
    code, out, err = run("v1", "v3", *args)
    assert code == 2 and out == "" and message in err
