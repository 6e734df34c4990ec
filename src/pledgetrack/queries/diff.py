"""What changed in the pledge data between two snapshots, in words a reviewer reads.

Plain functions from two :class:`~pledgetrack.git.revisions.Snapshot` objects to a
:class:`DiffResult`; nothing here prints. Files are compared by what they say, not by their bytes:
a change of comments or layout alone is no change.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Literal

from pledgetrack.checks.rules import id_error
from pledgetrack.errors import EXIT_USAGE, PledgetrackError
from pledgetrack.git.revisions import MAX_FILE_BYTES, Snapshot
from pledgetrack.model.config import Config
from pledgetrack.model.problems import Problem
from pledgetrack.model.records import Pledge, Source, Standing, Update
from pledgetrack.yamlfile.build import PLEDGE_FIELDS
from pledgetrack.yamlfile.pledgefile import parse_pledge

ChangeKind = Literal["added", "removed", "renamed", "modified"]
# "moved": the same id in another file; "new-id": the same content under a new id.
RenameKind = Literal["moved", "new-id"]

# Fields reported on their own, not among "other fields".
_OWN_FIELDS = ("id", "updates", "deadline")


@dataclass(frozen=True, slots=True)
class StatusChange:
    """The derived status of a pledge (or of one party to it) before and after."""

    party: str | None  # None: the pledge as a whole
    old: str
    new: str
    old_label: str
    new_label: str


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field, as JSON-like values (text, lists, source mappings); None when absent."""

    field: str
    old: object
    new: object


@dataclass(frozen=True, slots=True)
class UpdateChange:
    """An update edited in place (matched by its date and party)."""

    old: Update
    new: Update


@dataclass(frozen=True, slots=True)
class PledgeChange:
    """Everything that changed in one pledge (one file, or one file moved to another)."""

    id: str  # the id at HEAD (at BASE when removed); the file name when the file does not parse
    kind: ChangeKind
    title: str  # "" when the file does not parse at either side
    old_path: str | None
    new_path: str | None
    old_id: str | None = None
    new_id: str | None = None
    renamed: RenameKind | None = None
    status: str | None = None  # at HEAD (at BASE when removed); None when the file does not parse
    status_label: str | None = None
    status_changes: tuple[StatusChange, ...] = ()
    updates_added: tuple[Update, ...] = ()
    updates_removed: tuple[Update, ...] = ()
    updates_changed: tuple[UpdateChange, ...] = ()
    deadline: FieldChange | None = None
    fields: tuple[FieldChange, ...] = ()
    # The first structural problem of a file that does not parse at that side.
    old_problem: Problem | None = None
    new_problem: Problem | None = None
    sources: tuple[Source, ...] = ()  # the pledge's sources (of a new or removed pledge)

    @property
    def edited(self) -> bool:
        """Changes other than status, appended updates, deadline, rename, addition, removal."""
        return bool(self.fields or self.updates_removed or self.updates_changed)

    @property
    def repaired(self) -> bool:
        return self.old_problem is not None and self.new_problem is None and (
            self.kind != "removed"
        )


@dataclass(frozen=True, slots=True)
class DiffSummary:
    status_changed: int = 0  # pledges
    updates_added: int = 0  # updates appended to pledges that exist at both sides
    added: int = 0  # new pledges (that parse)
    removed: int = 0
    renamed: int = 0
    deadline_changed: int = 0
    edited: int = 0  # pledges with other changes
    unparsable: int = 0  # files that do not parse at HEAD
    repaired: int = 0  # files that did not parse at BASE and do now
    config_changed: bool = False

    @property
    def changed(self) -> bool:
        return self.config_changed or any((
            self.status_changed, self.updates_added, self.added, self.removed, self.renamed,
            self.deadline_changed, self.edited, self.unparsable, self.repaired,
        ))

    def text(self) -> str:
        """"2 pledges changed status, 3 updates added, 1 new pledge"."""
        parts = [
            _count(self.status_changed, "pledge changed status", "pledges changed status"),
            _count(self.updates_added, "update added", "updates added"),
            _count(self.added, "new pledge", "new pledges"),
            _count(self.removed, "pledge removed", "pledges removed"),
            _count(self.renamed, "pledge renamed", "pledges renamed"),
            _count(self.deadline_changed, "deadline changed", "deadlines changed"),
            _count(self.edited, "pledge edited", "pledges edited"),
            _count(self.unparsable, "file does not parse", "files do not parse"),
            _count(self.repaired, "file repaired", "files repaired"),
            "pledgetrack.yaml changed" if self.config_changed else "",
        ]
        text = ", ".join(p for p in parts if p)
        return text or "no changes to the pledges"


