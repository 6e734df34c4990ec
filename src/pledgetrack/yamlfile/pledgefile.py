"""One pledge file, from its bytes to a record and its structural problems.

Light at import: the YAML parser is imported only when a file is parsed, so that a load answered
by the records cache never imports it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from pledgetrack.model.problems import Problem

if TYPE_CHECKING:
    from pledgetrack.model.config import Config
    from pledgetrack.model.records import Pledge
    from pledgetrack.yamlfile.build import RecordBuilder

# Larger files are refused unparsed: one file must not be able to exhaust a CI runner.
MAX_FILE_BYTES = 1024 * 1024


def parse_pledge(data: bytes, rel_path: str) -> tuple[Pledge | None, list[Problem]]:
    """Parse one file's bytes: structural problems only (no configuration needed)."""
    pledge, problems, _ = parse_with_salvage(data, rel_path)
    return pledge, problems


def rule_problems(pledge: Pledge | None, salvage: RecordBuilder | None,
                  config: Config) -> list[Problem]:
    """The problems of the rules that need the configuration: over the record, or, for a file
    with structural errors, the errors over its best-effort record (every problem at once)."""
    from pledgetrack.checks.rules import check_pledge, check_salvage

    if pledge is not None:
        return list(check_pledge(pledge, config))
    if salvage is not None and salvage.salvage is not None:
        return list(check_salvage(salvage.salvage, config, salvage.no_status))
    return []


def parse_with_salvage(
    data: bytes, rel_path: str
) -> tuple[Pledge | None, list[Problem], RecordBuilder | None]:
    """:func:`parse_pledge`, with the builder when the file parsed as YAML but has errors (its
    ``salvage`` record serves :func:`rule_problems`)."""
    from pledgetrack.yamlfile.build import RecordBuilder
    from pledgetrack.yamlfile.yamltree import YamlProblem, decode, find_conflict_markers, parse

    builder = RecordBuilder(rel_path)
    if len(data) > MAX_FILE_BYTES:
        builder.report("error", "file-too-large",
                       f"the file is {len(data):,} bytes; the limit is {MAX_FILE_BYTES:,}", 1)
        return None, builder.problems, None
    if not data.strip():
        builder.report("error", "empty-file", "the file is empty", 1)
        return None, builder.problems, None
    try:
        text = decode(data)
        markers = find_conflict_markers(text)
        if markers:
            for line in markers:
                builder.report("error", "conflict-marker",
                               "unresolved git merge-conflict marker; resolve the conflict "
                               "and remove the markers", line)
            return None, builder.problems, None
        result = parse(text)
    except YamlProblem as exc:
        builder.report("error", exc.rule, exc.message, exc.line, exc.col)
        return None, builder.problems, None
    for dup in result.duplicates:
        builder.report("error", "duplicate-key",
                       f"duplicate key '{dup.key}' (first on line {dup.first_line}); "
                       "YAML readers silently keep only one", dup.line, dup.col)
    pledge = builder.pledge(result.tree)
    if builder.errors:
        if pledge is not None:  # only duplicate keys: the record itself is whole
            builder.salvage = pledge
        return None, builder.problems, builder
    return pledge, builder.problems, None


def read_pledge_file(path: str | Path) -> bytes:
    """A pledge file's bytes, at most one byte more than :data:`MAX_FILE_BYTES` (enough to tell
    a file over the limit). A symbolic link is never followed (OSError)."""
    # O_NOFOLLOW: a link swapped in after the listing saw a regular file is not followed either.
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0))
    with open(fd, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        return handle.read(min(size, MAX_FILE_BYTES) + 1)


def unreadable(rel: str, exc: OSError) -> Problem:
    return Problem(rel, 1, 1, "error", "unreadable",
                   f"cannot read the file: {exc.strerror or exc}")


def symlink(rel: str) -> Problem:
    # A link committed in a pull request could point at any file of the machine running
    # `check` in CI; its content must never reach a report or an error message.
    return Problem(rel, 1, 1, "error", "symlink",
                   "the file is a symbolic link; pledge files must be regular files "
                   "(links are never followed)")
