"""Safe YAML parsing into a small tree that remembers where every value stood.

PyYAML is used only to parse and compose; construction is ours, so that

* nothing is coerced behind our back (``NO`` stays the text ``NO`` until a field asks for more),
* duplicate keys, explicit tags, alias bombs and deep nesting become problems instead of surprises,
* every value keeps its line and column for error messages and for the writer.

libyaml's C parser is used when present (about 9x faster); ``PLEDGETRACK_PURE_YAML=1`` or
:func:`use_pure_loader` selects the pure-Python one.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

MAX_DEPTH = 64
MAX_NODES = 100_000

_CORE = "tag:yaml.org,2002:"
ALLOWED_TAGS = frozenset(
    _CORE + t for t in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map")
)

_KINDS = {tag: tag.rsplit(":", 1)[-1] for tag in ALLOWED_TAGS}

_pure = os.environ.get("PLEDGETRACK_PURE_YAML", "") not in ("", "0")


def use_pure_loader(pure: bool = True) -> None:
    """Force the pure-Python YAML loader (for tests and debugging)."""
    global _pure
    _pure = pure


def loader_class() -> type[yaml.SafeLoader] | type[yaml.CSafeLoader]:
    if not _pure and getattr(yaml, "__with_libyaml__", False):
        return yaml.CSafeLoader
    return yaml.SafeLoader


def loader_name() -> str:
    return "libyaml" if loader_class() is not yaml.SafeLoader else "pure-python"


class YamlProblem(Exception):
    """A file that cannot be turned into a tree: rule id, message and place."""

    def __init__(self, rule: str, message: str, line: int = 1, col: int = 1) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message
        self.line = line
        self.col = col


@dataclass(slots=True)
class YScalar:
    value: str  # the text as written (after YAML's unescaping), never coerced
    tag: str  # the tag YAML resolved: str, int, float, bool, null or timestamp
    quoted: bool
    line: int
    col: int

    @property
    def kind(self) -> str:
        return _KINDS.get(self.tag) or self.tag.rsplit(":", 1)[-1]


@dataclass(slots=True)
class YSeq:
    items: list[YNode]
    line: int
    col: int
    end_line: int = 0
    flow: bool = False


@dataclass(slots=True)
class YMap:
    # key -> (key scalar, value); insertion order is file order
    entries: dict[str, tuple[YScalar, YNode]] = field(default_factory=dict)
    line: int = 1
    col: int = 1
    end_line: int = 0
    flow: bool = False

    def get(self, key: str) -> YNode | None:
        entry = self.entries.get(key)
        return entry[1] if entry else None

    def key_line(self, key: str) -> int:
        entry = self.entries.get(key)
        return entry[0].line if entry else self.line

    def __iter__(self) -> Iterator[str]:
        return iter(self.entries)


YNode = YScalar | YSeq | YMap


@dataclass(slots=True)
class Duplicate:
    key: str
    line: int
    col: int
    first_line: int


@dataclass(slots=True)
class ParseResult:
    tree: YNode | None
    duplicates: list[Duplicate]


def decode(data: bytes) -> str:
    """UTF-8 (a leading BOM is accepted) or a :class:`YamlProblem` pointing at the bad byte."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise YamlProblem(
            "encoding", f"not valid UTF-8: byte 0x{data[exc.start]:02x} cannot be decoded",
            line, col,
        ) from None
    return text[1:] if text.startswith("\ufeff") else text


def find_conflict_markers(text: str) -> list[int]:
    """1-based line numbers of git merge-conflict markers."""
    if "<<<<<<<" not in text and ">>>>>>>" not in text and "\n=======" not in text:
        return []
    lines = []
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.rstrip("\r")
        if stripped in ("=======", "<<<<<<<", ">>>>>>>") or stripped.startswith(
            ("<<<<<<< ", ">>>>>>> ", "||||||| ")
        ):
            lines.append(number)
    return lines


def _mark_error(exc: yaml.MarkedYAMLError, text: str = "") -> YamlProblem:
    mark = exc.problem_mark or exc.context_mark
    parts = [p for p in (exc.context, exc.problem) if p]
    message = "; ".join(parts) or "invalid YAML"
    line = mark.line + 1 if mark else 1
    col = mark.column + 1 if mark else 1
    hint = _hint(exc, text, line)
    return YamlProblem("yaml-syntax", f"invalid YAML: {message}{hint}", line, col)


def _hint(exc: yaml.MarkedYAMLError, text: str, line: int) -> str:
    """What to do about the parser's message, in words a person can act on."""
    lines = text.splitlines()
    here = lines[line - 1] if 0 < line <= len(lines) else ""
    if "\t" in here[: len(here) - len(here.lstrip(" \t"))] or "character '\\t'" in str(exc):
        return " (YAML does not allow tabs for indentation: indent with spaces)"
    if exc.problem and "mapping values are not allowed" in exc.problem:
        return (" (quote text that contains ': ', as in title: \"Japan: a new pledge\")")
    return ""