def _count(n: int, one: str, many: str) -> str:
    return "" if n == 0 else f"{n} {one if n == 1 else many}"


@dataclass(frozen=True, slots=True)
class Revision:
    label: str
    commit: str | None  # None: the working tree


@dataclass(frozen=True, slots=True)
class DiffResult:
    base: Revision
    head: Revision
    changes: tuple[PledgeChange, ...]  # status changes first, then by id
    config_changed: bool = False
    warnings: tuple[str, ...] = ()
    summary: DiffSummary = field(default_factory=DiffSummary)
    # Status name -> label, from HEAD's vocabulary (BASE's for statuses HEAD no longer has).
    labels: Mapping[str, str] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return self.summary.changed


# -- comparable forms of records ---------------------------------------------------------------


def source_doc(s: Source) -> dict[str, object]:
    doc: dict[str, object] = {"url": s.url}
    for name in ("title", "publisher", "archived"):
        value = getattr(s, name)
        if value is not None:
            doc[name] = value
    if s.published is not None:
        doc["published"] = str(s.published)
    return doc


def update_doc(u: Update) -> dict[str, object]:
    return {
        "date": str(u.date),
        "status": u.status,
        "party": u.party,
        "note": u.note,
        "sources": [source_doc(s) for s in u.sources],
        "recorded": None if u.recorded is None else str(u.recorded),
    }


def pledge_fields(p: Pledge) -> dict[str, object]:
    """Every field as a JSON-like value (no line numbers), in file-format order, then unknown
    fields by name."""
    doc: dict[str, object] = {}
    for name in PLEDGE_FIELDS:
        if name == "updates":
            doc[name] = [update_doc(u) for u in p.updates]
        elif name == "sources":
            doc[name] = [source_doc(s) for s in p.sources]
        else:
            value = getattr(p, name)
            if isinstance(value, tuple):
                value = list(value)
            elif value is not None and not isinstance(value, str):
                value = str(value)  # dates
            doc[name] = value
    for name in sorted(p.extra):
        doc[name] = p.extra[name]
    return doc


def _key(doc: object) -> str:
    return json.dumps(doc, sort_keys=True, ensure_ascii=False, default=str)


def _content_key(p: Pledge) -> str:
    """Everything but the id: two records with the same key are one pledge under two ids."""
    doc = pledge_fields(p)
    del doc["id"]
    return _key(doc)


# -- comparing ---------------------------------------------------------------------------------


@dataclass(slots=True)
class _File:
    path: str
    # The file's bytes; for a file over the size limit, which is never read, its blob id as text
    # (text never equals bytes, so it is compared only with the same blob).
    data: bytes | str
    pledge: Pledge | None
    problem: Problem | None

    @property
    def id(self) -> str:
        return self.pledge.id if self.pledge is not None else PurePosixPath(self.path).stem


def _parse(path: str, data: bytes) -> _File:
    pledge, problems = parse_pledge(data, path)
    problem = None
    if pledge is not None:
        # An id that breaks the id rule is no pledge to report on: it reaches every output (a
        # Markdown comment too) as it stands, so the file is reported as not parsing instead.
        reason = id_error(pledge.id)
        if reason is not None:
            line = pledge.lines.get("id", 1) or 1
            return _File(path, data, None, Problem(path, line, 1, "error", "invalid-id", reason))
    if pledge is None:
        errors = [p for p in problems if p.level == "error"] or problems
        problem = min(errors, key=Problem.sort_key) if errors else None
    return _File(path, data, pledge, problem)


def _side(snapshot: Snapshot, path: str) -> _File | None:
    """The file at ``path`` at one side: parsed, or, over the size limit, reported by its size
    (it was never read)."""
    data = snapshot.files.get(path)
    if data is not None:
        return _parse(path, data)
    large = snapshot.too_large.get(path)
    if large is None:
        return None
    size, blob = large
    return _File(path, f"blob {blob}", None, Problem(
        path, 1, 1, "error", "file-too-large",
        f"the file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}"))


