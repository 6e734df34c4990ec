"""Hostile text: ids and paths that try to leave pledges/, symbolic links, YAML tags, workflow
commands, Markdown and HTML, spreadsheet formulas. Pledge data arrives by pull request; none of it
may make pledgetrack write outside its folder, run code, or attack whoever reads the output (a
person, a spreadsheet, a GitHub Actions runner).

The loader's side (hostile *files*: random bytes, alias bombs, deep nesting …) is in
tests/reliability/test_load.py.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt

import pledgetrack as pledgetrack_api
from pledgetrack.errors import PledgetrackError
from pledgetrack.model.config import Config
from pledgetrack.model.dates import PartialDate
from pledgetrack.model.records import Pledge, Source, Update
from pledgetrack.store import writer
from tests.clirun import SCRIPT, cli
from tests.conftest import VALID

pytestmark = pytest.mark.reliability



def run(*args: str, env: dict[str, str | None] | None = None) -> tuple[int, str, str]:
    result = cli(*list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def snapshot(folder: Path) -> dict[str, bytes | str]:
    """Every entry under ``folder``: file bytes, link targets, folders."""
    found: dict[str, bytes | str] = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_symlink():
            found[rel] = "-> " + os.readlink(path)
        elif path.is_dir():
            found[rel] = "dir"
        else:
            found[rel] = path.read_bytes()
    return found


def one_error_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("pledgetrack: error: "), err
    assert "Traceback" not in err
    return lines[0]


# -- ids and paths ------------------------------------------------------------------------------

UNSAFE_IDS = [
    "../outside", "../../etc/passwd", "/etc/passwd", "/", "a/b", "a\\b", "..\\outside", "..",
    ".", ".hidden", "nul\x00byte", "x" * 81, "~/x", "$HOME", "%2e%2e%2foutside", "p.yaml",
    "UPPER", " p", "p ", "p\n", "p\r", "tab\tp",
    # Unicode look-alikes of "pledge": fullwidth letters, a Cyrillic e, a zero-width space,
    # a dotless i, the one-dot leader (which NFKC folds to ".").
    "\uff50\uff4c\uff45\uff44\uff47\uff45", "pl\u0435dge", "pledge\u200b", "pl\u0131dge",
    "\u2024\u2024/outside",
]


@pytest.fixture
def fenced(tmp_path: Path) -> Path:
    """A data root inside a fence: tmp_path/fence/data, with a pledge 'p' and files beside the
    data root that a traversal would reach."""
    root = tmp_path / "fence" / "data"
    (root / "pledges").mkdir(parents=True)
    (root / "pledges" / "p.yaml").write_text(VALID.replace("{id}", "p"), encoding="utf-8")
    (tmp_path / "fence" / "outside.yaml").write_text(VALID.replace("{id}", "outside"))
    (tmp_path / "fence" / "passwd.yaml").write_text("root: x\n")
    return root


COMMANDS = {
    "add": lambda root, bad: ["add", "A title", "--id", bad, "--actor", "Japan", "--domain",
                              "cyber", "--announced", "2025-10-26", "--source",
                              "https://example.org/a", "--dir", str(root)],
    "update": lambda root, bad: ["update", bad, "--status", "stalled", "--dir", str(root)],
    "show": lambda root, bad: ["show", bad, "--dir", str(root)],
    "edit": lambda root, bad: ["edit", bad, "--dir", str(root)],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("bad", UNSAFE_IDS, ids=[repr(i)[1:-1][:24] for i in UNSAFE_IDS])
def test_unsafe_ids_are_refused_by_every_command(fenced: Path, command: str, bad: str) -> None:
    fence = fenced.parent
    before = snapshot(fence)
    code, out, err = run(*COMMANDS[command](fenced, bad), env={"EDITOR": "true", "VISUAL": None})
    assert code == 2, (code, out, err)
    line = one_error_line(err)
    assert "must be a lowercase slug" in line or "is longer than 80" in line, line
    assert out == ""
    assert snapshot(fence) == before


@pytest.mark.parametrize("bad", UNSAFE_IDS, ids=[repr(i)[1:-1][:24] for i in UNSAFE_IDS])
def test_unsafe_ids_in_an_import_are_refused(fenced: Path, bad: str, tmp_path: Path) -> None:
    table = tmp_path / "rows.json"
    table.write_text(json.dumps([
        {"id": "fine", "title": "Fine", "actors": "Japan", "domains": "cyber",
         "announced": "2025-10-26", "source": "https://example.org/a"},
        {"id": bad, "title": "Bad", "actors": "Japan", "domains": "cyber",
         "announced": "2025-10-26", "source": "https://example.org/b"},
    ]))
    fence = fenced.parent
    before = snapshot(fence)
    code, out, err = run("import", str(table), "--dir", str(fenced))
    assert code == 1, (out, err)
    lines = err.splitlines()
    # One line per bad row, then the summary; nothing written, not even the good row.
    assert lines[-1] == "1 bad row; nothing was written"
    if bad.strip() == "p":
        # The id is trimmed like every cell ("p"); then it is the existing pledge.
        assert "already exists" in lines[0]
    else:
        assert re.match(rf"{re.escape(str(table))}:\d+: 'id': id .*", lines[0]), lines
    assert len(lines) == 2
    assert snapshot(fence) == before


# -- symbolic links ------------------------------------------------------------------------------

def _linked_root(tmp_path: Path) -> tuple[Path, Path]:
    """A data root whose pledges/p.yaml is a link to a valid pledge file outside it."""
    root = tmp_path / "data"
    (root / "pledges").mkdir(parents=True)
    target = tmp_path / "elsewhere" / "p.yaml"
    target.parent.mkdir()
    target.write_text(VALID.replace("{id}", "p").replace(
        "Support cybersecurity", "SECRET-OUTSIDE"), encoding="utf-8")
    (root / "pledges" / "p.yaml").symlink_to(target)
    (root / "pledges" / "q.yaml").write_text(VALID.replace("{id}", "q"), encoding="utf-8")
    return root, target


def test_a_linked_pledge_is_never_written_through(tmp_path: Path) -> None:
    """Decision: pledgetrack refuses to read or write a pledge file that is a symbolic link
    (it neither follows it nor replaces it), and `check` reports it."""
    root, target = _linked_root(tmp_path)
    outside = target.read_bytes()
    link_message = ("pledges/p.yaml is a symbolic link; pledgetrack never reads or writes "
                    "pledge files through links (replace the link with the file itself)")
    for args in (
        ["update", "p", "-s", "stalled"],
        ["show", "p"],
        ["edit", "p"],
    ):
        code, out, err = run(*args, "--dir", str(root), env={"EDITOR": "true", "VISUAL": None})
        assert (code, out) == (1, ""), (args, err)
        assert one_error_line(err) == f"pledgetrack: error: {link_message}"
    code, _, err = run("add", "T", "--id", "p", "--actor", "Japan", "--domain", "cyber",
                       "--announced", "2025-10-26", "--source", "https://example.org/a",
                       "--dir", str(root))
    assert code == 1 and one_error_line(err) == f"pledgetrack: error: {link_message}"
    # import --update would replace the file: refused too, and nothing else of the import lands.
    table = tmp_path / "rows.csv"
    table.write_text("id,title,actors,domains,announced,source\n"
                     "fresh,New,Japan,cyber,2025-10-26,https://example.org/n\n"
                     "p,Replaced,Japan,cyber,2025-10-26,https://example.org/x\n")
    code, _, err = run("import", str(table), "--replace", "--dir", str(root))
    assert code == 1
    assert err.splitlines() == [f"{table}:3: {link_message}", "1 bad row; nothing was written"]
    assert not (root / "pledges" / "fresh.yaml").exists()
    # The API refuses as well.
    with pytest.raises(Exception, match="symbolic link"):
        writer.append_update(root, "p", Update(PartialDate(2025, 11, 1), "stalled"), Config())
    # Nothing happened to the target, and the link is still a link.
    assert target.read_bytes() == outside
    assert os.readlink(root / "pledges" / "p.yaml") == str(target)
    # `check` reports the link and never reads what it points at; other readers skip it.
    code, out, err = run("check", "--dir", str(root))
    assert code == 1
    assert out == ("pledges/p.yaml:1:1: error: the file is a symbolic link; pledge files must "
                   "be regular files (links are never followed) [symlink]\n")
    for args in (["list", "--format", "json"], ["report", "--format", "markdown"],
                 ["export", "--format", "json"]):
        code, out, err = run(*args, "--dir", str(root))
        assert code == 0, (args, err)
        assert "SECRET-OUTSIDE" not in out + err
        assert "skipping pledges/p.yaml" in err
    # The other pledge is untouched by all this and still writable.
    assert run("update", "q", "-s", "stalled", "--dir", str(root))[0] == 0


def _linked_data_repo(tmp_path: Path, which: str) -> tuple[Path, Path]:
    """A git repository whose pledges/ folder or pledgetrack.yaml is a committed link to a
    folder (or file) outside it."""
    outside = tmp_path / "outside"
    (outside / "pledges").mkdir(parents=True)
    (outside / "pledges" / "secret.yaml").write_text(
        VALID.replace("{id}", "secret").replace("Support cybersecurity", "SECRET-OUTSIDE"),
        encoding="utf-8")
    (outside / "pledgetrack.yaml").write_text("domains:\n  SECRET-OUTSIDE: x\n", "utf-8")
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    if which == "pledges":
        (repo / "pledges").symlink_to(outside / "pledges")
    else:
        (repo / "pledges").mkdir()
        (repo / "pledges" / "p.yaml").write_text(VALID.replace("{id}", "p"), "utf-8")
        (repo / "pledgetrack.yaml").symlink_to(outside / "pledgetrack.yaml")
    return repo, outside


@pytest.mark.parametrize("which", ["pledges", "pledgetrack.yaml"])
def test_a_linked_data_folder_or_configuration_in_a_repository_is_refused(
    tmp_path: Path, which: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Decision: inside a git repository, pledges/ or pledgetrack.yaml as a symbolic link is
    refused with one line, by every command and the API; --dir names data kept elsewhere."""
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    repo, outside = _linked_data_repo(tmp_path, which)
    before = snapshot(outside)
    table = tmp_path / "rows.csv"
    table.write_text("id,title,actors,domains,announced,source\n"
                     "secret,Replaced,Japan,cyber,2025-10-26,https://example.org/x\n")
    shown = "pledges/" if which == "pledges" else "pledgetrack.yaml"
    message = (f"pledgetrack: error: {shown} is a symbolic link inside a git repository; "
               "pledgetrack never follows a linked data folder or configuration there")
    monkeypatch.chdir(repo)
    for args in (["check"], ["check", "--format", "github"], ["list"], ["report"],
                 ["export"], ["show", "secret"], ["update", "secret", "-s", "stalled"],
                 ["import", str(table), "--replace"], ["statuses", "--dir", str(repo)],
                 ["add", "T", "--id", "fresh", "--actor", "Japan", "--domain", "cyber",
                  "--announced", "2025-10-26", "--source", "https://example.org/a"],
                 ["check", "--dir", str(repo)], ["list", "--dir", str(repo / "pledges")]):
        code, out, err = run(*args, env={"GITHUB_ACTIONS": "true"})
        assert code == 1, (args, out, err)
        assert one_error_line(err).startswith(message), (args, err)
        assert "SECRET-OUTSIDE" not in out + err and "secret" not in out, args
    with pytest.raises(PledgetrackError, match="symbolic link inside a git repository"):
        pledgetrack_api.load_dataset(repo)
    with pytest.raises(PledgetrackError, match="symbolic link inside a git repository"):
        writer.append_update(repo, "secret", Update(PartialDate(2025, 11, 1), "stalled"),
                             Config())
    assert snapshot(outside) == before
    # The supported way to keep the data elsewhere: --dir names it.
    (outside / "pledgetrack.yaml").unlink()
    code, out, err = run("list", "--format", "json", "--dir", str(outside))
    assert code == 0, err
    assert [p["id"] for p in json.loads(out)] == ["secret"]


