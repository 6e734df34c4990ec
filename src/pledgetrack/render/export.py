"""Formats for `pledgetrack export`: CSV, JSON (an array of rows) and JSON Lines."""

from __future__ import annotations

import json as _json
from collections.abc import Mapping, Sequence

from pledgetrack.queries.exports import Row, flat
from pledgetrack.render.tabular import csv_text


def csv(rows: Sequence[Row], *, columns: Sequence[str], raw: bool = False, **_: object) -> str:
    """Lists joined with ';'; formula-like cells neutralised unless ``raw``."""
    return csv_text(columns, ([flat(r.get(c)) for c in columns] for r in rows), raw=raw)


def _pick(row: Mapping[str, object], columns: Sequence[str] | None) -> Mapping[str, object]:
    return row if columns is None else {c: row.get(c) for c in columns}


def json(rows: Sequence[Mapping[str, object]], *, columns: Sequence[str] | None,
         **_: object) -> str:
    """An array of rows (``columns`` None: each row as it is, as full records are)."""
    doc = [_pick(r, columns) for r in rows]
    return _json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def jsonl(rows: Sequence[Mapping[str, object]], *, columns: Sequence[str] | None,
          **_: object) -> str:
    return "".join(_json.dumps(_pick(r, columns), ensure_ascii=False) + "\n" for r in rows)
