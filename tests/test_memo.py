"""Kept answers (store.memo): a repeated `report`, `list`, `check` or `export` is answered from what
the last run wrote, exactly, and only while nothing it depends on has changed. Every test runs the
real executable's entry point in a real process, on real files."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pledgetrack.store import memo
from pledgetrack.store.cachedir import RACY_NS
from tests.test_cache import make_data

# The executable's entry point in a process that reports, at exit, whether it loaded any data
# (a kept answer needs neither the command-line parser nor the loader).
_DRIVER = """
import atexit, os, sys, time
later = os.environ.get("FAKE_LATER")
if later:  # run as if some seconds later, so that files written just now have settled
    real_ns = time.time_ns
    time.time_ns = lambda: real_ns() + int(float(later) * 1e9)
fake_day = __import__("os").environ.get("FAKE_DAY")
if fake_day:  # another day, as the clock would say it
    real = time.localtime
    time.localtime = lambda *a: time.struct_time((*map(int, fake_day.split("-")), *real(*a)[3:]))
def report():
    loaded = any(m in sys.modules for m in ("typer", "pledgetrack.store.loader"))
    sys.stderr.write("\\nLOADED %s\\n" % loaded)
atexit.register(report)
sys.argv = ["pledgetrack", *sys.argv[1:]]
# As the installed script runs: its own folder first on the import path, not the current one
# (whose time changes with the test's edits, and would make every question new).
sys.path[0] = __import__("os").path.dirname(sys.executable)
from pledgetrack.cli.entry import main
main()
"""

OLD = 1_600_000_000 * 10**9  # long before any run: files that are not being edited
RACY_S = RACY_NS / 10**9 + 0.1


class Run:
    def __init__(self, result: subprocess.CompletedProcess[str]) -> None:
        found = re.search(r"\nLOADED (True|False)\n\Z", result.stderr)
        assert found is not None, result.stderr[-2000:]
        self.loaded = found.group(1) == "True"
        self.stdout = result.stdout
        self.stderr = result.stderr[:found.start()]
        self.code = result.returncode

    @property
    def output(self) -> tuple[str, str, int]:
        return (self.stdout, self.stderr, self.code)


def run(*args: str, cwd: Path, env: dict[str, str] | None = None, settled: bool = True) -> Run:
    """A real process. ``settled``: its clock runs ahead by more than the margin for files
    changed just before a look, as if the test had waited that long."""
    later = {"FAKE_LATER": str(RACY_S + 1)} if settled else {}
    return Run(subprocess.run(
        [sys.executable, "-c", _DRIVER, *args], capture_output=True, text=True, cwd=cwd,
        env={**os.environ, **later, **(env or {})},
    ))


def age(root: Path, when: int = OLD) -> None:
    """Give every file an old modification time: answers are kept only for settled files."""
    for path in [root / "pledgetrack.yaml", *(root / "pledges").iterdir()]:
        if path.exists() and not path.is_symlink():
            os.utime(path, ns=(when, when))


def fresh(*args: str, cwd: Path, env: dict[str, str] | None = None) -> tuple[str, str, int]:
    """What the command says without any cache (nor any kept answer)."""
    result = run(*args, cwd=cwd, env={**(env or {}), "PLEDGETRACK_NO_CACHE": "1"})
    assert result.loaded
    return result.output


def answers(cache_home: Path) -> list[Path]:
    folder = cache_home / memo.FOLDER
    return sorted(folder.iterdir()) if folder.exists() else []


@pytest.fixture
def data(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    make_data(root)  # 12 pledges, a broken file, a warning, a duplicate id
    age(root)
    return root


COMMANDS = [
    ["report", "--format", "json"],
    ["report", "--format", "markdown", "--by", "domain", "--as-of", "2026-06-30"],
    ["report", "--format", "csv", "--matrix"],
    ["list"],
    ["list", "--format", "json", "--status", "delivered", "--sort", "updated"],
    ["check"],
    ["check", "--format", "json", "--strict"],
    ["export", "--format", "csv", "--updates"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_a_repeated_command_is_answered_as_it_was_without_loading(
    data: Path, cache_home: Path, args: list[str]
) -> None:
    first = run(*args, "--dir", str(data), cwd=data)
    assert first.loaded
    assert first.stdout  # something to compare
    assert first.code in (0, 1)
    if args[0] != "check":
        assert "skipping pledges/broken.yaml" in first.stderr  # warnings are part of it
    assert len(answers(cache_home)) == 1
    second = run(*args, "--dir", str(data), cwd=data)
    assert not second.loaded
    assert second.output == first.output == fresh(*args, "--dir", str(data), cwd=data)


def test_check_keeps_its_exit_code_and_both_streams(data: Path) -> None:
    first = run("check", cwd=data)  # the data root found from the current folder
    second = run("check", cwd=data)
    assert not second.loaded
    assert second.code == first.code == 1  # the broken file and the duplicate id
    assert "broken.yaml" in second.stdout and "checked 15 files" in second.stderr
    assert second.output == first.output


def change_content_same_size(root: Path) -> None:
    path = root / "pledges" / "p03.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("status: broken", "status: brokem"), encoding="utf-8")
    assert path.stat().st_size == len(text.encode())


def add_file(root: Path) -> None:
    (root / "pledges" / "p99.yaml").write_bytes((root / "pledges" / "p02.yaml").read_bytes()
                                                .replace(b"p02", b"p99"))


def remove_file(root: Path) -> None:
    (root / "pledges" / "p05.yaml").unlink()


def rename_file(root: Path) -> None:
    (root / "pledges" / "p05.yaml").rename(root / "pledges" / "p05-moved.yaml")


def change_config(root: Path) -> None:
    path = root / "pledgetrack.yaml"  # `cyber` is no longer a domain: every pledge is wrong
    path.write_text(path.read_text(encoding="utf-8").replace("cyber:", "cyber-security:"),
                    "utf-8")


def remove_config(root: Path) -> None:
    (root / "pledgetrack.yaml").unlink()


def link_file(root: Path) -> None:
    target = root / "elsewhere.yaml"
    target.write_bytes((root / "pledges" / "p04.yaml").read_bytes())
    (root / "pledges" / "p04.yaml").unlink()
    (root / "pledges" / "p04.yaml").symlink_to(target)


def make_unreadable(root: Path) -> None:
    (root / "pledges" / "p06.yaml").chmod(0)  # the time of modification stays


def restore_the_time(root: Path) -> None:
    """An edit that keeps the size and sets the modification time back (as `touch -d` or an
    archive tool can): the status-change time still moves."""
    path = root / "pledges" / "p03.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("status: broken", "status: brokem"), encoding="utf-8")
    os.utime(path, ns=(OLD, OLD))


CHANGES = [change_content_same_size, add_file, remove_file, rename_file, change_config,
           remove_config, link_file, make_unreadable, restore_the_time]


@pytest.mark.parametrize("change", CHANGES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("args", [["report", "--format", "json", "--by", "domain"],
                                  ["check"]], ids=" ".join)
def test_any_change_to_the_data_is_seen(
    data: Path, change: object, args: list[str]
) -> None:
    before = run(*args, cwd=data)
    assert run(*args, cwd=data).output == before.output
    assert callable(change)
    change(data)
    if change is not restore_the_time:
        age(data, OLD + 10**9)  # a time of its own, long enough ago
    if change is make_unreadable and os.access(data / "pledges" / "p06.yaml", os.R_OK):
        pytest.skip("this user reads files whatever their permissions (root)")
    after = run(*args, cwd=data)
    assert after.loaded
    assert after.output == fresh(*args, cwd=data)
    again = run(*args, cwd=data)
    assert not again.loaded and again.output == after.output


def test_files_modified_just_now_are_not_kept(tmp_path: Path, cache_home: Path) -> None:
    make_data(tmp_path)  # written a moment ago: an edit in the same clock tick could go unseen
    run("report", "--format", "json", cwd=tmp_path, settled=False)
    assert run("report", "--format", "json", cwd=tmp_path, settled=False).loaded
    assert answers(cache_home) == []
    time.sleep(RACY_S)  # now they have settled
    run("report", "--format", "json", cwd=tmp_path, settled=False)
    assert not run("report", "--format", "json", cwd=tmp_path, settled=False).loaded


@pytest.mark.parametrize("context", ["argument", "folder", "environment", "day"])
def test_the_same_question_asked_differently_is_not_the_same_answer(
    data: Path, context: str
) -> None:
    args = ["report", "--format", "json", "--dir", str(data)]
    run(*args, cwd=data)
    assert not run(*args, cwd=data).loaded
    env: dict[str, str] = {}
    cwd = data
    if context == "argument":
        args.append("--matrix")
    elif context == "folder":
        cwd = data / "pledges"
    elif context == "environment":
        env = {"NO_COLOR": "1"}
    else:
        env = {"FAKE_DAY": "2031-01-02"}
    other = run(*args, cwd=cwd, env=env)
    assert other.loaded
    assert other.output == fresh(*args, cwd=cwd, env=env)


def test_a_data_root_found_elsewhere_is_a_new_question(data: Path) -> None:
    sub = data / "notes"
    sub.mkdir()
    first = run("list", "--format", "json", cwd=sub)  # the data root is found above
    # 12 pledges and typo.yaml (a warning only); dup.yaml declares p01's id and is left out
    assert len(json.loads(first.stdout)) == 13
    assert not run("list", "--format", "json", cwd=sub).loaded
    (sub / "pledges").mkdir()  # now `notes` is a data root of its own, with no pledges
    now = run("list", "--format", "json", cwd=sub)
    assert now.loaded and json.loads(now.stdout) == []


@pytest.mark.parametrize("args,env", [
    (["report", "--format", "json", "--no-cache"], {}),
    (["report", "--format", "json"], {"PLEDGETRACK_NO_CACHE": "1"}),
    (["report", "-o", "out.json"], {}),
    (["report", "--output=out.md"], {}),
    (["report", "--format", "html"], {"SOURCE_DATE_EPOCH": "1767225600"}),
    (["list", "--status", "delivred"], {}),  # a usage error
    (["show", "p01"], {}),  # only the commands that read the whole data root
], ids=lambda v: " ".join(v) if isinstance(v, list) else "")
def test_runs_that_are_never_kept(
    data: Path, cache_home: Path, args: list[str], env: dict[str, str]
) -> None:
    run(*args, cwd=data, env=env)
    assert run(*args, cwd=data, env=env).loaded
    assert answers(cache_home) == []


@pytest.mark.parametrize("damage", ["garbage", "truncated", "flipped", "other question"])
def test_a_damaged_answer_is_never_used(data: Path, cache_home: Path, damage: str) -> None:
    args = ("report", "--format", "json", "--by", "actor")
    expected = run(*args, cwd=data).output
    [path] = answers(cache_home)
    content = path.read_bytes()
    if damage == "garbage":
        path.write_bytes(os.urandom(len(content)))
    elif damage == "truncated":
        path.write_bytes(content[:len(content) // 2])
    elif damage == "flipped":
        path.write_bytes(content[:-5] + bytes([content[-5] ^ 1]) + content[-4:])
    else:  # a valid answer, of another command line, under this one's name
        run("list", "--format", "json", cwd=data)
        [other] = [p for p in answers(cache_home) if p != path]
        path.write_bytes(other.read_bytes())
    result = run(*args, cwd=data)
    assert result.loaded and result.output == expected
    assert not run(*args, cwd=data).loaded  # kept again, whole


def test_guarded_text_gets_a_new_guard_each_time(tmp_path: Path) -> None:
    """Under GitHub Actions, text for people whose lines could be workflow commands is wrapped
    in ::stop-commands:: with a random token; a kept answer is wrapped anew."""
    make_data(tmp_path)
    path = tmp_path / "pledges" / "p00.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "tags:\n  - '::warning::x'\n",
                    encoding="utf-8")
    age(tmp_path)
    env = {"GITHUB_ACTIONS": "true"}
    args = ("report", "--format", "table", "--by", "tag")  # group names start lines
    first = run(*args, cwd=tmp_path, env=env)
    second = run(*args, cwd=tmp_path, env=env)
    assert not second.loaded
    tokens = [re.findall(r"^::stop-commands::(\w+)$", r.stdout, re.M) for r in (first, second)]
    assert all(len(t) == 1 for t in tokens) and tokens[0] != tokens[1]
    assert first.stdout.replace(tokens[0][0], "T") == second.stdout.replace(tokens[1][0], "T")


def test_the_key_covers_the_installed_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "pkg" / "pledgetrack"
    (package / "store").mkdir(parents=True)
    (package / "store" / "memo.py").write_text("# a copy\n")
    (package / "reports.py").write_text("x = 1\n")
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.setattr(memo, "__file__", str(package / "store" / "memo.py"))
    monkeypatch.setattr(sys, "path", [str(site)])
    argv = ["report", "--format", "json"]
    first = memo.key(argv)
    assert memo.key(argv) == first
    os.utime(package / "reports.py", ns=(OLD, OLD))  # the code was edited
    second = memo.key(argv)
    assert second != first
    (site / "rich-99.dist-info").mkdir()  # a dependency was installed or upgraded
    os.utime(site, ns=(OLD + 1, OLD + 1))
    assert memo.key(argv) != second


def test_only_the_newest_answers_are_kept(tmp_path: Path) -> None:
    for i in range(memo.MAX_ENTRIES + 5):
        path = tmp_path / f"{i:03d}.bin"
        path.write_bytes(b"x")
        os.utime(path, ns=(OLD + i, OLD + i))
    memo._prune(tmp_path)
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == [f"{i:03d}.bin" for i in range(5, memo.MAX_ENTRIES + 5)]


def test_the_folder_of_answers_stays_small(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memo, "MAX_TOTAL", 10_000)
    for i in range(5):
        path = tmp_path / f"{i}.bin"
        path.write_bytes(b"x" * 3_000)
        os.utime(path, ns=(OLD + i, OLD + i))
    memo._prune(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2.bin", "3.bin", "4.bin"]


def test_a_link_to_the_data_that_now_leads_elsewhere_is_a_new_question(tmp_path: Path) -> None:
    """Renaming a folder changes no time of the files in it: the path the link leads to is part
    of what a kept answer must find the same (annotations are relative to the workspace)."""
    make_data(tmp_path / "a")
    (tmp_path / "data").symlink_to("a")
    work = tmp_path / "work"  # a folder of its own: nothing in it changes
    work.mkdir()
    env = {"GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(tmp_path)}
    args = ("check", "--dir", "../data")
    first = run(*args, cwd=work, env=env)
    assert "file=a/pledges/broken.yaml" in first.stdout
    assert not run(*args, cwd=work, env=env).loaded
    (tmp_path / "a").rename(tmp_path / "b")
    (tmp_path / "data").unlink()
    (tmp_path / "data").symlink_to("b")
    now = run(*args, cwd=work, env=env)
    assert now.loaded and "file=b/pledges/broken.yaml" in now.stdout
    assert now.output == fresh(*args, cwd=work, env=env)


def test_moving_about_in_the_shell_keeps_the_answer(data: Path, cache_home: Path) -> None:
    args = ("report", "--format", "json")
    first = run(*args, cwd=data, env={"OLDPWD": "/", "SHLVL": "1", "_": "/usr/bin/env"})
    again = run(*args, cwd=data, env={"OLDPWD": "/tmp", "SHLVL": "3", "_": "/bin/sh"})
    assert not again.loaded and again.output == first.output
    # A value of the variable that leaves the cache on, as --no-cache reads it.
    run(*args, cwd=data, env={"PLEDGETRACK_NO_CACHE": "false"})
    assert not run(*args, cwd=data, env={"PLEDGETRACK_NO_CACHE": "false"}).loaded


def test_an_answer_used_is_the_last_to_go(data: Path, cache_home: Path) -> None:
    run("list", cwd=data)
    [path] = answers(cache_home)
    os.utime(path, ns=(OLD, OLD))
    assert not run("list", cwd=data).loaded
    assert path.stat().st_mtime_ns > OLD


@pytest.mark.parametrize("args", [("list",), ("list", "--help"), ("report", "-o", "r.md")])
def test_a_closed_standard_output_is_one_line(data: Path, args: tuple[str, ...]) -> None:
    shell = f"{sys.executable} -m pledgetrack {' '.join(args)} >&-"
    for _ in range(2):  # worked out, then (for `list`) from the kept answer
        result = subprocess.run(shell, shell=True, cwd=data, capture_output=True, text=True,
                                env={**os.environ, "FAKE_LATER": "10"})
        if args[-1] == "r.md":
            assert result.returncode == 0 and (data / "r.md").exists()
            continue
        assert result.returncode == 1
        assert result.stderr.splitlines()[-1] == "pledgetrack: error: standard output is closed"
        assert "Traceback" not in result.stderr