def test_a_linked_data_folder_outside_a_repository_is_still_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    (outside / "pledges").mkdir(parents=True)
    (outside / "pledges" / "p.yaml").write_text(VALID.replace("{id}", "p"), "utf-8")
    root = tmp_path / "plain"
    root.mkdir()
    (root / "pledges").symlink_to(outside / "pledges")
    code, out, err = run("list", "--format", "json", "--dir", str(root))
    assert code == 0, err
    assert [p["id"] for p in json.loads(out)] == ["p"]


def test_a_dangling_link_is_not_created_through(tmp_path: Path) -> None:
    root = tmp_path / "data"
    (root / "pledges").mkdir(parents=True)
    target = tmp_path / "elsewhere" / "new-pledge.yaml"
    target.parent.mkdir()
    (root / "pledges" / "new-pledge.yaml").symlink_to(target)
    code, _, err = run("add", "A new pledge", "--id", "new-pledge", "--actor", "Japan",
                       "--domain", "cyber", "--announced", "2025-10-26", "--source",
                       "https://example.org/a", "--dir", str(root))
    assert code == 1 and "is a symbolic link" in err
    assert not target.exists()
    code, out, _ = run("check", "--dir", str(root))
    assert code == 1 and "[symlink]" in out


def test_planted_temporary_file_link_is_replaced_not_followed(tmp_path: Path) -> None:
    """The temporary name is predictable (pledges/.p.yaml.tmp): a link planted there is removed
    and the write goes through a new file of its own."""
    root = tmp_path / "data"
    (root / "pledges").mkdir(parents=True)
    (root / "pledges" / "p.yaml").write_text(VALID.replace("{id}", "p"), encoding="utf-8")
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    (root / "pledges" / ".p.yaml.tmp").symlink_to(victim)
    assert run("update", "p", "-s", "stalled", "--dir", str(root))[0] == 0
    assert victim.read_text() == "precious\n"
    assert sorted(p.name for p in (root / "pledges").iterdir()) == ["p.yaml"]
    assert "status: stalled" in (root / "pledges" / "p.yaml").read_text()


