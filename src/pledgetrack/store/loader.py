"""Loading pledge files into records, with every problem found on the way."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pledgetrack.checks.rules import check_duplicate_ids, check_pledge
from pledgetrack.model.config import Config
from pledgetrack.model.problems import Problem
from pledgetrack.model.records import Pledge
from pledgetrack.store.build import RecordBuilder
from pledgetrack.store.configfile import load_config
from pledgetrack.store.root import find_root, pledge_files, relative
from pledgetrack.store.yamltree import (
    MAX_FILE_BYTES,
    YamlProblem,
    decode,
    find_conflict_markers,
    parse,
)


@dataclass(slots=True)
class FileResult:
    """One file: its record (None when it has structural errors) and its problems."""

    path: str
    pledge: Pledge | None
    problems: list[Problem]

    @property
    def has_errors(self) -> bool:
        return any(p.level == "error" for p in self.problems)


@dataclass(slots=True)
class Dataset:
    """A loaded data root.

    ``pledges`` holds only records without errors, sorted by id; ``problems`` holds everything
    found, sorted by place; ``broken`` names the files left out of ``pledges``.
    """

    root: Path
    config: Config
    pledges: list[Pledge]
    problems: list[Problem]
    broken: list[str] = field(default_factory=list)
    files: int = 0

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "warning"]

    def get(self, pledge_id: str) -> Pledge | None:
        for p in self.pledges:
            if p.id == pledge_id:
                return p
        return None


def parse_pledge(data: bytes, rel_path: str) -> tuple[Pledge | None, list[Problem]]:
    """Parse one file's bytes: structural problems only (no configuration needed)."""
    builder = RecordBuilder(rel_path)
    if len(data) > MAX_FILE_BYTES:
        builder.report("error", "file-too-large",
                       f"the file is {len(data):,} bytes; the limit is {MAX_FILE_BYTES:,}", 1)
        return None, builder.problems
    if not data.strip():
        builder.report("error", "empty-file", "the file is empty", 1)
        return None, builder.problems
    try:
        text = decode(data)
        markers = find_conflict_markers(text)
        if markers:
            for line in markers:
                builder.report("error", "conflict-marker",
                               "unresolved git merge-conflict marker; resolve the conflict "
                               "and remove the markers", line)
            return None, builder.problems
        result = parse(text)
    except YamlProblem as exc:
        builder.report("error", exc.rule, exc.message, exc.line, exc.col)
        return None, builder.problems
    for dup in result.duplicates:
        builder.report("error", "duplicate-key",
                       f"duplicate key '{dup.key}' (first on line {dup.first_line}); "
                       "YAML readers silently keep only one", dup.line, dup.col)
    pledge = builder.pledge(result.tree)
    if builder.errors:
        pledge = None
    return pledge, builder.problems


def load_file(path: Path, root: Path, config: Config) -> FileResult:
    rel = relative(root, path)
    if path.is_symlink():
        # A link committed in a pull request could point at any file of the machine running
        # `check` in CI; its content must never reach a report or an error message.
        problem = Problem(rel, 1, 1, "error", "symlink",
                          "the file is a symbolic link; pledge files must be regular files "
                          "(links are never followed)")
        return FileResult(rel, None, [problem])
    try:
        # O_NOFOLLOW: a link swapped in after the check above is not followed either.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0))
        with open(fd, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        problem = Problem(rel, 1, 1, "error", "unreadable", f"cannot read the file: {exc.strerror}")
        return FileResult(rel, None, [problem])
    pledge, problems = parse_pledge(data, rel)
    if pledge is not None:
        problems.extend(check_pledge(pledge, config))
    return FileResult(rel, pledge, problems)


def load_dataset(
    root: str | os.PathLike[str] | None = None,
    *,
    config: Config | None = None,
    files: Iterable[Path] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Dataset:
    """Load every pledge under a data root (found as :func:`find_root` does when None)."""
    data_root = find_root(root)
    cfg = config if config is not None else load_config(data_root)
    paths = list(files) if files is not None else pledge_files(data_root)
    results: list[FileResult] = []
    for number, path in enumerate(paths, 1):
        results.append(load_file(path, data_root, cfg))
        if progress is not None:
            progress(number, len(paths))
    return assemble(data_root, cfg, results)


def assemble(root: Path, config: Config, results: list[FileResult]) -> Dataset:
    """Combine per-file results and apply the rules that span files."""
    problems: list[Problem] = []
    candidates: list[Pledge] = []
    for r in results:
        problems.extend(r.problems)
        if r.pledge is not None:
            candidates.append(r.pledge)
    duplicates = list(check_duplicate_ids(candidates))
    problems.extend(duplicates)
    bad_paths = {p.path for p in problems if p.level == "error"}
    pledges = sorted((p for p in candidates if p.path not in bad_paths), key=lambda p: p.id)
    problems.sort(key=Problem.sort_key)
    broken = sorted(bad_paths)
    return Dataset(root, config, pledges, problems, broken, len(results))
