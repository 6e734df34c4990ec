"""`pledgetrack edit`: a real editor process (a small script), validation on save."""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

import pytest

from pledgetrack.cli import authoring
from tests.clirun import SCRIPT, cli
from tests.conftest import VALID, WriteFn

# An "editor": applies the edit named by $EDIT_SCRIPT to the file it is given. With a counter
# file it can behave differently the second time it is opened.
EDITOR = """\
import os, sys
from pathlib import Path
path = Path(sys.argv[-1])
count_file = Path(os.environ["EDIT_COUNT"])
count = int(count_file.read_text()) + 1 if count_file.exists() else 1
count_file.write_text(str(count))
actions = os.environ["EDIT_ACTIONS"].split(",")
action = actions[min(count, len(actions)) - 1]
text = path.read_text("utf-8")
if action == "retitle":
    path.write_text(text.replace("in ASEAN", "in Southeast Asia"), "utf-8")
elif action == "break":
    path.write_text(text.replace("announced: 2025-10-26", "announced: someday"), "utf-8")
elif action == "break-many":
    path.write_text(text.replace("announced: 2025-10-26", "announced: 2025-13-01")
                    + "updates:\\n  - date: 2025-11-01\\n    status: done\\n", "utf-8")
elif action == "fix":
    path.write_text(text.replace("announced: someday", "announced: 2025-10-27"), "utf-8")
elif action == "empty":
    path.write_text("", "utf-8")
elif action == "fail":
    sys.exit(3)
elif action == "race":
    Path(os.environ["EDIT_OTHER"]).write_text(text + "# changed meanwhile\\n", "utf-8")
    path.write_text(text.replace("in ASEAN", "in Asia"), "utf-8")
"""


@pytest.fixture(autouse=True)
def temp_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Edited copies go to the system's temporary folder; here, to this test's."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.fixture
def editor(tmp_path: Path) -> str:
    script = tmp_path / "editor.py"
    script.write_text(EDITOR)
    return f"{sys.executable} {script}"


def edit(root: Path, editor: str, actions: str, *, input: str | None = None,
         variable: str = "EDITOR") -> tuple[int, str, str]:
    env = {"VISUAL": None, "EDITOR": None, variable: editor, "EDIT_ACTIONS": actions,
           "EDIT_COUNT": str(root / "count.txt"),
           "EDIT_OTHER": str(root / "pledges" / "p.yaml")}
    result = cli("edit", "p", "--dir", str(root), env=env, input=input)
    return result.exit_code, result.stdout, result.stderr


def kept_copy(err: str) -> Path:
    match = re.search(r"kept at (\S+\.yaml)", err)
    assert match, err
    return Path(match.group(1))


def test_valid_edit_is_saved(data_root: Path, write: WriteFn, editor: str,
                             temp_dir: Path) -> None:
    path = write("p")
    code, out, err = edit(data_root, editor, "retitle")
    assert code == 0, err
    assert out == "" and "saved pledges/p.yaml" in err
    assert path.read_text("utf-8") == VALID.replace("{id}", "p").replace(
        "in ASEAN", "in Southeast Asia")
    assert sorted(p.name for p in (data_root / "pledges").iterdir()) == ["p.yaml"]
    assert list(temp_dir.iterdir()) == []  # the copy is removed once saved


def test_visual_wins_over_editor(data_root: Path, write: WriteFn, editor: str) -> None:
    write("p")
    env = {"VISUAL": editor, "EDITOR": "false-editor-that-does-not-exist",
           "EDIT_ACTIONS": "retitle", "EDIT_COUNT": str(data_root / "count.txt")}
    result = cli("edit", "p", "--dir", str(data_root), env=env)
    assert result.exit_code == 0, result.stderr


def test_errors_off_a_terminal_abort_and_keep_the_copy(
    data_root: Path, write: WriteFn, editor: str
) -> None:
    path = write("p")
    before = path.read_bytes()
    code, _, err = edit(data_root, editor, "break")
    assert code == 1
    assert "pledges/p.yaml:9:12: error: 'announced': 'someday' is not a date" in err
    assert "pledges/p.yaml is unchanged" in err
    copy = kept_copy(err)
    assert "announced: someday" in copy.read_text("utf-8")
    assert path.read_bytes() == before
    assert copy.parent != path.parent  # never where `check` would read it
    copy.unlink()


def test_every_error_is_shown_at_once(data_root: Path, write: WriteFn, editor: str) -> None:
    write("p")
    code, _, err = edit(data_root, editor, "break-many")
    assert code == 1
    assert "pledges/p.yaml:9:12: error: 'announced': '2025-13-01' is not a date" in err
    assert "pledges/p.yaml:15:1: error: update 1: unknown status 'done'" in err
    kept_copy(err).unlink()


