"""Creating pledge files from rows of a table (`pledgetrack import`): CSV, JSON or JSON Lines.

Three kinds of row:

* a **pledge row** with the keys of `export`'s pledge table (``id, title, actors, recipients,
  domains, tags, announced, deadline, status, status_date, source`` and optionally ``made_by,
  summary, quote, criteria, source_title, publisher``). Lists are real JSON lists or
  ``;``-joined text. ``source`` becomes the first source; ``status`` and ``status_date`` the first
  update (citing that source), unless the status is empty or the initial one;
* a **full record** (JSON only: a row with a ``sources`` list), as `export --full` writes it: the
  pledge file's own fields, read with the same rules as a file, so nothing is lost;
* an **update row** (`--updates FILE`), with the keys of `export --updates`: appended to the
  pledge it names, in date order.

``parties`` (a JSON object, or ``Japan=delivered;US=in_progress``, optional in a pledge row)
gives a joint pledge its actors' statuses instead of ``status``: one update per party not at the
initial status, dated ``status_date``; ``status`` is then the derived status as a whole and is not
recorded.

Every row of every table is checked before anything is written: one bad row, and nothing is.
Each bad row is reported with every reason it is bad.
"""

from __future__ import annotations

import collections
import contextlib
import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypeVar

from pledgetrack.errors import EXIT_FINDINGS, PledgetrackError
from pledgetrack.model import dates
from pledgetrack.model.config import Config
from pledgetrack.model.dates import DateError, PartialDate, parse_ordered_date, parse_user_date
from pledgetrack.model.records import Pledge, Source, Update

if TYPE_CHECKING:
    from pledgetrack.yamlfile.yamltree import YNode

T = TypeVar("T")

FIELDS = ("id", "title", "actors", "recipients", "domains", "tags", "announced", "deadline",
          "status", "status_date", "source")
OPTIONAL_FIELDS = ("made_by", "summary", "quote", "criteria", "source_title", "publisher",
                   "parties")
REQUIRED = ("id", "title", "actors", "domains", "announced", "source")
LIST_FIELDS = ("actors", "recipients", "domains", "tags")
# The long format of `export --updates` (``update`` is the entry's number there: not needed
# here), and the source details an update may carry beyond it.
UPDATE_KEYS = ("id", "update", "date", "status", "party", "note", "source", "source_title",
               "publisher", "recorded", "published", "archived")
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
    path: Path
    line: int
    reason: str


DateOrder = Literal["dmy", "mdy"]
DATE_ORDERS: tuple[DateOrder, ...] = ("dmy", "mdy")


@dataclass(frozen=True, slots=True)
class ImportOptions:
    status_map: Mapping[str, str] = field(default_factory=dict)
    replace: bool = False  # replace the files of pledges that exist
    raw: bool = False  # CSV cells as they are: no neutralising quote removed
    dates: DateOrder | None = None  # how to read 30/05/2024-style dates
    today: dt.date | None = None


