"""Rules over records: what needs the configuration, the file name, or the other records."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import PurePosixPath

from pledgetrack.model.config import Config
from pledgetrack.model.dates import PartialDate

# The id rule is the model's (the records cache checks ids with it too): kept importable here.
from pledgetrack.model.ids import ID_PATTERN as ID_PATTERN
from pledgetrack.model.ids import MAX_ID_LENGTH as MAX_ID_LENGTH
from pledgetrack.model.ids import id_error as id_error
from pledgetrack.model.problems import Level, Problem
from pledgetrack.model.records import Pledge, Source, Update


def _problem(p: Pledge, level: Level, rule: str, message: str, line: int) -> Problem:
    return Problem(p.path, line or 1, 1, level, rule, message)


def check_pledge(p: Pledge, config: Config) -> Iterator[Problem]:
    id_line = p.lines.get("id", 1)
    reason = id_error(p.id)
    if reason:
        yield _problem(p, "error", "invalid-id", reason, id_line)
    stem = PurePosixPath(p.path).stem
    if p.path and p.id != stem:
        yield _problem(p, "error", "id-mismatch",
                       f"id '{p.id}' differs from the file name '{stem}'", id_line)
    if config.domains:
        for domain in p.domains:
            if domain not in config.domains:
                yield _problem(p, "error", "unknown-domain",
                               f"unknown domain '{domain}'; allowed: "
                               f"{', '.join(config.domains)}", p.lines.get("domains", 1))
    if (p.deadline and p.announced and p.deadline.end < p.announced.start):
        yield _problem(p, "warning", "deadline-before-announced",
                       f"deadline {p.deadline} ends before the pledge was announced "
                       f"({p.announced})", p.lines.get("deadline", 1))
    if config.require_archived:
        yield from _unarchived(p, p.sources, "")
    previous = None
    # A set, so that each update's party is found without going through every actor.
    actors = frozenset(p.actors)
    for number, u in enumerate(p.updates, 1):
        yield from check_update(p, u, number, previous, config, actors)
        previous = u.date


def check_salvage(p: Pledge, config: Config, no_status: Iterable[int] = ()) -> Iterator[Problem]:
    """The errors of the rules over records in a file that has structural errors (``p`` is the
    best-effort record of :class:`~pledgetrack.yamlfile.build.RecordBuilder`), so that one run
    reports every problem. Warnings wait: they may concern stand-in values. ``no_status``:
    updates whose status is missing (already reported)."""
    skip = tuple(f"update {n}: unknown status" for n in no_status)
    for problem in check_pledge(p, config):
        if problem.level != "error":
            continue
        if problem.rule == "unknown-status" and problem.message.startswith(skip or ("\0",)):
            continue
        yield problem


def check_update(
    p: Pledge, u: Update, number: int, previous: PartialDate | None, config: Config,
    actors: frozenset[str] | None = None,
) -> Iterator[Problem]:
    """The rules for one update (``number`` is 1-based; ``previous`` is the date of the update
    above it). Also used to validate an update before `pledgetrack update` writes it."""
    vocab = config.vocabulary
    if u.status not in vocab:
        yield _problem(p, "error", "unknown-status",
                       f"update {number}: unknown status '{u.status}'; valid: "
                       f"{', '.join(vocab.names)}", u.lines.get("status", u.line))
    if u.party is not None and u.party not in (p.actors if actors is None else actors):
        yield _problem(p, "error", "unknown-party",
                       f"update {number}: party '{u.party}' is not among the actors "
                       f"({', '.join(p.actors)})", u.lines.get("party", u.line))
    if config.require_update_sources and not u.sources:
        yield _problem(p, "error", "missing-source",
                       f"update {number} cites no source (the configuration requires one)",
                       u.line)
    if config.require_archived:
        yield from _unarchived(p, u.sources, f"update {number}: ")
    if p.announced and u.date.end < p.announced.start:
        yield _problem(p, "warning", "update-before-announced",
                       f"update {number} ({u.date}) is dated before the pledge was "
                       f"announced ({p.announced})", u.lines.get("date", u.line))
    if previous is not None and u.date.end < previous.start:
        yield _problem(p, "warning", "update-order",
                       f"update {number} ({u.date}) is dated before the update above it "
                       f"({previous}); updates are kept oldest first",
                       u.lines.get("date", u.line))


def _unarchived(p: Pledge, sources: Iterable[Source], where: str) -> Iterator[Problem]:
    for s in sources:
        if not s.archived:
            yield _problem(p, "error", "missing-archived",
                           f"{where}source {s.url} has no archived copy (the configuration "
                           "requires one: add 'archived: URL')", s.line)


def duplicate_ids(declared: Iterable[tuple[str, str, int]]) -> Iterator[Problem]:
    """Duplicate ids among ``(id, path, line of the id)`` triples: the loader can find them
    without keeping whole records (`check` over 100,000 files)."""
    seen: dict[str, str] = {}
    # The file named after the id holds it (a copy made with `cp` must not take the original
    # out of every report); among the others, the first by path.
    def holder_first(d: tuple[str, str, int]) -> tuple[bool, str]:
        return (d[1].rsplit("/", 1)[-1] != f"{d[0]}.yaml", d[1])

    for pledge_id, path, line in sorted(declared, key=holder_first):
        first = seen.setdefault(pledge_id, path)
        if first != path:
            yield Problem(path, line or 1, 1, "error", "duplicate-id",
                          f"id '{pledge_id}' is also declared in {first}")