@pytest.mark.parametrize("planted", [".pledgetrack-cache", ".pledgetrack-cache/locks",
                                     ".pledgetrack-cache/locks/p.yaml.lock"])
def test_planted_cache_links_are_refused(tmp_path: Path, planted: str) -> None:
    """A link committed where the lock files go would make the lock (and any truncation a lock
    implementation does) land outside the data folder."""
    root = tmp_path / "data"
    (root / "pledges").mkdir(parents=True)
    path = root / "pledges" / "p.yaml"
    path.write_text(VALID.replace("{id}", "p"), encoding="utf-8")
    before = path.read_bytes()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "p.yaml.lock").write_text("precious\n")
    link = root / planted
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(elsewhere if not planted.endswith(".lock") else elsewhere / "p.yaml.lock")
    code, _, err = run("update", "p", "-s", "stalled", "--dir", str(root))
    assert code == 1
    assert one_error_line(err) == (
        f"pledgetrack: error: cannot write pledges/p.yaml: {planted} is a symbolic link; remove "
        "it (while taking its lock in .pledgetrack-cache/locks/); nothing was changed")
    assert path.read_bytes() == before
    assert sorted(p.name for p in elsewhere.iterdir()) == ["p.yaml.lock"]
    assert (elsewhere / "p.yaml.lock").read_text() == "precious\n"


