"""Export rows: one per pledge (with its derived status), one per update (long format), or one
full record per pledge (every field of its file, for a lossless move).

Rows are plain dicts whose keys are the columns, in order; list fields stay lists (CSV joins them
with ``;``), missing values are None. The pledge columns are a public contract shared with
`pledgetrack import`: the first eleven are the documented minimum, the others carry the text a
pledge file holds so that export → import → export gives the same output.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping

from pledgetrack.model.config import Config
from pledgetrack.model.dates import PartialDate
from pledgetrack.model.records import Pledge, Source, Update
from pledgetrack.queries.selection import evaluate

Cell = str | int | list[str] | dict[str, str] | None
Row = dict[str, Cell]

PLEDGE_COLUMNS: tuple[str, ...] = (
    "id", "title", "actors", "recipients", "domains", "tags", "announced", "deadline",
    "status", "status_date", "source",
    # Beyond the minimum: the rest of the pledge's own text and its first source's details.
    "made_by", "summary", "quote", "criteria", "source_title", "publisher",
    # Each actor's own status, for a joint pledge (updates naming a party); empty otherwise.
    "parties",
)
UPDATE_COLUMNS: tuple[str, ...] = (
    "id", "update", "date", "status", "party", "note", "source", "source_title", "publisher",
    "recorded",
)
LIST_SEPARATOR = ";"
PARTY_SEPARATOR = "="


def parties_text(parties: Mapping[str, str]) -> str:
    """``Japan=delivered;US=in_progress``: each actor's status, for a one-line cell."""
    return LIST_SEPARATOR.join(f"{party}{PARTY_SEPARATOR}{status}"
                               for party, status in parties.items())


def _text(value: str | None) -> str | None:
    """Free text without the whitespace around it (a YAML block scalar ends with a line break
    that is layout, not content): a table cell, and what `import` reads back."""
    if value is None:
        return None
    return value.strip() or None


def _date(value: PartialDate | None) -> str | None:
    return None if value is None else str(value)


def _first(sources: tuple[Source, ...]) -> Source | None:
    return sources[0] if sources else None


def pledge_row(pledge: Pledge, config: Config, as_of: dt.date) -> Row:
    state = evaluate(pledge, config, as_of)
    source = _first(pledge.sources)
    return {
        "id": pledge.id,
        "title": _text(pledge.title),
        "actors": list(pledge.actors),
        "recipients": list(pledge.recipients),
        "domains": list(pledge.domains),
        "tags": list(pledge.tags),
        "announced": _date(pledge.announced),
        "deadline": _date(pledge.deadline),
        "status": state.status,
        "status_date": _date(state.status_date),
        "source": source.url if source else None,
        "made_by": _text(pledge.made_by),
        "summary": _text(pledge.summary),
        "quote": _text(pledge.quote),
        "criteria": _text(pledge.criteria),
        "source_title": _text(source.title) if source else None,
        "publisher": _text(source.publisher) if source else None,
        "parties": dict(state.parties),
    }


def update_rows(pledge: Pledge, as_of: dt.date) -> list[Row]:
    """The pledge's updates dated up to ``as_of``, in file order, numbered from 1 as in the
    file."""
    rows: list[Row] = []
    for number, u in enumerate(pledge.updates, 1):
        if u.date.start > as_of:
            continue
        source = _first(u.sources)
        rows.append({
            "id": pledge.id,
            "update": number,
            "date": str(u.date),
            "status": u.status,
            "party": u.party,
            "note": _text(u.note),
            "source": source.url if source else None,
            "source_title": _text(source.title) if source else None,
            "publisher": _text(source.publisher) if source else None,
            "recorded": _date(u.recorded),
        })
    return rows


_SCALARS = frozenset({str, int, float, bool, type(None)})


def _plain(value: object) -> object:
    """A record's value as JSON: dates as written, sources and updates as mappings of their
    fields in the file's order."""
    from pledgetrack.yamlfile.serialize import source_fields, update_fields

    if type(value) in _SCALARS:  # most values: the tests below (Mapping's above all) cost
        return value
    if isinstance(value, PartialDate):
        return str(value)
    if isinstance(value, Source):
        return {k: _plain(v) for k, v in source_fields(value)}
    if isinstance(value, Update):
        return {k: _plain(v) for k, v in update_fields(value)}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def full_row(pledge: Pledge, as_of: dt.date | None = None) -> dict[str, object]:
    """Every field of the pledge's file, in the canonical order (unknown fields included), as
    JSON values: what `import` reads back into the same file. With ``as_of``, the updates dated
    after it are left out."""
    import dataclasses

    from pledgetrack.yamlfile.serialize import pledge_fields

    if as_of is not None:
        kept = tuple(u for u in pledge.updates if u.date.start <= as_of)
        if len(kept) != len(pledge.updates):
            pledge = dataclasses.replace(pledge, updates=kept)
    return {k: _plain(v) for k, v in pledge_fields(pledge)}


def iter_rows(
    pledges: Iterable[Pledge], config: Config, as_of: dt.date, *, updates: bool = False
) -> Iterator[Row]:
    """Rows for export, one pledge at a time: one per pledge, or with ``updates`` one per update
    (long format)."""
    if updates:
        for p in pledges:
            yield from update_rows(p, as_of)
    else:
        for p in pledges:
            yield pledge_row(p, config, as_of)


def export_rows(
    pledges: Iterable[Pledge], config: Config, as_of: dt.date, *, updates: bool = False
) -> list[Row]:
    """Rows for export: one per pledge, or with ``updates`` one per update (long format)."""
    return list(iter_rows(pledges, config, as_of, updates=updates))


def flat(value: Cell) -> str:
    """A cell for CSV: lists joined with ';', parties as ``party=status;…``, None as empty."""
    if value is None:
        return ""
    if isinstance(value, list):
        return LIST_SEPARATOR.join(value)
    if isinstance(value, dict):
        return parties_text(value)
    return str(value)
