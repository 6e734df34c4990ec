"""What reaches a reader of pledgetrack's output, whatever the format: a GitHub Actions runner
(workflow commands), a terminal (control characters), a stream whose encoding lacks characters.

Every test runs the installed executable in a real process: with pipes, with stdout redirected
to a regular file, or on a real pseudo-terminal.
"""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import time
from pathlib import Path

import pytest

from pledgetrack.render.guard import CommandGuard, escape_controls, neutralise_commands
from tests.clirun import SCRIPT
from tests.conftest import VALID

pytestmark = pytest.mark.reliability

PLEDGETRACK = str(SCRIPT)


def run(*args: str, env: dict[str, str | None] | None = None,
        stdout: object = subprocess.PIPE) -> tuple[int, str, str]:
    full = {k: v for k, v in os.environ.items() if k not in ("GITHUB_ACTIONS", "NO_COLOR",
                                                             "FORCE_COLOR")}
    for key, value in (env or {}).items():
        if value is None:
            full.pop(key, None)
        else:
            full[key] = value
    done = subprocess.run([PLEDGETRACK, *args], stdout=stdout, stderr=subprocess.PIPE,
                          env=full, timeout=120)
    out = done.stdout.decode("utf-8", "replace") if done.stdout is not None else ""
    return done.returncode, out, done.stderr.decode("utf-8", "replace")


def command_lines(text: str) -> list[str]:
    """The lines a GitHub Actions runner acts on as workflow commands: lines end at LF, CR or
    CRLF; a line is a command when it starts with '::' after white space, or holds '##['
    anywhere; none is, from ::stop-commands::TOKEN to ::TOKEN::."""
    commands: list[str] = []
    stop: str | None = None
    for line in re.split(r"\r\n|\r|\n", text):
        stripped = line.lstrip()
        if stop is not None:
            if line == f"::{stop}::":
                stop = None
            continue
        if stripped.startswith("::stop-commands::"):
            stop = stripped.removeprefix("::stop-commands::")
            continue
        if stripped.startswith("::") or "##[" in line:
            commands.append(line)
    return commands


def unwrap(text: str) -> str:
    """``text`` without the stop-commands envelope, checked to be well formed."""
    match = re.search(r"(?m)^::stop-commands::([0-9a-f]{32})\n", text)
    if match is None:
        return text
    token = match.group(1)
    assert text.endswith(f"::{token}::\n"), text[-200:]
    assert text.count(token) == 2
    return text[:match.start()] + text[match.end():-len(f"::{token}::\n")]


# -- hostile data ------------------------------------------------------------------------------

PLEDGE = """\
id: {id}
title: "{title}"
actors:
  - Japan
  - "{actor}"
recipients:
  - "{actor}"
domains:
  - cyber
tags:
  - "{actor}"
announced: 2025-10-26
summary: "ok\\n::add-mask::secret\\n::error title=pwned::from summary"
quote: "a\\r::warning::after a carriage return"
criteria: "  ::notice::indented"
sources:
  - url: https://example.org/summit
    publisher: Example News
updates:
  - date: 2025-11-01
    status: stalled
    party: "{actor}"
    note: "first\\n##[add-mask]legacy syntax\\n::error::note"
"""


def hostile_root(tmp_path: Path, *, actor: str = "::error::actor",
                 title: str = "Title ##[warning]legacy") -> Path:
    root = tmp_path / "data"
    (root / "pledges").mkdir(parents=True)
    (root / "pledges" / "evil.yaml").write_text(
        PLEDGE.format(id="evil", title=title, actor=actor), encoding="utf-8")
    (root / "pledges" / "calm.yaml").write_text(VALID.replace("{id}", "calm"), encoding="utf-8")
    return root


ACTIONS = {"GITHUB_ACTIONS": "true"}

