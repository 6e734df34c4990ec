"""Formats for `pledgetrack diff`: a table (Rich on a terminal, plain text in a pipe), Markdown for
pull-request comments and job summaries, and JSON (documented in docs/diff.md)."""

from __future__ import annotations

import json as _json
from collections.abc import Iterable
from urllib.parse import quote, urlsplit

from pledgetrack.model.problems import Problem
from pledgetrack.model.records import Source, Update
from pledgetrack.queries.diff import DiffResult, FieldChange, PledgeChange, update_doc
from pledgetrack.render.guard import encoded_size
from pledgetrack.render.tabular import md_code, md_escape

JSON_VERSION = 1
# GitHub cuts a job summary at 1 MiB; stay well below it and say when something was left out.
MAX_MARKDOWN_BYTES = 900 * 1024
# A pull-request comment holds at most 65,536 characters (`--max-chars comment`).
COMMENT_CHARS = 65_536
# A warning (a configuration that does not load can quote a huge value) is cut to this length.
WARNING_CHARS = 1000


# -- shared wording ----------------------------------------------------------------------------


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _party(party: str | None) -> str:
    return party if party is not None else "(whole pledge)"


def _rename(c: PledgeChange) -> str:
    if c.renamed == "moved":
        return "same id, new file"
    # "same content" only when the rename is the whole change: an update or an edit made with
    # it is listed beside it, and the parenthesis must not contradict that list.
    other = (c.status_changes or c.updates_added or c.deadline is not None or c.edited)
    if c.old_path == c.new_path or other:
        return "new id"
    return "new id, same content"


def _problem(p: Problem | None) -> str:
    if p is None:
        return ""
    return f"line {p.line}: {_one_line(p.message)} [{p.rule}]"


def _value(value: object) -> str:
    """A field value in one line: lists joined, sources by url."""
    if value is None or value == [] or value == "":
        return "(none)"
    if isinstance(value, list):
        return ", ".join(
            str(v.get("url")) if isinstance(v, dict) else str(v) for v in value
        )
    if isinstance(value, dict):
        return _json.dumps(value, ensure_ascii=False, sort_keys=True)
    return _one_line(str(value))


def _edits(c: PledgeChange) -> list[str]:
    parts = [f"{f.field} changed" for f in c.fields]
    parts += [f"update {u.old.date} edited" for u in c.updates_changed]
    parts += [f"update {u.date} ({u.status}) removed" for u in c.updates_removed]
    return parts


def _header(result: DiffResult) -> str:
    def side(label: str, commit: str | None) -> str:
        return label if commit is None or commit.startswith(label) else f"{label} ({commit[:12]})"

    return f"{side(result.base.label, result.base.commit)} → " \
           f"{side(result.head.label, result.head.commit)}"


# -- plain text and Rich table -----------------------------------------------------------------


def _rows(result: DiffResult) -> list[tuple[str, str, str]]:
    """(change, pledge, details) rows, status changes first."""
    rows: list[tuple[str, str, str]] = []
    for c in result.changes:
        for s in c.status_changes:
            rows.append(("status", c.id, f"{_party(s.party)}: {s.old} → {s.new}"))
    changes = _by_id(result.changes)
    for c in changes:
        for u in c.updates_added if c.kind in ("modified", "renamed") else ():
            rows.append(("update", c.id, _update_text(u)))
    for c in changes:
        if c.kind == "added" and c.new_problem is None:
            rows.append(("new", c.id, f"{c.status}: {_one_line(c.title)}"))
    for c in changes:
        if c.kind == "renamed":
            name = c.id if c.old_id == c.new_id else f"{c.old_id} → {c.new_id}"
            rows.append(("renamed", name,
                         f"{c.old_path} → {c.new_path} ({_rename(c)})"))
    for c in changes:
        if c.kind == "removed":
            rows.append(("removed", c.id, _one_line(c.title) or str(c.old_path)))
    for c in changes:
        if c.deadline is not None:
            rows.append(("deadline", c.id,
                         f"{_value(c.deadline.old)} → {_value(c.deadline.new)}"))
    for c in changes:
        if c.edited:
            rows.append(("edited", c.id, "; ".join(_edits(c))))
    for c in changes:
        if c.new_problem is not None:
            at = result.head.label
            rows.append(("broken", str(c.new_path), f"does not parse at {at}: "
                         f"{_problem(c.new_problem)}"))
        elif c.repaired:
            rows.append(("repaired", str(c.new_path),
                         f"did not parse at {result.base.label}; parses now"))
    if result.config_changed:
        rows.append(("config", "pledgetrack.yaml", "changed"))
    return rows


