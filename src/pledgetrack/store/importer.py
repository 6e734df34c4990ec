"""Creating pledge files from rows of a table (`pledgetrack import`): CSV, JSON or JSON Lines.

A row has the keys of the export format::

    id, title, actors, recipients, domains, tags, announced, deadline, status, status_date, source

and optionally ``made_by, summary, quote, criteria, source_title, publisher``. Lists are real
JSON lists or ``;``-joined text. ``source`` becomes the first source; ``status`` and
``status_date`` the first update (citing that source), unless the status is empty or the initial
one. Every row is checked before anything is written: one bad row, and nothing is.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pledgetrack.errors import EXIT_FINDINGS, PledgetrackError
from pledgetrack.model.config import Config
from pledgetrack.model.dates import DateError, PartialDate, parse_user_date
from pledgetrack.model.records import Pledge, Source, Update

FIELDS = ("id", "title", "actors", "recipients", "domains", "tags", "announced", "deadline",
          "status", "status_date", "source")
OPTIONAL_FIELDS = ("made_by", "summary", "quote", "criteria", "source_title", "publisher")
REQUIRED = ("id", "title", "actors", "domains", "announced", "source")
LIST_FIELDS = ("actors", "recipients", "domains", "tags")
# Keys that cannot come from a file: a row that is not an object; a CSV row with extra cells.
_NOT_OBJECT = "\0not-object"
_EXTRA_CELLS = "\0extra-cells"
FORMATS = {".csv": "csv", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl"}


@dataclass(frozen=True, slots=True)
class Row:
    line: int  # where the row starts in the file (1-based)
    values: Mapping[str, object]


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    reason: str


@dataclass(slots=True)
class ImportPlan:
    path: Path
    pledges: list[tuple[int, Pledge]] = field(default_factory=list)  # (line, record)
    replacing: set[str] = field(default_factory=set)  # ids whose files exist (with --update)
    errors: list[RowError] = field(default_factory=list)
    ignored_keys: list[str] = field(default_factory=list)


# -- reading --------------------------------------------------------------------------------------

def read_rows(path: Path) -> list[Row]:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise PledgetrackError(
            f"{path}: unknown file type '{path.suffix}'; use .csv, .json or .jsonl"
        )
    try:
        text = path.read_text("utf-8-sig")
    except FileNotFoundError:
        raise PledgetrackError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PledgetrackError(f"{path}: cannot read the file: {exc}") from None
    if fmt == "csv":
        return _csv_rows(text, path)
    if fmt == "jsonl":
        return _jsonl_rows(text, path)
    return _json_rows(text, path)


def _csv_rows(text: str, path: Path) -> list[Row]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if not reader.fieldnames:
        raise PledgetrackError(f"{path}: the file is empty (no header row)")
    rows = []
    start = reader.line_num + 1
    try:
        for record in reader:
            values = {k.strip(): v for k, v in record.items() if k is not None}
            if None in record:  # more cells than header columns
                values[_EXTRA_CELLS] = record[None]
            if any((v or "").strip() for v in values.values() if isinstance(v, str)):
                rows.append(Row(start, values))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise PledgetrackError(f"{path}:{reader.line_num}: not valid CSV: {exc}",
                               EXIT_FINDINGS) from None
    return rows


def _line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


class _DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    doc: dict[str, object] = {}
    for key, value in pairs:
        if key in doc:
            raise _DuplicateKey(key)
        doc[key] = value
    return doc


# Duplicate keys are refused, as in pledge files: JSON readers silently keep one of them.
_DECODER = json.JSONDecoder(object_pairs_hook=_no_duplicates)
_PLAIN_DECODER = json.JSONDecoder()


def _decode(
    text: str, index: int, path: Path, line: int | None = None, *, duplicates: bool = False
) -> tuple[object, int]:
    """One JSON value at ``index``: every way it can fail is one line naming the file and the
    line (``line``, or the line of ``index`` in ``text``). Duplicate keys are refused unless
    ``duplicates``."""
    try:
        return (_PLAIN_DECODER if duplicates else _DECODER).raw_decode(text, index)
    except _DuplicateKey as exc:
        reason = (f"duplicate key {exc.args[0]!r} in an object; JSON readers silently keep "
                  "only one")
    except json.JSONDecodeError as exc:
        index, reason = exc.pos, f"not valid JSON: {exc.msg}"
    except RecursionError:
        reason = "not valid JSON for import: nested too deeply"
    except ValueError:  # a number of more than 4,300 digits (Python's limit for int())
        reason = "not valid JSON for import: a number has too many digits"
    where = line if line is not None else _line_of(text, index)
    raise PledgetrackError(f"{path}:{where}: {reason}", EXIT_FINDINGS) from None


def _skip(text: str, index: int) -> int:
    while index < len(text) and text[index] in " \t\r\n":
        index += 1
    return index


def _json_rows(text: str, path: Path) -> list[Row]:
    """Rows from a JSON list, or from the list under the top-level key "pledges". The document is
    parsed as JSON first (all of it); then its top level is walked once more, value by value, for
    the line numbers of the rows and of any duplicate key."""
    start = _skip(text, 0)
    document, end = _decode(text, start, path, duplicates=True)
    if _skip(text, end) != len(text):
        raise PledgetrackError(f"{path}:{_line_of(text, end)}: not valid JSON: extra data after "
                               "the document", EXIT_FINDINGS)
    if isinstance(document, dict):
        if not isinstance(document.get("pledges"), list):
            raise PledgetrackError(f"{path}: expected a list of rows, or {{\"pledges\": [...]}}")
        index = _top_level_value(text, start, "pledges", path)
    elif isinstance(document, list):
        index = start
    else:
        raise PledgetrackError(f"{path}: expected a JSON list of rows")
    rows = []
    # Line numbers counted on from the previous row: counting from the start for each row
    # would be quadratic in the size of the file.
    line, counted = 1, 0
    index = _skip(text, index + 1)
    while text[index] != "]":
        line += text.count("\n", counted, index)
        counted = index
        value, index = _decode(text, index, path)
        rows.append(_json_row(value, line))
        index = _skip(text, index)
        if text[index] == ",":
            index = _skip(text, index + 1)
    return rows


def _top_level_value(text: str, start: int, wanted: str, path: Path) -> int:
    """Where the value of the top-level key ``wanted`` starts, in a document known to be a
    valid JSON object that has that key; duplicate keys (at any depth) are refused."""
    index = _skip(text, start + 1)
    keys: set[object] = set()
    found = None
    while text[index] != "}":
        key_at = index
        key, index = _decode(text, index, path)
        if key in keys:
            raise PledgetrackError(f"{path}:{_line_of(text, key_at)}: duplicate key {key!r} in "
                                   "an object; JSON readers silently keep only one",
                                   EXIT_FINDINGS)
        keys.add(key)
        index = _skip(text, _skip(text, index) + 1)  # past the ':'
        if key == wanted:
            found = index
        _, index = _decode(text, index, path, duplicates=key == wanted)  # rows: one by one
        index = _skip(text, index)
        if text[index] == ",":
            index = _skip(text, index + 1)
    assert found is not None  # checked by the caller
    return found


def _json_row(value: object, line: int) -> Row:
    if not isinstance(value, dict):
        return Row(line, {_NOT_OBJECT: type(value).__name__})
    return Row(line, value)


def _jsonl_rows(text: str, path: Path) -> list[Row]:
    rows = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        value, end = _decode(line, _skip(line, 0), path, number)
        if _skip(line, end) != len(line):
            raise PledgetrackError(f"{path}:{number}: not valid JSON: extra data after the "
                                   "row", EXIT_FINDINGS)
        rows.append(_json_row(value, number))
    return rows


# -- one row ---------------------------------------------------------------------------------------

class _Bad(Exception):
    pass


def _text(values: Mapping[str, object], key: str) -> str | None:
    value = values.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _Bad(f"'{key}' must be text")
    text = str(value).strip()
    return text or None


def _one_line(values: Mapping[str, object], key: str) -> str | None:
    text = _text(values, key)
    if text is not None and ("\n" in text or "\r" in text):
        raise _Bad(f"'{key}' must be a single line")
    return text


def _list(values: Mapping[str, object], key: str) -> tuple[str, ...]:
    value = values.get(key)
    if value is None:
        return ()
    if isinstance(value, list):
        items = []
        for item in value:
            if not isinstance(item, str):
                raise _Bad(f"'{key}' must list text")
            items.append(item)
    elif isinstance(value, str):
        items = value.split(";")
    else:
        raise _Bad(f"'{key}' must be a list or ';'-separated text")
    result = tuple(item.strip() for item in items if item.strip())
    if any("\n" in item or "\r" in item for item in result):
        raise _Bad(f"'{key}' entries must be single lines")
    return result


def _date(values: Mapping[str, object], key: str, today: dt.date) -> PartialDate | None:
    value = values.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # a year written as a JSON number
    text = _text({key: value}, key)
    if text is None:
        return None
    try:
        return parse_user_date(text, today)
    except DateError as exc:
        raise _Bad(f"'{key}': {exc}") from None


def _url(text: str, key: str) -> str:
    if not text.startswith(("http://", "https://")) or any(c in text for c in " \t\r\n"):
        raise _Bad(f"'{key}' {text!r} is not a URL starting with http:// or https://")
    return text


def map_status(status: str, status_map: Mapping[str, str]) -> str:
    if status in status_map:
        return status_map[status]
    folded = {k.casefold(): v for k, v in status_map.items()}
    return folded.get(status.casefold(), status)


def row_to_pledge(row: Row, config: Config, status_map: Mapping[str, str],
                  today: dt.date) -> Pledge:
    """The record a row describes; :class:`_Bad` with the first reason it cannot be one."""
    values = row.values
    kind = values.get(_NOT_OBJECT)
    if kind is not None:
        raise _Bad(f"a row must be an object with keys, not a {kind}")
    if _EXTRA_CELLS in values:
        raise _Bad("the row has more cells than the header has columns")
    missing = [k for k in REQUIRED if not (_list(values, k) if k in LIST_FIELDS
                                            else _text(values, k))]
    if missing:
        raise _Bad(f"missing {', '.join(missing)}")
    from pledgetrack.checks.rules import id_error

    pledge_id = _text(values, "id") or ""
    reason = id_error(pledge_id)
    if reason:
        raise _Bad(reason)
    domains = _list(values, "domains")
    for domain in domains:
        if not config.domain_allowed(domain):
            raise _Bad(f"unknown domain '{domain}'; allowed: {', '.join(config.domains)}")
    source = Source(
        _url(_one_line(values, "source") or "", "source"),
        title=_one_line(values, "source_title"),
        publisher=_one_line(values, "publisher"),
    )
    updates: tuple[Update, ...] = ()
    status = _one_line(values, "status")
    if status is not None:
        status = map_status(status, status_map)
    if status and status != config.vocabulary.initial:
        if status not in config.vocabulary:
            raise _Bad(f"unknown status '{status}'; valid: {', '.join(config.vocabulary.names)}"
                       " (translate another vocabulary with --status-map OLD=NEW)")
        status_date = _date(values, "status_date", today)
        if status_date is None:
            raise _Bad(f"status '{status}' needs a status_date")
        updates = (Update(status_date, status, sources=(source,)),)
    return Pledge(
        id=pledge_id,
        title=_one_line(values, "title") or "",
        actors=_list(values, "actors"),
        recipients=_list(values, "recipients"),
        domains=domains,
        made_by=_one_line(values, "made_by"),
        announced=_date(values, "announced", today),
        deadline=_date(values, "deadline", today),
        summary=_text(values, "summary"),
        quote=_text(values, "quote"),
        criteria=_text(values, "criteria"),
        tags=_list(values, "tags"),
        sources=(source,),
        updates=updates,
    )


# -- the whole file --------------------------------------------------------------------------------

def parse_status_map(pairs: list[str], config: Config) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        old, sep, new = pair.partition("=")
        if not sep or not old.strip() or not new.strip():
            raise PledgetrackError(f"--status-map {pair!r}: write it as OLD=NEW")
        if new.strip() not in config.vocabulary:
            raise PledgetrackError(
                f"--status-map {pair!r}: '{new.strip()}' is not a status; valid: "
                f"{', '.join(config.vocabulary.names)}"
            )
        mapping[old.strip()] = new.strip()
    return mapping


def _rows_with_keys(rows: list[Row]) -> Iterator[str]:
    for row in rows:
        yield from (k for k in row.values if not k.startswith("\0"))


def plan_import(root: Path, path: Path, config: Config, status_map: Mapping[str, str], *,
                replace: bool = False, today: dt.date | None = None) -> ImportPlan:
    """Check every row; the plan holds the records to write, or the errors (never both)."""
    from pledgetrack.store import writer

    rows = read_rows(path)
    plan = ImportPlan(path)
    known = set(FIELDS) | set(OPTIONAL_FIELDS)
    plan.ignored_keys = sorted({k for k in _rows_with_keys(rows) if k not in known})
    seen: dict[str, int] = {}
    for row in rows:
        try:
            pledge = row_to_pledge(row, config, status_map, today or dt.date.today())
            if pledge.id in seen:
                raise _Bad(f"id '{pledge.id}' is also on line {seen[pledge.id]}")
            problems = [p for p in writer.check_new_pledge(pledge, config)
                        if p.level == "error"]
            if problems:
                raise _Bad(problems[0].message)
            writer.render_new(pledge)  # structurally valid and written as read back
        except _Bad as exc:
            plan.errors.append(RowError(row.line, str(exc)))
            continue
        except PledgetrackError as exc:
            plan.errors.append(RowError(row.line, exc.message))
            continue
        seen[pledge.id] = row.line
        try:
            writer.refuse_link(writer.pledge_path(root, pledge.id))
        except PledgetrackError as exc:
            plan.errors.append(RowError(row.line, exc.message))
            continue
        if writer.pledge_path(root, pledge.id).exists():
            if not replace:
                plan.errors.append(RowError(
                    row.line, f"pledge '{pledge.id}' already exists (pledges/{pledge.id}.yaml); "
                    "pass --update to replace it"))
                continue
            plan.replacing.add(pledge.id)
        plan.pledges.append((row.line, pledge))
    if plan.errors:
        plan.pledges = []
        plan.replacing = set()
    return plan


def apply_plan(root: Path, plan: ImportPlan) -> list[Path]:
    """Write the planned files. If one cannot be written (a full disk), the files this import
    created are removed again, so that an import lands whole or not at all as far as new files
    go; files it already replaced (with --update) are named in the error."""
    from pledgetrack.store import writer

    if plan.errors:
        raise PledgetrackError("the import has bad rows; nothing was written", EXIT_FINDINGS)
    written: list[Path] = []
    for _, pledge in plan.pledges:
        try:
            written.append(writer.create(root, pledge, overwrite=pledge.id in plan.replacing))
        except PledgetrackError as exc:
            created = [p for p in written if p.stem not in plan.replacing]
            replaced = [p for p in written if p.stem in plan.replacing]
            for path in created:
                path.unlink(missing_ok=True)
            many = len(created) != 1
            undone = (f"; the {len(created)} new file{'s' if many else ''} written before it "
                      f"{'were' if many else 'was'} removed") if created else ""
            kept = ("; already replaced: " + ", ".join(f"pledges/{p.name}" for p in replaced)
                    + " (git has the old versions)") if replaced else ""
            raise PledgetrackError(f"{exc.message}{undone}{kept}", exc.exit_code) from None
    return written
