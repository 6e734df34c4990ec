"""`pledgetrack fmt` and `pledgetrack rename`: real files, byte-exact expectations, and a real
git repository for the rename that `diff` must see."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.clirun import REPO, cli
from tests.git.test_diff import commit, git, git_env  # noqa: F401  (the fixture is used)

MESSY = """\
# Header: sourced from the summit statement.

id: a
title: "A pledge"
actors: [Japan, Philippines]
domains: [cyber]
announced: 2025-01-10
sources: [{url: "https://example.org/a#frag", publisher: Example}]
updates:
  - {date: 2025-05-20, status: delivered, party: Japan}
  - date: 2025-03-01
    status: in_progress
    note: "Started; text with # inside"
"""

CANONICAL = """\
# Header: sourced from the summit statement.
id: a
title: A pledge
actors:
  - Japan
  - Philippines
domains:
  - cyber
announced: 2025-01-10
sources:
  - url: https://example.org/a#frag
    publisher: Example
updates:
  - date: 2025-03-01
    status: in_progress
    note: 'Started; text with # inside'
  - date: 2025-05-20
    status: delivered
    party: Japan
"""


def root_with(tmp_path: Path, **files: str) -> Path:
    (tmp_path / "pledges").mkdir(parents=True)
    for name, text in files.items():
        (tmp_path / "pledges" / f"{name}.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def test_fmt_writes_the_canonical_layout_and_keeps_the_header(tmp_path: Path) -> None:
    root = root_with(tmp_path, a=MESSY)
    result = cli("fmt", "--check", "--dir", root)
    assert result.exit_code == 1
    assert result.stdout == "would reformat pledges/a.yaml\n"
    assert (root / "pledges" / "a.yaml").read_text(encoding="utf-8") == MESSY

    result = cli("fmt", "--dir", root)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "reformatted pledges/a.yaml\n"
    assert (root / "pledges" / "a.yaml").read_text(encoding="utf-8") == CANONICAL
    # A second run changes nothing, and --check agrees.
    assert cli("fmt", "--check", "--dir", root).exit_code == 0
    assert "0 would be reformatted, 1 already canonical" in cli(
        "fmt", "--check", "--dir", root).stderr


def test_fmt_leaves_a_file_whose_comments_it_cannot_keep(tmp_path: Path) -> None:
    text = MESSY.replace("title: \"A pledge\"", "title: \"A pledge\"  # checked in May")
    text = text.replace("    status: in_progress\n", "    # backdated\n    status: in_progress\n")
    root = root_with(tmp_path, a=text)
    result = cli("fmt", "--dir", root)
    assert result.exit_code == 1
    assert "pledges/a.yaml: not formatted: the comments on lines 4, 12 cannot be kept" in \
        result.stderr
    assert (root / "pledges" / "a.yaml").read_text(encoding="utf-8") == text
    result = cli("fmt", "--drop-comments", "a", "--dir", root)
    assert result.exit_code == 0, result.stderr
    assert (root / "pledges" / "a.yaml").read_text(encoding="utf-8") == CANONICAL


def test_fmt_names_files_with_errors_and_changes_no_other(tmp_path: Path) -> None:
    bad = "id: b\ntitle: B\nannounced: 2025-13-01\n"
    root = root_with(tmp_path, a=CANONICAL, b=bad)
    result = cli("fmt", "--dir", root)
    assert result.exit_code == 1
    assert "pledges/b.yaml has errors" in result.stderr and "pledgetrack check" in result.stderr
    # It exits 1 for it: an error, not a warning.
    assert "pledgetrack: error: pledges/b.yaml has errors" in result.stderr
    assert "warning" not in result.stderr
    assert (root / "pledges" / "b.yaml").read_text(encoding="utf-8") == bad


def test_the_bundled_data_is_canonical() -> None:
    result = cli("fmt", "--check", "--dir", REPO)
    assert result.exit_code == 0, result.stdout + result.stderr


def test_rename_changes_only_the_id_and_the_file_name(tmp_path: Path) -> None:
    root = root_with(tmp_path, a=MESSY)
    result = cli("rename", "a", "a-better", "--dir", root)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "pledges/a-better.yaml\n"
    assert not (root / "pledges" / "a.yaml").exists()
    assert (root / "pledges" / "a-better.yaml").read_text(encoding="utf-8") == \
        MESSY.replace("id: a\n", "id: a-better\n")
    assert cli("check", "--dir", root).exit_code == 0  # the id matches the new name


@pytest.mark.parametrize(("args", "message"), [
    (["a", "b"], "a pledge with id 'b' already exists"),
    (["a", "Not A Slug"], "id"),
    (["zz", "b2"], "zz"),
    (["a", "a"], "already has that id"),
])
def test_rename_refusals_change_nothing(tmp_path: Path, args: list[str], message: str) -> None:
    root = root_with(tmp_path, a=MESSY, b=CANONICAL.replace("id: a\n", "id: b\n"))
    before = {p.name: p.read_bytes() for p in (root / "pledges").iterdir()}
    result = cli("rename", *args, "--dir", root)
    assert result.exit_code != 0
    assert message in result.stderr
    assert {p.name: p.read_bytes() for p in (root / "pledges").iterdir()} == before


def test_a_rename_with_an_update_is_one_renamed_pledge_in_diff(tmp_path: Path) -> None:
    repo = root_with(tmp_path / "repo", a=CANONICAL)
    git(repo, "init", "-q")
    commit(repo, "base")
    assert cli("rename", "a", "a-new", "--dir", repo).exit_code == 0
    assert cli("update", "a-new", "--status", "stalled", "--date", "2025-08-01",
               "--dir", repo).exit_code == 0
    commit(repo, "renamed and updated")
    # git itself sees a rename, as reviewers do.
    assert git(repo, "diff", "--name-status", "-M", "HEAD~1", "HEAD").startswith("R")
    result = cli("diff", "HEAD~1", "HEAD", "--format", "json", "--dir", repo)
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    [change] = doc["changes"]
    assert (change["change"], change["old_id"], change["new_id"]) == ("renamed", "a", "a-new")
    assert doc["summary"]["renamed"] == 1 and doc["summary"]["added"] == 0
    assert change["updates_added"], change


def test_files_that_merely_look_alike_are_not_a_rename(tmp_path: Path) -> None:
    other = ("id: zz\ntitle: Something else\nactors:\n  - Viet Nam\ndomains:\n  - maritime\n"
             "announced: 2020\nsources:\n  - url: https://example.org/zz\n")
    repo = root_with(tmp_path / "repo", a=CANONICAL)
    git(repo, "init", "-q")
    commit(repo, "base")
    (repo / "pledges" / "a.yaml").unlink()
    (repo / "pledges" / "zz.yaml").write_text(other, encoding="utf-8")
    commit(repo, "replaced")
    doc = json.loads(cli("diff", "HEAD~1", "HEAD", "-f", "json", "--dir", repo).stdout)
    assert sorted(c["change"] for c in doc["changes"]) == ["added", "removed"]
    assert subprocess.run(["git", "--version"], capture_output=True).returncode == 0


def test_a_rename_with_an_update_is_not_called_same_content(tmp_path: Path) -> None:
    repo = root_with(tmp_path / "repo", a=CANONICAL)
    git(repo, "init", "-q")
    commit(repo, "base")
    assert cli("rename", "a", "a-new", "--dir", repo).exit_code == 0
    commit(repo, "renamed")
    plain = cli("diff", "HEAD~1", "HEAD", "--dir", repo)
    assert "(new id, same content)" in plain.stdout, plain.stdout
    assert cli("update", "a-new", "--status", "stalled", "--date", "2025-08-01",
               "--dir", repo).exit_code == 0
    commit(repo, "updated")
    for fmt in ("table", "markdown"):
        result = cli("diff", "HEAD~2", "HEAD", "--format", fmt, "--dir", repo)
        assert result.exit_code == 0, result.stderr
        assert "same content" not in result.stdout, result.stdout
        assert "(new id)" in result.stdout, result.stdout


def test_an_id_named_twice_is_formatted_once(tmp_path: Path) -> None:
    root = root_with(tmp_path, a=MESSY)
    check = cli("fmt", "--check", "a", "a", "--dir", root)
    assert check.exit_code == 1 and "1 file" in check.stderr, check.stderr
    result = cli("fmt", "a", "a", "--dir", root)
    assert result.exit_code == 0, result.stderr
    assert cli("fmt", "--check", "a", "--dir", root).exit_code == 0