def _by_id(changes: Iterable[PledgeChange]) -> list[PledgeChange]:
    """The order within a section (status changes, listed first, keep the result's order)."""
    return sorted(changes, key=lambda c: (c.id, c.old_path or "", c.new_path or ""))


def _update_text(u: Update) -> str:
    party = f" ({u.party})" if u.party else ""
    note = f": {_one_line(u.note)}" if u.note else ""
    urls = "".join(f" <{s.url}>" for s in u.sources)
    return f"{u.date} {u.status}{party}{note}{urls}"


def text(result: DiffResult, **_: object) -> str:
    lines = [_header(result), result.summary.text()]
    rows = _rows(result)
    if rows:
        lines.append("")
        kind_width = max(len(r[0]) for r in rows)
        id_width = max(len(r[1]) for r in rows)
        lines += [f"{k:<{kind_width}}  {i:<{id_width}}  {d}".rstrip() for k, i, d in rows]
    return "\n".join(lines) + "\n"


def table(result: DiffResult, *, color: str = "auto", **_: object) -> str:
    """Rich on a terminal; the plain text layout in a pipe, where a table would be cropped."""
    from pledgetrack.render.console import is_terminal

    if not is_terminal():
        return text(result)
    from rich.markup import escape
    from rich.table import Table

    from pledgetrack.render.console import escaped, make_console

    styles = {"status": "bold", "new": "green", "removed": "red", "broken": "bold red",
              "renamed": "cyan", "deadline": "yellow"}
    rows = _rows(result)
    t = Table()
    t.add_column("change", no_wrap=True)
    t.add_column("pledge", overflow="fold")
    t.add_column("details", overflow="fold")
    for kind, pledge_id, details in rows:
        style = styles.get(kind, "")
        t.add_row(f"[{style}]{kind}[/]" if style else kind, escape(pledge_id), escape(details))
    console = make_console(color)
    with console.capture() as capture:
        console.print(escaped(escape(_header(result))), style="dim")
        console.print(escaped(escape(result.summary.text())), style="bold")
        if rows:
            console.print(escaped(t))
    return capture.get()


# -- Markdown ----------------------------------------------------------------------------------

# Characters that Markdown (GitHub's flavour, with math) could read as markup. Record text comes
# from pull requests: it must read as text, never as links, HTML, tables or emphasis.


def _md_id(pledge_id: str) -> str:
    return md_code(pledge_id)


def _md_renamed_id(c: PledgeChange) -> str:
    if c.old_id == c.new_id:
        return _md_id(c.id)
    return f"{_md_id(c.old_id or '')} → {_md_id(c.new_id or '')}"


def _md_url(url: str) -> str:
    # Inside (…) a link target must not hold spaces, parentheses or angle brackets.
    return quote(url, safe="/:?#[]@!$&'*+,;=%~.-_")


def _md_source(s: Source) -> str:
    from pledgetrack.render.deadlinks import dead_note, dead_result

    name = s.publisher or s.title or urlsplit(s.url).hostname or s.url
    dead = dead_result(s)
    if dead is not None and s.archived:
        # The original is gone: the copy comes first.
        return (f"[{md_escape(name)}]({_md_url(s.archived)}) (archived copy; the "
                f"[original]({_md_url(s.url)}) {md_escape(dead_note(dead))})")
    link = f"[{md_escape(name)}]({_md_url(s.url)})"
    if s.archived:
        link += f" ([archived]({_md_url(s.archived)}))"
    return link


def _md_sources(sources: Iterable[Source]) -> str:
    return ", ".join(_md_source(s) for s in sources)


