"""Helpers shared by the tabular formats: CSV (with formula neutralising), TSV, GitHub-flavoured
Markdown (escaped, kept under a size limit), and Rich tables rendered to text."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from pledgetrack.render.guard import encoded_size

# GitHub cuts job summaries (and rejects comments) above 1 MiB.
MARKDOWN_LIMIT = 1024 * 1024

# A spreadsheet reads a cell that starts with one of these as a formula (OWASP's "CSV injection";
# tab and carriage return too, which some spreadsheets strip before looking).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A plain number such as -1 or +0.5 is a value, not a formula: left as it is.
_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")


def neutralise(cell: str) -> str:
    """Make a cell inert in a spreadsheet: a leading quote turns a would-be formula into text.

    A cell whose leading quotes already stand before such a character gets one more, so that
    :func:`unneutralise` (which `import` applies) gives every cell back exactly."""
    if cell.startswith(FORMULA_STARTS):
        return cell if _NUMBER.fullmatch(cell) else "'" + cell
    if cell[:1] == "'" and cell.lstrip("'").startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def unneutralise(cell: str) -> str:
    """The cell :func:`neutralise` was given: one quote is removed from a cell whose leading
    quotes stand before ``=``, ``+``, ``-``, ``@``, a tab or a carriage return; any other cell is
    left as it is."""
    if cell[:1] == "'" and cell.lstrip("'").startswith(FORMULA_STARTS):
        return cell[1:]
    return cell


def csv_text(header: Sequence[str], rows: Iterable[Sequence[str]], *, raw: bool = False) -> str:
    """RFC 4180 CSV (every field quoted only when needed, "\\n" line ends); cells neutralised
    against formula injection unless ``raw``."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(row if raw else [neutralise(c) for c in row])
    return out.getvalue()


_TSV_BREAKS = re.compile(r"[\t\r\n]+")


def tsv_cell(value: str) -> str:
    """One line, no tabs: tab-separated text must keep one record per line."""
    return _TSV_BREAKS.sub(" ", value)


