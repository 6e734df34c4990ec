"""Turn a parsed YAML tree into a :class:`Pledge`, reporting every structural problem on the way.

Structure only (types, required fields, dates); rules that need the configuration or other files
live in :mod:`pledgetrack.checks.rules`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from pledgetrack.model.dates import DateError, PartialDate
from pledgetrack.model.problems import Level, Problem
from pledgetrack.model.records import MAX_NAMES, Pledge, Source, Update
from pledgetrack.model.suggest import did_you_mean
from pledgetrack.model.text import first_control
from pledgetrack.yamlfile.yamltree import YMap, YNode, YScalar, YSeq

T = TypeVar("T")

PLEDGE_FIELDS = (
    "id", "title", "actors", "recipients", "domains", "made_by", "announced", "deadline",
    "summary", "quote", "criteria", "tags", "sources", "updates",
)
SOURCE_FIELDS = ("url", "title", "publisher", "published", "archived")
UPDATE_FIELDS = ("date", "status", "party", "note", "sources", "recorded")

_NULL_TAG = "tag:yaml.org,2002:null"
# Dates repeat across files (the same day in many sources and updates): parsed once, and the
# records share the (immutable) result.
_DATES: dict[str, PartialDate] = {}
_DATES_KEPT = 20_000

_TYPE_WORDS = {"bool": "a boolean", "int": "a number", "float": "a number", "null": "null"}


def plain(node: YNode) -> object:
    """A JSON-like value for a field this version does not know (kept, never interpreted)."""
    if isinstance(node, YScalar):
        return None if node.kind == "null" and not node.quoted else node.value
    if isinstance(node, YSeq):
        return [plain(n) for n in node.items]
    return {k: plain(v) for k, (_, v) in node.entries.items()}


class RecordBuilder:
    """Builds one record from one file's tree, collecting problems."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []
        self.errors = 0
        # When the file has errors: a best-effort record, so that the rules that need the
        # configuration (statuses, domains, the id) still run and every problem is reported at
        # once. Missing values are stand-ins that break no rule; ``no_status`` numbers the
        # updates (1-based) whose status is missing, so that no rule reports it again.
        self.salvage: Pledge | None = None
        self.no_status: set[int] = set()
        self._salvaged_updates: tuple[Update, ...] = ()

    def report(self, level: Level, rule: str, message: str, line: int, col: int = 1) -> None:
        self.problems.append(Problem(self.path, line, col, level, rule, message))
        if level == "error":
            self.errors += 1

    # -- scalars -------------------------------------------------------------------------------

    def _is_null(self, node: YNode) -> bool:
        return type(node) is YScalar and node.tag == _NULL_TAG and not node.quoted

    def text(self, node: YNode, name: str, *, one_line: bool = False) -> str | None:
        if not isinstance(node, YScalar):
            self.report("error", "wrong-type", f"'{name}' must be text, not a "
                        f"{'list' if isinstance(node, YSeq) else 'mapping'}", node.line, node.col)
            return None
        if not node.quoted and node.kind in ("bool", "int", "float"):
            # Kept as written, but other YAML readers would see a boolean or number.
            self.report("error", "implicit-type",
                        f"'{name}': {node.value!r} is read by YAML as {_TYPE_WORDS[node.kind]}; "
                        f"quote it (\"{node.value}\")", node.line, node.col)
            return None
        if one_line and ("\n" in node.value or "\r" in node.value):
            self.report("error", "wrong-type", f"'{name}' must be a single line",
                        node.line, node.col)
            return None
        control = first_control(node.value)
        if control is not None:
            # Kept (the text is what the file says), but terminals would act on it: output
            # for people shows it escaped.
            self.report("warning", "control-character",
                        f"'{name}' holds the control character U+{ord(control):04X}; "
                        "write the text without it", node.line, node.col)
        return node.value

    def date(self, node: YNode, name: str) -> PartialDate | None:
        if not isinstance(node, YScalar):
            self.report("error", "wrong-type", f"'{name}' must be a date such as 2025-10-26",
                        node.line, node.col)
            return None
        value = _DATES.get(node.value)
        if value is None:
            try:
                value = PartialDate.parse(node.value)
            except DateError as exc:
                self.report("error", "invalid-date", f"'{name}': {exc}", node.line, node.col)
                return None
            if len(_DATES) >= _DATES_KEPT:
                _DATES.clear()
            _DATES[node.value] = value
        return value

    def text_list(self, node: YNode, name: str) -> tuple[str, ...] | None:
        if not isinstance(node, YSeq):
            self.report("error", "wrong-type",
                        f"'{name}' must be a list, for example [{_example(node)}]",
                        node.line, node.col)
            return None
        values: list[str] = []
        ok = True
        if len(node.items) > MAX_NAMES:
            self.report("error", "too-many-names",
                        f"'{name}' lists {len(node.items):,} names; at most {MAX_NAMES:,} are "
                        "allowed", node.line, node.col)
            ok = False
        for item in node.items:
            if self._is_null(item):
                self.report("error", "wrong-type", f"'{name}' has an empty entry",
                            item.line, item.col)
                ok = False
                continue
            value = self.text(item, f"{name} entry", one_line=True)
            if value is None:
                ok = False
            elif not value.strip():
                self.report("error", "wrong-type", f"'{name}' has an empty entry",
                            item.line, item.col)
                ok = False
            else:
                values.append(value)
        return tuple(values) if ok else None

    # -- mappings ------------------------------------------------------------------------------

    def fields(
        self, node: YMap, known: tuple[str, ...], where: str
    ) -> dict[str, YNode]:
        """The non-null fields of a mapping; unknown fields are reported as warnings."""
        present: dict[str, YNode] = {}
        for key, (key_node, value) in node.entries.items():
            if key not in known:
                self.report("warning", "unknown-field",
                            f"unknown field '{key}'{where}{did_you_mean(key, known)}",
                            key_node.line, key_node.col)
                continue
            if self._is_null(value):
                continue
            present[key] = value
        return present

    def required(
        self, values: dict[str, YNode], name: str, parent: YMap, where: str,
        convert: Callable[[YNode, str], T | None],
    ) -> T | None:
        node = values.get(name)
        if node is None:
            self.report("error", "missing-field", f"missing required field '{name}'{where}",
                        parent.line, parent.col)
            return None
        value = convert(node, name)
        if value is not None and isinstance(value, str | tuple) and not value:
            self.report("error", "missing-field", f"'{name}' is empty{where}", node.line, node.col)
            return None
        return value

    def optional(
        self, values: dict[str, YNode], name: str,
        convert: Callable[[YNode, str], T | None],
    ) -> T | None:
        node = values.get(name)
        return None if node is None else convert(node, name)

    def sources(self, node: YNode, where: str) -> tuple[Source, ...] | None:
        if not isinstance(node, YSeq):
            self.report("error", "wrong-type", f"'sources'{where} must be a list of sources",
                        node.line, node.col)
            return None
        result: list[Source] = []
        before = self.errors
        for item in node.items:
            if not isinstance(item, YMap):
                self.report("error", "wrong-type",
                            f"each source{where} must be a mapping with a 'url'",
                            item.line, item.col)
                continue
            values = self.fields(item, SOURCE_FIELDS, f" in a source{where}")
            url = self.required(values, "url", item, f" in a source{where}", self._one_line)
            if url is not None and not url.startswith(("http://", "https://")):
                url_node = values["url"]
                self.report("error", "wrong-type",
                            f"source url {url!r} must start with http:// or https://",
                            url_node.line, url_node.col)
            archived = self.optional(values, "archived", self._one_line)
            if archived is not None and not archived.startswith(("http://", "https://")):
                arch_node = values["archived"]
                self.report("error", "wrong-type",
                            f"archived url {archived!r} must start with http:// or https://",
                            arch_node.line, arch_node.col)
            result.append(Source(
                url=url or "",
                title=self.optional(values, "title", self._one_line),
                publisher=self.optional(values, "publisher", self._one_line),
                published=self.optional(values, "published", self.date),
                archived=archived,
                line=item.line,
            ))
        return tuple(result) if self.errors == before else None

    def _one_line(self, node: YNode, name: str) -> str | None:
        return self.text(node, name, one_line=True)

    def _text(self, node: YNode, name: str) -> str | None:
        return self.text(node, name)

    def updates(self, node: YNode) -> tuple[Update, ...] | None:
        if not isinstance(node, YSeq):
            self.report("error", "wrong-type", "'updates' must be a list of updates",
                        node.line, node.col)
            return None
        result: list[Update] = []
        before = self.errors
        for number, item in enumerate(node.items, 1):
            where = f" in update {number}"
            if not isinstance(item, YMap):
                self.report("error", "wrong-type", f"update {number} must be a mapping with "
                            "'date' and 'status'", item.line, item.col)
                continue
            values = self.fields(item, UPDATE_FIELDS, where)
            date = self.required(values, "date", item, where, self.date)
            status = self.required(values, "status", item, where, self._one_line)
            srcs_node = values.get("sources")
            srcs = None if srcs_node is None else self.sources(srcs_node, where)
            if status is None:
                self.no_status.add(number)
            if srcs is None and srcs_node is not None:
                srcs = (Source(url=""),)  # sources there, with errors: not "missing"
            update = Update(
                date=date or PartialDate(1),
                status=status or "",
                party=self.optional(values, "party", self._one_line),
                note=self.optional(values, "note", self._text),
                sources=srcs or (),
                recorded=self.optional(values, "recorded", self.date),
                line=item.line,
                lines={k: item.key_line(k) for k in item.entries},
            )
            result.append(update)
        self._salvaged_updates = tuple(result)
        return tuple(result) if self.errors == before else None

    # -- the record ----------------------------------------------------------------------------

    def pledge(self, tree: YNode | None) -> Pledge | None:
        if tree is None:
            self.report("error", "empty-file", "the file holds no YAML document", 1)
            return None
        if not isinstance(tree, YMap):
            kind = "a list" if isinstance(tree, YSeq) else "a single value"
            self.report("error", "not-mapping",
                        f"the file must hold a mapping of fields (id, title, …), not {kind}",
                        tree.line, tree.col)
            return None
        values = self.fields(tree, PLEDGE_FIELDS, "")
        where = ""
        pledge_id = self.required(values, "id", tree, where, self._one_line)
        title = self.required(values, "title", tree, where, self._one_line)
        actors = self.required(values, "actors", tree, where, self.text_list)
        domains = self.required(values, "domains", tree, where, self.text_list)
        announced = self.required(values, "announced", tree, where, self.date)
        sources_node = values.get("sources")
        sources: tuple[Source, ...] | None = None
        if sources_node is None:
            self.report("error", "missing-field", "missing required field 'sources' "
                        "(at least one source with a url)", tree.line, tree.col)
        else:
            sources = self.sources(sources_node, "")
            if sources is not None and not sources:
                self.report("error", "missing-field", "'sources' needs at least one source",
                            sources_node.line, sources_node.col)
                sources = None
        recipients = self.optional(values, "recipients", self.text_list)
        tags = self.optional(values, "tags", self.text_list)
        updates_node = values.get("updates")
        updates = None if updates_node is None else self.updates(updates_node)
        made_by = self.optional(values, "made_by", self._one_line)
        deadline = self.optional(values, "deadline", self.date)
        summary = self.optional(values, "summary", self._text)
        quote = self.optional(values, "quote", self._text)
        criteria = self.optional(values, "criteria", self._text)
        if self.errors:
            from pathlib import PurePosixPath

            updates_found = self._salvaged_updates
            self.salvage = Pledge(
                id=pledge_id or PurePosixPath(self.path).stem, title=title or "",
                # Unknown actors: the parties the updates name, so that none is reported.
                actors=actors if actors is not None else tuple(dict.fromkeys(
                    u.party for u in updates_found if u.party)),
                domains=domains or (), sources=sources or (), announced=announced,
                recipients=recipients or (), deadline=deadline, updates=updates_found,
                path=self.path, lines={k: tree.key_line(k) for k in tree.entries},
            )
            return None
        assert pledge_id is not None and title is not None and actors is not None
        assert domains is not None and sources is not None
        extra = {k: plain(v) for k, (_, v) in tree.entries.items() if k not in PLEDGE_FIELDS}
        return Pledge(
            id=pledge_id, title=title, actors=actors, domains=domains, sources=sources,
            announced=announced, recipients=recipients or (), made_by=made_by,
            deadline=deadline, summary=summary, quote=quote, criteria=criteria,
            tags=tags or (), updates=updates or (), extra=extra, path=self.path,
            lines={k: tree.key_line(k) for k in tree.entries},
        )


def _example(node: YNode) -> str:
    return node.value if isinstance(node, YScalar) and node.value else "..."


