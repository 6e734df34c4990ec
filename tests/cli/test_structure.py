"""The shape of the command layer: every command goes through the workspace for its data, the
output object for what it prints and the error boundary for its exit code; formats come from one
registry that is known without importing the commands."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from pledgetrack.render import registry
from pledgetrack.store.loader import load_dataset
from pledgetrack.store.workspace import Workspace
from tests.clirun import REPO, cli
from tests.conftest import WriteFn

CLI = REPO / "src" / "pledgetrack" / "cli"
# Only the output object writes to the streams; only the executable's entry point writes before
# it exists (`--version`, answered without importing the rest); inputs asks on the terminal.
STREAM_WRITERS = {"output.py", "entry.py", "inputs.py"}


@pytest.mark.parametrize("path", sorted(CLI.glob("*.py")), ids=lambda p: p.name)
def test_commands_print_and_exit_through_one_door(path: Path) -> None:
    text = path.read_text("utf-8")
    if path.name not in STREAM_WRITERS:
        assert not re.search(r"sys\.(stdout|stderr)\.write", text)
    assert "typer.Exit" not in text
    # app.py is the error boundary; entry.py stands before it exists (Ctrl-C while loading).
    assert "sys.exit(" not in text or path.name in ("app.py", "entry.py")
    # The data root and the configuration come from the workspace.
    assert not re.search(r"\b(find_root|load_config)\(", text)


def test_formats_are_known_without_importing_the_commands() -> None:
    code = ("import sys; from pledgetrack.render import registry; "
            "print(registry.choices('pledge'), registry.choices('sources'), "
            "[m for m in sys.modules if m.startswith(('pledgetrack.cli', 'pledgetrack.render.'))"
            " and m != 'pledgetrack.render.registry'])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout == "['text', 'json'] ['table', 'json', 'markdown', 'github'] []\n"


def test_every_format_renders_through_its_module() -> None:
    for kind, formats in registry.FORMATS.items():
        for name, fmt in formats.items():
            assert fmt.name == name
            assert registry.get(kind, name) is fmt.render
    with pytest.raises(Exception, match="unknown format 'xml'; choose from text, json"):
        registry.get("pledge", "xml")


def test_workspace_finds_root_config_and_records_once(data_root: Path, write: WriteFn) -> None:
    write("p")
    (data_root / "pledgetrack.yaml").write_text("stale_after_days: 30\n", encoding="utf-8")
    workspace = Workspace(data_root / "pledges")
    assert workspace.root == data_root
    assert workspace.config.stale_after_days == 30
    assert workspace.config is workspace.config
    dataset = workspace.dataset()
    assert [p.id for p in dataset.pledges] == [p.id for p in load_dataset(data_root).pledges]
    assert dataset.config == workspace.config


def test_exit_codes_come_from_the_commands_and_the_error_boundary(
    data_root: Path, write: WriteFn
) -> None:
    assert cli("check", "--dir", str(data_root)).exit_code == 0
    write("p", raw=b"id: p\ntitle: [\n")
    assert cli("check", "--dir", str(data_root)).exit_code == 1  # returned by the command
    missing = cli("check", "--dir", str(data_root / "nowhere"))  # raised, turned into a code
    assert (missing.exit_code, missing.stdout) == (2, "")
    assert missing.stderr.startswith("pledgetrack: error: data folder")
