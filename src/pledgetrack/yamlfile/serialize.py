"""Canonical YAML text for the records pledgetrack writes.

Used for new files (`add`, `import`) and for the entries `update` splices into existing files, so
that everything the tool writes looks the same and diffs cleanly:

* a fixed key order (that of the format), block style, 2-space indentation, sequences indented
  under their key (``actors:\\n  - Japan``);
* long text never wrapped (a reviewer's diff shows the whole changed sentence); text with line
  breaks as a literal block (``|``);
* quotes only where YAML would otherwise read the text as something else: a boolean or null
  (``yes``, ``NO``, ``off``, ``~``), a number (``012``, ``1.10``, ``1e3``), a date in a text field,
  a leading indicator (``- * & ! | > ' " % @ [ {`` …), ``: `` or `` #`` inside;
* UTF-8 text as it is (Japanese, Thai, Vietnamese are written as themselves, not escaped).

Dates are written plain (``2025-10-26``, ``2025-Q4``): the format defines them so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

from pledgetrack.model.dates import PartialDate
from pledgetrack.model.records import Pledge, Source, Update

INDENT = "  "

_STR_TAG = "tag:yaml.org,2002:str"
# Characters that change the meaning of a plain scalar when they come first.
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
# YAML 1.2 readers see numbers where YAML 1.1 (PyYAML) sees text: 1e3, 0o17, +.5 ...
_YAML12_NUMBER = re.compile(
    r"^[-+]?(?:0o[0-7]+|0x[0-9a-fA-F]+|(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
# Booleans in YAML 1.1's full list that PyYAML does not resolve but other readers do.
_OTHER_BOOLEANS = frozenset({"y", "Y", "n", "N"})


def _printable(ch: str) -> bool:
    """Characters YAML allows unescaped, minus the ones it treats as line breaks (NEL, LS, PS)
    and the byte-order mark."""
    code = ord(ch)
    return (
        0x20 <= code <= 0x7E
        or (0xA0 <= code <= 0xD7FF and code not in (0x2028, 0x2029))
        or (0xE000 <= code <= 0xFFFD and code != 0xFEFF)
        or 0x10000 <= code <= 0x10FFFF
    )


@lru_cache(maxsize=4096)
def _resolves_to_text(value: str) -> bool:
    from yaml.nodes import ScalarNode
    from yaml.resolver import Resolver

    tag = Resolver().resolve(ScalarNode, value, (True, False))  # type: ignore[no-untyped-call]
    return bool(tag == _STR_TAG)


def plain_ok(value: str) -> bool:
    """Whether ``value`` can be written without quotes and read back as the same text."""
    if not value or value[0] in _INDICATORS or value[0] == " " or value[-1] == " ":
        return False
    if ": " in value or " #" in value or value.endswith(":"):
        return False
    if not all(_printable(ch) for ch in value):
        return False  # also excludes tabs and line breaks
    if value in _OTHER_BOOLEANS or _YAML12_NUMBER.match(value):
        return False
    return _resolves_to_text(value)


def single_quoted(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


_ESCAPES = {
    "\0": "\\0", "\a": "\\a", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\v": "\\v", "\f": "\\f",
    "\r": "\\r", "\x1b": "\\e", '"': '\\"', "\\": "\\\\", "\x85": "\\N", "\xa0": "\\_",
    "\u2028": "\\L", "\u2029": "\\P",
}


def double_quoted(value: str) -> str:
    out = []
    for ch in value:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif _printable(ch):
            out.append(ch)
        elif ord(ch) <= 0xFF:
            out.append(f"\\x{ord(ch):02X}")
        elif ord(ch) <= 0xFFFF:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(f"\\U{ord(ch):08X}")
    return '"' + "".join(out) + '"'


def inline_scalar(value: str) -> str:
    """One-line text: plain when safe, else single-quoted, else double-quoted with escapes."""
    if plain_ok(value):
        return value
    if all(_printable(ch) for ch in value):
        return single_quoted(value)
    return double_quoted(value)


def _literal_ok(value: str) -> bool:
    """Whether multi-line text can be a literal block that yamllint accepts and that reads back
    exactly: no trailing spaces, no tabs or other escapes, at most one final line break, no run
    of blank lines longer than yamllint allows."""
    if "\n" not in value.rstrip("\n") or value.endswith("\n\n"):
        return False
    if not value.strip() or "\n\n\n\n" in value:
        return False
    lines = value.rstrip("\n").split("\n")
    # A first line starting with a space would need an indentation indicator; quote instead.
    if not lines[0].strip() or lines[0][0] == " ":
        return False
    return all(
        all(_printable(ch) for ch in line) and not line.endswith(" ") for line in lines
    )


def text_value(value: str, indent: str) -> str:
    """The text after ``key: `` (or ``- ``) for ``value``; ``indent`` is the indentation of the
    content of a literal block (one level below the key)."""
    if "\n" in value and _literal_ok(value):
        chomp = "" if value.endswith("\n") else "-"
        body = value[:-1] if value.endswith("\n") else value
        lines = [indent + line if line else "" for line in body.split("\n")]
        return f"|{chomp}\n" + "\n".join(lines)
    return inline_scalar(value)


def key_text(key: str) -> str:
    return inline_scalar(key) if "\n" not in key else double_quoted(key)


# -- values ------------------------------------------------------------------------------------

def _scalar_text(value: object, indent: str) -> str | None:
    """The text of a scalar value, or None when ``value`` is a collection."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, PartialDate):
        return str(value)
    if isinstance(value, str):
        return text_value(value, indent)
    return None


