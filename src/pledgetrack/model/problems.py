"""Problem records: what `check` finds, one per finding, each with a place and a rule id."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Level = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Problem:
    path: str  # relative to the data root, forward slashes, no leading "./"
    line: int  # 1-based; 1 when the problem concerns the whole file
    col: int  # 1-based
    level: Level
    rule: str
    message: str

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.col, self.rule)

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "col": self.col,
            "level": self.level,
            "rule": self.rule,
            "message": self.message,
        }


# Every rule `check` can report, with its level and a one-line description (docs/format.md).
RULES: dict[str, tuple[Level, str]] = {
    "unreadable": ("error", "the file cannot be read (permissions, I/O error)"),
    "symlink": ("error", "the file is a symbolic link (never followed)"),
    "encoding": ("error", "the file is not valid UTF-8"),
    "file-too-large": ("error", "the file exceeds the size limit"),
    "empty-file": ("error", "the file is empty"),
    "conflict-marker": ("error", "an unresolved git merge-conflict marker"),
    "yaml-syntax": ("error", "the file is not valid YAML"),
    "yaml-tag": ("error", "an explicit YAML tag (such as !!python/object) is not allowed"),
    "alias-limit": ("error", "aliases expand beyond the limit (a 'billion laughs' file)"),
    "nesting-limit": ("error", "the document is nested too deeply"),
    "duplicate-key": ("error", "the same key appears twice in one mapping"),
    "not-mapping": ("error", "the top level of the file is not a mapping"),
    "missing-field": ("error", "a required field is missing or empty"),
    "wrong-type": ("error", "a field has the wrong type"),
    "implicit-type": ("error", "unquoted text that YAML reads as a boolean, number or null"),
    "invalid-date": ("error", "a date that is malformed or does not exist"),
    "invalid-id": ("error", "an id that is not a lowercase slug of at most 80 characters"),
    "id-mismatch": ("error", "the id differs from the file name"),
    "duplicate-id": ("error", "two files declare the same id"),
    "unknown-status": ("error", "a status not in the vocabulary"),
    "unknown-domain": ("error", "a domain not in the configured taxonomy"),
    "unknown-party": ("error", "an update's party is not among the pledge's actors"),
    "missing-source": ("error", "an update without a source, where the configuration requires one"),
    "unknown-field": ("warning", "a field this version of the format does not define"),
    "update-order": ("warning", "an update dated before the update above it"),
    "update-before-announced": ("warning", "an update dated before the pledge was announced"),
    "deadline-before-announced": (
        "warning", "a deadline that ends before the pledge was announced"
    ),
}