# -- YAML tags ---------------------------------------------------------------------------------

def test_tags_in_the_configuration_are_rejected_not_run(tmp_path: Path) -> None:
    root = tmp_path / "data"
    (root / "pledges").mkdir(parents=True)
    (root / "pledges" / "p.yaml").write_text(VALID.replace("{id}", "p"), encoding="utf-8")
    marker = tmp_path / "pwned"
    (root / "pledgetrack.yaml").write_text(
        f"stale_after_days: !!python/object/apply:os.system ['touch {marker}']\n")
    for args in (["check"], ["list"], ["update", "p", "-s", "stalled"], ["report"]):
        code, _, err = run(*args, "--dir", str(root))
        assert code == 2, (args, err)
        assert one_error_line(err) == (
            "pledgetrack: error: pledgetrack.yaml:1: YAML tag "
            "'tag:yaml.org,2002:python/object/apply:os.system' is not allowed")
    assert not marker.exists()


def test_tag_text_typed_or_imported_stays_text(tmp_path: Path) -> None:
    """Text that looks like a tag is written quoted and reads back as the same text."""
    root = tmp_path / "data"
    (root / "pledges").mkdir(parents=True)
    marker = tmp_path / "pwned"
    evil = f"!!python/object/apply:os.system ['touch {marker}']"
    code, _, err = run("add", evil, "--id", "typed", "--actor", "!secret", "--domain", "cyber",
                       "--announced", "2025-10-26", "--source", "https://example.org/a",
                       "--dir", str(root))
    assert code == 0, err
    table = tmp_path / "rows.jsonl"
    table.write_text(json.dumps({
        "id": "imported", "title": evil, "actors": ["&anchor", "*alias"], "domains": "cyber",
        "announced": "2025-10-26", "source": "https://example.org/b", "summary": "!tag x",
    }) + "\n")
    code, _, err = run("import", str(table), "--dir", str(root))
    assert code == 0, err
    assert run("update", "typed", "-s", "stalled", "--note", "!!binary AAAA",
               "--dir", str(root))[0] == 0
    code, out, _ = run("list", "--format", "json", "--dir", str(root))
    assert code == 0
    rows = {r["id"]: r for r in json.loads(out)}
    assert rows["typed"]["title"] == rows["imported"]["title"] == evil
    assert rows["typed"]["actors"] == ["!secret"]
    assert rows["imported"]["actors"] == ["&anchor", "*alias"]
    assert f"title: '{evil.replace(chr(39), chr(39) * 2)}'" in (
        root / "pledges" / "typed.yaml").read_text()
    assert run("check", "--dir", str(root))[0] == 0
    assert not marker.exists()


