"""Indented JSON, byte for byte what ``json.dumps(value, ensure_ascii=False, indent=2)`` writes,
several times faster.

The standard library encodes in C only without indentation; with it, its pure-Python encoder
took longer than the rest of `pledgetrack report --matrix` at 10,000 pledges. Plain values (dict,
list, tuple, str, int, float, bool, None) are written here; a document holding anything else is
handed to the standard library whole, so the text is always the standard one.
"""

from __future__ import annotations

from typing import Any

try:  # the json package would also load its decoder and scanner: a millisecond of start-up
    from _json import encode_basestring
except ImportError:  # pragma: no cover - CPython always has it
    from json.encoder import encode_basestring

_INDENT = "  "


class _Other(Exception):
    """A value that is not a plain JSON value: the standard library writes the document."""


def dumps(value: Any) -> str:
    """``json.dumps(value, ensure_ascii=False, indent=2)``."""
    out: list[str] = []
    try:
        _value(value, "\n", out, {})
    except (_Other, RecursionError):
        import json

        return json.dumps(value, ensure_ascii=False, indent=2)
    return "".join(out)


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value == float("inf"):
        return "Infinity"
    if value == float("-inf"):
        return "-Infinity"
    return float.__repr__(value)


def _scalar(value: Any) -> str:
    """The text of a value that is not a container; _Other for anything unknown."""
    kind = type(value)
    if kind is str:
        return encode_basestring(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if kind is int:
        return int.__repr__(value)
    if kind is float:
        return _float(value)
    raise _Other


def _key(key: Any) -> str:
    if type(key) is str:
        return encode_basestring(key)
    if type(key) is float:
        return '"' + _float(key) + '"'
    if key is True or key is False or key is None or type(key) is int:
        return '"' + _scalar(key) + '"'
    raise _Other


def _value(value: Any, indent: str, out: list[str], names: dict[str, str]) -> None:
    # ``indent`` is the newline and indentation of the line the value is on; ``names`` the
    # keys already encoded (documents repeat the same few keys thousands of times). Each member
    # is one string: separator, indentation, key and (for a plain value) the value.
    kind = type(value)
    if kind is dict:
        if not value:
            out.append("{}")
            return
        inner = indent + _INDENT
        lead = "{" + inner
        after = "," + inner
        for key, item in value.items():
            name = names.get(key) if type(key) is str else None
            if name is None:
                name = _key(key)
                if type(key) is str:
                    names[key] = name
            kind = type(item)
            if kind is str:
                out.append(f"{lead}{name}: {encode_basestring(item)}")
            elif kind is int:
                out.append(f"{lead}{name}: {int.__repr__(item)}")
            elif kind is float and item - item == 0:  # finite
                out.append(f"{lead}{name}: {float.__repr__(item)}")
            elif item is None:
                out.append(f"{lead}{name}: null")
            elif kind is dict or kind is list or kind is tuple:
                out.append(f"{lead}{name}: ")
                _value(item, inner, out, names)
            else:
                out.append(f"{lead}{name}: {_scalar(item)}")
            lead = after
        out.append(indent + "}")
    elif kind is list or kind is tuple:
        if not value:
            out.append("[]")
            return
        inner = indent + _INDENT
        lead = "[" + inner
        after = "," + inner
        for item in value:
            kind = type(item)
            if kind is str:
                out.append(lead + encode_basestring(item))
            elif kind is dict or kind is list or kind is tuple:
                out.append(lead)
                _value(item, inner, out, names)
            else:
                out.append(lead + _scalar(item))
            lead = after
        out.append(indent + "]")
    else:
        out.append(_scalar(value))