def parse(text: str) -> ParseResult:
    """Compose ``text`` into a tree; raise :class:`YamlProblem` when that is not possible."""
    parser = None
    try:
        parser = loader_class()(text)  # the pure-Python reader rejects some text right here
        builder = _TreeBuilder(parser)
        try:
            return builder.document()
        except YamlProblem as exc:
            # A syntax error further down is what to report first, as when the whole document
            # is parsed before its tree is looked at; but a hostile file is not read further.
            if exc.rule != "nesting-limit":
                builder.drain()
            raise
    except yaml.MarkedYAMLError as exc:
        raise _mark_error(exc, text) from None
    except yaml.YAMLError as exc:
        raise YamlProblem("yaml-syntax", f"invalid YAML: {exc}") from None
    finally:
        if parser is not None:
            parser.dispose()


_SEQ_TAG = _CORE + "seq"
_MAP_TAG = _CORE + "map"
_STR_TAG = _CORE + "str"


class _TreeBuilder:
    """Builds the tree straight from the parser's events, in one pass.

    This does what PyYAML's composer and a walk over its nodes would do, for a third of the
    time: no intermediate nodes, no recursion (libyaml's composer recurses in C, and overflows
    the stack on deep nesting). Aliases are expanded by copying, and every node of an expansion is
    counted, so that the count bounds the whole document (alias bombs).
    """

    def __init__(self, parser: yaml.SafeLoader | yaml.CSafeLoader) -> None:
        # Events are typed loosely: libyaml's and PyYAML's have the same attributes.
        self.get: Callable[[], Any] = parser.get_event
        self.resolvers: dict[Any, list[tuple[str, Any]]] = parser.yaml_implicit_resolvers
        self.duplicates: list[Duplicate] = []
        self.nodes = 0
        self.anchors: dict[str, YNode] = {}
        self.resolved: dict[str, str] = {}

    def document(self) -> ParseResult:
        get = self.get
        get()  # stream start
        event = get()
        if isinstance(event, yaml.StreamEndEvent):
            return ParseResult(None, [])
        start = event.start_mark
        tree = self._node(get())
        get()  # document end
        event = get()
        if not isinstance(event, yaml.StreamEndEvent):
            raise yaml.composer.ComposerError(
                "expected a single document in the stream", start,
                "but found another document", event.start_mark,
            )
        return ParseResult(tree, self.duplicates)

    def drain(self) -> None:
        """Read the remaining events, raising the parser's error if there is one; stop where
        the nesting gets too deep (the pure-Python parser slows down badly there)."""
        depth = 0
        while True:
            event = self.get()
            cls = type(event)
            if cls is yaml.StreamEndEvent:
                return
            if cls is yaml.MappingStartEvent or cls is yaml.SequenceStartEvent:
                depth += 1
                if depth > MAX_DEPTH:
                    return
            elif cls is yaml.MappingEndEvent or cls is yaml.SequenceEndEvent:
                depth -= 1

    def _resolve(self, value: str) -> str:
        # As yaml.resolver.Resolver.resolve does for a plain scalar with no explicit tag.
        tag = _STR_TAG
        resolvers = self.resolvers
        for candidate, regexp in (resolvers.get(value[0] if value else "", [])
                                  + resolvers.get(None, [])):
            if regexp.match(value):
                tag = candidate
                break
        if len(value) < 64:  # short values repeat (statuses, names, dates)
            self.resolved[value] = tag
        return tag

    def _node(self, event: Any) -> YNode:
        """The node that starts with ``event``, built with everything inside it.

        One flat loop with the collection being built in locals: this runs for every value of
        every file, so calls and attribute lookups are kept out of it.
        """
        get = self.get
        resolved = self.resolved
        allowed = ALLOWED_TAGS
        scalar_event, alias_event = yaml.ScalarEvent, yaml.AliasEvent
        map_start, seq_start = yaml.MappingStartEvent, yaml.SequenceStartEvent
        nodes = self.nodes
        # The collection being built (None at the top), whether it is a mapping, and a mapping's
        # pending key; the enclosing ones wait on the stack. A value inside ``current`` is at
        # depth len(stack) + 1.
        current: Any = None
        is_map = False
        key: YScalar | None = None
        stack: list[tuple[Any, bool, YScalar | None]] = []
        node: YNode
        while True:
            cls = type(event)
            if cls is scalar_event:
                mark = event.start_mark
                line, col = mark.line + 1, mark.column + 1
                if current is not None and len(stack) >= MAX_DEPTH:
                    raise _too_deep(line, col)
                value = event.value
                tag = event.tag
                if tag is None or tag == "!":
                    if event.implicit[0]:
                        tag = resolved.get(value)
                        if tag is None:
                            tag = self._resolve(value)
                    else:
                        tag = _STR_TAG
                if tag not in allowed:
                    raise YamlProblem("yaml-tag", f"YAML tag '{tag}' is not allowed", line, col)
                nodes += 1
                if nodes > MAX_NODES:
                    raise _too_many(line, col)
                style = event.style
                node = YScalar(value, tag, style is not None and style != "", line, col)
                if event.anchor is not None:
                    self._anchor(event, node)
            elif cls is map_start or cls is seq_start:
                mark = event.start_mark
                line, col = mark.line + 1, mark.column + 1
                if current is not None and len(stack) >= MAX_DEPTH:
                    raise _too_deep(line, col)
                tag = event.tag
                if tag is None or tag == "!":
                    tag = _MAP_TAG if cls is map_start else _SEQ_TAG
                if tag not in allowed:
                    raise YamlProblem("yaml-tag", f"YAML tag '{tag}' is not allowed", line, col)
                nodes += 1
                if nodes > MAX_NODES:
                    raise _too_many(line, col)
                flow = bool(event.flow_style)
                collection: YMap | YSeq = (
                    YMap({}, line, col, 0, flow) if cls is map_start
                    else YSeq([], line, col, 0, flow)
                )
                if event.anchor is not None:
                    self._anchor(event, collection)
                if current is not None:
                    stack.append((current, is_map, key))
                current, is_map, key = collection, cls is map_start, None
                event = get()
                continue
            elif cls is alias_event:
                mark = event.start_mark
                target = self.anchors.get(event.anchor)
                if target is None:
                    raise yaml.composer.ComposerError(
                        None, None, f"found undefined alias {event.anchor!r}", mark)
                self.nodes = nodes
                building = {id(frame[0]) for frame in stack}
                building.add(id(current))
                node = self._copy(target, 0 if current is None else len(stack) + 1, building)
                nodes = self.nodes
            else:  # the end of the current mapping or sequence
                current.end_line = event.end_mark.line + 1
                node = current
                if stack:
                    current, is_map, key = stack.pop()
                else:
                    current = None
            if current is None:
                self.nodes = nodes
                return node
            if not is_map:
                current.items.append(node)
            elif key is None:
                if not isinstance(node, YScalar):
                    raise YamlProblem("wrong-type", "a mapping key must be plain text",
                                      node.line, node.col)
                key = node
            else:
                entries = current.entries
                name = key.value
                first = entries.get(name)
                if first is None:
                    entries[name] = (key, node)
                else:
                    # The first occurrence wins; the duplicate is reported.
                    self.duplicates.append(Duplicate(name, key.line, key.col, first[0].line))
                key = None
            event = get()

    def _anchor(self, event: Any, node: YNode) -> None:
        anchor = event.anchor
        assert anchor is not None
        first = self.anchors.get(anchor)
        if first is not None:
            raise yaml.composer.ComposerError(
                f"found duplicate anchor {anchor!r}; first occurrence",
                yaml.Mark("", 0, first.line - 1, first.col - 1, "", 0),
                "second occurrence", event.start_mark,
            )
        self.anchors[anchor] = node

    def _copy(self, node: YNode, depth: int, building: set[int]) -> YNode:
        """An alias's expansion: a copy, each node counted and checked as if written out.
        ``building`` holds the collections still open, which an alias cannot expand."""
        line, col = node.line, node.col
        if depth > MAX_DEPTH:
            raise _too_deep(line, col)
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _too_many(line, col)
        if isinstance(node, YScalar):
            return YScalar(node.value, node.tag, node.quoted, line, col)
        if id(node) in building:
            raise YamlProblem(
                "alias-limit", "an alias refers to the collection it is in", line, col
            )
        if isinstance(node, YSeq):
            return YSeq([self._copy(n, depth + 1, building) for n in node.items], line, col,
                        node.end_line, node.flow)
        copy = YMap({}, line, col, node.end_line, node.flow)
        for name, (key, value) in node.entries.items():
            key_copy = self._copy(key, depth + 1, building)
            assert isinstance(key_copy, YScalar)
            copy.entries[name] = (key_copy, self._copy(value, depth + 1, building))
        return copy


def _too_many(line: int, col: int) -> YamlProblem:
    return YamlProblem(
        "alias-limit", f"the document expands to more than {MAX_NODES:,} values (alias bomb?)",
        line, col,
    )


def _too_deep(line: int, col: int) -> YamlProblem:
    return YamlProblem("nesting-limit", f"nested more than {MAX_DEPTH} levels deep", line, col)