def test_merge_driver_with_a_tag_conflicts_without_running_it(tmp_path: Path) -> None:
    base = tmp_path / "base.yaml"
    ours = tmp_path / "ours.yaml"
    theirs = tmp_path / "theirs.yaml"
    marker = tmp_path / "pwned"
    text = VALID.replace("{id}", "p")
    base.write_text(text)
    ours.write_text(text + "updates:\n  - date: 2025-11-01\n    status: stalled\n")
    theirs.write_text(text.replace("title: Support",
                                   f"title: !!python/object/apply:os.system ['touch {marker}']"
                                   "\nx: Support"))
    code, _, err = run("merge-driver", str(base), str(ours), str(theirs))
    assert code == 1
    assert err.startswith("pledgetrack merge-driver: conflict: ")
    assert len(err.splitlines()) == 1
    assert not marker.exists()


# -- GitHub workflow commands ------------------------------------------------------------------

INJECT = "::error file=README.md,line=1::pwned"
HOSTILE_NAME = f"x\n{INJECT}\n.yaml"
ACTIONS = {"GITHUB_ACTIONS": "true"}


def _ci_root(tmp_path: Path) -> Path:
    """A data root as a hostile pull request leaves it: a file whose name holds line breaks and
    a workflow command; a title, an actor and a note that try the same; a broken file."""
    root = tmp_path / "data"
    (root / "pledges").mkdir(parents=True)
    (root / "pledges" / "ok.yaml").write_text(VALID.replace("{id}", "ok").replace(
        "title: Support cybersecurity human-resource development in ASEAN",
        'title: "::warning::title %25 %0A::add-mask::x"').replace(
        "  - Japan\n", '  - Japan\n  - "  ::notice::actor"\n') + (
        "updates:\n  - date: 2025-11-01\n    status: stalled\n"
        f'    note: "line one\\n{INJECT}\\r\\n::stop-commands::token\\n::token::"\n'),
        encoding="utf-8")
    (root / "pledges" / HOSTILE_NAME).write_text(
        VALID.replace("{id}", "x") + f'"key\\n{INJECT}": 1\n', encoding="utf-8")
    return root


def _command_lines(text: str) -> list[str]:
    """The lines a GitHub Actions runner would act on as workflow commands: those that start
    with '::' after leading spaces, except inside a ::stop-commands::TOKEN … ::TOKEN:: block."""
    commands: list[str] = []
    stop: str | None = None
    for line in text.splitlines():
        line = line.lstrip()
        if stop is not None:
            if line == f"::{stop}::":
                stop = None
            continue
        if line.startswith("::stop-commands::"):
            stop = line.removeprefix("::stop-commands::")
            continue
        if line.startswith("::"):
            commands.append(line)
    return commands


def test_check_github_format_escapes_names_titles_and_keys(tmp_path: Path) -> None:
    root = _ci_root(tmp_path)
    code, out, err = run("check", "--dir", str(root), env=ACTIONS)
    assert code == 1
    # One annotation per problem (as counted by the JSON format), and nothing else that starts
    # a command: the names and keys are percent-encoded on the annotation's one line.
    _, doc, _ = run("check", "--format", "json", "--dir", str(root))
    count = len(json.loads(doc)["problems"])
    assert len(out.splitlines()) == count == len(_command_lines(out)) == 3
    # The note's carriage return is a control character (a warning on ok.yaml).
    assert out.startswith("::warning file=pledges/ok.yaml,line=17,col=11,title=pledgetrack "
                          "control-character::'note' holds the control character U+000D")
    for line in out.splitlines()[1:]:
        # Properties escape '%', CR, LF, ':' and ',' (as GitHub's toolkit does).
        assert re.match(r"::(error|warning) file=pledges/x%0A%3A%3Aerror file=README\.md%2C"
                        r"line=1%3A%3Apwned%0A\.yaml,line=\d+,col=\d+,title=pledgetrack "
                        r"[a-z-]+::", line), line
    assert "key%0A::error file=README.md,line=1::pwned" in out
    assert _command_lines(err) == []
    # The text format (for people, or a CI that asks for it) keeps one problem per line too.
    code, out, _ = run("check", "--format", "text", "--dir", str(root), env=ACTIONS)
    assert all(line.startswith("pledges/") for line in out.splitlines()), out
    assert _command_lines(out) == []


CI_COMMANDS = (
    ["report", "--format", "markdown"], ["report", "--format", "markdown", "--by", "actor"],
    ["list", "--format", "markdown"], ["list"], ["list", "--format", "table"],
    ["list", "--format", "csv"], ["export"], ["show", "ok"], ["report"],
    ["report", "--by", "actor"], ["report", "--matrix"], ["check", "--format", "text"],
    ["report", "--format", "html"],
)