DATA_COMMANDS = [
    ["export"], ["export", "--updates"], ["export", "--format", "json"],
    ["export", "--format", "jsonl"], ["export", "--updates", "--format", "jsonl"],
    ["report", "--format", "csv", "--by", "actor"], ["report", "--format", "csv", "--by", "tag"],
    ["report", "--format", "csv", "--by", "recipient"],
    ["report", "--format", "csv", "--by", "party"], ["report", "--format", "csv", "--matrix"],
    ["report", "--format", "json", "--by", "party"], ["report", "--format", "markdown"],
    ["report", "--format", "table", "--by", "actor", "--matrix"],
    ["report", "--format", "html"], ["list", "--format", "csv"], ["list", "--format", "tsv"],
    ["list", "--format", "json"], ["list", "--format", "markdown"], ["list", "--format", "table"],
    ["show", "evil"], ["show", "evil", "--format", "json"], ["check", "--format", "text"],
    ["check", "--format", "json"], ["statuses"],
]


@pytest.mark.parametrize("args", DATA_COMMANDS, ids=" ".join)
def test_no_line_starts_a_workflow_command_under_actions(tmp_path: Path,
                                                         args: list[str]) -> None:
    """Under GitHub Actions, with stdout a pipe, no line of stdout or stderr is a workflow
    command; the data between the envelope's lines is exactly what is printed elsewhere."""
    root = hostile_root(tmp_path)
    code, out, err = run(*args, "--dir", str(root), env=ACTIONS)
    assert code in (0, 1), err
    assert command_lines(out) == [], out
    assert command_lines(err) == [], err
    _, plain, _ = run(*args, "--dir", str(root), env={"GITHUB_ACTIONS": None})
    if args[0] != "report" or "html" not in args:  # the page holds its generation time
        assert unwrap(out) == plain


def test_the_envelope_is_only_there_when_needed(tmp_path: Path) -> None:
    root = hostile_root(tmp_path)
    _, out, _ = run("export", "--dir", str(root), env=ACTIONS)
    # Written as it is made: the header line goes out before the first line that needs it.
    assert out.startswith("id,title,") and "\n::stop-commands::" in out
    (root / "pledges" / "evil.yaml").unlink()
    _, out, _ = run("export", "--dir", str(root), env=ACTIONS)
    assert "stop-commands" not in out and out.startswith("id,title,")


def test_a_regular_file_or_output_option_gets_the_data_as_it_is(tmp_path: Path) -> None:
    """`> out.csv` and `-o out.csv` are files, not the log: nothing is added."""
    root = hostile_root(tmp_path)
    _, plain, _ = run("export", "--dir", str(root))
    target = tmp_path / "redirected.csv"
    with target.open("wb") as handle:
        code, _, err = run("export", "--dir", str(root), env=ACTIONS, stdout=handle)
    assert code == 0, err
    assert target.read_bytes().decode("utf-8") == plain
    assert "::add-mask::secret" in plain
    code, out, err = run("export", "--dir", str(root), "-o", str(tmp_path / "o.csv"),
                         env=ACTIONS)
    assert code == 0 and out == "", err
    assert (tmp_path / "o.csv").read_bytes().decode("utf-8") == plain


def test_messages_on_stderr_are_changed_in_place(tmp_path: Path) -> None:
    """A broken file whose name holds the legacy syntax: the warning that names it is changed
    on its line (stderr never stops the runner: its lines may be read before stdout's)."""
    root = hostile_root(tmp_path)
    (root / "pledges" / "##[add-mask]x.yaml").write_text("id: [\n", encoding="utf-8")
    code, _, err = run("list", "--format", "csv", "--dir", str(root), env=ACTIONS)
    assert code == 0
    assert command_lines(err) == []
    assert "skipping pledges/##\\[add-mask]x.yaml (1 error; run pledgetrack check)" in err
    assert "stop-commands" not in err
    # Usage errors from the command-line parser take the same path.
    code, _, err = run("list", "--sort", "x\n::error::y", "--dir", str(root), env=ACTIONS)
    assert code == 2 and command_lines(err) == [], err


def test_check_github_annotations_are_still_commands(tmp_path: Path) -> None:
    root = hostile_root(tmp_path)
    (root / "pledges" / "calm.yaml").write_text(VALID.replace("{id}", "other"))
    code, out, _ = run("check", "--dir", str(root), env=ACTIONS)
    assert code == 1
    assert "stop-commands" not in out
    assert any(line.startswith("::error file=pledges/calm.yaml,") for line in out.splitlines())