def _md_pledge(c: PledgeChange) -> str:
    title = f" — {md_escape(c.title)}" if c.title else ""
    return f"{_md_id(c.id)}{title}"


def _md_update(u: Update, label: str) -> str:
    parts = [f"{u.date}", f"**{md_escape(label)}**"]
    if u.party:
        parts.append(md_escape(u.party))
    line = " · ".join(parts)
    if u.note:
        line += f" — {md_escape(u.note)}"
    if u.sources:
        line += f" ({_md_sources(u.sources)})"
    return line


def _md_field(f: FieldChange) -> str:
    return f"{md_escape(f.field)}: {md_escape(_value(f.old))} → {md_escape(_value(f.new))}"


def markdown(result: DiffResult, *, max_chars: int | None = None, **_: object) -> str:
    """A summary line, then one section per kind of change, then warnings: ready for
    ``$GITHUB_STEP_SUMMARY`` (under 900 KiB) or, with ``max_chars``, a pull-request comment. The
    whole text, warnings and the note of what was left out included, stays within the limits."""
    names = result.labels
    head = [
        f"### Pledge changes: {md_escape(_header(result))}",
        "",
        f"**{md_escape(result.summary.text().capitalize())}**",
    ]
    sections: list[tuple[str, list[str]]] = []

    status_rows = [
        f"| {_md_id(c.id)} | {md_escape(_party(s.party))} | {md_escape(s.old_label)} | "
        f"{md_escape(s.new_label)} |"
        for c in result.changes for s in c.status_changes
    ]
    changes = _by_id(result.changes)
    if status_rows:
        sections.append(("Status changes", [
            "| Pledge | Party | Before | After |", "| --- | --- | --- | --- |", *status_rows]))

    updates: list[str] = []
    for c in changes:
        if c.kind in ("modified", "renamed") and c.updates_added:
            updates.append(f"- {_md_pledge(c)}")
            updates += [f"  - {_md_update(u, names.get(u.status, u.status))}"
                        for u in c.updates_added]
    if updates:
        sections.append(("Updates added", updates))

    new = [
        f"- {_md_pledge(c)} ({md_escape(c.status_label or '')})"
        + (f" — sources: {_md_sources(c.sources)}" if c.sources else "")
        for c in changes if c.kind == "added" and c.new_problem is None
    ]
    if new:
        sections.append(("New pledges", new))

    renamed = [
        f"- {_md_renamed_id(c)}: "
        f"{_md_id(c.old_path or '')} → {_md_id(c.new_path or '')} ({_rename(c)})"
        for c in changes if c.kind == "renamed"
    ]
    if renamed:
        sections.append(("Renamed", renamed))

    removed = [f"- {_md_pledge(c)}" for c in changes if c.kind == "removed"]
    if removed:
        sections.append(("Removed", removed))

    deadlines = [
        f"- {_md_id(c.id)}: {md_escape(_value(c.deadline.old))} → "
        f"{md_escape(_value(c.deadline.new))}"
        for c in changes if c.deadline is not None
    ]
    if deadlines:
        sections.append(("Deadlines changed", deadlines))

    edited: list[str] = []
    for c in changes:
        if c.edited:
            edited.append(f"- {_md_pledge(c)}")
            edited += [f"  - {_md_field(f)}" for f in c.fields]
            edited += [f"  - update {u.old.date} edited: {md_escape(_update_text(u.new))}"
                       for u in c.updates_changed]
            edited += [f"  - update {u.date} removed: {md_escape(_update_text(u))}"
                       for u in c.updates_removed]
    if edited:
        sections.append(("Other changes", edited))

    broken = [
        f"- {_md_id(c.new_path or '')}: does not parse at {md_escape(result.head.label)} — "
        f"{md_escape(_problem(c.new_problem))}"
        for c in changes if c.new_problem is not None
    ] + [
        f"- {_md_id(c.new_path or '')}: did not parse at {md_escape(result.base.label)}; "
        "parses now"
        for c in changes if c.repaired
    ]
    if broken:
        sections.append(("Files that do not parse", broken))
    if result.config_changed:
        sections.append(("Configuration", ["- `pledgetrack.yaml` changed"]))
    # Warnings last: the real changes are what must fit.
    warnings = [f"- {md_escape(_middle_cut(w, WARNING_CHARS))}" for w in result.warnings]
    if warnings:
        sections.append(("Warnings", warnings))
    return _fit("\n".join(head) + "\n", sections, max_chars)