@pytest.mark.parametrize("args", CI_COMMANDS, ids=" ".join)
def test_ci_outputs_never_start_a_workflow_command(tmp_path: Path, args: list[str]) -> None:
    """Commands run on hostile data under GitHub Actions: no line of stdout or stderr is acted
    on by the runner as a workflow command. Text for people whose lines would start with
    record text is wrapped in ::stop-commands:: (see docs/reliability.md)."""
    root = _ci_root(tmp_path)
    code, out, err = run(*args, "--dir", str(root), env=ACTIONS)
    assert code == (1 if args[0] == "check" else 0), err
    assert _command_lines(out) == [], out
    assert _command_lines(err) == [], err
    # Warnings about the broken file name it on one line (show reads one file, check none).
    assert args[0] in ("show", "check") or err.splitlines() == [
        "pledgetrack: warning: skipping pledges/x\\n::error file=README.md,line=1::pwned\\n.yaml"
        " (1 error; run pledgetrack check)"]


def test_the_guard_is_only_used_when_needed(tmp_path: Path) -> None:
    root = _ci_root(tmp_path)
    # Outside GitHub Actions the text is printed as it is.
    _, plain, _ = run("show", "ok", "--dir", str(root), env={"GITHUB_ACTIONS": None})
    assert "stop-commands::" not in plain.replace("::stop-commands::token", "")
    _, guarded, _ = run("show", "ok", "--dir", str(root), env=ACTIONS)
    first, *middle, last = guarded.splitlines()
    token = first.removeprefix("::stop-commands::")
    assert re.fullmatch(r"[0-9a-f]{32}", token) and last == f"::{token}::"
    assert "\n".join(middle) + "\n" == plain
    # Harmless data is printed as it is under Actions too.
    (root / "pledges" / "ok.yaml").write_text(VALID.replace("{id}", "ok"))
    _, out, _ = run("show", "ok", "--dir", str(root), env=ACTIONS)
    assert "stop-commands" not in out


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, env={
        **os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@example.org"})


# -- Markdown and HTML -------------------------------------------------------------------------

EVIL_TITLE = ("<script>alert(1)</script> <img src=x onerror=alert(2)> **bold** _em_ "
              "[click](javascript:alert(3)) ![i](http://x/i.png) `code` ~~gone~~ | pipe | "
              "$\\color{red}{PASSED}$ <!-- hide --> &amp; # heading @team :+1: \\")
EVIL_NOTE = "a note\n# heading\n<details open>\n| a | b |\n- list\n```\nfence"


def _markdown_root(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "pledges").mkdir(parents=True)
    pledge = Pledge(
        id="evil", title=EVIL_TITLE, actors=("<b>Japan</b>", "=cmd|' /C calc'!A0"),
        recipients=("[ASEAN](http://evil.example)",), domains=("cyber",),
        tags=("*tag*",), sources=(Source("https://example.org/a"),),
        announced=PartialDate(2025, 10, 26), deadline=PartialDate(2025, 11, 1),
    )
    writer.create(root, pledge)
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "base")
    writer.append_update(root, "evil", Update(
        PartialDate(2025, 11, 20), "stalled", party="<b>Japan</b>", note=EVIL_NOTE,
        sources=(Source("https://example.org/b)](javascript:alert(4))",
                        publisher="<i>Pub</i> **x**"),)), Config())
    _git(root, "commit", "-q", "-am", "head")
    return root


def _inert(markdown: str) -> str:
    """Render ``markdown`` as GitHub would (CommonMark, tables, strike-through) and check that
    record text made no markup: no HTML, no links but http(s) ones, no math, no headings or
    lists beyond the document's own. Returns the rendered HTML."""
    md = MarkdownIt("commonmark").enable("table").enable("strikethrough")
    tokens = md.parse(markdown)

    def walk(items: list[Any]) -> list[Any]:
        out = []
        for tok in items:
            out.append(tok)
            out.extend(walk(tok.children or []))
        return out

    every = walk(tokens)
    kinds = {t.type for t in every}
    assert not kinds & {"html_inline", "html_block", "image", "s_open", "em_open"}, kinds
    for tok in every:
        if tok.type == "link_open":
            assert str(tok.attrGet("href")).startswith(("http://", "https://")), tok
    # No unescaped '$' (GitHub renders $…$ as math, colours and sizes included).
    assert not re.search(r"(?<!\\)\$", markdown), markdown
    rendered = md.render(markdown)
    assert "<script" not in rendered and "<img" not in rendered and "<details" not in rendered
    assert 'href="javascript' not in rendered
    return rendered


