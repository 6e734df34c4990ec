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
from collections.abc import Iterator
from dataclasses import dataclass, field

import yaml

MAX_FILE_BYTES = 1024 * 1024
MAX_DEPTH = 64
MAX_NODES = 100_000
# libyaml's composer recurses in C and overflows the stack somewhere past 20,000 levels of nesting.
# A file cannot nest deeper than it has bytes, so only larger files get the (iterative) depth scan.
_SCAN_DEPTH_ABOVE_BYTES = 8 * 1024

_CORE = "tag:yaml.org,2002:"
ALLOWED_TAGS = frozenset(
    _CORE + t for t in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map")
)

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
        return self.tag.rsplit(":", 1)[-1]


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


CONFLICT_MARKERS = ("<<<<<<< ", "<<<<<<<\n", "=======\n", ">>>>>>> ", ">>>>>>>\n", "|||||||")


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


def _scan_depth(text: str, loader: type[yaml.SafeLoader] | type[yaml.CSafeLoader]) -> None:
    depth = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                mark = event.start_mark
                raise YamlProblem(
                    "nesting-limit",
                    f"nested more than {MAX_DEPTH} levels deep",
                    mark.line + 1 if mark else 1,
                    mark.column + 1 if mark else 1,
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _mark_error(exc: yaml.MarkedYAMLError) -> YamlProblem:
    mark = exc.problem_mark or exc.context_mark
    parts = [p for p in (exc.context, exc.problem) if p]
    message = "; ".join(parts) or "invalid YAML"
    line = mark.line + 1 if mark else 1
    col = mark.column + 1 if mark else 1
    return YamlProblem("yaml-syntax", f"invalid YAML: {message}", line, col)


def parse(text: str) -> ParseResult:
    """Compose ``text`` into a tree; raise :class:`YamlProblem` when that is not possible."""
    loader = loader_class()
    try:
        if len(text) > _SCAN_DEPTH_ABOVE_BYTES:
            _scan_depth(text, loader)
        composer = loader(text)
        try:
            node = composer.get_single_node()
        finally:
            composer.dispose()
    except yaml.MarkedYAMLError as exc:
        raise _mark_error(exc) from None
    except yaml.YAMLError as exc:
        raise YamlProblem("yaml-syntax", f"invalid YAML: {exc}") from None
    except RecursionError:
        raise YamlProblem("nesting-limit", f"nested more than {MAX_DEPTH} levels deep") from None
    if node is None:
        return ParseResult(None, [])
    builder = _Builder()
    tree = builder.build(node, 0)
    return ParseResult(tree, builder.duplicates)


class _Builder:
    def __init__(self) -> None:
        self.duplicates: list[Duplicate] = []
        self.nodes = 0
        self.active: set[int] = set()

    def _count(self, node: yaml.Node) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise YamlProblem(
                "alias-limit",
                f"the document expands to more than {MAX_NODES:,} values (alias bomb?)",
                node.start_mark.line + 1,
                node.start_mark.column + 1,
            )

    def build(self, node: yaml.Node, depth: int) -> YNode:
        line, col = node.start_mark.line + 1, node.start_mark.column + 1
        if depth > MAX_DEPTH:
            raise YamlProblem(
                "nesting-limit", f"nested more than {MAX_DEPTH} levels deep", line, col
            )
        if node.tag not in ALLOWED_TAGS:
            raise YamlProblem("yaml-tag", f"YAML tag '{node.tag}' is not allowed", line, col)
        self._count(node)
        key = id(node)
        if key in self.active:
            raise YamlProblem(
                "alias-limit", "an alias refers to the collection it is in", line, col
            )
        if isinstance(node, yaml.ScalarNode):
            return YScalar(node.value, node.tag, node.style not in (None, ""), line, col)
        # An alias yields the same node object again; expand it (counted) rather than share it,
        # so that the count above bounds the whole expansion.
        self.active.add(key)
        try:
            end_line = node.end_mark.line + 1
            flow = bool(getattr(node, "flow_style", False))
            if isinstance(node, yaml.SequenceNode):
                items = [self.build(n, depth + 1) for n in node.value]
                return YSeq(items, line, col, end_line, flow)
            if isinstance(node, yaml.MappingNode):
                result = YMap({}, line, col, end_line, flow)
                for key_node, value_node in node.value:
                    key_tree = self.build(key_node, depth + 1)
                    if not isinstance(key_tree, YScalar):
                        raise YamlProblem(
                            "wrong-type", "a mapping key must be plain text", key_tree.line,
                            key_tree.col,
                        )
                    value = self.build(value_node, depth + 1)
                    name = key_tree.value
                    if name in result.entries:
                        first = result.entries[name][0]
                        self.duplicates.append(
                            Duplicate(name, key_tree.line, key_tree.col, first.line)
                        )
                        continue  # the first occurrence wins; the duplicate is reported
                    result.entries[name] = (key_tree, value)
                return result
        finally:
            self.active.discard(key)
        raise YamlProblem("yaml-syntax", "unsupported YAML node", line, col)  # pragma: no cover
