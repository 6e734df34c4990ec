"""Text surgery on pledge files: add update entries without moving a single existing byte.

A reviewer reads `git diff` of pledge files, so `update` (and the merge driver) never re-dump a
file: they parse it with PyYAML only to find where things stand (every node carries its
character offsets), splice new text into the original, and let the caller re-parse the result to
verify it. Comments, key order, quoting, blank lines and line endings stay as they were.

Where the new entry goes:

* after the last byte of the ``updates`` block sequence: the end of the last entry's last line,
  plus comment lines indented under that entry (they describe it); blank lines and comments at
  the level of the next key stay below the new entry;
* ``updates:`` empty or ``null``, or a flow-style ``updates: []``: the entry is written as a
  block sequence under the key (the key's line keeps any comment);
* a non-empty flow sequence (``updates: [{…}]``): the entry is added to it in flow style;
* no ``updates`` key: one is added at the end of the file.

An entry dated before others (a backdated update) goes among them, in date order
(:func:`insert_update`): before the entry it precedes and the comment lines directly above that
entry, so that `git diff` still shows only added lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import yaml

from pledgetrack.model.records import Update
from pledgetrack.yamlfile.serialize import INDENT, dump_update, flow_update
from pledgetrack.yamlfile.yamltree import loader_class


class SpliceError(Exception):
    """The file's layout is one the splicer does not handle; the caller says so."""


def compose(text: str) -> yaml.Node | None:
    loader = loader_class()(text)
    try:
        node: yaml.Node | None = loader.get_single_node()
        return node
    finally:
        loader.dispose()


def line_ending(text: str) -> str:
    """The file's line ending: that of its first line ("\\n" when it has a single line)."""
    first = text.find("\n")
    return "\r\n" if first > 0 and text[first - 1] == "\r" else "\n"


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _next_line(text: str, index: int) -> int:
    """The start of the line after the one holding ``index`` (len(text) on the last line)."""
    end = text.find("\n", index)
    return len(text) if end < 0 else end + 1


def _content_end(node: yaml.Node) -> int:
    """The offset just past the last character of a node's own text."""
    if isinstance(node, yaml.SequenceNode) and not node.flow_style and node.value:
        return _content_end(node.value[-1])
    if isinstance(node, yaml.MappingNode) and not node.flow_style and node.value:
        return _content_end(node.value[-1][1])
    return int(node.end_mark.index)


def _indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


@dataclass(frozen=True, slots=True)
class Item:
    """One entry of a block sequence: ``start`` is the start of its dash line, ``end`` the start
    of the line after it (including comment lines indented under it)."""

    start: int
    end: int
    lead: int  # start of the comment and blank lines directly above it (== start when none)


@dataclass(frozen=True, slots=True)
class Layout:
    """Where the ``updates`` of a file stand."""

    root: yaml.MappingNode
    key: yaml.ScalarNode | None
    value: yaml.Node | None
    dash_col: int  # column of the entries' dashes (for a block sequence)
    items: tuple[Item, ...]


def _item_end(text: str, node: yaml.Node, content_col: int) -> int:
    end = _content_end(node)
    # A plain or quoted scalar ends inside its line; block scalars end at a line start.
    if end > 0 and text[end - 1] != "\n" and end < len(text):
        end = _next_line(text, end)
    # Comment lines indented under the entry belong to it.
    while end < len(text):
        nxt = _next_line(text, end)
        line = text[end:nxt].rstrip("\r\n")
        if line.strip().startswith("#") and _indent_of(line) >= content_col:
            end = nxt
        else:
            break
    return end


def _dash_start(text: str, node: yaml.Node) -> int:
    """The start of the line holding the dash that introduces ``node``."""
    index = int(node.start_mark.index)
    dash = text.rfind("-", 0, index)
    return _line_start(text, dash if dash >= 0 else index)


def layout(text: str) -> Layout:
    root = compose(text)
    if not isinstance(root, yaml.MappingNode):
        raise SpliceError("the file does not hold a mapping")
    key: yaml.ScalarNode | None = None
    value: yaml.Node | None = None
    for k, v in root.value:
        if isinstance(k, yaml.ScalarNode) and k.value == "updates":
            key, value = k, v
            break
    items: list[Item] = []
    dash_col = (key.start_mark.column if key is not None else root.start_mark.column) + len(INDENT)
    if isinstance(value, yaml.SequenceNode) and not value.flow_style and value.value:
        dash_col = value.start_mark.column
        previous_end = _next_line(text, int(key.start_mark.index)) if key is not None else 0
        for node in value.value:
            start = _dash_start(text, node)
            content_col = node.start_mark.column
            end = _item_end(text, node, content_col)
            items.append(Item(start, end, min(previous_end, start)))
            previous_end = end
    return Layout(root, key, value, dash_col, tuple(items))


def _document_end(text: str, root: yaml.MappingNode) -> int:
    """Where text can be added at the end of the document: the end of the file, or the start of
    an explicit document-end line (``...``) after the mapping."""
    index = _next_line(text, _content_end(root)) if _content_end(root) < len(text) else len(text)
    while index < len(text):
        nxt = _next_line(text, index)
        if text[index:nxt].rstrip("\r\n").rstrip() == "...":
            return index
        index = nxt
    return len(text)


def _entry_text(update: Update, indent: str, newline: str) -> str:
    return dump_update(update, indent).replace("\n", newline)


