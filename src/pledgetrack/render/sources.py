"""Formats for `pledgetrack sources`: a table, JSON, Markdown (a job summary), GitHub annotations.

Each takes a :class:`~pledgetrack.sources.results.SourcesReport`.
"""

from __future__ import annotations

import json as _json
from collections.abc import Sequence
from urllib.parse import quote

from pledgetrack.render.problems import escape_data, escape_property
from pledgetrack.render.tabular import MARKDOWN_LIMIT, MarkdownWriter, md_escape, rich_text
from pledgetrack.sources.results import STATES, CheckedLink, LinkResult, SourcesReport

STATE_COLORS = {"ok": "green", "moved": "yellow", "dead": "red", "error": "red",
                "timeout": "magenta"}


def _ordered(report: SourcesReport) -> list[CheckedLink]:
    rank = {state: n for n, state in enumerate(STATES)}
    return sorted(report.links, key=lambda link: (rank[link.result.state], link.url))


def _cited(link: CheckedLink) -> str:
    first = link.citations[0] if link.citations else None
    if first is None:
        return ""
    more = len(link.citations) - 1
    return f"{first.path}:{first.line}" + (f" (+{more} more)" if more else "")


def detail(result: LinkResult) -> str:
    """The reason, and where the link leads now when that is not where it pointed."""
    if result.state == "moved" and result.moved_to:
        return f"moved to {result.moved_to}"
    if result.final_url != result.url:
        return f"{result.message} (at {result.final_url})"
    return result.message


def _one_line(text: str) -> str:
    return text.replace("\r", "\\r").replace("\n", "\\n")


def table(report: SourcesReport, *, color: bool = False, width: int | None = None,
          **_: object) -> str:
    """One row per link, failures first. Off a terminal: plain text, nothing cropped."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    grid = Table(box=box.SIMPLE_HEAD if width else None, show_edge=False, pad_edge=False)
    for name in ("state", "code", "url", "cited at", "detail"):
        grid.add_column(name, overflow="fold", no_wrap=name in ("state", "code"))
    for link in _ordered(report):
        r = link.result
        state = Text(r.state, style=STATE_COLORS[r.state] if color else "")
        code = str(r.status) if r.status is not None else "-"
        grid.add_row(state, code, _one_line(r.url), _one_line(_cited(link)),
                     _one_line(detail(r)) + ("" if link.fresh else " [kept]"))
    body = rich_text(grid, color=color, width=width) if report.links else ""
    return body + report.summary() + "\n"


def json(report: SourcesReport, **_: object) -> str:
    doc = {
        "links": len(report.links),
        "checked": report.checked,
        "counts": report.counts(),
        "results": [
            dict(link.result.to_dict(), from_cache=not link.fresh,
                 citations=[c.to_dict() for c in link.citations])
            for link in _ordered(report)
        ],
    }
    return _json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def _md_link(url: str) -> str:
    # Inside (…) a link target must not hold spaces, parentheses or angle brackets.
    return f"[{md_escape(url)}]({quote(url, safe='/:?#[]@!$&*+,;=%~.-_')})"


def markdown(report: SourcesReport, *, limit: int = MARKDOWN_LIMIT, **_: object) -> str:
    """A summary line and a table of the links that need attention (kept under ``limit``
    bytes for GitHub job summaries); links that answer are counted, not listed."""
    out = MarkdownWriter(limit)
    out.text("## Source links\n\n" + md_escape(report.summary()) + "\n")
    rows: list[Sequence[str]] = []
    for link in _ordered(report):
        r = link.result
        if r.state == "ok":
            continue
        archived = next((c.archived for c in link.citations if c.archived), None)
        cited = ", ".join(md_escape(f"{c.path}:{c.line}") for c in link.citations[:5])
        if len(link.citations) > 5:
            cited += f" and {len(link.citations) - 5} more"
        note = md_escape(r.message)
        if r.state == "moved" and r.moved_to:
            note = "moved to " + _md_link(r.moved_to)
        elif r.final_url != r.url:
            note += " at " + _md_link(r.final_url)
        if archived:
            note += " · archived copy: " + _md_link(archived)
        rows.append([f"**{r.state}**", str(r.status or "-"), _md_link(r.url), cited, note])
    if rows:
        out.table(["state", "code", "link", "cited at", "detail"], rows, "lrlll")
    else:
        out.text("\nEvery link answers.\n" if report.links else "\nNo links to check.\n")
    return out.getvalue()


_LEVELS = {"dead": "error", "error": "warning", "timeout": "warning", "moved": "notice"}
_WORDS = {"dead": "dead", "error": "failing", "timeout": "timed-out", "moved": "moved"}


def github(report: SourcesReport, *, prefix: str = "", **_: object) -> str:
    """One annotation at each place a failing or moved link is cited: dead links are errors,
    other failures warnings, moved links notices."""
    lines = []
    for link in _ordered(report):
        r = link.result
        level = _LEVELS.get(r.state)
        if level is None:
            continue
        code = f" ({r.status})" if r.status is not None else ""
        message = f"{_WORDS[r.state]} link{code}: {r.url} - {detail(r)}"
        for c in link.citations:
            tip = f"; the archived copy is {c.archived}" if c.archived and r.state != "moved" \
                else ""
            props = ",".join((
                f"file={escape_property(prefix + c.path)}",
                f"line={c.line}",
                f"title={escape_property('pledgetrack source ' + r.state)}",
            ))
            lines.append(f"::{level} {props}::{escape_data(message + tip)}\n")
    return "".join(lines)