def _label(config: Config, status: str) -> str:
    known = config.statuses.get(status)
    return known.label if known is not None else status


def status_changes(
    old: Pledge, new: Pledge, old_config: Config, new_config: Config
) -> list[StatusChange]:
    """The status as a whole (each side by its own configuration's ``joint_status`` rule), then
    each party's when either side assesses parties one by one.

    Statuses are taken over all updates, whatever their dates, so that the result does not depend
    on the day the comparison is made.
    """
    was, now = _standing(old, old_config), _standing(new, new_config)
    pairs: list[tuple[str | None, str, str]] = [(None, was.status, now.status)]
    for party in dict.fromkeys((*was.parties, *now.parties)):
        pairs.append((party, was.parties.get(party, old_config.vocabulary.initial),
                      now.parties.get(party, new_config.vocabulary.initial)))
    return [StatusChange(party, before, after, _label(old_config, before),
                         _label(new_config, after))
            for party, before, after in pairs if before != after]


def _standing(p: Pledge, config: Config) -> Standing:
    return p.standing(None, config.vocabulary, config.joint_status)


def _status(p: Pledge, config: Config) -> str:
    return _standing(p, config).status


def update_changes(
    old: Iterable[Update], new: Iterable[Update]
) -> tuple[list[Update], list[Update], list[UpdateChange]]:
    """Updates added, removed and edited. Updates are matched by content, so reordering is no
    change; an update removed and one added with the same date and party count as an edit."""
    old_list, new_list = list(old), list(new)
    old_keys = [_key(update_doc(u)) for u in old_list]
    new_keys = [_key(update_doc(u)) for u in new_list]
    added = _unmatched(new_list, new_keys, Counter(old_keys))
    removed = _unmatched(old_list, old_keys, Counter(new_keys))
    edited: list[UpdateChange] = []
    for r in list(removed):
        for a in added:
            if a.date == r.date and a.party == r.party:
                edited.append(UpdateChange(r, a))
                removed.remove(r)
                added.remove(a)
                break
    return added, removed, edited


def _unmatched(items: list[Update], keys: list[str], other: Counter[str]) -> list[Update]:
    remaining = Counter(other)
    result = []
    for item, key in zip(items, keys, strict=True):
        if remaining[key] > 0:
            remaining[key] -= 1
        else:
            result.append(item)
    return result


def _compare_pair(
    old: _File, new: _File, base: Snapshot, head: Snapshot, renamed: RenameKind | None
) -> PledgeChange | None:
    o, n = old.pledge, new.pledge
    if o is None or n is None:
        if old.data == new.data and not renamed:
            return None
        known, config = (n, head.config) if n is not None else (o, base.config)
        status = _status(known, config) if known is not None else None
        return PledgeChange(
            id=new.id, kind="renamed" if renamed else "modified",
            title=known.title if known is not None else "",
            old_path=old.path, new_path=new.path, old_id=old.id, new_id=new.id, renamed=renamed,
            status=status, status_label=None if status is None else _label(config, status),
            old_problem=old.problem, new_problem=new.problem,
        )
    before, after = pledge_fields(o), pledge_fields(n)
    fields = tuple(
        FieldChange(name, before.get(name), after.get(name))
        for name in dict.fromkeys((*before, *after))
        if name not in _OWN_FIELDS and before.get(name) != after.get(name)
    )
    deadline = None
    if o.deadline != n.deadline:
        deadline = FieldChange("deadline", before["deadline"], after["deadline"])
    added, removed, edited = update_changes(o.updates, n.updates)
    statuses = status_changes(o, n, base.config, head.config)
    if renamed is None and o.id != n.id:
        renamed = "new-id"  # the id changed inside a file that kept its name
    if not (fields or deadline or added or removed or edited or statuses or renamed):
        return None  # comments or layout only
    status = _status(n, head.config)
    return PledgeChange(
        id=n.id, kind="renamed" if renamed else "modified", title=n.title,
        old_path=old.path, new_path=new.path, old_id=o.id, new_id=n.id, renamed=renamed,
        status=status, status_label=_label(head.config, status),
        status_changes=tuple(statuses), updates_added=tuple(added),
        updates_removed=tuple(removed), updates_changed=tuple(edited), deadline=deadline,
        fields=fields,
    )


