"""Formats for `pledgetrack list`: a Rich table for a terminal, TSV for a pipe, Markdown, JSON,
CSV. Each takes the pledges' states (:class:`~pledgetrack.queries.selection.PledgeState`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from pledgetrack.model.vocabulary import DEFAULT_VOCABULARY, Vocabulary
from pledgetrack.queries.exports import LIST_SEPARATOR, parties_text
from pledgetrack.queries.selection import PledgeState
from pledgetrack.queries.skipped import Skipped, skipped_text
from pledgetrack.render import jsontext
from pledgetrack.render.tabular import (
    MARKDOWN_LIMIT,
    MarkdownWriter,
    csv_text,
    md_code,
    md_escape,
    rich_text,
    shorten,
    tsv_text,
    wrap_at_hyphens,
)

if TYPE_CHECKING:
    from rich.table import Table

COLUMNS = (
    "id", "title", "actors", "recipients", "domains", "status", "status_date", "deadline",
    "overdue", "stale", "parties",
)
# The one-line-per-pledge table is used only where the title keeps at least this many
# characters; below, each pledge's details fold under its id and title.
TITLE_MIN = 24
NONE = "\u2013"  # en dash: no value


def _date(value: object) -> str:
    return "" if value is None else str(value)


def _plain_rows(states: Sequence[PledgeState]) -> list[list[str]]:
    # One row per pledge, written out in place (dates and flags inline): 10,000 rows.
    join = LIST_SEPARATOR.join
    rows = []
    for s in states:
        p = s.pledge
        updated, deadline = s.status_date, p.deadline
        rows.append([
            p.id, p.title, join(p.actors), join(p.recipients), join(p.domains), s.status,
            "" if updated is None else str(updated), "" if deadline is None else str(deadline),
            "yes" if s.overdue else "no", "yes" if s.stale else "no",
            parties_text(s.parties) if s.parties else "",
        ])
    return rows


def tsv(states: Sequence[PledgeState], **_: object) -> str:
    """Tab-separated, a header line first; lists joined with ';'."""
    return tsv_text(COLUMNS, _plain_rows(states))


def csv(states: Sequence[PledgeState], **_: object) -> str:
    return csv_text(COLUMNS, _plain_rows(states))


def json(states: Sequence[PledgeState], **_: object) -> str:
    doc = []
    for s in states:
        p = s.pledge
        doc.append({
            "id": p.id,
            "title": p.title,
            "actors": list(p.actors),
            "recipients": list(p.recipients),
            "domains": list(p.domains),
            "tags": list(p.tags),
            "announced": _date(p.announced) or None,
            "status": s.status,
            "status_date": _date(s.status_date) or None,
            "deadline": _date(p.deadline) or None,
            "final": s.final,
            "overdue": s.overdue,
            "stale": s.stale,
            "parties": dict(s.parties),
        })
    return jsontext.dumps(doc) + "\n"


def party_statuses(s: PledgeState) -> str:
    """``Japan delivered · US in_progress``: each actor's own status, for a joint pledge."""
    return " \u00b7 ".join(f"{party} {status}" for party, status in s.parties.items())


def _parties(s: PledgeState) -> str:
    p = s.pledge
    actors = ", ".join(p.actors)
    return f"{actors} → {', '.join(p.recipients)}" if p.recipients else actors


def markdown(
    states: Sequence[PledgeState], *, limit: int = MARKDOWN_LIMIT,
    skipped: Sequence[Skipped] = (), **_: object,
) -> str:
    out = MarkdownWriter(limit)
    if skipped:
        out.text(f"> **Warning:** {skipped_text(skipped, path=md_escape)}.\n\n")
    joint = any(s.parties for s in states)
    rows = []
    for s in states:
        p = s.pledge
        deadline = _date(p.deadline)
        if s.overdue:
            deadline = f"**{deadline} (overdue)**"
        row = [
            md_code(p.id), md_escape(p.title), md_escape(_parties(s)),
            md_escape(", ".join(p.domains)), md_code(s.status),
            _date(s.status_date), deadline,
        ]
        if joint:
            row.append(md_escape(party_statuses(s)))
        rows.append(row)
    header = ["Pledge", "Title", "Actors → recipients", "Domains", "Status", "Updated",
              "Deadline"]
    if joint:
        header.append("Parties")
    out.table(header, rows, "l" * len(header))
    return out.getvalue().lstrip("\n").replace("\n\n\n", "\n\n", 1)


