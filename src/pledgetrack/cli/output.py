"""Everything a command prints goes through one :class:`Output`: its data (stdout, or ``-o FILE``
written atomically; in a format, with colour or not, for a width) and its messages (stderr)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import typer

from pledgetrack.render.console import is_terminal
from pledgetrack.render.guard import TEXT_FORMATS, CommandGuard, escape_controls, valid_unicode


def output_option(kind: str) -> Any:
    """``--output FILE``, whose help lists only the extensions that give one of the formats of
    ``kind`` (the renderer registry's)."""
    from pledgetrack.render import registry

    formats = registry.choices(kind)
    names = {"table": " (table)", "html": f" ({kind})" if kind == "report" else ""}
    extensions = [f"{ext}{names.get(fmt, '')}" for ext, fmt in EXTENSIONS.items()
                  if fmt in formats and ext in PRIMARY_EXTENSIONS]
    return typer.Option(
        "--output", "-o", metavar="FILE", show_default=False,
        help="Write to FILE (atomically) instead of stdout. Without --format, the format "
        f"follows the extension: {', '.join(extensions)}.",
    )


# File extension -> format name (used when the command has that format).
EXTENSIONS = {
    ".md": "markdown", ".markdown": "markdown", ".json": "json", ".jsonl": "jsonl",
    ".ndjson": "jsonl", ".csv": "csv", ".tsv": "tsv", ".txt": "table", ".html": "html",
    ".htm": "html",
}
# The extensions --help names (the others are their synonyms).
PRIMARY_EXTENSIONS = (".md", ".json", ".jsonl", ".csv", ".tsv", ".txt", ".html")


def single_line(message: str) -> str:
    """Messages quote record text and file names, which come from pull requests: a line break
    in them must not start a line of its own (GitHub Actions reads '::command' lines on stdout
    and stderr as workflow commands)."""
    return message.replace("\r", "\\r").replace("\n", "\\n")


class GuardedStream:
    """Standard output or standard error while a command runs: the one path that every line a
    command prints takes (its result, messages, warnings, Click's own errors).

    - Control characters never reach a reader raw: in text for people (messages, and the
      ``table`` and ``text`` formats) they are always shown as escapes, and in any format on a
      terminal; only colour sequences of coloured output are kept (see render.guard).
    - Under GitHub Actions no line can be acted on as a workflow command, unless the stream is a
      regular file (``> out.csv``): record text comes from pull requests (render.guard's
      CommandGuard). ``check --format github`` writes its annotations unguarded, as intended.
    - Characters the stream's encoding lacks (``PYTHONIOENCODING=ascii``, a cp1252 console, a
      latin-1 locale) are written as backslash escapes instead of failing.
    """

    def __init__(self, unguarded: TextIO, *, messages: bool) -> None:
        import os

        self.unguarded = unguarded
        self.messages = messages
        self.terminal = is_terminal(unguarded)
        actions = os.environ.get("GITHUB_ACTIONS") == "true"
        self.commands = (CommandGuard(envelope=not messages)
                         if actions and not _regular_file(unguarded) else None)

    # What print(), Click and Rich use of a text stream.
    @property
    def encoding(self) -> str:
        return getattr(self.unguarded, "encoding", None) or "utf-8"

    @property
    def errors(self) -> str:
        return "backslashreplace"

    def isatty(self) -> bool:
        return self.terminal

    def fileno(self) -> int:
        return self.unguarded.fileno()

    def writable(self) -> bool:
        return True

    def flush(self) -> None:
        self.unguarded.flush()

    def write(self, text: str) -> int:
        """Text for people (a message, help, a list of file names)."""
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        self.write_output(text, people=True)
        return len(text)

    def write_output(self, text: str, *, people: bool, color: bool = False,
                     commands: bool = False) -> None:
        """Write text in a format: ``people`` for the text formats; ``color`` when Rich coloured
        it; ``commands`` for workflow commands meant as such."""
        if people or self.terminal:
            text = escape_controls(text, keep_colour=color)
        if self.commands is not None and not commands:
            text = self.commands.feed(text)
        self._send(text)

    def finish(self) -> None:
        """The end of the command: what the guard held back, and the runner resumed."""
        if self.commands is not None:
            self._send(self.commands.close())

    def _send(self, text: str) -> None:
        if not text:
            return
        text = valid_unicode(text)  # names that are not UTF-8: U+FFFD
        try:
            self.unguarded.write(text)
        except UnicodeEncodeError:
            # A text stream encodes all of a write before any of it goes out: nothing was sent.
            encoding = self.encoding
            self.unguarded.write(text.encode(encoding, "backslashreplace").decode(encoding))


def _regular_file(stream: TextIO) -> bool:
    import os
    import stat

    try:
        return stat.S_ISREG(os.fstat(stream.fileno()).st_mode)
    except (AttributeError, OSError, ValueError):
        return False


@contextlib.contextmanager
def guarded_streams() -> Iterator[None]:
    """Route stdout and stderr through :class:`GuardedStream` while a command runs."""
    if isinstance(sys.stdout, GuardedStream):  # already inside a command
        yield
        return
    out, err = sys.stdout, sys.stderr
    guarded_out = GuardedStream(out, messages=False)
    guarded_err = GuardedStream(err, messages=True)
    sys.stdout, sys.stderr = guarded_out, guarded_err
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, err
        # Messages first: the runner is told to resume acting on commands last of all.
        with contextlib.suppress(BrokenPipeError):
            guarded_err.finish()
            guarded_out.finish()


@dataclass(frozen=True, slots=True)
class Output:
    """Where a command's output goes. Only data goes to stdout (or ``path``); everything said to
    the person running the command goes to stderr. The streams are looked up at each write:
    the test runner and the executable may replace them."""

    path: str | None = None  # None: stdout
    # The format of the data ("": plain lines); a format for people (see render.guard) is
    # guarded on stdout.
    format: str = ""
    color: bool = False
    # Columns of the terminal the text is for; None when it is not for a terminal.
    width: int | None = None

    def data(self, text: str) -> None:
        """The command's result."""
        if self.path is not None:
            from pledgetrack.store.outfile import write_text_atomic

            write_text_atomic(self.path, valid_unicode(text))
            return
        stream = sys.stdout
        if isinstance(stream, GuardedStream):
            stream.write_output(text, people=self.format in TEXT_FORMATS, color=self.color,
                                commands=self.format == "github")
        else:
            stream.write(valid_unicode(text))

    def data_chunks(self, chunks: Iterable[str]) -> None:
        """The command's result as it is made, chunk by chunk (nothing whole in memory)."""
        if self.path is not None:
            from pledgetrack.store.outfile import write_chunks_atomic

            write_chunks_atomic(self.path, (valid_unicode(chunk) for chunk in chunks))
            return
        for chunk in chunks:
            self.data(chunk)

    def say(self, text: str) -> None:
        """Text for the person (stderr), as it is: a summary, a line of progress, a prompt."""
        sys.stderr.write(text)

    def warn(self, message: str) -> None:
        sys.stderr.write(f"pledgetrack: warning: {single_line(message)}\n")

    def error(self, message: str) -> None:
        """A one-line error."""
        sys.stderr.write(f"pledgetrack: error: {single_line(message)}\n")


# The output of a command that writes nothing but plain lines and messages.
PLAIN = Output()


def target(kind: str, fmt: str, output: str | None, color: str, *,
           terminal_format: str, pipe_format: str) -> Output:
    """The output of a command with ``--format``, ``-o FILE`` and ``--color``: resolves
    ``--format auto`` (the extension of ``-o FILE``, else ``terminal_format`` on a terminal and
    ``pipe_format`` otherwise), colour and width."""
    from pledgetrack.render import registry
    from pledgetrack.render.console import is_terminal, use_color

    path = None if output in (None, "-") else output
    if fmt == "auto":
        if path is not None:
            fmt = _format_from_extension(kind, path)
        else:
            fmt = terminal_format if is_terminal() else pipe_format
    if path is not None:
        return Output(path, fmt, color == "always", None)
    width = None
    if is_terminal():
        import shutil

        width = shutil.get_terminal_size().columns
    registry.get(kind, fmt)  # an unknown format fails here, before any work
    return Output(None, fmt, use_color(color), width)


def _format_from_extension(kind: str, path: str) -> str:
    from pledgetrack.errors import PledgetrackError
    from pledgetrack.render import registry

    choices = registry.choices(kind)
    suffix = Path(path).suffix.lower()
    name = EXTENSIONS.get(suffix)
    if name in choices:
        return name
    known = sorted(ext for ext, f in EXTENSIONS.items() if f in choices)
    raise PledgetrackError(
        f"cannot tell the format from the file name '{path}'; give --format "
        f"({'|'.join(choices)}) or use one of the extensions {', '.join(known)}"
    )
