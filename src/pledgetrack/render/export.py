"""Formats for `pledgetrack export`: CSV, JSON (an array of rows) and JSON Lines.

Each format is written row by row (the ``*_chunks`` functions, registered as the formats'
``chunks`` in render.registry): an export of 100,000 pledges never holds its whole text, or
every row, in memory. The functions that return the whole text serve the API.
"""

from __future__ import annotations

import json as _json
from collections.abc import Iterable, Iterator, Mapping, Sequence

from pledgetrack.queries.exports import Row, flat

Rows = Iterable[Mapping[str, object]]


def _pick(row: Mapping[str, object], columns: Sequence[str] | None) -> Mapping[str, object]:
    return row if columns is None else {c: row.get(c) for c in columns}


def csv_chunks(rows: Rows, *, columns: Sequence[str] | None, raw: bool = False,
               **_: object) -> Iterator[str]:
    """Lists joined with ';'; formula-like cells neutralised unless ``raw``."""
    import csv as _csv
    import io

    from pledgetrack.render.tabular import neutralise

    assert columns is not None, "CSV needs columns"
    buffer = io.StringIO()
    writer = _csv.writer(buffer, lineterminator="\n")

    def line(cells: list[str]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(cells)
        return buffer.getvalue()

    yield line(list(columns))
    for r in rows:
        cells = [flat(r.get(c)) for c in columns]  # type: ignore[arg-type]
        yield line(cells if raw else [neutralise(c) for c in cells])


def json_chunks(rows: Rows, *, columns: Sequence[str] | None, **_: object) -> Iterator[str]:
    """The bytes of ``json.dumps(rows, indent=2)``, one row at a time (``columns`` None: each row
    as it is, as full records are)."""
    first = True
    for r in rows:
        text = _json.dumps(_pick(r, columns), ensure_ascii=False, indent=2)
        # A JSON text has no raw line break inside strings: every one is layout.
        yield ("[\n  " if first else ",\n  ") + text.replace("\n", "\n  ")
        first = False
    yield "[]\n" if first else "\n]\n"


def jsonl_chunks(rows: Rows, *, columns: Sequence[str] | None, **_: object) -> Iterator[str]:
    for r in rows:
        yield _json.dumps(_pick(r, columns), ensure_ascii=False) + "\n"


def csv(rows: Sequence[Row], *, columns: Sequence[str], raw: bool = False, **_: object) -> str:
    return "".join(csv_chunks(rows, columns=columns, raw=raw))


def json(rows: Rows, *, columns: Sequence[str] | None, **_: object) -> str:
    return "".join(json_chunks(rows, columns=columns))


def jsonl(rows: Rows, *, columns: Sequence[str] | None, **_: object) -> str:
    return "".join(jsonl_chunks(rows, columns=columns))
