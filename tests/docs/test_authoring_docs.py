"""The README's examples of the authoring commands run, and print what the README says."""

from __future__ import annotations

import datetime as dt
import re
import shlex
import subprocess
from pathlib import Path

import pytest

from pledgetrack.cli import authoring
from pledgetrack.model import dates
from tests.clirun import cli

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text("utf-8")
COMMANDS = ("init", "add", "update", "edit", "show", "import", "merge-driver")


def section(command: str) -> str:
    match = re.search(rf"^### `pledgetrack {command}`\n(.*?)(?=^##)", README, re.M | re.S)
    assert match, f"README has no section for pledgetrack {command}"
    return match.group(1)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_documented_and_has_help(command: str) -> None:
    assert len(section(command)) > 200
    result = cli(command, "--help")
    assert result.exit_code == 0 and "Usage:" in result.stdout
    assert f"pledgetrack {command}" in (REPO / "docs" / "authoring.md").read_text("utf-8")


def console_examples(text: str) -> list[tuple[str, list[str]]]:
    """(command, expected output lines) of each ```console block."""
    examples: list[tuple[str, list[str]]] = []
    for block in re.findall(r"```console\n(.*?)```", text, re.S):
        lines = block.splitlines()
        number = 0
        while number < len(lines):
            command = lines[number][2:]
            while command.endswith("\\"):
                number += 1
                command = command[:-1] + lines[number].strip()
            number += 1
            output = []
            while number < len(lines) and not lines[number].startswith("$ "):
                output.append(lines[number])
                number += 1
            examples.append((command, output))
    return examples


def test_readme_session_runs_as_shown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    day = dt.date(2026, 1, 10)
    monkeypatch.setattr(authoring, "today", lambda: day)
    monkeypatch.setattr(dates, "today", lambda: day)
    monkeypatch.chdir(tmp_path)
    text = "".join(section(c) for c in ("init", "add", "update", "show"))
    examples = console_examples(text)
    assert len(examples) == 5
    for command, expected in examples:
        if command.startswith("git init"):
            subprocess.run(["git", "init", "-q", "my-tracker"], check=True)
            monkeypatch.chdir(tmp_path / "my-tracker")
            continue
        args = shlex.split(command)
        assert args[0] == "pledgetrack"
        result = cli(*args[1:])
        assert result.exit_code == 0, result.stderr
        printed = result.stdout.splitlines() + result.stderr.splitlines()
        for line in expected:
            line = line.replace("/home/me/my-tracker", str(tmp_path / "my-tracker"))
            assert line.rstrip() in printed, (command, line, printed)
