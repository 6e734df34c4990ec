"""Everything a command prints goes through one :class:`Output`: its data (stdout, or ``-o FILE``
written atomically; in a format, with colour or not, for a width) and its messages (stderr)."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer

from pledgetrack.render.guard import TEXT_FORMATS, guard_commands, valid_unicode


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
        text = valid_unicode(text)
        sys.stdout.write(guard_commands(text) if self.format in TEXT_FORMATS else text)

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
