"""Files left out of an answer: a report, list or export that does not say it left a file out
looks complete and is not, so every result that counts pledges carries these."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from pledgetrack.model.problems import Problem


class Loaded(Protocol):
    """What is needed of a data set (a :class:`~pledgetrack.store.loader.Dataset`)."""

    @property
    def problems(self) -> list[Problem]: ...

    @property
    def broken(self) -> list[str]: ...


@dataclass(frozen=True, slots=True)
class Skipped:
    """A file that failed the check and is not counted: its path, how many errors it has and the
    first of them (``pledgetrack check`` lists them all)."""

    path: str
    errors: int
    first: str

    def to_dict(self) -> dict[str, object]:
        return {"path": self.path, "errors": self.errors, "first": self.first}


def skipped_files(dataset: object) -> list[Skipped]:
    """The files of ``dataset`` left out of its records, in path order (none for a data set
    that does not say which files it left out, such as a plain list of records)."""
    broken: Sequence[str] = getattr(dataset, "broken", ())
    if not broken:
        return []
    problems: Sequence[Problem] = getattr(dataset, "problems", ())
    firsts: dict[str, str] = {}
    counts: dict[str, int] = {}
    for p in problems:  # sorted by place: the first one seen is the first in the file
        if p.level != "error":
            continue
        counts[p.path] = counts.get(p.path, 0) + 1
        if p.path not in firsts:
            where = f"line {p.line}: " if p.line > 1 else ""
            firsts[p.path] = f"{where}{p.message} [{p.rule}]"
    return [Skipped(path, counts.get(path, 0), firsts.get(path, "")) for path in broken]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


# How many files a line of text names before it says "and N more".
NAMED = 10


def skipped_text(skipped: Sequence[Skipped], *, named: int = NAMED,
                 path: Callable[[str], str] = str) -> str:
    """One sentence for people: how many files are not counted, and which (``path`` writes a
    path in the output's syntax: file names come from pull requests)."""
    if not skipped:
        return ""
    names = [f"{path(s.path)} ({_plural(s.errors, 'error')})" for s in skipped[:named]]
    more = len(skipped) - len(names)
    if more:
        names.append(f"and {more} more")
    one = len(skipped) == 1
    return (f"{_plural(len(skipped), 'file')} {'fails' if one else 'fail'} the check and "
            f"{'is' if one else 'are'} not counted: {', '.join(names)}; run pledgetrack check")
