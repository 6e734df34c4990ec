"""What --help says: usage lines, the top-level help, and the same words as the docs."""

from __future__ import annotations

import pytest

from tests.clirun import cli
from tests.docs.test_docs import DOCS

WIDE = {"COLUMNS": "200"}


@pytest.mark.parametrize(("command", "usage"), [
    ("rename", "Usage: pledgetrack rename [OPTIONS] OLD NEW"),
    ("show", "Usage: pledgetrack show [OPTIONS] ID"),
    ("update", "Usage: pledgetrack update [OPTIONS] ID"),
    ("edit", "Usage: pledgetrack edit [OPTIONS] ID"),
    ("merge-driver", "Usage: pledgetrack merge-driver [OPTIONS] BASE OURS THEIRS"),
])
def test_required_arguments_are_plain_names_in_usage(command: str, usage: str) -> None:
    result = cli(command, "--help", env=WIDE)
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == usage


def test_top_level_help_names_the_options_that_may_come_before_the_command() -> None:
    text = " ".join(cli("--help", env=WIDE).stdout.split())
    for option in ("--dir PATH", "--color", "--no-cache"):
        assert option in text
    assert "pledgetrack --dir ~/tracker report" in text


def test_export_and_import_raw_list_the_same_characters() -> None:
    export = " ".join(cli("export", "--help", env=WIDE).stdout.split())
    imported = " ".join(cli("import", "--help", env=WIDE).stdout.split())
    assert "=, +, -, @, tab or CR" in export and "=, +, -, @, tab or CR" in imported


def test_matrix_is_pledges_by_parties_as_in_the_readme() -> None:
    help_text = " ".join(cli("report", "--help", env=WIDE).stdout.split())
    words = "pledges \N{MULTIPLICATION SIGN} parties"  # as the README writes it
    assert words in help_text and words in DOCS


def test_the_parties_column_is_listed_wherever_the_columns_are() -> None:
    for command in ("export", "import"):
        text = " ".join(cli(command, "--help", env=WIDE).stdout.split())
        assert "publisher, parties" in text, command
    assert "source_title,publisher`, then `parties`" in DOCS
    assert "| `parties` | optional, for a joint pledge" in DOCS
