"""Where output goes (stdout or ``-o FILE``), in which format, with colour or not, how wide."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from pledgetrack.render.guard import TEXT_FORMATS, guard_commands, valid_unicode

OutputOption = Annotated[
    str | None,
    typer.Option(
        "--output", "-o", metavar="FILE", show_default=False,
        help="Write to FILE (atomically) instead of stdout. Without --format, the format "
        "follows the extension: .md, .json, .jsonl, .csv, .tsv, .txt (table), .html (report).",
    ),
]

# File extension -> format name (used when the command has that format).
EXTENSIONS = {
    ".md": "markdown", ".markdown": "markdown", ".json": "json", ".jsonl": "jsonl",
    ".ndjson": "jsonl", ".csv": "csv", ".tsv": "tsv", ".txt": "table", ".html": "html",
    ".htm": "html",
}


def write_text(text: str, fmt: str) -> None:
    """Write a command's result to stdout (guarded when it is text for people; see
    render.guard)."""
    people = fmt in TEXT_FORMATS
    text = valid_unicode(text)
    sys.stdout.write(guard_commands(text) if people else text)


@dataclass(frozen=True, slots=True)
class Target:
    """The destination of a command's data."""

    path: str | None  # None: stdout
    format: str
    color: bool
    # Columns of the terminal the text is for; None when it is not for a terminal.
    width: int | None

    def write(self, text: str) -> None:
        if self.path is None:
            write_text(text, self.format)
            return
        from pledgetrack.store.outfile import write_text_atomic

        write_text_atomic(self.path, valid_unicode(text))

    def write_chunks(self, chunks: Iterable[str]) -> None:
        """Write the text as it is made, chunk by chunk (nothing whole in memory)."""
        if self.path is None:
            for chunk in chunks:
                write_text(chunk, self.format)
            return
        from pledgetrack.store.outfile import write_chunks_atomic

        write_chunks_atomic(self.path, (valid_unicode(chunk) for chunk in chunks))


def target(kind: str, fmt: str, output: str | None, color: str, *,
           terminal_format: str, pipe_format: str) -> Target:
    """Resolve ``--format auto`` (the extension of ``-o FILE``, else ``terminal_format`` on a
    terminal and ``pipe_format`` otherwise), colour and width."""
    from pledgetrack.render import registry
    from pledgetrack.render.console import is_terminal, use_color

    path = None if output in (None, "-") else output
    if fmt == "auto":
        if path is not None:
            fmt = _format_from_extension(kind, path)
        else:
            fmt = terminal_format if is_terminal() else pipe_format
    if path is not None:
        return Target(path, fmt, color == "always", None)
    width = None
    if is_terminal():
        import shutil

        width = shutil.get_terminal_size().columns
    registry.get(kind, fmt)  # an unknown format fails here, before any work
    return Target(None, fmt, use_color(color), width)


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
