"""Formats for `pledgetrack changes`: a Rich table for a terminal, a Markdown digest ready for a
newsletter, JSON (the documented contract) and a small self-contained HTML page."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pledgetrack.queries.changes import Changes, Ends, Transition
from pledgetrack.queries.skipped import skipped_text
from pledgetrack.render import jsontext
from pledgetrack.render.report import compliance_text, mean_text, pct
from pledgetrack.render.tabular import MARKDOWN_LIMIT, MarkdownWriter, md_code, md_escape

ARROW = "\u2192"
# The terminal width from which the status changes show "from" and "to" side by side.
WIDE = 120
# The least room an id gets before it wraps at a hyphen (a piece longer stays whole).
ID_ROOM_MIN = 16


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def window(c: Changes) -> str:
    return f"{c.since.isoformat()} to {c.until.isoformat()}"


def change_text(c: Changes) -> str:
    """``+0.25 (+12.5 points)``, or ``n/a`` when either end has no assessed cell."""
    mean, points = c.change
    if mean is None or points is None:
        return "n/a"
    return f"{mean_text(mean)} ({points:+.1f} points)"


def summary_line(c: Changes) -> str:
    """One sentence: how much moved in the window."""
    points = c.change[1]
    moved = len({t.id for t in c.transitions})
    trend = ("n/a" if points is None
             else f"{pct(c.end.compliance.percent)} % ({points:+.1f} points)")
    return (f"{_plural(len(c.transitions), 'status change')} on {_plural(moved, 'pledge')}, "
            f"{len(c.announced)} announced, {len(c.became_overdue)} became overdue, "
            f"{_plural(len(c.deadlines), 'deadline')} in the window; compliance {trend}.")


def _ends_text(e: Ends) -> str:
    return f"{compliance_text(e.compliance)} over {_plural(e.total, 'pledge')}"


def _party(t: Transition) -> str:
    return t.party or ""


# -- JSON ----------------------------------------------------------------------------------------


def json(changes: Changes, **_: object) -> str:
    return jsontext.dumps(changes.to_dict()) + "\n"


# -- Markdown ------------------------------------------------------------------------------------


def _md_sources(t: Transition) -> str:
    from pledgetrack.render.htmltext import safe_url

    links = []
    for s in t.sources:
        url = safe_url(s.url)
        # Only http(s) links, and no character that would end the link's <...> early.
        if url is not None and not any(ch in url for ch in "<>"):
            links.append(f"[{md_escape(s.title or s.publisher or 'source')}](<{url}>)")
        else:
            links.append(md_escape(s.url))
    return ", ".join(links)


def markdown(changes: Changes, *, limit: int = MARKDOWN_LIMIT, **_: object) -> str:
    """A digest: the headline, one summary line, then a section per kind of change."""
    c = changes
    out = MarkdownWriter(limit)
    out.text(f"## What changed, {window(c)}\n\n")
    if c.skipped:
        out.text(f"> **Warning:** {skipped_text(c.skipped, path=md_escape)}.\n\n")
    out.text(f"{summary_line(c)}\n")

    out.text("\n### Compliance\n")
    out.table(("", "As of", "Pledges", "Compliance"), [
        ["Since", c.start.as_of.isoformat(), str(c.start.total),
         compliance_text(c.start.compliance)],
        ["Until", c.end.as_of.isoformat(), str(c.end.total), compliance_text(c.end.compliance)],
        ["**Change**", "", f"{c.end.total - c.start.total:+d}", change_text(c)],
    ], "llrl")

    if c.transitions:
        out.text(f"\n### Status changes ({len(c.transitions)})\n")
        # The title for a reader, the id to find the file by.
        rows = [[t.date.isoformat(), f"{md_escape(t.pledge.title)} ({md_code(t.id)})",
                 md_escape(_party(t)),
                 f"{md_code(t.before)} {ARROW} {md_code(t.after)}", md_escape(t.note or ""),
                 _md_sources(t)] for t in c.transitions]
        out.table(("Date", "Pledge", "Party", "Change", "Note", "Sources"), rows)
        by_party = c.parties_changed
        if any(t.party for t in c.transitions):
            out.text("\nBy party: " + ", ".join(f"{md_escape(p)} {n}"
                                                for p, n in by_party.items()) + ".\n")
    if c.announced:
        out.text(f"\n### Announced ({len(c.announced)})\n")
        out.table(("Pledge", "Title", "Announced"), [
            [md_code(p.id), md_escape(p.title), str(p.announced or "")] for p in c.announced])
    if c.became_overdue:
        out.text(f"\n### Became overdue ({len(c.became_overdue)})\n")
        out.table(("Pledge", "Title", "Deadline", "Status"), [
            [md_code(s.id), md_escape(s.pledge.title), str(s.pledge.deadline or ""),
             md_code(s.status)] for s in c.became_overdue])
    if c.deadlines:
        out.text(f"\n### Deadlines in the window ({len(c.deadlines)})\n")
        out.table(("Pledge", "Title", "Deadline", "Status on " + c.until.isoformat()), [
            [md_code(s.id), md_escape(s.pledge.title), str(s.pledge.deadline or ""),
             md_code(s.status)] for s in c.deadlines])
    return out.getvalue()


# -- Rich table ----------------------------------------------------------------------------------


def table(changes: Changes, *, color: bool = False, width: int | None = None,
          **_: object) -> str:
    from rich.console import Group
    from rich.text import Text

    from pledgetrack.render.report import _new_table, _spaced
    from pledgetrack.render.tabular import rich_text, wrap_at_hyphens

    c = changes
    vocab = c.closing.vocabulary

    def status(name: str) -> Text:
        st = vocab.get(name)
        return Text(name, style=st.color if color and st else "")

    parts: list[Any] = [Text(f"What changed, {window(c)}", style="bold"),
                        Text(summary_line(c))]
    if c.skipped:
        parts.append(Text(f"{skipped_text(c.skipped)}.", style="bold yellow" if color else ""))
    parts.append(Text(f"Compliance on {c.start.as_of}: {_ends_text(c.start)}\n"
                      f"Compliance on {c.end.as_of}: {_ends_text(c.end)}\n"
                      f"Change: {change_text(c)}"))
    # Ids are wrapped at their hyphens, never cut mid-word; below WIDE columns the two statuses
    # share a column, one above the other, so that the note keeps room to be read.
    wide = width is None or width >= WIDE
    room = 10_000 if width is None else max(ID_ROOM_MIN, width // 4)
    if c.transitions:
        t = _new_table(f"Status changes ({len(c.transitions)})")
        t.add_column("date", no_wrap=True)
        t.add_column("pledge", no_wrap=True)
        t.add_column("party")
        if wide:
            t.add_column("from", no_wrap=True)
            t.add_column("to", no_wrap=True)
        else:
            t.add_column("from → to", no_wrap=True)
        t.add_column("note", ratio=1, overflow="fold")
        for tr in c.transitions:
            if wide:
                change = [status(tr.before), status(tr.after)]
            else:
                change = [Text.assemble(status(tr.before), f" {ARROW}\n", status(tr.after))]
            t.add_row(tr.date.isoformat(), Text(wrap_at_hyphens(tr.id, room)),
                      Text(_party(tr)), *change, Text(tr.note or ""))
        parts.append(t)
    # The headers of the Markdown digest's tables; Announced has no status to show.
    status_on = f"status on {c.until.isoformat()}"
    for title, header, rows in (
        (f"Announced ({len(c.announced)})", ("pledge", "announced"),
         [(p.id, str(p.announced or ""), None) for p in c.announced]),
        (f"Became overdue ({len(c.became_overdue)})", ("pledge", "deadline", "status"),
         [(s.id, str(s.pledge.deadline or ""), s.status) for s in c.became_overdue]),
        (f"Deadlines in the window ({len(c.deadlines)})", ("pledge", "deadline", status_on),
         [(s.id, str(s.pledge.deadline or ""), s.status) for s in c.deadlines]),
    ):
        if not rows:
            continue
        sub = _new_table(title)
        for name in header:
            sub.add_column(name, no_wrap=True)
        # The date and status take 35 columns at most: the id has the rest.
        id_room = 10_000 if width is None else max(ID_ROOM_MIN, width - 35)
        for pledge_id, date, st in rows:
            cells: list[Any] = [Text(wrap_at_hyphens(pledge_id, id_room)), date]
            if st is not None:
                cells.append(status(st))
            sub.add_row(*cells)
        parts.append(sub)
    text = rich_text(Group(*_spaced(parts)), color=color, width=width)
    if width is None:
        text = _bounded_rules(text)
    return text


RULE = "\u2500"


def _bounded_rules(text: str) -> str:
    """Out of a terminal nothing wraps, so a table's rule would run as wide as its longest
    note; it ends with the header line above it instead."""
    lines = text.split("\n")
    for i in range(1, len(lines)):
        line = lines[i]
        if line and line.strip(RULE + " ") == "" and lines[i - 1].strip():
            lines[i] = line[:max(len(lines[i - 1]), 1)]
    return "\n".join(lines)


# -- HTML ----------------------------------------------------------------------------------------

# Columns of running text keep a width to be read at, even on a phone (the table scrolls
# sideways), and dates stay on one line.
COLUMN_CLASSES = {"Note": "note", "Sources": "sources", "Title": "title", "Date": "date",
                  "As of": "date", "Announced": "date", "Deadline": "date"}


def html(changes: Changes, *, title: str | None = None, intro: str | None = None,
         **_: object) -> str:
    """One self-contained page (no network requests; a small script only shows the "scroll
    sideways" hints): the digest's sections. ``title`` replaces the heading and ``intro``
    (Markdown) comes under it, as on the report's page."""
    from pledgetrack import __version__
    from pledgetrack.render.html import _asset, _csp_hash, link, status_css
    from pledgetrack.render.htmltext import Markup, block, el
    from pledgetrack.render.introtext import intro_html

    c = changes
    style = _asset("report.css") + status_css(c.closing.vocabulary)
    # The only script: the "scroll sideways" hint over a table wider than the screen.
    script = _asset("scroll.js")
    csp = (f"default-src 'none'; style-src {_csp_hash(style)}; "
           f"script-src {_csp_hash(script)}; img-src data:; base-uri 'none'; "
           "form-action 'none'")
    custom = bool(title and title.strip())
    heading = title.strip() if title and custom else f"What changed, {window(c)}"

    def code(text: str) -> Markup:
        return el("code", text)

    def table_of(caption: str, header: Sequence[str], rows: Sequence[Sequence[object]],
                 section_id: str) -> Markup:
        # As the report's tables: the hint shows (by the script) only while the table is
        # wider than its box; the box's shadows say so too, script or not.
        return el("section",
                  el("h2", caption, id=f"{section_id}-heading"),
                  el("div",
                     el("p", "Scroll sideways for more \u2192", class_="scroll-hint muted",
                        hidden=True),
                     el("div", el("table",
                                  el("thead", el("tr", *(el("th", h, scope="col")
                                                         for h in header))),
                                  # Each cell names its column: on a phone the rows
                                  # stack as cards, each value under its column's name.
                                  el("tbody", *(el("tr", *(el("td", cell,
                                                              class_=COLUMN_CLASSES.get(name),
                                                              data_label=name or None)
                                                           for cell, name in zip(
                                                               row, header, strict=True)))
                                                for row in rows)),
                                  class_="changes"),
                        class_="scroll"),
                     class_="table-box"),
                  aria_labelledby=f"{section_id}-heading")

    def pledge(t: Transition) -> list[object]:
        # The title first, as the report's matrix rows; the id under it.
        return [t.pledge.title, el("code", t.id, class_="id")]

    def sources(t: Transition) -> list[object]:
        items: list[object] = []
        for s in t.sources:
            if items:
                items.append(", ")
            items.append(link(s.url, s.title or s.publisher or s.url))
        return items

    sections: list[object] = [
        table_of("Compliance", ("", "As of", "Pledges", "Compliance"), [
            ("Since", c.start.as_of.isoformat(), str(c.start.total),
             compliance_text(c.start.compliance)),
            ("Until", c.end.as_of.isoformat(), str(c.end.total),
             compliance_text(c.end.compliance)),
            ("Change", "", f"{c.end.total - c.start.total:+d}", change_text(c)),
        ], "compliance"),
    ]
    if c.transitions:
        sections.append(table_of(
            f"Status changes ({len(c.transitions)})",
            ("Date", "Pledge", "Party", "Change", "Note", "Sources"),
            [(t.date.isoformat(), pledge(t), _party(t),
              [code(t.before), f" {ARROW} ", code(t.after)], t.note or "", sources(t))
             for t in c.transitions], "transitions"))
    if c.announced:
        sections.append(table_of(
            f"Announced ({len(c.announced)})", ("Pledge", "Title", "Announced"),
            [(code(p.id), p.title, str(p.announced or "")) for p in c.announced], "announced"))
    for label, states, name in (("Became overdue", c.became_overdue, "overdue"),
                                ("Deadlines in the window", c.deadlines, "deadlines")):
        if states:
            sections.append(table_of(
                f"{label} ({len(states)})", ("Pledge", "Title", "Deadline", "Status"),
                [(code(s.id), s.pledge.title, str(s.pledge.deadline or ""), code(s.status))
                 for s in states], name))
    head = el("head", el("meta", charset="utf-8"),
              el("meta", name="viewport", content="width=device-width, initial-scale=1"),
              el("meta", http_equiv="Content-Security-Policy", content=csp),
              el("meta", name="generator", content=f"pledgetrack {__version__}"),
              # Under a title of its own, the tab still names the window.
              el("title", f"{heading} \u2014 {window(c)}" if custom else heading),
              el("link", rel="icon", href="data:,"),
              el("style", Markup(style)))
    skipped = (el("p", el("strong", f"{skipped_text(c.skipped)}."), class_="skipped",
                  role="alert") if c.skipped else None)
    body = block("body",
                 el("header", el("h1", heading),
                    # Under a title of its own, the page still says which window it covers.
                    el("p", f"{window(c)}: " if custom else "", summary_line(c),
                       class_="meta"), skipped,
                    el("div", intro_html(intro), class_="intro")
                    if intro and intro.strip() else None,
                    class_="page-head"),
                 block("main", *sections, id="main"),
                 el("footer", el("p", f"Made with pledgetrack {__version__}.", class_="muted"),
                    class_="page-foot"),
                 el("script", Markup(script)))
    page = block("html", head, body, lang="en")
    page.insert(0, "<!DOCTYPE html>\n")
    return "".join(page)
