"""Every command and every flag is documented in the README or docs/, with help text."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer

from pledgetrack.cli.app import app

ROOT = Path(__file__).resolve().parents[2]
DOCS = "\n".join(
    p.read_text("utf-8") for p in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
)
CLICK_APP = typer.main.get_command(app)
COMMANDS = sorted(CLICK_APP.commands)  # type: ignore[attr-defined]


def test_there_are_commands() -> None:
    assert {"check", "report", "list", "update", "add", "diff"} <= set(COMMANDS)


@pytest.mark.parametrize("name", COMMANDS)
def test_command_is_documented_with_all_its_flags(name: str) -> None:
    command = CLICK_APP.commands[name]  # type: ignore[attr-defined]
    assert command.help, f"{name} has no help text"
    assert f"pledgetrack {name}" in DOCS, f"'pledgetrack {name}' appears nowhere in the docs"
    missing = [
        opt for param in command.params for opt in param.opts
        if opt.startswith("--") and opt != "--help" and opt not in DOCS
    ]
    assert not missing, f"{name}: flags not documented: {missing}"
    undocumented_help = [p.name for p in command.params
                         if p.param_type_name == "option" and not getattr(p, "help", None)]
    assert not undocumented_help, f"{name}: options without --help text: {undocumented_help}"


def test_global_flags_are_documented() -> None:
    for flag in ("--version", "--install-completion", "--dir", "--color", "--format"):
        assert flag in DOCS
