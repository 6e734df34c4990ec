"""Formats for the status vocabulary (`pledgetrack statuses`)."""

from __future__ import annotations

import json as _json

from pledgetrack.model.vocabulary import Vocabulary
from pledgetrack.model.vocabulary import score_text as _score


def text(vocab: Vocabulary, **_: object) -> str:
    rows = ["name\tlabel\tfinal\tscore\tdescription"]
    for s in vocab:
        rows.append(f"{s.name}\t{s.label}\t{'yes' if s.final else 'no'}\t{_score(s.score)}\t"
                    f"{s.description}")
    return "\n".join(rows) + "\n"


def json(vocab: Vocabulary, **_: object) -> str:
    doc = [
        {"name": s.name, "label": s.label, "final": s.final, "color": s.color, "score": s.score,
         "description": s.description}
        for s in vocab
    ]
    return _json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def table(vocab: Vocabulary, *, color: str = "auto", **_: object) -> str:
    from rich.table import Table

    from pledgetrack.render.console import escaped, make_console

    t = Table(title="Status vocabulary", title_justify="left")
    for header in ("status", "label", "final", "score", "meaning"):
        t.add_column(header)
    for s in vocab:
        t.add_row(f"[{s.color}]{s.name}[/]", s.label, "yes" if s.final else "no",
                  _score(s.score), s.description)
    console = make_console(color)
    with console.capture() as capture:
        console.print(escaped(t))
    return capture.get()