def tsv_text(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    lines = ["\t".join(header)]
    for row in rows:
        line = "\t".join(row)
        # Most rows have no break at all: joined first, only the rare row with one is redone.
        if line.count("\t") != len(row) - 1 or "\n" in line or "\r" in line:
            line = "\t".join(tsv_cell(c) for c in row)
        lines.append(line)
    return "\n".join(lines) + "\n"


# -- Markdown ------------------------------------------------------------------------------------

# Inline Markdown that record text must not trigger (emphasis, code, links, strike-through,
# table pipes, HTML, and GitHub's $math$). Backslash escapes work for any ASCII punctuation in
# CommonMark.
_MD_SPECIAL = "\\`*_[]|~!#$:@"
# GitHub finds mentions (@user), issue references (#123, GH-123) and bare addresses (www.…,
# foo@bar.example, xmpp:…) in the *rendered* text, so a backslash, which rendering removes, does not
# stop them. A WORD JOINER (U+2060: invisible, no line break) after '@' and '#', inside "www." and
# "GH-1" and after ':' before '/' breaks every such sequence and stays in the rendered text.
WORD_JOINER = "\u2060"
_MD_TABLE = str.maketrans({
    **{c: "\\" + c for c in _MD_SPECIAL},
    "@": "\\@" + WORD_JOINER, "#": "\\#" + WORD_JOINER,
    "&": "&amp;", "<": "&lt;", ">": "&gt;",
})
_MD_BREAK = re.compile(r"(?i)(?<=www)(?=\.)|(?<=gh-)(?=\d)")
_LINE_BREAKS = re.compile(r"[\r\n]+")


def _one_line_md(text: str) -> str:
    """Each line break, with the white space around it, becomes one space. Split, not one
    regular expression: `\\s*[\\r\\n]+\\s*` retries every space of a long run (quadratic)."""
    if "\n" not in text and "\r" not in text:
        return text
    parts = _LINE_BREAKS.split(text)
    last = len(parts) - 1
    return " ".join(
        part if last == 0 else
        part.rstrip() if number == 0 else
        part.lstrip() if number == last else part.strip()
        for number, part in enumerate(parts)
    )


def md_escape(text: str) -> str:
    """Record text as literal Markdown: one line, no HTML, no emphasis, no table breaks, no
    mention, issue reference or autolink. Linear in the length of the text."""
    text = _one_line_md(text).translate(_MD_TABLE)
    if "\\:/" in text:
        text = text.replace("\\:/", "\\:" + WORD_JOINER + "/")
    if "." in text or "-" in text:
        text = _MD_BREAK.sub(WORD_JOINER, text)
    return text


# What a code span may hold as it is: inside one, Markdown makes no mention or link, but a GFM
# table still ends its cell at '|' (even there), and a backtick or line break would end the span.
_CODE_SAFE = re.compile(r"[^`|\\\r\n]+")


def md_code(text: str) -> str:
    """An inline code span for ids, status names and paths; any text that a code span could not
    hold safely (a '|', a backtick, a line break, a backslash, white space at either end) is
    escaped as plain text instead."""
    if _CODE_SAFE.fullmatch(text) and text.strip() == text:
        return f"`{text}`"
    return md_escape(text)


class MarkdownWriter:
    """Builds a Markdown document that never exceeds ``limit`` bytes (UTF-8).

    Tables are cut at a row boundary, so what is kept still parses as a table; once anything is
    cut, later blocks are left out too and a note says so.
    """

    NOTE = (
        "\n> **Note:** cut to stay under {limit} for GitHub job summaries and comments; "
        "{rows} table row{s} left out. Use `--format json` for the full data.\n"
    )

    def __init__(self, limit: int = MARKDOWN_LIMIT) -> None:
        self.limit = limit
        self.parts: list[str] = []
        self.size = 0
        self.cut_rows = 0
        self.cut = False
        # Room for the note, so that it always fits.
        self.reserve = len(self.NOTE.format(limit=_size_text(limit), rows=10**12, s="s")) + 1

    def _fits(self, text: str) -> bool:
        return self.size + encoded_size(text) <= self.limit - self.reserve

    def _add(self, text: str) -> None:
        self.parts.append(text)
        self.size += encoded_size(text)

    def text(self, text: str) -> bool:
        """Add a block of text; False (and nothing added) once the budget is spent."""
        if self.cut or not self._fits(text):
            self.cut = True
            return False
        self._add(text)
        return True

    def table(
        self, header: Sequence[str], rows: Sequence[Sequence[str]], align: str = "",
        *, heading: str = "",
    ) -> None:
        """A GFM table; ``align`` has one letter per column: l, r or c (default l)."""
        if self.cut:
            self.cut_rows += len(rows)
            return
        marks = {"l": ":--", "r": "--:", "c": ":-:"}
        spec = [marks.get(a, ":--") for a in align.ljust(len(header), "l")]
        head = (heading + "\n" if heading else "") + _row(header) + _row(spec)
        if not self.text("\n" + head):
            self.cut_rows += len(rows)
            return
        for number, row in enumerate(rows):
            line = _row(row)
            if not self._fits(line):
                self.cut = True
                self.cut_rows += len(rows) - number
                return
            self._add(line)

    def getvalue(self) -> str:
        text = "".join(self.parts)
        if self.cut:
            rows = self.cut_rows
            text += self.NOTE.format(limit=_size_text(self.limit), rows=rows,
                                     s="" if rows == 1 else "s")
        return text


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(c if c else " " for c in cells) + " |\n"


def _size_text(limit: int) -> str:
    if limit % (1024 * 1024) == 0:
        return f"{limit // (1024 * 1024)} MiB"
    return f"{limit:,} bytes"


# -- Rich ----------------------------------------------------------------------------------------


def rich_text(*renderables: Any, color: bool = False, width: int | None = None) -> str:
    """Render Rich objects to text. ``width`` None means no terminal: nothing is cropped."""
    import io

    from rich.console import Console

    from pledgetrack.render.console import escaped

    console = Console(
        file=io.StringIO(),
        force_terminal=color,
        no_color=not color,
        color_system="auto" if color else None,
        highlight=False,
        width=width or 10_000,
        soft_wrap=width is None,
        emoji=False,
        markup=False,
    )
    for renderable in renderables:
        console.print(escaped(renderable))
    text = console.file.getvalue()  # type: ignore[attr-defined]
    if width is None:
        # A huge width pads nothing, but Rich may leave trailing spaces in table cells.
        text = "\n".join(line.rstrip() for line in text.split("\n"))
    return str(text)


_ID_PIECES = re.compile(r"[^-]*-|[^-]+")


def wrap_at_hyphens(word: str, width: int) -> str:
    """A long id on several lines, broken only after its hyphens (a terminal table would
    otherwise cut it mid-word); a piece longer than ``width`` stays whole."""
    if len(word) <= width:
        return word
    lines: list[str] = []
    line = ""
    for piece in _ID_PIECES.findall(word):
        if line and len(line) + len(piece) > width:
            lines.append(line)
            line = piece
        else:
            line += piece
    lines.append(line)
    return "\n".join(lines)


def shorten(text: str, limit: int) -> str:
    """Cut ``text`` to at most ``limit`` characters at a word boundary, with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    if limit <= 1:
        return "…"[:limit]
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-\u2013\u2014") + "…"