def test_markdown_outputs_keep_record_text_inert(tmp_path: Path) -> None:
    root = _markdown_root(tmp_path)
    outputs = {
        "report": run("report", "--format", "markdown", "--dir", str(root)),
        "report-by-actor": run("report", "--format", "markdown", "--by", "actor",
                               "--dir", str(root)),
        "report-by-tag": run("report", "--format", "markdown", "--by", "tag", "--dir",
                             str(root)),
        "report-matrix": run("report", "--format", "markdown", "--matrix", "--dir", str(root)),
        "list": run("list", "--format", "markdown", "--dir", str(root)),
        "diff": run("diff", "HEAD~1", "HEAD", "--format", "markdown", "--dir", str(root)),
    }
    rendered = {}
    for name, (code, out, err) in outputs.items():
        assert code == 0, (name, err)
        # The invisible word joiners that break mentions and autolinks aside.
        rendered[name] = _inert(out).replace("\u2060", "")
        assert "<strong>bold</strong>" not in rendered[name], name
    # The text is all there, as text (the renderer's own escaping of <, > and & aside).
    title = EVIL_TITLE.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for name in ("report", "list", "diff"):
        assert title in rendered[name], (name, rendered[name])
    assert "&lt;b&gt;Japan&lt;/b&gt;" in rendered["report-by-actor"]
    assert "*tag*" in rendered["report-by-tag"]
    assert "&lt;b&gt;Japan&lt;/b&gt;" in rendered["report-matrix"]
    # A multi-line note is one line of text: no heading, list, table or code block of its own.
    assert "a note # heading &lt;details open&gt; | a | b | - list ``` fence" in rendered["diff"]
    assert "<h1>" not in rendered["diff"] and "<pre>" not in rendered["diff"]


# -- spreadsheet formulas ------------------------------------------------------------------------

FORMULAS = {
    "title": "=HYPERLINK(\"http://evil.example\",\"click\")",
    "actor": "+cmd|' /C calc'!A0",
    "domain": "-2+3",
    "tag": "@SUM(1)",
    "note": "=1+1\nsecond line",
    "party": "\t=2",
}


def _formula_root(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    (root / "pledges").mkdir(parents=True)
    writer.create(root, Pledge(
        id="f", title=FORMULAS["title"], actors=(FORMULAS["actor"], FORMULAS["party"]),
        domains=(FORMULAS["domain"],), tags=(FORMULAS["tag"],),
        sources=(Source("https://example.org/a"),), announced=PartialDate(2025, 10, 26),
        updates=(Update(PartialDate(2025, 11, 1), "stalled", party=FORMULAS["party"],
                        note=FORMULAS["note"]),),
    ))
    return root


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_formulas_are_neutralised_in_every_csv_and_kept_raw_on_request(tmp_path: Path) -> None:
    root = _formula_root(tmp_path)
    d = str(root)
    [pledge_row] = _rows(run("export", "--dir", d)[1])
    assert pledge_row["title"] == "'" + FORMULAS["title"]
    assert pledge_row["actors"] == "'" + FORMULAS["actor"] + ";\t=2"
    assert (pledge_row["domains"], pledge_row["tags"]) == ("'-2+3", "'@SUM(1)")
    [raw_row] = _rows(run("export", "--raw", "--dir", d)[1])
    assert raw_row["title"] == FORMULAS["title"]
    [update_row] = _rows(run("export", "--updates", "--dir", d)[1])
    assert (update_row["note"], update_row["party"]) == ("'=1+1\nsecond line", "'\t=2")
    [raw_update] = _rows(run("export", "--updates", "--raw", "--dir", d)[1])
    assert (raw_update["note"], raw_update["party"]) == ("=1+1\nsecond line", "\t=2")
    [listed] = _rows(run("list", "--format", "csv", "--dir", d)[1])
    assert listed["title"] == "'" + FORMULAS["title"]
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
               for cell in listed.values()), listed
    for by in ("actor", "domain", "tag", "party"):
        rows = _rows(run("report", "--format", "csv", "--by", by, "--dir", d)[1])
        cells = [cell for row in rows for cell in row.values()]
        assert all(not c.startswith(("=", "+", "@", "\t", "\r")) for c in cells), (by, cells)
        assert all(not c.startswith("-") or re.fullmatch(r"-\d+(\.\d+)?", c) for c in cells)


def _page_structure(page: str) -> list[tuple[str, tuple[str, ...]]]:
    """The elements of an HTML page in order, each with the names of its attributes."""
    from html.parser import HTMLParser

    found: list[tuple[str, tuple[str, ...]]] = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.append((tag, tuple(sorted(name for name, _ in attrs))))
            for name, value in attrs:
                assert not name.startswith("on"), (tag, name)
                if name in ("href", "src"):
                    assert (value or "").startswith(("https://", "http://", "#", "data:")), value

    Collect().feed(page)
    return found


