"""Start-up: a command imports only what it needs. Time is measured by benchmarks/run.py; these
tests hold the imports that make it, in real processes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import typer

from pledgetrack.cli.app import COMMAND_MODULES, app
from tests.cache.test_cache import make_data
from tests.clirun import cli

# Runs the executable's entry point and lists, at exit, every module the process imported.
# Its clock runs 10 s ahead (or $PROBE_CLOCK_AHEAD_S): files the test wrote a moment ago count as
# settled (changed more than the caches' 3-second margin before they were looked at).
_PROBE = """
import atexit, os, sys, time
real_ns = time.time_ns
ahead = int(os.environ.get("PROBE_CLOCK_AHEAD_S", "10")) * 10**9
time.time_ns = lambda: real_ns() + ahead
atexit.register(lambda: sys.stderr.write("\\nMODULES " + " ".join(sorted(sys.modules)) + "\\n"))
sys.argv = ["pledgetrack", *sys.argv[1:]]
from pledgetrack.cli.entry import main
main()
"""


def imported(*args: str, env: dict[str, str] | None = None) -> set[str]:
    """The modules a real `pledgetrack ARGS` process imports."""
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, *args],
        capture_output=True, text=True, env={**os.environ, **(env or {})},
    )
    found = re.search(r"^MODULES (.*)$", result.stderr, re.M)
    assert found is not None, result.stderr[-2000:]
    return set(found.group(1).split())


def test_every_command_is_listed_with_the_module_that_defines_it() -> None:
    commands = typer.main.get_command(app).commands  # type: ignore[attr-defined]
    assert set(commands) == set(COMMAND_MODULES)
    for name, command in commands.items():
        module = command.callback.__module__
        assert module == f"pledgetrack.cli.{COMMAND_MODULES[name]}", name


def test_version_imports_neither_typer_nor_yaml() -> None:
    modules = imported("--version")
    assert "pledgetrack" in modules
    assert not {m for m in modules if m.split(".")[0] in ("typer", "yaml", "rich", "typing")}


def make_clean_data(root: Path) -> None:
    make_data(root)
    (root / "pledges" / "dup.yaml").unlink()  # a duplicate id needs the rules module
    old = 1_600_000_000 * 10**9  # written long ago: the cache trusts their modification times
    for path in (root / "pledges").iterdir():
        os.utime(path, ns=(old, old))


def test_a_warm_list_imports_only_what_it_uses(tmp_path: Path) -> None:
    make_clean_data(tmp_path)
    imported("list", "--dir", str(tmp_path))  # fills the cache
    # Another command line: the records
    modules = imported("list", "--dir", str(tmp_path), "--format", "tsv")
    assert "pledgetrack.cli.listing" in modules and "typer" in modules
    for unwanted in ("yaml", "rich", "dateutil", "multiprocessing", "pledgetrack.yamlfile.yamltree",
                     "pledgetrack.cli.authoring", "pledgetrack.cli.diff", "pledgetrack.cli.report",
                     "pledgetrack.checks.rules"):
        assert unwanted not in modules, unwanted


def test_a_warm_check_builds_no_records(tmp_path: Path) -> None:
    from pledgetrack.cache.folder import RACY_NS

    make_clean_data(tmp_path)
    # `check` takes no cached problems it cannot vouch for: not those of a file read within
    # RACY_NS of its last change, nor those whose entry claims a read later than its shard file
    # was written (as a clock set ahead would): the files must really be that old, on the real
    # clock, when the cache is filled.
    time.sleep(RACY_NS / 1e9 + 0.1)
    real_clock = {"PROBE_CLOCK_AHEAD_S": "0"}
    imported("check", "--dir", str(tmp_path), env=real_clock)
    modules = imported("check", "--dir", str(tmp_path), "--format", "text", env=real_clock)
    assert "pledgetrack.cli.check" in modules
    for unwanted in ("yaml", "rich", "pledgetrack.model.records", "pledgetrack.cli.listing"):
        assert unwanted not in modules, unwanted


def test_without_a_cache_the_parser_is_imported(tmp_path: Path) -> None:
    make_data(tmp_path)
    assert "yaml" in imported("list", "--dir", str(tmp_path), env={"PLEDGETRACK_NO_CACHE": "1"})


def test_a_misspelt_command_is_still_suggested() -> None:
    result = subprocess.run([sys.executable, "-m", "pledgetrack", "reprot"],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert "did you mean 'report'?" in result.stderr


def test_records_are_frozen_only_in_the_executable(tmp_path: Path) -> None:
    """gc.freeze() keeps the collector from rescanning the records, but frozen objects are never
    collected: inside another program (here, pytest) it would hold on to their memory."""
    import gc

    make_clean_data(tmp_path)
    before = gc.get_freeze_count()
    result = cli("list", "--dir", str(tmp_path))
    assert result.exit_code == 0
    assert gc.get_freeze_count() == before

    probe = _PROBE.replace('" ".join(sorted(sys.modules))',
                           '"frozen=%d" % __import__("gc").get_freeze_count()')
    run = subprocess.run([sys.executable, "-c", probe, "list", "--dir", str(tmp_path)],
                         capture_output=True, text=True)
    frozen = re.search(r"^MODULES frozen=(\d+)$", run.stderr, re.M)
    assert frozen is not None and int(frozen.group(1)) > 0, run.stderr[-500:]


def test_light_copies_match_their_source() -> None:
    """Constants copied so that a command's start imports less are the same as the originals."""
    from pledgetrack.cli import listing as cli_listing
    from pledgetrack.cli import report as cli_report
    from pledgetrack.git import revisions
    from pledgetrack.queries import reports, selection
    from pledgetrack.yamlfile import pledgefile

    assert cli_listing.SORT_KEYS == selection.SORT_KEYS
    assert cli_report.GROUP_BY == reports.GROUP_BY
    from pledgetrack.queries import trend

    assert cli_report.TREND_PERIODS == trend.PERIODS
    # The file size limit is defined once, beside the reader (light), and copied by git's reader.
    assert revisions.MAX_FILE_BYTES == pledgefile.MAX_FILE_BYTES


def test_ctrl_c_while_loading_is_one_line_and_status_130(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    import pledgetrack.cli.app
    from pledgetrack.cli.entry import main as entry_main

    def interrupted() -> None:
        raise KeyboardInterrupt

    # What Ctrl-C does while the command modules are still being imported.
    monkeypatch.setattr(pledgetrack.cli.app, "main", interrupted)
    monkeypatch.setattr(sys, "argv", ["pledgetrack", "list"])
    with pytest.raises(SystemExit) as exit_info:
        entry_main()
    assert exit_info.value.code == 130
    assert capsys.readouterr().err == "pledgetrack: error: interrupted\n"