@dataclass(slots=True)
class ImportPlan:
    path: Path | None  # the pledge table
    pledges: list[tuple[int, Pledge]] = field(default_factory=list)  # (line, record)
    replacing: set[str] = field(default_factory=set)  # ids whose files exist (with --replace)
    # Updates for pledges whose files exist and stay: id -> updates, in date order.
    appended: dict[str, list[Update]] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    ignored_keys: list[str] = field(default_factory=list)
    # Ids made from titles (the table has no id column): (line, id, whether a suffix was needed).
    derived_ids: list[tuple[int, str, bool]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Updates the update table gives to pledges created in this run.
    new_pledge_updates: int = 0
    # Update rows already present in their pledge (or earlier in the table): not added again.
    skipped_updates: int = 0
    # Rows that will be written but deserve a look, as `update` would warn about them.
    row_warnings: list[RowError] = field(default_factory=list)
    today: dt.date | None = None  # the date the rows were checked against

    @property
    def update_count(self) -> int:
        return sum(len(ups) for ups in self.appended.values())


# -- reading --------------------------------------------------------------------------------------

def read_rows(path: Path, *, raw: bool = False) -> list[Row]:
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
        return _csv_rows(text, path, raw)
    if fmt == "jsonl":
        return _jsonl_rows(text, path)
    return _json_rows(text, path)


def _csv_rows(text: str, path: Path, raw: bool) -> list[Row]:
    from pledgetrack.render.tabular import unneutralise

    # strict: a quote that is never closed is an error, not a cell that swallows the rest of
    # the file (and turns into a misleading "missing source" on the row it ends up in).
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    try:
        fieldnames = reader.fieldnames
    except csv.Error as exc:
        raise _csv_error(text, path, 1, exc) from None
    if not fieldnames:
        raise PledgetrackError(f"{path}: the file is empty (no header row)")
    _refuse_duplicate_columns(fieldnames, path)
    rows = []
    start = reader.line_num + 1
    try:
        for record in reader:
            values = {k.strip(): v if raw or v is None else unneutralise(v)
                      for k, v in record.items() if k is not None}
            if None in record:  # more cells than header columns
                values[_EXTRA_CELLS] = record[None]
            if any((v or "").strip() for v in values.values() if isinstance(v, str)):
                rows.append(Row(start, values))
            start = reader.line_num + 1
    except csv.Error as exc:
        # The reader counts a line only once it has parsed it: a cell over the size limit on
        # the first line of a row is reported at the row's line, not the one before.
        raise _csv_error(text, path, max(start, reader.line_num), exc) from None
    return rows


def _csv_error(text: str, path: Path, line: int, exc: csv.Error) -> PledgetrackError:
    if str(exc) == "unexpected end of data":
        # A quoted cell still open at the end of the file. Read without strict, that cell is
        # the last one and holds everything from its opening quote on: its line is the
        # file's last line less the line breaks it swallowed.
        records: collections.deque[list[str]] = collections.deque(maxlen=1)
        with contextlib.suppress(csv.Error):
            records.extend(csv.reader(io.StringIO(text, newline="")))
        last = records[-1] if records else []
        if last:
            line = text.count("\n") + 1 - last[-1].count("\n")
        return PledgetrackError(f"{path}:{line}: not valid CSV: the quoted cell that starts on "
                                "this line is never closed (a '\"' is missing)", EXIT_FINDINGS)
    return PledgetrackError(f"{path}:{line}: not valid CSV: {exc}", EXIT_FINDINGS)


def _refuse_duplicate_columns(names: Sequence[str], path: Path) -> None:
    """Two columns of one name: a reader keeps the last cell and silently drops the other.
    Names are compared as they are matched (surrounding spaces removed) and ignoring case, as
    a reader of the sheet would take them for the same column."""
    seen: dict[str, str] = {}
    duplicates: list[str] = []
    for name in names:
        key = name.strip().casefold()
        if not key:
            continue  # empty columns (a trailing comma) hold nothing to lose
        if key in seen:
            pair = (repr(name.strip()) if seen[key] == name.strip()
                    else f"{seen[key]!r} (also as {name.strip()!r})")
            if pair not in duplicates:
                duplicates.append(pair)
        else:
            seen[key] = name.strip()
    if duplicates:
        raise PledgetrackError(
            f"{path}:1: duplicate column{'s' if len(duplicates) != 1 else ''} "
            f"{', '.join(duplicates)} in the header; only one of each would be read (column "
            "names are compared ignoring case and surrounding spaces)", EXIT_FINDINGS)


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


# -- one row --------------------------------------------------------------------------------------

class _Bad(Exception):
    """A row that cannot be read; ``unknown_status``: one of its reasons is a status that is not
    in the vocabulary (the valid ones are then listed once for the whole table)."""

    def __init__(self, reason: str, *, unknown_status: bool = False) -> None:
        super().__init__(reason)
        self.unknown_status = unknown_status


class _Fields:
    """Reads the fields of one row, collecting every reason it is bad (one per field) instead of
    stopping at the first."""

    def __init__(self, values: Mapping[str, object], options: ImportOptions,
                 today: dt.date) -> None:
        self.values = values
        self.options = options
        self.today = today
        self.reasons: list[str] = []
        self.columns: list[str | None] = []  # the column of each reason (None: the row's)
        self.unread: set[str] = set()  # columns missing or not readable

    def _get(self, key: str, read: Callable[[object], T]) -> T | None:
        value = self.values.get(key)
        if value is None:
            return None
        try:
            return read(value)
        except _Bad as exc:
            self.unread.add(key)
            reason = str(exc)
            joint = " " if reason.startswith(("must", "entries")) else ": "
            self.reasons.append(f"'{key}'{joint}{reason}")
            self.columns.append(key)
            return None

    def text(self, key: str) -> str | None:
        return self._get(key, _text)

    def one_line(self, key: str) -> str | None:
        return self._get(key, _one_line)

    def list(self, key: str) -> tuple[str, ...]:
        return self._get(key, _list) or ()

    def date(self, key: str) -> PartialDate | None:
        return self._get(key, lambda v: _date(v, self.today, self.options.dates))

    def url(self, key: str) -> str | None:
        return self._get(key, _url)

    def status(self, key: str = "status") -> str | None:
        text = self.one_line(key)
        return None if text is None else map_status(text, self.options.status_map)

    def bad(self, reason: str, column: str | None = None) -> None:
        """A reason, said of ``column`` (prefixed with its name) or of the whole row."""
        self.reasons.append(f"'{column}': {reason}" if column else reason)
        self.columns.append(column)

    def in_column_order(self) -> tuple[str, ...]:
        """The reasons in the order of the row's columns (those of the whole row first)."""
        order = {key: at for at, key in enumerate(self.values)}
        ranked = sorted(range(len(self.reasons)),
                        key=lambda i: -1 if self.columns[i] is None
                        else order.get(self.columns[i] or "", len(order)))
        return tuple(self.reasons[i] for i in ranked)


def _text(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _Bad("must be text")
    text = str(value).strip()
    return text or None


def _one_line(value: object) -> str | None:
    text = _text(value)
    if text is not None and ("\n" in text or "\r" in text):
        raise _Bad("must be a single line")
    return text


def _parties(value: object, actors: tuple[str, ...]) -> dict[str, str]:
    """``parties``: actor -> status, from a JSON object or ``A=status;B=status`` text."""
    if value == "":
        return {}
    pairs: list[tuple[object, object]]
    if isinstance(value, dict):
        pairs = list(value.items())
    elif isinstance(value, str):
        pairs = []
        for item in value.split(";"):
            if item.strip():
                name, sep, state = item.rpartition("=")
                if not sep:
                    raise _Bad("must be written party=status;party=status")
                pairs.append((name, state))
    else:
        raise _Bad("must be an object or party=status;… text")
    result: dict[str, str] = {}
    for party, status in pairs:
        if not (isinstance(party, str) and isinstance(status, str)):
            raise _Bad("must map each party to a status")
        name, state = party.strip(), status.strip()
        if name not in actors:
            raise _Bad(f"'{name}' is not among the actors ({', '.join(actors)})")
        result[name] = state
    return result


def _list(value: object) -> tuple[str, ...]:
    if isinstance(value, list):
        items = []
        for item in value:
            if not isinstance(item, str):
                raise _Bad("must list text")
            items.append(item)
    elif isinstance(value, str):
        items = value.split(";")
    else:
        raise _Bad("must be a list or ';'-separated text")
    result = tuple(item.strip() for item in items if item.strip())
    if any("\n" in item or "\r" in item for item in result):
        raise _Bad("entries must be single lines")
    return result


def _date(value: object, today: dt.date, order: DateOrder | None) -> PartialDate | None:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # a year written as a JSON number
    text = _text(value)
    if text is None:
        return None
    try:
        if order is not None:
            ordered = parse_ordered_date(text, order)
            if ordered is not None:
                return ordered
        return parse_user_date(text, today)
    except DateError as exc:
        hint = "" if order else " (dates written day/month/year: --dates dmy; month/day/year: " \
            "--dates mdy)"
        raise _Bad(f"{exc}{hint if '/' in text or '.' in text else ''}") from None


def _url(value: object) -> str | None:
    text = _one_line(value)
    if text is None:
        return None
    if not text.startswith(("http://", "https://")) or any(c in text for c in " \t\r\n"):
        raise _Bad(f"{text!r} is not a URL starting with http:// or https://")
    return text


def map_status(status: str, status_map: Mapping[str, str]) -> str:
    if status in status_map:
        return status_map[status]
    folded = {k.casefold(): v for k, v in status_map.items()}
    return folded.get(status.casefold(), status)


def _unknown_status(status: str, config: Config) -> str:
    return (f"unknown status '{status}'; valid: {', '.join(config.vocabulary.names)}"
            f"{_STATUS_MAP_HINT}")


def _unknown_row_status(status: str, config: Config) -> str:
    """An unknown status in one row of a pledge table: the valid ones are listed once for the
    table (:func:`_valid_statuses`), not on every row."""
    from pledgetrack.model.suggest import did_you_mean

    return f"unknown status '{status}'{did_you_mean(status, config.vocabulary.names)}"


def _valid_statuses(config: Config) -> str:
    return f"valid statuses: {', '.join(config.vocabulary.names)}{_STATUS_MAP_HINT}"


def _row_shape(values: Mapping[str, object]) -> str | None:
    kind = values.get(_NOT_OBJECT)
    if kind is not None:
        return f"a row must be an object with keys, not a {kind}"
    if _EXTRA_CELLS in values:
        return "the row has more cells than the header has columns"
    return None


def row_to_pledge(row: Row, config: Config, options: ImportOptions, today: dt.date,
                  *, with_status: bool = True) -> Pledge:
    """The record a pledge row describes; :class:`_Bad` with every reason it cannot be one
    (joined by '; '). ``with_status=False``: the row's status makes no update (the updates come
    from an update table)."""
    shape = _row_shape(row.values)
    if shape:
        raise _Bad(shape)
    f = _Fields(row.values, options, today)
    values = row.values
    missing = [k for k in REQUIRED if values.get(k) in (None, "", [])]
    if missing:
        f.bad(f"missing {', '.join(missing)}")
    from pledgetrack.checks.rules import id_error

    pledge_id = f.one_line("id") or ""
    reason = id_error(pledge_id) if pledge_id else None
    if reason:
        f.bad(reason, "id")
    domains = f.list("domains")
    for domain in domains:
        if not config.domain_allowed(domain):
            f.bad(f"unknown domain '{domain}'; allowed: {', '.join(config.domains)}",
                  "domains")
    source = Source(f.url("source") or "", title=f.one_line("source_title"),
                    publisher=f.one_line("publisher"))
    updates: tuple[Update, ...] = ()
    actors = f.list("actors")
    parties = f._get("parties", lambda v: _parties(v, actors)) or {}
    status = f.status()
    status_date = f.date("status_date")
    unknown_status = False
    if with_status and parties:
        # A joint pledge: each party's status, not the derived status as a whole.
        party_updates = []
        for party, text in parties.items():
            party_status = map_status(text, options.status_map)
            if party_status == config.vocabulary.initial:
                continue
            if party_status not in config.vocabulary:
                unknown_status = True
                f.bad(f"party '{party}': {_unknown_row_status(party_status, config)}",
                      "parties")
            elif status_date is None:
                if "status_date" not in f.unread:  # else already said
                    f.bad(f"party '{party}': status '{party_status}' needs a status_date",
                          "parties")
            else:
                party_updates.append(Update(status_date, party_status, party=party,
                                            sources=(source,)))
        updates = tuple(party_updates)
    elif with_status and status and status != config.vocabulary.initial:
        if status not in config.vocabulary:
            unknown_status = True
            f.bad(_unknown_row_status(status, config), "status")
        elif status_date is None:
            if "status_date" not in f.unread:  # else already said
                f.bad(f"status '{status}' needs a status_date", "status")
        elif status_date is not None:
            updates = (Update(status_date, status, sources=(source,)),)
    pledge = Pledge(
        id=pledge_id,
        title=f.one_line("title") or "",
        actors=actors,
        recipients=f.list("recipients"),
        domains=domains,
        made_by=f.one_line("made_by"),
        announced=f.date("announced"),
        deadline=f.date("deadline"),
        summary=f.text("summary"),
        quote=f.text("quote"),
        criteria=f.text("criteria"),
        tags=f.list("tags"),
        sources=(source,),
        updates=updates,
    )
    if f.reasons:
        raise _Bad("; ".join(f.in_column_order()), unknown_status=unknown_status)
    return pledge


# -- full records (export --full) -----------------------------------------------------------------

def is_full_record(row: Row) -> bool:
    """A row as `export --full` writes it: the file's own ``sources`` list (a pledge row has a
    single ``source``)."""
    return isinstance(row.values.get("sources"), list)


def _tree(value: object, line: int) -> YNode:
    """A JSON value as the YAML tree a file with the same content would give: text is quoted
    text (never coerced), so a full record is read with exactly the rules of a file."""
    from pledgetrack.yamlfile.yamltree import YMap, YScalar, YSeq

    if isinstance(value, dict):
        node = YMap(line=line, col=1)
        for key, item in value.items():
            key_node = YScalar(str(key), _TAGS[str], True, line, 1)
            node.entries[str(key)] = (key_node, _tree(item, line))
        return node
    if isinstance(value, list):
        return YSeq([_tree(item, line) for item in value], line, 1)
    if value is None:
        return YScalar("", _TAGS[type(None)], False, line, 1)
    if isinstance(value, bool):
        return YScalar("true" if value else "false", _TAGS[bool], False, line, 1)
    if isinstance(value, int | float):
        return YScalar(repr(value), _TAGS[type(value)], False, line, 1)
    return YScalar(str(value), _TAGS[str], True, line, 1)


_TAGS: dict[type, str] = {
    str: "tag:yaml.org,2002:str", int: "tag:yaml.org,2002:int",
    float: "tag:yaml.org,2002:float", bool: "tag:yaml.org,2002:bool",
    type(None): "tag:yaml.org,2002:null",
}


def full_to_pledge(row: Row, id_hint: str) -> Pledge:
    """The record a full row describes, built as a file's would be; :class:`_Bad` with every
    structural problem."""
    from pledgetrack.yamlfile.build import RecordBuilder

    builder = RecordBuilder(f"pledges/{id_hint}.yaml")
    pledge = builder.pledge(_tree(dict(row.values), row.line))
    errors = [p.message for p in builder.problems if p.level == "error"]
    if errors or pledge is None:
        raise _Bad("; ".join(errors) or "not a pledge record")
    return pledge


# -- update rows (--updates) ----------------------------------------------------------------------

def row_to_update(row: Row, config: Config, options: ImportOptions, today: dt.date
                  ) -> tuple[str, Update, list[str], set[str]]:
    """The pledge id and update an update row describes, every reason the row cannot be read,
    and the columns that are missing or unreadable (:class:`_Bad` when it is not a row at all).
    Whether the update may be added is :func:`writer.update_findings`' business, as for
    `update`."""
    shape = _row_shape(row.values)
    if shape:
        raise _Bad(shape)
    f = _Fields(row.values, options, today)
    missing = [k for k in ("id", "date", "status") if row.values.get(k) in (None, "")]
    if missing:
        f.bad(f"missing {', '.join(missing)}")
        f.unread.update(missing)
    pledge_id = f.one_line("id") or ""
    date = f.date("date")
    status = f.status()
    url = f.url("source")
    sources: tuple[Source, ...] = ()
    if url is not None:
        archived = f.url("archived")
        sources = (Source(url, title=f.one_line("source_title"),
                          publisher=f.one_line("publisher"), published=f.date("published"),
                          archived=archived),)
    update = Update(date or PartialDate(1), config.vocabulary.spelled(status or ""),
                    party=f.one_line("party"), note=f.text("note"), sources=sources,
                    recorded=f.date("recorded"))
    return pledge_id, update, f.reasons, f.unread


# -- updates already in a pledge ------------------------------------------------------------------
#
# Imports are re-run (an updated tracker sheet, or `export --updates` read back), so a row that
# says nothing the pledge does not already hold is skipped, not added a second time. A row is
# *already present* when the pledge has an update with
#   * the same date, written the same way (2025-06 is not 2025-06-01),
#   * the same status (after --status-map) and the same party (or none),
#   * the same note (the whitespace around it aside; an empty note is no note),
#   * and a source with the row's URL whose title, publisher, published date and archived copy
#     are the row's wherever the row gives them (`export --updates` writes only the first
#     source's URL, title and publisher); a row with no source matches only an update with none.
# ``recorded`` is not compared: it says when the entry was written down, not what happened.
# A row with the same date, status and party as an update but another note or source is a
# *near duplicate*: it is added (two events of one day are possible) with a warning naming the
# update it resembles and what differs.

def _clean(text: str | None) -> str | None:
    return (text.strip() or None) if text is not None else None


def _source_matches(given: Source, present: Source) -> bool:
    return given.url == present.url and all(
        mine is None or mine == theirs for mine, theirs in (
            (_clean(given.title), _clean(present.title)),
            (_clean(given.publisher), _clean(present.publisher)),
            (given.published, present.published),
            (given.archived, present.archived),
        ))


def update_differences(given: Update, present: Update) -> list[str] | None:
    """What ``given`` (read from a row) says that ``present`` does not: [] when it is already
    present, the differing columns when it is a near duplicate, None when it is another
    update (another date, status or party)."""
    if (given.date, given.status, given.party) != (present.date, present.status, present.party):
        return None
    differs = []
    if _clean(given.note) != _clean(present.note):
        differs.append("note")
    if given.sources:
        if not any(_source_matches(given.sources[0], s) for s in present.sources):
            differs.append("source")
    elif present.sources:
        differs.append("source")
    return differs


def _likeness(same_day: Iterable[Update], update: Update) -> tuple[Update, list[str]] | None:
    """The update of ``same_day`` (the pledge's updates of ``update``'s date) that ``update`` is
    already (differences []) or nearly (the differing columns) present as; None when none
    is."""
    near = None
    for present in same_day:
        differs = update_differences(update, present)
        if differs == []:
            return present, []
        if differs and near is None:
            near = (present, differs)
    return near


def in_date_order(updates: Iterable[Update]) -> list[Update]:
    """Updates sorted by date (the start of a partial date's period); ties keep their order."""
    return sorted(updates, key=lambda u: u.date.start)


# -- the whole import -----------------------------------------------------------------------------

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


def _ignored(rows: list[Row], known: set[str]) -> list[str]:
    return sorted({k for k in _rows_with_keys(rows) if k not in known})


class _Ids:
    """Ids made from titles, as `add` makes them; a collision with an existing pledge or an
    earlier row gets the first free suffix (-2, -3 …)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.taken: set[str] = set()

    def free(self, slug: str) -> bool:
        from pledgetrack.store import writer

        return slug not in self.taken and not writer.pledge_path(self.root, slug).exists()

    def derive(self, title: object) -> tuple[str, bool]:
        from pledgetrack.model.ids import slugify

        slug = slugify(title) if isinstance(title, str) else ""
        if not slug:
            raise _Bad("the title has no Latin letters to make an id from; add an 'id' column")
        candidate, number = slug, 2
        while not self.free(candidate):
            candidate, number = f"{slug}-{number}", number + 1
        self.taken.add(candidate)
        return candidate, candidate != slug


def plan_import(root: Path, path: Path | None, config: Config,
                options: ImportOptions | None = None, *, updates_path: Path | None = None
                ) -> ImportPlan:
    """Check every row of the pledge table ``path`` and of the update table ``updates_path``
    (either may be None); the plan holds what to write, or the errors (never both)."""
    options = options or ImportOptions()
    today = options.today or dates.today()
    plan = ImportPlan(path, today=today)
    created: dict[str, tuple[int, Pledge]] = {}
    status_rows: dict[str, tuple[int, str]] = {}  # id -> (line, status) of a pledge row
    if path is not None:
        _plan_pledges(root, path, config, options, today, plan, created, status_rows,
                      with_status=updates_path is None)
    if updates_path is not None:
        _plan_updates(root, updates_path, config, options, today, plan, created)
        for pledge_id, (line, status) in status_rows.items():
            _check_agreement(plan, path, line, created[pledge_id][1], status, config, today)
    plan.pledges = list(created.values())
    if plan.errors:
        plan.pledges, plan.replacing, plan.appended = [], set(), {}
    return plan


def _plan_pledges(root: Path, path: Path, config: Config, options: ImportOptions,
                  today: dt.date, plan: ImportPlan, created: dict[str, tuple[int, Pledge]],
                  status_rows: dict[str, tuple[int, str]], *, with_status: bool) -> None:
    from pledgetrack.store import writer

    rows = read_rows(path, raw=options.raw)
    full = bool(rows) and all(is_full_record(r) for r in rows)
    if not full and _looks_like_updates(rows):
        raise PledgetrackError(
            f"{path} has the columns of an update table (update, date, status), not a pledge "
            f"table's (title, actors, …): to append its updates, use --updates {path}",
            EXIT_FINDINGS)
    known = set(FIELDS) | set(OPTIONAL_FIELDS)
    plan.ignored_keys = [] if full else _ignored(rows, known)
    ids = _Ids(root) if rows and not any("id" in r.values for r in rows) else None
    listed_statuses = False
    for row in rows:
        try:
            values = row.values
            if ids is not None and _row_shape(values) is None:
                new_id, suffixed = ids.derive(values.get("title"))
                values = {**values, "id": new_id}
                plan.derived_ids.append((row.line, new_id, suffixed))
            shown = Row(row.line, values)
            if is_full_record(shown):
                pledge = full_to_pledge(shown, str(values.get("id", "")))
            else:
                pledge = row_to_pledge(shown, config, options, today, with_status=with_status)
                status = _one_line(values.get("status")) if values.get("status") else None
                if not with_status and status:
                    status_rows[pledge.id] = (row.line,
                                              map_status(status, options.status_map))
            if pledge.id in created:
                raise _Bad(f"id '{pledge.id}' is also on line {created[pledge.id][0]}")
            problems = [p for p in writer.check_new_pledge(pledge, config)
                        if p.level == "error"]
            if problems:
                raise _Bad("; ".join(p.message for p in problems))
            writer.render_new(pledge)  # structurally valid and written as read back
            target = writer.pledge_path(root, pledge.id)
            writer.refuse_link(target)
        except _Bad as exc:
            reason = str(exc)
            if exc.unknown_status and not listed_statuses:
                reason += f"; {_valid_statuses(config)}"  # once, on the first such row
                listed_statuses = True
            plan.errors.append(RowError(path, row.line, reason))
            continue
        except PledgetrackError as exc:
            plan.errors.append(RowError(path, row.line, exc.message))
            continue
        if target.exists():
            if not options.replace:
                plan.errors.append(RowError(
                    path, row.line, f"pledge '{pledge.id}' already exists "
                    f"(pledges/{pledge.id}.yaml); pass --replace to replace it"))
                continue
            plan.replacing.add(pledge.id)
        created[pledge.id] = (row.line, pledge)


def _looks_like_updates(rows: list[Row]) -> bool:
    """An update table given where a pledge table belongs: its columns, and no title."""
    keys = {key for row in rows for key in row.values}
    return "title" not in keys and ("update" in keys or {"date", "status"} <= keys)


def _existing(root: Path, pledge_id: str, config: Config) -> Pledge:
    """The pledge ``pledge_id`` as `update` reads it: a file `check` fails is refused here, not
    half-way through writing."""
    from pledgetrack.store import writer

    try:
        return writer.read_pledge(root, pledge_id, config).pledge
    except PledgetrackError as exc:
        raise _Bad(exc.message) from None


def _plan_updates(root: Path, path: Path, config: Config, options: ImportOptions,
                  today: dt.date, plan: ImportPlan,
                  created: dict[str, tuple[int, Pledge]]) -> None:
    import dataclasses

    from pledgetrack.store import writer
    from pledgetrack.yamlfile.splice import date_position

    rows = read_rows(path, raw=options.raw)
    known = set(UPDATE_KEYS)
    ignored = _ignored(rows, known)
    if ignored:
        plan.ignored_keys = sorted({*plan.ignored_keys, *ignored})
    targets: dict[str, Pledge] = {}  # as each will stand, new updates added so far
    added: dict[str, list[Update]] = {}
    # Each pledge's updates by date, so that finding one already present is not a scan of all
    # of them for every row.
    by_date: dict[str, dict[PartialDate, list[Update]]] = {}
    listed_statuses = False
    for row in rows:
        try:
            pledge_id, update, reasons, unread = row_to_update(row, config, options, today)
        except _Bad as exc:
            plan.errors.append(RowError(path, row.line, str(exc)))
            continue
        pledge = targets.get(pledge_id)
        if pledge is None and "id" not in unread:
            if pledge_id in created:
                pledge = created[pledge_id][1]
            else:
                try:
                    pledge = _existing(root, pledge_id, config)
                except _Bad as exc:
                    reasons.append(f"'id': {exc}")
        if pledge is None:
            plan.errors.append(RowError(path, row.line, "; ".join(reasons)))
            continue
        dates = by_date.get(pledge_id)
        if dates is None:
            dates = by_date[pledge_id] = {}
            for present in pledge.updates:
                dates.setdefault(present.date, []).append(present)
        likeness = None if reasons else _likeness(dates.get(update.date, ()), update)
        if likeness is not None and not likeness[1]:
            plan.skipped_updates += 1
            continue
        # The checks of `update`, from the same function, on the pledge as it will stand.
        index = date_position(pledge.updates, update)
        for finding in writer.update_findings(pledge, update, config, index, today):
            if finding.field in unread:
                continue  # already reported as missing or unreadable
            column = f"'{finding.field}': " if finding.field else ""
            message, hint = finding.message, ""
            if finding.rule == "unknown-status" and finding.level == "error":
                if listed_statuses:  # the valid ones once for the table, not on every row
                    message = message.split("; valid: ", 1)[0]
                else:
                    hint, listed_statuses = _STATUS_MAP_HINT, True
            if finding.level == "error":
                reasons.append(f"{column}{message}{hint}")
            elif not reasons:
                plan.row_warnings.append(RowError(path, row.line,
                                                  f"{column}{finding.message}"))
        if reasons:
            plan.errors.append(RowError(path, row.line, "; ".join(reasons)))
            continue
        if likeness is not None:
            resembled, differs = likeness
            number = next(n for n, u in enumerate(pledge.updates, 1) if u is resembled)
            plan.row_warnings.append(RowError(
                path, row.line, f"pledge '{pledge_id}' already has an update {number} of "
                f"{update.date} ({update.status}{', ' + update.party if update.party else ''}) "
                f"that differs from this row only in {' and '.join(differs)}; added as "
                "another update"))
        added.setdefault(pledge_id, []).append(update)
        dates.setdefault(update.date, []).append(update)
        targets[pledge_id] = dataclasses.replace(
            pledge, updates=(*pledge.updates[:index], update, *pledge.updates[index:]))
    for pledge_id, new in added.items():
        if pledge_id in created:
            line, _ = created[pledge_id]
            created[pledge_id] = (line, targets[pledge_id])
            plan.new_pledge_updates += len(new)
        else:
            plan.appended[pledge_id] = in_date_order(new)


_STATUS_MAP_HINT = "; translate another vocabulary with --status-map OLD=NEW"


def _check_agreement(plan: ImportPlan, path: Path | None, line: int, pledge: Pledge,
                     status: str, config: Config, today: dt.date) -> None:
    """With both tables, a pledge row's status must be the status its imported updates give."""
    from pledgetrack.queries.selection import evaluate

    derived = evaluate(pledge, config, today).status
    if status != derived and path is not None:
        plan.errors.append(RowError(
            path, line, f"status '{status}' does not agree with the update table, which gives "
                        f"'{derived}' for '{pledge.id}'"))


def apply_plan(root: Path, plan: ImportPlan, config: Config) -> list[Path]:
    """Write the planned files, then append the planned updates (each in date order, as
    `update` does; their warnings are the plan's ``row_warnings``). Returns the files written.

    If a file cannot be written (a full disk, a lock that cannot be taken), the import is undone
    as far as it can be: the files it created are removed and the files it replaced (--replace)
    or appended updates to are put back byte for byte, each under its lock and only if it still
    holds what the import wrote (a change someone else made since is kept, and named)."""
    from pledgetrack.store import writer

    if plan.errors:
        raise PledgetrackError("the import has bad rows; nothing was written", EXIT_FINDINGS)
    written: list[Path] = []
    done = _Done()
    try:
        for _, pledge in plan.pledges:
            replacing = pledge.id in plan.replacing
            old: list[bytes] = []
            path = writer.create(root, pledge, overwrite=replacing, replaced=old.append)
            written.append(path)
            if old:
                done.replaced[path] = old[0]
            else:
                done.created.append(path)
        for pledge_id, updates in plan.appended.items():
            for update in updates:
                result = writer.append_update(root, pledge_id, update, config, today=plan.today)
                before = done.appended.get(result.path, (result.old_data, b""))[0]
                done.appended[result.path] = (before, writer.digest(result.new_data))
            written.append(writer.pledge_path(root, pledge_id))
    except PledgetrackError as exc:
        raise PledgetrackError(_undo(root, plan, done, exc.message), exc.exit_code) from None
    except OSError as exc:  # not one the writer turns into a message of its own
        raise PledgetrackError(_undo(root, plan, done, str(exc)), EXIT_FINDINGS) from None
    return written


@dataclass(slots=True)
class _Done:
    """What an import has written so far, to undo it if a later write fails."""

    created: list[Path] = field(default_factory=list)
    replaced: dict[Path, bytes] = field(default_factory=dict)  # file -> its bytes before
    # file -> (its bytes before the import, the digest of its bytes as the import left them)
    appended: dict[Path, tuple[bytes, bytes]] = field(default_factory=dict)


_NOTHING_CHANGED = "; nothing was changed"


def _files(paths: Iterable[Path]) -> str:
    return ", ".join(f"pledges/{p.name}" for p in paths)


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'s' if n != 1 else ''}"


def _undo(root: Path, plan: ImportPlan, done: _Done, message: str) -> str:
    """Undo what ``done`` holds; the error message ``message`` followed by what was undone and
    what could not be."""
    from pledgetrack.store import writer

    removed: list[Path] = []
    restored: list[Path] = []
    changed: list[Path] = []  # changed by someone else since: left as they are
    failed: list[Path] = []  # could not be written
    pledges = {pledge.id: pledge for _, pledge in plan.pledges}
    undo: list[tuple[Path, bytes, bytes | None]] = [
        *((path, after, before) for path, (before, after) in done.appended.items()),
        # What a new or replaced file holds is made again (as create made it, from the same
        # record) rather than kept all along.
        *((path, writer.digest(writer.render_new(pledges[path.stem])), before)
          for path, before in [*((p, None) for p in done.created), *done.replaced.items()]),
    ]
    for path, written, old in undo:
        try:
            ok = writer.restore(root, path, written, old)
        except (PledgetrackError, OSError):
            failed.append(path)
            continue
        (removed if old is None else restored).append(path) if ok else changed.append(path)
    if not (done.created or done.appended or done.replaced):
        return message
    base = message.removesuffix(_NOTHING_CHANGED)
    parts = []
    if removed:
        parts.append(f"the {_count(len(removed), 'new file')} written before it "
                     f"{'were' if len(removed) != 1 else 'was'} removed")
    if restored:
        many = len(restored) != 1
        parts.append(f"the {_count(len(restored), 'file')} already changed "
                     f"{'were' if many else 'was'} put back as {'they were' if many else 'it was'}"
                     f": {_files(restored)}")
    if changed:
        parts.append(f"NOT undone, as the file changed since the import wrote it: "
                     f"{_files(changed)}")
    if failed:
        parts.append(f"NOT undone, as the file could not be written: {_files(failed)}")
    if not (changed or failed):
        parts.append("nothing was changed")
    return "; ".join([base, *parts])