def test_html_report_structure_does_not_depend_on_record_text(tmp_path: Path) -> None:
    """The HTML report of hostile records has exactly the elements and attributes of the
    report of the same records in plain words: record text never becomes markup (the browser
    tests in tests/render/test_html_report.py check that no script runs)."""
    plain = {"title": "Plain title", "actor": "Japan", "other": "Philippines",
             "note": "plain note", "tag": "plain-tag", "publisher": "Publisher"}
    hostile = {"title": EVIL_TITLE + "\"' onmouseover=alert(5) x=\"",
               "actor": "<b>Japan</b>", "other": "</td></tr><script>alert(6)</script>",
               "note": EVIL_NOTE + "</details><iframe src=javascript:alert(7)>",
               "tag": "\"><svg onload=alert(8)>", "publisher": "<a href=javascript:x>P</a>"}
    pages = []
    for name, words in (("plain", plain), ("hostile", hostile)):
        root = tmp_path / name
        (root / "pledges").mkdir(parents=True)
        writer.create(root, Pledge(
            id="p", title=words["title"], actors=(words["actor"], words["other"]),
            domains=("cyber",), tags=(words["tag"],),
            sources=(Source("https://example.org/a", publisher=words["publisher"]),),
            announced=PartialDate(2025, 10, 26), deadline=PartialDate(2025, 11, 1),
            updates=(Update(PartialDate(2025, 11, 20), "stalled", party=words["actor"],
                            note=words["note"],
                            sources=(Source("https://example.org/b",
                                            title=words["title"]),)),),
        ))
        code, out, err = run("report", "--format", "html", "--by", "actor", "--matrix",
                             "--dir", str(root), env={"SOURCE_DATE_EPOCH": "1761436800"})
        assert code == 0, err
        pages.append(out)
    assert _page_structure(pages[1]) == _page_structure(pages[0])
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages[1]


# -- names that are not UTF-8 --------------------------------------------------------------------


@pytest.fixture
def bad_names(tmp_path: Path) -> Path:
    """A repository with a branch and two pledge files named with bytes that are not UTF-8: one
    that parses (its id differs from its name) and one that does not."""
    root = tmp_path / "repo"
    (root / "pledges").mkdir(parents=True)
    (root / "pledges" / "p.yaml").write_text(VALID.replace("{id}", "p"), "utf-8")
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "base")
    _git(root, "branch", os.fsdecode(b"br\xff"))
    folder = os.fsencode(root / "pledges")
    with open(os.path.join(folder, b"named\xff.yaml"), "w", encoding="utf-8") as handle:
        handle.write(VALID.replace("{id}", "named"))
    with open(os.path.join(folder, b"broken\xfe.yaml"), "w", encoding="utf-8") as handle:
        handle.write("id: [\n")
    return root


@pytest.mark.parametrize("io_encoding", [None, "utf-8:strict"])
@pytest.mark.parametrize("args", [
    ["diff", "-f", "markdown"], ["diff", "-f", "json"], ["diff", "-f", "table"],
    ["diff", os.fsdecode(b"br\xff"), "-f", "markdown"], ["diff", os.fsdecode(b"br\xff")],
    ["diff", os.fsdecode(b"no\xff")], ["diff", os.fsdecode(b"br\xff"), "-f", "json"],
    ["report", "-f", "html", "--search", os.fsdecode(b"\xff")],
    ["report", "-f", "json"], ["list", "-f", "json"], ["list", "-f", "table"],
    ["export", "-f", "csv"], ["check"], ["check", "-f", "json"], ["check", "-f", "github"],
    ["show", os.fsdecode(b"p\xff")],
])
def test_names_that_are_not_utf8_are_shown_with_replacement(
    bad_names: Path, args: list[str], io_encoding: str | None
) -> None:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
           "LC_ALL": "C.UTF-8", "COLUMNS": "200"}
    env.pop("PYTHONIOENCODING", None)
    if io_encoding:
        env["PYTHONIOENCODING"] = io_encoding
    done = subprocess.run([str(SCRIPT), *args], cwd=bad_names, capture_output=True,
                          env=env, timeout=60, check=False)
    err = done.stderr.decode("utf-8")  # strict: no raw invalid byte
    out = done.stdout.decode("utf-8")
    assert "Traceback" not in err, err
    assert done.returncode in (0, 1, 2), err
    if done.returncode == 2:
        assert len(err.splitlines()) == 1, err
    if args[-1] == os.fsdecode(b"no\xff"):
        assert "revision 'no\ufffd' not found" in err
    elif args[0] in ("diff", "check", "list", "report", "export"):
        shown = out + err
        assert "broken\ufffd.yaml" in shown or "named\ufffd" in shown or "br\ufffd" in shown, (
            args, shown)