def _middle_cut(text: str, limit: int) -> str:
    """One line of at most about ``limit`` characters: the start and the end of a longer text
    (where a message says what is wrong), the middle left out."""
    text = _one_line(text)
    if len(text) <= limit:
        return text
    return f"{text[: limit * 2 // 3]} … {text[-(limit // 3):]}"


def _note(left_out: int, max_chars: int | None) -> str:
    limit = ("GitHub's 1 MiB summary limit" if max_chars is None
             else f"the limit of {max_chars:,} characters")
    return (f"\n_Truncated: {left_out:,} more lines left out to stay under {limit}; run "
            "`pledgetrack diff` locally for everything._\n")


def _fit(head: str, sections: list[tuple[str, list[str]]], max_chars: int | None = None) -> str:
    """Join the sections in order, leaving out whole lines that would pass the limits (900 KiB,
    and ``max_chars`` characters when given), and say so in a last line that fits too."""
    note_room = _note(10**12, max_chars)
    max_bytes = MAX_MARKDOWN_BYTES - encoded_size(note_room)
    max_length = None if max_chars is None else max_chars - len(note_room)
    out = [head]
    size, length = encoded_size(head), len(head)
    left_out = 0

    def add(text: str) -> bool:
        nonlocal size, length
        more = encoded_size(text)
        if size + more > max_bytes or (max_length is not None and length + len(text) > max_length):
            return False
        out.append(text)
        size, length = size + more, length + len(text)
        return True

    for title, lines in sections:
        if not add(f"\n#### {title}\n\n"):
            left_out += len(lines)
            continue
        for line in lines:
            if not add(line + "\n"):
                left_out += 1
    if left_out:
        out.append(_note(left_out, max_chars))
    return "".join(out)


# -- JSON --------------------------------------------------------------------------------------


def _problem_doc(p: Problem | None) -> dict[str, object] | None:
    return None if p is None else p.to_dict()


def change_doc(c: PledgeChange) -> dict[str, object]:
    return {
        "id": c.id,
        "change": c.kind,
        "title": c.title,
        "old_path": c.old_path,
        "new_path": c.new_path,
        "old_id": c.old_id,
        "new_id": c.new_id,
        "renamed": c.renamed,
        "status": c.status,
        "status_changes": [
            {"party": s.party, "old": s.old, "new": s.new, "old_label": s.old_label,
             "new_label": s.new_label}
            for s in c.status_changes
        ],
        "updates_added": [update_doc(u) for u in c.updates_added],
        "updates_removed": [update_doc(u) for u in c.updates_removed],
        "updates_edited": [{"old": update_doc(u.old), "new": update_doc(u.new)}
                           for u in c.updates_changed],
        "deadline": None if c.deadline is None else {"old": c.deadline.old,
                                                     "new": c.deadline.new},
        "fields": [{"field": f.field, "old": f.old, "new": f.new} for f in c.fields],
        "old_error": _problem_doc(c.old_problem),
        "new_error": _problem_doc(c.new_problem),
    }


def json(result: DiffResult, **_: object) -> str:
    s = result.summary
    doc = {
        "version": JSON_VERSION,
        "base": {"label": result.base.label, "commit": result.base.commit},
        "head": {"label": result.head.label, "commit": result.head.commit},
        "changed": result.changed,
        "summary": {
            "text": s.text(),
            "status_changed": s.status_changed,
            "updates_added": s.updates_added,
            "added": s.added,
            "removed": s.removed,
            "renamed": s.renamed,
            "deadline_changed": s.deadline_changed,
            "edited": s.edited,
            "unparsable": s.unparsable,
            "repaired": s.repaired,
            "config_changed": s.config_changed,
        },
        "warnings": list(result.warnings),
        "changes": [change_doc(c) for c in result.changes],
    }
    return _json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
