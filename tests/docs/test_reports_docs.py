"""The documentation of list, report and export matches what the commands do."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest

from tests.clirun import cli
from tests.fixture_reports import AS_OF_TEXT, make_root

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text(encoding="utf-8")
REPORTS_DOC = (REPO / "docs" / "reports.md").read_text(encoding="utf-8")


def _examples() -> list[str]:
    """Command lines of list, report and export shown in the README's code blocks."""
    found = []
    for block in re.findall(r"```(?:sh|console)\n(.*?)```", README, re.S):
        for line in block.splitlines():
            line = line.removeprefix("$ ")
            if re.match(r"pledgetrack (list|report|export)\b", line):
                # The pledgetrack part only: drop pipes, redirections and comments.
                command = re.split(r"\s[|>#]|\s>>", line)[0]
                found.append(command.strip())
    return found


EXAMPLES = _examples()


def test_the_readme_has_examples_of_each_command() -> None:
    for command in ("list", "report", "export"):
        assert any(e.startswith(f"pledgetrack {command}") for e in EXAMPLES), command
        assert f"### `pledgetrack {command}`" in README


@pytest.mark.parametrize("example", EXAMPLES)
def test_readme_examples_run_on_the_bundled_data(
    example: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # files written by -o land here
    args = shlex.split(example)[1:]
    if "--intro" in args:  # the README writes this file on the line before
        (tmp_path / args[args.index("--intro") + 1]).write_text(
            "# About\nFollow-through on the [summit](https://example.org/summit) pledges.\n",
            encoding="utf-8")
    result = cli(*args, "--dir", str(REPO))
    assert result.exit_code == 0, (example, result.stderr)


def test_readme_report_example_is_real_output() -> None:
    block = re.search(r"\$ pledgetrack report --as-of 2025-12-31 --by party\n(.*?)```",
                      README, re.S)
    assert block is not None
    result = cli("report", "--as-of", "2025-12-31", "--by", "party",
                 "-f", "table", "--dir", str(REPO))
    assert result.stdout.strip() == block.group(1).strip()


def _subset(expected: Any, actual: Any, where: str = "") -> None:
    """Every key and value of the documented example is in the real output (lists of the example
    are shortened: their items must appear in the real list)."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), where
        for key, value in expected.items():
            assert key in actual, f"{where}.{key}"
            _subset(value, actual[key], f"{where}.{key}")
    elif isinstance(expected, list) and expected and isinstance(expected[0], dict):
        for item in expected:
            match = [a for a in actual if a.get("id") == item.get("id")]
            assert match, f"{where}: {item.get('id')}"
            _subset(item, match[0], where)
    else:
        assert expected == actual, where


def test_documented_json_shape_matches_the_fixture(tmp_path: Path) -> None:
    block = re.search(r"```json\n(.*?)```", REPORTS_DOC, re.S)
    assert block is not None
    documented = json.loads(block.group(1))
    root = make_root(tmp_path)
    result = cli("report", "--dir", str(root), "--as-of", AS_OF_TEXT,
                 "--by", "party", "--matrix", "-f", "json")
    actual = json.loads(result.stdout)
    _subset(documented, actual)
    # Every top-level key of the real output is documented in the key table.
    for key in actual:
        assert f"| `{key}`" in REPORTS_DOC or f"`{key}`" in REPORTS_DOC, key


def test_every_option_of_the_three_commands_is_documented() -> None:
    for command in ("list", "report", "export"):
        help_text = cli(command, "--help").stdout
        for option in set(re.findall(r"(--[a-z][a-z-]+)", help_text)) - {"--help"}:
            assert option in README or option in REPORTS_DOC, (command, option)


def _changes_examples() -> list[str]:
    """`changes` command lines in the code blocks of the README and docs/reports.md."""
    found = []
    for text in (README, REPORTS_DOC):
        for block in re.findall(r"```(?:sh|console)\n(.*?)```", text, re.S):
            for line in block.splitlines():
                line = line.removeprefix("$ ")
                if line.startswith("pledgetrack changes"):
                    found.append(re.split(r"\s[|>#]|\s>>", line)[0].strip())
    return found


def test_changes_examples_with_a_period_or_a_title_close_their_window() -> None:
    # A page titled for a quarter must not run to today: with --since alone the window ends on
    # the day the command runs, which reads oddly under "The quarter in pledges".
    examples = _changes_examples()
    assert examples
    for example in examples:
        args = shlex.split(example)
        since = args[args.index("--since") + 1]
        if "--title" in args or "-o" in args or "Q" in since:
            assert "--until" in args, example