def _one_sided(file: _File, kind: ChangeKind, config: Config) -> PledgeChange:
    p = file.pledge
    status = _status(p, config) if p is not None else None
    old_side = kind == "removed"
    return PledgeChange(
        id=file.id, kind=kind, title=p.title if p is not None else "",
        old_path=file.path if old_side else None, new_path=None if old_side else file.path,
        old_id=file.id if old_side else None, new_id=None if old_side else file.id,
        status=status, status_label=None if status is None else _label(config, status),
        old_problem=file.problem if old_side else None,
        new_problem=None if old_side else file.problem,
        sources=p.sources if p is not None else (),
    )


def _match(
    removed: list[_File], added: list[_File], key: str
) -> list[tuple[_File, _File]]:
    """Pair removed and added files that share a key ('bytes', 'id' or 'content'); the pairs
    leave the two lists."""
    def value(f: _File) -> str | bytes | None:
        if key == "bytes":
            return f.data
        if f.pledge is None:
            return None
        return f.pledge.id if key == "id" else _content_key(f.pledge)

    by_value: dict[str | bytes, list[_File]] = {}
    for f in added:
        v = value(f)
        if v is not None:
            by_value.setdefault(v, []).append(f)
    pairs = []
    for r in list(removed):
        v = value(r)
        candidates = by_value.get(v, []) if v is not None else []
        if candidates:
            a = candidates.pop(0)
            pairs.append((r, a))
            removed.remove(r)
            added.remove(a)
    return pairs


# A removed and an added file this alike (share of lines, as git's rename detection measures
# it) are one pledge renamed and edited in the same change (`pledgetrack rename`, then an update).
SIMILAR = 0.5
# Beyond this many (removed, added) pairs, no similarity is worked out (each pair costs a line
# comparison; a change that removes and adds thousands of files is not a rename).
SIMILAR_MAX_PAIRS = 10_000


def _lines(data: bytes) -> list[str]:
    return data.decode("utf-8", "replace").splitlines()


def _same_pledge(r: _File, a: _File) -> bool:
    """Whether two records can be one pledge at all: the same title or the same first source
    (files of one data folder share most of their structure, so alike text alone is not
    enough)."""
    old, new = r.pledge, a.pledge
    assert old is not None and new is not None
    return old.title == new.title or (
        bool(old.sources) and bool(new.sources) and old.sources[0].url == new.sources[0].url)


def _match_similar(removed: list[_File], added: list[_File]) -> list[tuple[_File, _File]]:
    """Pair removed and added pledge files of one pledge (:func:`_same_pledge`) whose text is at
    least :data:`SIMILAR` alike, the most alike first; the pairs leave the two lists."""
    import difflib

    candidates = [f for f in removed if isinstance(f.data, bytes) and f.pledge is not None]
    others = [f for f in added if isinstance(f.data, bytes) and f.pledge is not None]
    if not candidates or not others or len(candidates) * len(others) > SIMILAR_MAX_PAIRS:
        return []
    scored = []
    for r in candidates:
        assert isinstance(r.data, bytes)
        matcher = difflib.SequenceMatcher(None, _lines(r.data), autojunk=False)
        for a in others:
            assert isinstance(a.data, bytes)
            if not _same_pledge(r, a):
                continue
            matcher.set_seq2(_lines(a.data))
            if matcher.real_quick_ratio() >= SIMILAR and matcher.quick_ratio() >= SIMILAR:
                ratio = matcher.ratio()
                if ratio >= SIMILAR:
                    scored.append((-ratio, r.path, a.path, r, a))
    pairs = []
    for _, _, _, r, a in sorted(scored, key=lambda t: t[:3]):
        if r in removed and a in added:
            pairs.append((r, a))
            removed.remove(r)
            added.remove(a)
    return pairs


