"""Input as people type it: common options before the command, usage errors in one or two
lines, a reader that stops reading, help that names only what works, hints for YAML and for
pledgetrack.yaml."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.clirun import SCRIPT, cli
from tests.conftest import VALID, WriteFn


@pytest.fixture
def root(data_root: Path, write: WriteFn) -> Path:
    write("a")
    write("b")
    return data_root


def test_common_options_before_the_command(root: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    after = cli("report", "--dir", root, "-f", "json")
    before = cli("--dir", root, "report", "-f", "json")
    assert before.exit_code == 0, before.stderr
    assert json.loads(before.stdout)["total"] == json.loads(after.stdout)["total"] == 2
    assert cli(f"--dir={root}", "--no-cache", "check").exit_code == 0
    listed = cli("--color", "never", "-d", root, "list", "-f", "table")
    assert listed.exit_code == 0 and "\x1b[" not in listed.stdout
    # An option the command does not have changes nothing there: it is left out.
    assert cli("--color", "always", "--dir", root, "export", "-f", "json").exit_code == 0


def test_common_options_before_the_command_in_a_real_process(root: Path) -> None:
    done = subprocess.run([str(SCRIPT), "--dir", str(root), "--no-cache", "list", "-f", "tsv"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert [line.split("\t")[0] for line in done.stdout.splitlines()] == ["id", "a", "b"]


def test_usage_errors_are_at_most_two_lines_in_our_style(root: Path) -> None:
    result = cli("list", "--dri", root)
    assert result.exit_code == 2
    assert result.stderr == "pledgetrack: error: no such option '--dri' (did you mean '--dir'?)\n"
    result = cli("lst")
    assert result.exit_code == 2
    assert result.stderr == "pledgetrack: error: no such command 'lst' (did you mean 'list'?)\n"
    result = cli("list", "--dir", root, "-f", "xml")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "pledgetrack: error: invalid value for '--format' / '-f': 'xml' is not one of auto, "
        "table, tsv, markdown, json, csv",
        "Try 'pledgetrack list -h' for help.",
    ]
    result = cli("show")
    assert result.stderr.splitlines() == ["pledgetrack: error: missing argument 'ID'",
                                          "Try 'pledgetrack show -h' for help."]


def test_no_command_shows_the_help_as_lines() -> None:
    result = cli()
    assert result.exit_code == 2
    assert result.stderr.startswith("Usage: pledgetrack [OPTIONS] COMMAND [ARGS]...\n")
    assert "\\n" not in result.stderr and "\n  list " in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(("args", "message"), [
    (["--dir"], "option '--dir' requires an argument"),
    (["-d"], "option '-d' requires an argument"),
    (["--color"], "option '--color' requires an argument"),
    (["--dir", "."], "missing command"),
    (["--dir=.", "--no-cache"], "missing command"),
])
def test_common_options_without_a_command(args: list[str], message: str) -> None:
    result = cli(*args)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"pledgetrack: error: {message}",
                                          "Try 'pledgetrack -h' for help."]


def test_common_options_before_help(root: Path) -> None:
    result = cli("--dir", root, "-h")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("Usage: pledgetrack [OPTIONS] COMMAND")


@pytest.mark.parametrize("reader", ["head -0", "true"])
def test_a_reader_that_stops_reading_is_no_error(tmp_path: Path, reader: str) -> None:
    (tmp_path / "pledges").mkdir()
    for n in range(300):  # more than a pipe holds, so that the writer meets the closed end
        (tmp_path / "pledges" / f"p{n:03d}.yaml").write_text(
            VALID.replace("{id}", f"p{n:03d}"), encoding="utf-8")
    done = subprocess.run(
        f"'{SCRIPT}' list --dir '{tmp_path}' -f json | {reader}; echo \"${{PIPESTATUS[0]}}\"",
        shell=True, executable="/bin/bash", capture_output=True, text=True, check=False)
    assert done.stderr == ""
    assert done.stdout.strip() == "0"


def test_output_help_names_only_the_extensions_that_work() -> None:
    def output_help(command: str) -> str:
        text = " ".join(cli(command, "--help").stdout.split())
        return text.split("-o, --output FILE", 1)[1].split(". ", 2)[1]

    assert output_help("report").endswith(".md, .json, .csv, .txt (table), .html (report)")
    assert output_help("list").endswith(".md, .json, .csv, .tsv, .txt (table)")
    assert output_help("export").endswith(".json, .jsonl, .csv")
    for ext in (".md", ".json", ".csv", ".txt", ".html"):
        assert ext in output_help("report")
    assert ".jsonl" not in output_help("report") and ".tsv" not in output_help("report")


def test_every_extension_report_names_works(root: Path, tmp_path: Path) -> None:
    for ext in (".md", ".json", ".csv", ".txt", ".html"):
        out = tmp_path / f"r{ext}"
        assert cli("report", "--dir", root, "-o", out).exit_code == 0, ext
        assert out.stat().st_size > 0


def test_unknown_setting_suggests_the_closest(root: Path) -> None:
    (root / "pledgetrack.yaml").write_text("stale_after_dayz: 90\n")
    result = cli("list", "--dir", root)
    assert result.exit_code == 2
    assert ("pledgetrack.yaml:1: unknown setting 'stale_after_dayz' (did you mean "
            "'stale_after_days'?)") in result.stderr
    (root / "pledgetrack.yaml").write_text("statuses:\n  - name: done\n    finale: true\n")
    assert "unknown key 'finale' (did you mean 'final'?)" in cli("list", "--dir", root).stderr


@pytest.mark.parametrize(("text", "hint"), [
    ("id: a\ntitle: T\nactors:\n\t- Japan\n",
     "(YAML does not allow tabs for indentation: indent with spaces)"),
    ("id: a\ntitle: Japan: a pledge\nactors: [Japan]\n", "quote text that contains ': '"),
])
def test_yaml_syntax_errors_say_what_to_do(
    data_root: Path, write: WriteFn, yaml_loader: str, text: str, hint: str
) -> None:
    write("a", text)
    result = cli("check", "--dir", data_root)
    assert result.exit_code == 1
    assert "[yaml-syntax]" in result.stdout and hint in result.stdout