def _after_value_on_line(text: str, start: int, end: int) -> tuple[str, int]:
    """What follows an inline value on its line (a comment, spaces) and where the next line
    starts."""
    nxt = _next_line(text, end)
    rest = text[end:nxt]
    stripped = rest.rstrip("\r\n")
    if stripped.strip() and not stripped.strip().startswith("#"):
        raise SpliceError("unexpected text after the 'updates' value")
    return stripped.rstrip(" \t"), nxt


def insert_update(text: str, update: Update, index: int) -> str:
    """``text`` with ``update`` as entry ``index`` (0-based) of ``updates``: the entries from
    ``index`` on follow it. ``index`` at the end (or past it) appends."""
    lay = layout(text)
    value = lay.value
    if not isinstance(value, yaml.SequenceNode) or index >= len(value.value):
        return append_update(text, update)
    if value.flow_style:
        at = int(value.value[index].start_mark.index)
        return text[:at] + flow_update(update) + ", " + text[at:]
    newline = line_ending(text)
    at = lay.items[index].lead
    return text[:at] + _entry_text(update, " " * lay.dash_col, newline) + text[at:]


def date_position(updates: Sequence[Update], update: Update) -> int:
    """Where ``update`` goes among ``updates`` to keep them oldest first: after the last entry
    that does not start later (entries of the same date keep the order they were added in)."""
    at = len(updates)
    while at > 0 and updates[at - 1].date.start > update.date.start:
        at -= 1
    return at


def append_update(text: str, update: Update) -> str:
    """``text`` with ``update`` added as the last entry of ``updates``."""
    newline = line_ending(text)
    lay = layout(text)
    root, key, value = lay.root, lay.key, lay.value
    if root.flow_style:
        return _append_flow_document(text, root, key, value, update)
    if key is None:
        # No updates yet: a new key at the end of the file, at the level of the other keys.
        indent = " " * root.start_mark.column
        entry = _entry_text(update, indent + INDENT, newline)
        at = _document_end(text, root)
        head, tail = text[:at], text[at:]
        if head and not head.endswith("\n"):
            head += newline
        return f"{head}{indent}updates:{newline}{entry}{tail}"
    assert value is not None
    if isinstance(value, yaml.SequenceNode) and value.value:
        if value.flow_style:
            return _append_flow_sequence(text, value, update, newline)
        entry = _entry_text(update, " " * lay.dash_col, newline)
        at = lay.items[-1].end
        if at == len(text) and text and not text.endswith("\n"):
            entry = newline + entry
        return text[:at] + entry + text[at:]
    empty_scalar = isinstance(value, yaml.ScalarNode) and value.tag.endswith(":null") and (
        value.style in (None, "")
    )
    if empty_scalar or isinstance(value, yaml.SequenceNode):
        # `updates:`, `updates: null`, `updates: ~` or `updates: []`: the value token goes, the
        # entry follows as a block sequence; a comment on the key's line stays there.
        start, end = int(value.start_mark.index), int(value.end_mark.index)
        colon = text.index(":", int(key.end_mark.index))
        if text[colon + 1:start].strip():
            raise SpliceError("cannot place the first update")
        comment, nxt = _after_value_on_line(text, start, end)
        entry = _entry_text(update, " " * key.start_mark.column + INDENT, newline)
        head = text[: colon + 1] + (comment if comment.strip() else "")
        rest = text[nxt:]
        return head + newline + entry + rest
    raise SpliceError("'updates' is not a list")


def _flow_items_insert(
    text: str, last_end: int, close: int, entry: str, newline: str
) -> str:
    """Insert a flow entry after the item ending at ``last_end`` in a collection closing at
    ``close``: on the same line, or on a line of its own when the items stand on their own
    lines."""
    if _line_start(text, close) > last_end:  # the closing bracket has a line of its own
        start = _line_start(text, last_end)
        indent = text[start:last_end][: _indent_of(text[start:last_end])]
        return text[:last_end] + "," + newline + indent + entry + text[last_end:]
    return text[:last_end] + ", " + entry + text[last_end:]


def _append_flow_sequence(
    text: str, value: yaml.SequenceNode, update: Update, newline: str
) -> str:
    close = int(value.end_mark.index) - 1
    if text[close] != "]":
        raise SpliceError("cannot find the end of the 'updates' list")
    last_end = _content_end(value.value[-1])
    return _flow_items_insert(text, last_end, close, flow_update(update), newline)


def _append_flow_document(
    text: str, root: yaml.MappingNode, key: yaml.ScalarNode | None, value: yaml.Node | None,
    update: Update,
) -> str:
    newline = line_ending(text)
    if key is not None and isinstance(value, yaml.SequenceNode):
        if value.value:
            return _append_flow_sequence(text, value, update, newline)
        start, end = int(value.start_mark.index), int(value.end_mark.index)
        return text[:start] + "[" + flow_update(update) + "]" + text[end:]
    if key is not None:
        assert value is not None
        if not (isinstance(value, yaml.ScalarNode) and value.tag.endswith(":null")):
            raise SpliceError("'updates' is not a list")
        start, end = int(value.start_mark.index), int(value.end_mark.index)
        return text[:start] + " [" + flow_update(update) + "]" + text[end:]
    close = int(root.end_mark.index) - 1
    if text[close] != "}" or not root.value:
        raise SpliceError("cannot find the end of the document's mapping")
    last_end = _content_end(root.value[-1][1])
    return _flow_items_insert(
        text, last_end, close, "updates: [" + flow_update(update) + "]", newline
    )