def compare(base: Snapshot, head: Snapshot, ids: Collection[str] = ()) -> DiffResult:
    """Compare two snapshots; with ``ids``, only the pledges that have one of these ids (or file
    names) at either side."""
    paths = sorted({*base.files, *head.files, *base.too_large, *head.too_large})
    pairs: list[tuple[_File, _File, RenameKind | None]] = []
    removed: list[_File] = []
    added: list[_File] = []
    for path in paths:
        old, new = _side(base, path), _side(head, path)
        if old is not None and new is not None:
            if old.data != new.data:
                pairs.append((old, new, None))
        elif old is not None:
            removed.append(old)
        elif new is not None:
            added.append(new)
    for r, a in _match(removed, added, "bytes") + _match(removed, added, "id"):
        pairs.append((r, a, "moved"))
    for r, a in _match(removed, added, "content") + _match_similar(removed, added):
        pairs.append((r, a, "new-id"))

    changes: list[PledgeChange] = []
    for old, new, renamed in pairs:
        change = _compare_pair(old, new, base, head, renamed)
        if change is not None:
            changes.append(change)
    changes += [_one_sided(f, "added", head.config) for f in added]
    changes += [_one_sided(f, "removed", base.config) for f in removed]
    if ids:
        _check_ids(ids, base, head, [f for pair in pairs for f in pair[:2]] + added + removed)
        wanted = set(ids)
        changes = [c for c in changes if wanted & _names(c)]
    changes.sort(key=lambda c: (not c.status_changes, c.id, c.old_path or ""))

    config_changed = _config_changed(base, head) and not ids
    warnings = tuple(
        f"{s.config_error} (using the default configuration for {s.label})"
        for s in (base, head) if s.config_error
    )
    return DiffResult(
        Revision(base.label, base.commit), Revision(head.label, head.commit), tuple(changes),
        config_changed, warnings, summarize(changes, config_changed),
        {s.name: s.label for s in (*base.config.statuses, *head.config.statuses)},
    )


def _check_ids(ids: Collection[str], base: Snapshot, head: Snapshot,
               parsed: Iterable[_File]) -> None:
    """An id at neither side is a typo, not "no change": a CI gate built on ``--id`` must not
    pass because of it."""
    known = {PurePosixPath(p).stem for s in (base, head) for p in (*s.files, *s.unchanged)}
    known |= {f.pledge.id for f in parsed if f.pledge is not None}
    missing = [i for i in ids if i not in known]
    if not missing:
        return
    from pledgetrack.model.suggest import closest

    close = closest(missing[0], sorted(known), n=3, cutoff=0.5)
    hint = f"; closest: {', '.join(close)}" if close else ""
    raise PledgetrackError(
        f"no pledge '{missing[0]}' {_at(base)} nor {_at(head)}{hint}", EXIT_USAGE)


def _at(side: Snapshot) -> str:
    return f"at {side.label}" if side.commit is not None else f"in the {side.label}"


def _names(c: PledgeChange) -> set[str]:
    names = {n for n in (c.old_id, c.new_id, c.id) if n}
    names |= {PurePosixPath(p).stem for p in (c.old_path, c.new_path) if p}
    return names


def _config_changed(base: Snapshot, head: Snapshot) -> bool:
    if base.config_bytes == head.config_bytes:
        return False
    if base.config_error or head.config_error:
        return True
    return _config_key(base.config) != _config_key(head.config)


def _config_key(config: Config) -> str:
    return _key({
        "statuses": [repr(s) for s in config.vocabulary],
        "domains": dict(config.domains),
        "stale_after_days": config.stale_after_days,
        "require_update_sources": config.require_update_sources,
        "require_archived": config.require_archived,
        "joint_status": config.joint_status,
    })


def summarize(changes: Iterable[PledgeChange], config_changed: bool = False) -> DiffSummary:
    c: Counter[str] = Counter()
    for ch in changes:
        if ch.status_changes:
            c["status_changed"] += 1
        if ch.kind in ("modified", "renamed"):
            c["updates_added"] += len(ch.updates_added)
        if ch.kind == "added" and ch.new_problem is None:
            c["added"] += 1
        if ch.kind == "removed":
            c["removed"] += 1
        if ch.kind == "renamed":
            c["renamed"] += 1
        if ch.deadline is not None:
            c["deadline_changed"] += 1
        if ch.edited:
            c["edited"] += 1
        if ch.new_problem is not None:
            c["unparsable"] += 1
        if ch.repaired:
            c["repaired"] += 1
    return DiffSummary(config_changed=config_changed, **c)
