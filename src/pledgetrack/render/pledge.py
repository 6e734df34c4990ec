"""Formats for one pledge (`pledgetrack show`)."""

from __future__ import annotations

import json as _json
from typing import TYPE_CHECKING

from pledgetrack.queries.pledge_view import PledgeView, StatusView

if TYPE_CHECKING:
    from rich.text import Text

    from pledgetrack.model.records import Source


def _days(n: int) -> str:
    return f"{n} day{'s' if n != 1 else ''}"


def deadline_text(view: PledgeView) -> str:
    deadline = view.pledge.deadline
    if deadline is None or view.days_left is None:
        return "none"
    due = "" if deadline.precision == "day" else f"due by {deadline.end.isoformat()}; "
    if view.days_left > 0:
        return f"{deadline} ({due}{_days(view.days_left)} left)"
    if view.days_left == 0:
        return f"{deadline} ({due}due today)"
    if view.overdue:
        return f"{deadline} ({due}overdue by {_days(-view.days_left)})"
    return f"{deadline} ({due}passed {_days(-view.days_left)} ago; status is final)"


def _status_text(status: StatusView, color: bool) -> Text:
    from rich.text import Text

    since = f" since {status.since}" if status.since else ""
    text = Text()
    text.append(status.name, style=status.color if color else "")
    text.append(f" ({status.label}){since}")
    return text


def _source_line(source: Source) -> str:
    from pledgetrack.render.deadlinks import dead_note, dead_result

    details = [d for d in (source.title, source.publisher,
                           str(source.published) if source.published else None) if d]
    dead = dead_result(source)
    if dead is not None and source.archived:
        # The original is gone: the copy comes first.
        line = source.archived + (f" — {', '.join(details)}" if details else "")
        return line + f" (archived copy; the original {source.url} {dead_note(dead)})"
    line = source.url + (f" — {', '.join(details)}" if details else "")
    if source.archived:
        line += f" (archived: {source.archived})"
    return line


def text(view: PledgeView, *, color: str = "auto", **_: object) -> str:
    from rich.console import Group
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    from pledgetrack.render.console import escaped, make_console, use_color

    colored = use_color(color)
    p = view.pledge
    fields = Table.grid(padding=(0, 2))
    fields.add_column(style="bold" if colored else "", no_wrap=True)
    fields.add_column()
    actors = ", ".join(p.actors)
    if p.recipients:
        actors += " → " + ", ".join(p.recipients)
    rows: list[tuple[str, str | Text]] = [
        ("id", f"{p.id}  ({p.path})" if p.path else p.id),
        ("actors", actors),
        ("domains", ", ".join(p.domains)),
    ]
    if p.made_by:
        rows.append(("made by", p.made_by))
    rows.append(("announced", str(p.announced) if p.announced else "unknown"))
    rows.append(("deadline", deadline_text(view)))
    if view.not_yet_announced:
        rows.append(("status", f"not yet announced on {view.as_of.isoformat()}"))
    else:
        rows.append(("status", _status_text(view.status, colored)))
        for party, status in view.by_party.items():
            rows.append(("", Text(f"{party}: ").append_text(_status_text(status, colored))))
    if p.tags:
        rows.append(("tags", ", ".join(p.tags)))
    for label, value in rows:
        fields.add_row(label, value)

    parts: list[object] = [Text(p.title, style="bold" if colored else ""), fields]

    def section(title: str, body: object) -> None:
        parts.append(Text(""))
        parts.append(Text(title, style="bold" if colored else ""))
        parts.append(Padding(body, (0, 0, 0, 2)))  # type: ignore[arg-type]

    for heading, content in (("Summary", p.summary), ("Quote", p.quote),
                             ("Criteria", p.criteria)):
        if content:
            section(heading, Text(content))
    section("Sources", Text("\n".join(
        f"{n}. {_source_line(s)}" for n, s in enumerate(p.sources, 1)
    )))
    n = view.later
    later = f"; {n} later update{'s' if n != 1 else ''} hidden" if n else ""
    upto = f" to {view.as_of.isoformat()}" if view.later else ""
    if view.updates:
        timeline = Table.grid(padding=(0, 2))
        timeline.add_column(no_wrap=True)
        timeline.add_column()
        for update in view.updates:  # by date; same-day entries keep file order
            head = Text()
            head.append(update.status, style=view.colors.get(update.status, "") if colored else "")
            if update.party:
                head.append(f" ({update.party})")
            if update.recorded and update.recorded != update.date:
                head.append(f" [recorded {update.recorded}]")
            body = [head]
            if update.note:
                body.append(Text(update.note))
            body.extend(Text(f"source: {_source_line(s)}") for s in update.sources)
            timeline.add_row(str(update.date), Group(*body))
        count = len(view.updates)
        section(f"Timeline{upto} ({count} update{'s' if count != 1 else ''}{later})", timeline)
    elif view.later:
        section("Timeline", Text(f"no updates by {view.as_of.isoformat()}{later}"))
    else:
        section("Timeline", Text("no updates yet (not yet rated)"))

    console = make_console(color)
    with console.capture() as capture:
        console.print(escaped(Group(*parts)))  # type: ignore[arg-type]
    # Grid cells are padded to their column's width; trailing spaces help no one.
    return "\n".join(line.rstrip() for line in capture.get().split("\n"))


def json(view: PledgeView, **_: object) -> str:
    return _json.dumps(view.to_dict(), ensure_ascii=False, indent=2) + "\n"