def test_errors_on_a_terminal_offer_to_reopen(
    data_root: Path, write: WriteFn, editor: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(authoring, "interactive", lambda: True)
    path = write("p")
    code, _, err = edit(data_root, editor, "break,fix", input="y\n")
    assert code == 0, err
    assert "Reopen the editor to fix them?" in err
    assert (data_root / "count.txt").read_text() == "2"
    # The second session continued from the first one's text.
    assert path.read_text("utf-8") == VALID.replace("{id}", "p").replace(
        "announced: 2025-10-26", "announced: 2025-10-27")


def test_declining_to_reopen_keeps_the_copy(
    data_root: Path, write: WriteFn, editor: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(authoring, "interactive", lambda: True)
    path = write("p")
    before = path.read_bytes()
    code, _, err = edit(data_root, editor, "break", input="n\n")
    assert code == 1
    kept_copy(err).unlink()
    assert path.read_bytes() == before


def test_emptied_file_cancels(data_root: Path, write: WriteFn, editor: str) -> None:
    path = write("p")
    before = path.read_bytes()
    code, _, err = edit(data_root, editor, "empty")
    assert code == 1
    assert "edit cancelled (the file was emptied); pledges/p.yaml is unchanged" in err
    assert path.read_bytes() == before


def test_editor_failure_aborts(data_root: Path, write: WriteFn, editor: str) -> None:
    path = write("p")
    before = path.read_bytes()
    code, _, err = edit(data_root, editor, "fail")
    assert code == 1 and "the editor exited with status 3" in err
    kept_copy(err).unlink()
    assert path.read_bytes() == before


def test_no_change(data_root: Path, write: WriteFn, editor: str) -> None:
    write("p")
    code, _, err = edit(data_root, editor, "nothing")
    assert code == 0 and "no changes to pledges/p.yaml" in err


def test_file_changed_while_editing_is_not_overwritten(
    data_root: Path, write: WriteFn, editor: str
) -> None:
    path = write("p")
    code, _, err = edit(data_root, editor, "race")
    assert code == 1
    assert "changed while you were editing it" in err
    assert path.read_text("utf-8").endswith("# changed meanwhile\n")
    assert "in Asia" in kept_copy(err).read_text("utf-8")


def test_no_editor_off_a_terminal(data_root: Path, write: WriteFn) -> None:
    write("p")
    result = cli("edit", "p", "--dir", str(data_root),
                 env={"VISUAL": None, "EDITOR": None})
    assert result.exit_code == 2
    assert "set $VISUAL or $EDITOR" in result.stderr


def test_edit_can_repair_a_broken_file(data_root: Path, write: WriteFn, editor: str) -> None:
    path = write("p", VALID.replace("{id}", "p").replace("in ASEAN", "in ASEAN: \"x"))
    fixed_script = data_root / "fix.py"
    fixed_script.write_text(
        "import sys\nfrom pathlib import Path\n"
        f"Path(sys.argv[-1]).write_text({VALID.replace('{id}', 'p')!r})\n")
    result = cli("edit", "p", "--dir", str(data_root),
                 env={"VISUAL": None, "EDITOR": f"{sys.executable} {fixed_script}"})
    assert result.exit_code == 0, result.stderr
    assert path.read_text("utf-8") == VALID.replace("{id}", "p")


@pytest.mark.parametrize(("value", "message"), [
    (" ", "$EDITOR is blank; set it to the editor to use"),
    ("\t\n", "$EDITOR is blank; set it to the editor to use"),
    ('vi "x', "$EDITOR cannot be read as a command (no closing quotation): 'vi \"x'"),
    ("vi 'x", "$EDITOR cannot be read as a command (no closing quotation): \"vi 'x\""),
    ("vi x\\", "$EDITOR cannot be read as a command (no escaped character): 'vi x\\\\'"),
])
def test_odd_editor_values_are_one_line_errors(data_root: Path, write: WriteFn,
                                               temp_dir: Path, value: str, message: str) -> None:
    """A real process: exit 2, one line, no traceback, no temporary copy left, the file as it
    was."""
    import os
    import subprocess

    path = write("p")
    before = path.read_bytes()
    env = {k: v for k, v in os.environ.items() if k not in ("VISUAL", "EDITOR")}
    done = subprocess.run(
        [str(SCRIPT), "edit", "p", "--dir", str(data_root)], capture_output=True, text=True,
        timeout=60,
        env={**env, "EDITOR": value, "TMPDIR": str(temp_dir)})
    assert done.returncode == 2, done.stderr
    assert done.stderr == f"pledgetrack: error: {message}\n"
    assert done.stdout == ""
    assert list(temp_dir.iterdir()) == []
    assert path.read_bytes() == before


def test_a_blank_visual_is_named(data_root: Path, write: WriteFn) -> None:
    write("p")
    result = cli("edit", "p", "--dir", data_root, env={"VISUAL": "  ", "EDITOR": "true"})
    assert result.exit_code == 2
    assert result.stderr == "pledgetrack: error: $VISUAL is blank; set it to the editor to use\n"