def test_command_guard_across_writes() -> None:
    """A command split over two writes, a line without its end, blank lines before '::'."""
    guard = CommandGuard(envelope=True)
    out = guard.feed("a,b\n  :") + guard.feed(":error::x\nlast")
    out += guard.close()
    token = out.split("\n")[1].removeprefix("::stop-commands::")
    assert out == f"a,b\n::stop-commands::{token}\n  ::error::x\nlast\n::{token}::\n"
    guard = CommandGuard(envelope=True)
    assert guard.feed("safe\n") + guard.feed("also safe") + guard.close() == "safe\nalso safe"
    # A line held back when the runner is stopped goes out before what comes next.
    guard = CommandGuard(envelope=True)
    out = guard.feed("a\nb ##[x]\nhel") + guard.feed("d\n") + guard.feed("end") + guard.close()
    token = out.split("\n")[0].removeprefix("::stop-commands::")
    assert out == f"::stop-commands::{token}\na\nb ##[x]\nheld\nend\n::{token}::\n"
    assert neutralise_commands("x\n ::a\n##[b]\u2028::c") == "x\n \\::a\n##\\[b]\u2028\\::c"


# -- control characters ------------------------------------------------------------------------

TERMINAL_TITLE = "A \\e]0;OWNED\\a \\e[2J \\x9b31m \\x7f end"