def _field_lines(key: str, value: object, indent: str) -> list[str]:
    scalar = _scalar_text(value, indent + INDENT)
    if scalar is not None:
        return f"{indent}{key_text(key)}: {scalar}".split("\n")
    items = _items(value)
    if not _is_mapping(value):
        if not items:
            return [f"{indent}{key_text(key)}: []"]
        return [f"{indent}{key_text(key)}:", *_seq_lines(items, indent + INDENT)]
    if not items:
        return [f"{indent}{key_text(key)}: {{}}"]
    pairs: list[tuple[str, object]] = items  # type: ignore[assignment]
    return [f"{indent}{key_text(key)}:", *_map_lines(pairs, indent + INDENT)]


def _items(value: object) -> list[object] | list[tuple[str, object]]:
    """A collection as a list (sequence) or a list of pairs (mapping)."""
    if isinstance(value, Source):
        return source_fields(value)
    if isinstance(value, Update):
        return update_fields(value)
    if isinstance(value, Mapping):
        return [(str(k), v) for k, v in value.items()]
    if isinstance(value, list | tuple):
        return list(value)
    raise TypeError(f"cannot write a {type(value).__name__} as YAML")


def _is_mapping(value: object) -> bool:
    return isinstance(value, Source | Update | Mapping)


def _map_lines(pairs: Iterable[tuple[str, object]], indent: str) -> list[str]:
    lines: list[str] = []
    for key, value in pairs:
        lines.extend(_field_lines(key, value, indent))
    return lines


def _seq_lines(items: Iterable[object], indent: str) -> list[str]:
    lines: list[str] = []
    inner = indent + INDENT
    for item in items:
        scalar = _scalar_text(item, inner)
        if scalar is not None:
            lines.extend(f"{indent}- {scalar}".split("\n"))
            continue
        contents = _items(item)
        if not contents:
            lines.append(f"{indent}- {'{}' if _is_mapping(item) else '[]'}")
            continue
        sub = (_map_lines(contents, inner)  # type: ignore[arg-type]
               if _is_mapping(item) else _seq_lines(contents, inner))
        # The first line of the nested block goes on the dash's line: "- url: …".
        sub[0] = f"{indent}- {sub[0][len(inner):]}"
        lines.extend(sub)
    return lines


# -- records -----------------------------------------------------------------------------------

def source_fields(source: Source) -> list[tuple[str, object]]:
    pairs: list[tuple[str, object]] = [("url", source.url)]
    for key, value in (("title", source.title), ("publisher", source.publisher),
                       ("published", source.published), ("archived", source.archived)):
        if value is not None:
            pairs.append((key, value))
    return pairs


def update_fields(update: Update) -> list[tuple[str, object]]:
    pairs: list[tuple[str, object]] = [("date", update.date), ("status", update.status)]
    if update.party is not None:
        pairs.append(("party", update.party))
    if update.note is not None:
        pairs.append(("note", update.note))
    if update.sources:
        pairs.append(("sources", list(update.sources)))
    if update.recorded is not None:
        pairs.append(("recorded", update.recorded))
    return pairs


def pledge_fields(pledge: Pledge) -> list[tuple[str, object]]:
    """The fields of a pledge in the canonical order; empty optional fields left out."""
    pairs: list[tuple[str, object]] = [("id", pledge.id), ("title", pledge.title),
                                       ("actors", list(pledge.actors))]
    if pledge.recipients:
        pairs.append(("recipients", list(pledge.recipients)))
    pairs.append(("domains", list(pledge.domains)))
    optional: tuple[tuple[str, object], ...] = (
        ("made_by", pledge.made_by), ("announced", pledge.announced),
        ("deadline", pledge.deadline), ("summary", pledge.summary), ("quote", pledge.quote),
        ("criteria", pledge.criteria),
    )
    pairs.extend((k, v) for k, v in optional if v is not None)
    if pledge.tags:
        pairs.append(("tags", list(pledge.tags)))
    pairs.append(("sources", list(pledge.sources)))
    if pledge.updates:
        pairs.append(("updates", list(pledge.updates)))
    pairs.extend((k, v) for k, v in pledge.extra.items())
    return pairs


def dump_pledge(pledge: Pledge) -> str:
    """The canonical text of a pledge file."""
    return "\n".join(_map_lines(pledge_fields(pledge), "")) + "\n"


def dump_update(update: Update, indent: str = INDENT) -> str:
    """The text of one entry of an ``updates`` block sequence whose dashes stand at ``indent``
    (the entry ends with a line break)."""
    return "\n".join(_seq_lines([update], indent)) + "\n"


def dump_mapping(pairs: Iterable[tuple[str, object]], indent: str = "") -> str:
    """Block-style text of any mapping of plain values (used for the configuration file)."""
    return "\n".join(_map_lines(pairs, indent)) + "\n"


# -- flow style, for files that already use it ----------------------------------------------------

def flow_scalar(value: object) -> str:
    """A scalar inside a flow collection (``[…]``/``{…}``): text is always double-quoted."""
    if isinstance(value, PartialDate):
        return str(value)
    if isinstance(value, str):
        if plain_ok(value) and not any(ch in value for ch in ",[]{}"):
            return value
        return double_quoted(value)
    text = _scalar_text(value, "")
    if text is None:
        return flow_value(value)
    return text


def flow_value(value: object) -> str:
    scalar_types = (str, int, float, bool, PartialDate, type(None))
    if isinstance(value, scalar_types):
        return flow_scalar(value)
    items = _items(value)
    if _is_mapping(value):
        pairs: list[tuple[str, object]] = items  # type: ignore[assignment]
        return "{" + ", ".join(f"{key_text(k)}: {flow_value(v)}" for k, v in pairs) + "}"
    return "[" + ", ".join(flow_value(v) for v in items) + "]"


def flow_update(update: Update) -> str:
    """One update as a flow mapping: ``{date: 2025-10-26, status: "delivered"}``."""
    return flow_value(update)
