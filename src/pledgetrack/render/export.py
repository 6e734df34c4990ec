"""Formats for `pledgetrack export`: CSV, JSON (an array of rows) and JSON Lines."""

from __future__ import annotations

import json as _json
from collections.abc import Sequence

from pledgetrack.queries.exports import Row, flat
from pledgetrack.render.tabular import csv_text


def csv(rows: Sequence[Row], *, columns: Sequence[str], raw: bool = False, **_: object) -> str:
    """Lists joined with ';'; formula-like cells neutralised unless ``raw``."""
    return csv_text(columns, ([flat(r.get(c)) for c in columns] for r in rows), raw=raw)


def json(rows: Sequence[Row], *, columns: Sequence[str], **_: object) -> str:
    doc = [{c: r.get(c) for c in columns} for r in rows]
    return _json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def jsonl(rows: Sequence[Row], *, columns: Sequence[str], **_: object) -> str:
    return "".join(
        _json.dumps({c: r.get(c) for c in columns}, ensure_ascii=False) + "\n" for r in rows
    )