def read_terminal(args: list[str], env: dict[str, str]) -> str:
    """Run pledgetrack with stdout and stderr on a real pseudo-terminal; all it showed."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: its stdin, stdout and stderr are the terminal
        os.execve(PLEDGETRACK, [PLEDGETRACK, *args], env)
    chunks = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 1)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(fd)
    os.waitpid(pid, 0)
    return b"".join(chunks).decode("utf-8", "replace")


def _raw_controls(screen: str) -> list[str]:
    """Control characters that are not line ends, tabs or whole colour sequences."""
    without_colour = re.sub(r"\x1b\[[0-9;]*m", "", screen).replace("\r\n", "\n")
    return re.findall(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", without_colour)


TERMINAL_COMMANDS = [
    ["list"], ["list", "--format", "tsv"], ["report", "--by", "actor"], ["report", "--matrix"],
    ["show", "evil"], ["check"], ["export"], ["export", "--format", "json"], ["statuses"],
]


@pytest.mark.parametrize("colour", ["colour", "no-colour"])
@pytest.mark.parametrize("args", TERMINAL_COMMANDS, ids=" ".join)
def test_control_characters_never_reach_a_terminal(tmp_path: Path, args: list[str],
                                                   colour: str) -> None:
    root = hostile_root(tmp_path, title=TERMINAL_TITLE, actor="Act\\e[8mor")
    # A broken file whose name holds an escape sequence: named in a warning ("skipping …").
    (root / "pledges" / "bad\x1b[2J.yaml").write_text("id: [\n", encoding="utf-8")
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/"),
           "PLEDGETRACK_CACHE_DIR": os.environ["PLEDGETRACK_CACHE_DIR"], "TERM": "xterm",
           "COLUMNS": "200", "LINES": "50"}
    if colour == "no-colour":
        env["NO_COLOR"] = "1"
    screen = read_terminal([*args, "--dir", str(root)], env)
    assert "Traceback" not in screen, screen
    assert _raw_controls(screen) == [], screen
    if colour == "no-colour":
        assert "\x1b" not in screen
    if args[0] in ("list", "show", "export"):
        assert "\\u001b]0;OWNED" in screen, screen
    if args[0] not in ("show", "statuses"):
        assert "bad\\u001b[2J.yaml" in screen, screen


def test_text_formats_escape_in_a_pipe_too(tmp_path: Path) -> None:
    """Text for people (show, the tables, check's messages) is escaped wherever it goes; data
    formats in a pipe keep the text as it is."""
    root = hostile_root(tmp_path, title=TERMINAL_TITLE)
    _, out, _ = run("show", "evil", "--dir", str(root))
    assert "A \\u001b]0;OWNED \\u001b[2J \\u009b31m \\u007f end" in out
    assert _raw_controls(out) == []
    _, out, _ = run("list", "--format", "table", "--dir", str(root))
    assert _raw_controls(out) == [] and "\\u001b]0;OWNED" in out
    _, out, _ = run("export", "--dir", str(root))
    assert "A \x1b]0;OWNED\x07 \x1b[2J \x9b31m \x7f end" in out


def test_check_warns_about_control_characters(tmp_path: Path) -> None:
    root = hostile_root(tmp_path, title=TERMINAL_TITLE)
    code, out, _ = run("check", "--format", "text", "--dir", str(root))
    assert code == 0
    assert ("pledges/evil.yaml:2:8: warning: 'title' holds the control character U+001B; write "
            "the text without it [control-character]") in out
    # The carriage return in the quote, one line per field.
    assert "pledges/evil.yaml:14:8: warning: 'quote' holds the control character U+000D" in out
    code, _, _ = run("check", "--strict", "--dir", str(root))
    assert code == 1


def test_escape_controls() -> None:
    assert escape_controls("a\tb\nc\rd\x1be\x7ff\x9bg\x00") == (
        "a\tb\nc\\rd\\u001be\\u007ff\\u009bg\\u0000")
    assert escape_controls("\x1b[1mbold\x1b[0m \x1b]0;t\x07", keep_colour=True) == (
        "\x1b[1mbold\x1b[0m \\u001b]0;t\\u0007")
    assert escape_controls("plain \u2013 text") == "plain \u2013 text"


# -- encodings ---------------------------------------------------------------------------------

ENCODED_COMMANDS = [
    ["list"], ["list", "--format", "table"], ["list", "--format", "markdown"], ["report"],
    ["report", "--format", "table", "--by", "actor"], ["show", "uni"], ["export"],
    ["export", "--format", "json"], ["check"], ["statuses"], ["statuses", "--format", "table"],
    ["list", "--status", "nonsense"], ["show", "missing-one"],
]


@pytest.mark.parametrize("encoding", ["ascii", "cp1252", "latin-1"])
@pytest.mark.parametrize("args", ENCODED_COMMANDS, ids=" ".join)
def test_output_in_an_encoding_without_the_characters(tmp_path: Path, args: list[str],
                                                      encoding: str) -> None:
    root = tmp_path / "data"
    (root / "pledges").mkdir(parents=True)
    (root / "pledges" / "uni.yaml").write_text(
        VALID.replace("{id}", "uni").replace("Support cybersecurity", "日本 \u2013 ASEAN → 支援")
        .replace("  - Japan", "  - 日本"), encoding="utf-8")
    (root / "pledges" / "broken-日本.yaml").write_text("id: [\n", encoding="utf-8")
    done = subprocess.run([PLEDGETRACK, *args, "--dir", str(root)], capture_output=True,
                          env={**os.environ, "PYTHONIOENCODING": encoding}, timeout=120)
    err = done.stderr.decode(encoding)
    assert "Traceback" not in err and "UnicodeEncodeError" not in err, err
    assert done.returncode in (0, 1, 2), err
    out = done.stdout.decode(encoding)
    if args[0] in ("list", "report", "show", "export") and done.returncode == 0:
        assert "\\u65e5" in out, out  # 日, escaped
    if args[0] in ("list", "report", "export") and "nonsense" not in args:
        assert "broken-\\u65e5\\u672c.yaml" in err, err


def test_bidirectional_overrides_are_escaped_and_warned(tmp_path: Path) -> None:
    """A right-to-left override makes 'delivered' read on screen as the reverse of what the file
    holds; right-to-left text itself (Hebrew, with its marks) is shown as it is."""
    title = "Budget \u202edereviled\u202c plan \u05e9\u05dc\u05d5\u05dd\u200f"
    root = hostile_root(tmp_path, title=title)
    _, out, _ = run("list", "--format", "table", "--dir", str(root))
    assert "\u202e" not in out and "\\u202e" in out and "\\u202c" in out
    assert "\u05e9\u05dc\u05d5\u05dd\u200f" in out
    _, out, _ = run("show", "evil", "--dir", str(root))
    assert "Budget \\u202edereviled\\u202c plan" in out
    code, out, _ = run("check", "--format", "text", "--dir", str(root))
    assert code == 0
    assert ("pledges/evil.yaml:2:8: warning: 'title' holds the control character U+202E; write "
            "the text without it [control-character]") in out
    # Data formats in a pipe keep the text as the file has it.
    _, out, _ = run("export", "--format", "json", "--dir", str(root))
    assert title in [row["title"] for row in json.loads(out)]