def table(
    states: Sequence[PledgeState], *, vocabulary: Vocabulary = DEFAULT_VOCABULARY,
    color: bool = False, width: int | None = None, skipped: Sequence[Skipped] = (),
    **_: object,
) -> str:
    """A Rich table. On a narrow terminal each pledge takes a few lines: id, shortened title,
    then actors → recipients and domains; on a wide one (or off a terminal) one line each."""
    from rich.text import Text

    def status_cell(s: PledgeState) -> Text:
        status = vocabulary.get(s.status)
        return Text(s.status, style=status.color if status and color else "")

    def deadline_cell(s: PledgeState) -> Text:
        text = Text(_date(s.pledge.deadline) or NONE)
        if s.overdue:
            text.stylize("bold red")
            text.append("\noverdue" if narrow else " overdue", style="bold red")
        return text

    def parties_cell(s: PledgeState) -> Text:
        cell = Text()
        for i, (party, name) in enumerate(s.parties.items()):
            if i:
                cell.append(" \u00b7 ")
            status = vocabulary.get(name)
            cell.append(party + " ")
            cell.append(name, style=status.color if status and color else "")
        return cell

    # The parties column only when a listed pledge is joint: most data sets have none.
    joint = any(s.parties for s in states)
    narrow = width is not None and width < _wide_width(states, joint)
    t = _table(narrow, len(states), skipped, joint and not narrow)
    if narrow:
        assert width is not None
        # id + title column: what the fixed columns (status 13, dates 10 each, padding) leave.
        room = max(24, width - 13 - 10 - 10 - 8)
        for s in states:
            p = s.pledge
            cell = Text()
            cell.append(wrap_at_hyphens(p.id, room), style="bold")
            # Two lines of title at most, cut at a word.
            cell.append("\n" + shorten(p.title, 2 * room - 6))
            cell.append("\n" + _parties(s) + " · " + ", ".join(p.domains), style="dim")
            if s.parties:
                cell.append("\n").append_text(parties_cell(s))
            t.add_row(cell, status_cell(s), Text(_date(s.status_date) or NONE),
                      deadline_cell(s))
    else:
        title_room = 60 if width is not None else 10_000
        for s in states:
            p = s.pledge
            row = [Text(p.id), Text(shorten(p.title, title_room)), Text(_parties(s)),
                   Text(", ".join(p.domains)), status_cell(s),
                   Text(_date(s.status_date) or NONE), deadline_cell(s)]
            if joint:
                row.append(parties_cell(s))
            t.add_row(*row)
    return rich_text(t, color=color, width=width)


def _longest_word(texts: Sequence[str]) -> int:
    return max((len(w) for text in texts for w in text.split()), default=0)


def _wide_width(states: Sequence[PledgeState], joint: bool) -> int:
    """The columns a one-line-per-pledge table needs so that no id is cut and the title keeps
    at least :data:`TITLE_MIN` characters (the other text columns may wrap at spaces)."""
    ids = max((len(s.pledge.id) for s in states), default=2)
    status = max([6, *(len(s.status) for s in states)])
    deadline = 8 + (len(" overdue") if any(s.overdue for s in states) else 0)
    parties = _longest_word([_parties(s) for s in states])
    domains = _longest_word([", ".join(s.pledge.domains) for s in states])
    columns = [ids, TITLE_MIN, max(parties, 10), max(domains, 7), status, 10, max(deadline, 10)]
    if joint:
        columns.append(max(10, _longest_word([" ".join(s.parties) for s in states]) + 15))
    return sum(columns) + 2 * (len(columns) - 1)


def _table(narrow: bool, count: int, skipped: Sequence[Skipped] = (),
           joint: bool = False) -> Table:
    from rich import box
    from rich.table import Table

    caption = f"{count} pledge{'s' if count != 1 else ''}"
    if skipped:
        # Under the table, where the count is read: the count leaves these files out.
        caption += f"; {skipped_text(skipped)}"
    t = Table(
        box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, leading=1 if narrow else 0,
        caption=caption, caption_justify="left",
    )
    if narrow:
        t.add_column("pledge", ratio=1, overflow="fold")
    else:
        t.add_column("id", no_wrap=True)
        t.add_column("title", ratio=1, min_width=TITLE_MIN)
        t.add_column("actors → recipients")
        t.add_column("domains")
    t.add_column("status", no_wrap=True)
    t.add_column("updated", no_wrap=True)
    t.add_column("deadline", no_wrap=True)
    if joint:
        t.add_column("parties")
    return t
