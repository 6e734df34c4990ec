"""A git merge driver for pledge files.

Two branches that each append an update to the same pledge touch the same place in the file, so a
plain `git merge` conflicts. This driver merges such files by meaning:

* the file is cut into regions, one per top-level key (with the comment lines directly above the
  key); each region is merged three ways: a region changed on one side only takes that side's
  text, one changed identically on both sides is kept;
* ``updates`` changed on both sides is merged when both sides only *added* entries, at the end
  or among the others (the entries of the common ancestor are unchanged on both, in order): the
  result keeps our bytes and splices in their new entries, as they wrote them, each after the
  last entry not dated later, so that all updates stand in date order;
* the result is parsed again and must hold exactly the expected record; anything else (an
  existing update edited, the same field changed differently on both sides, a file that does not
  parse) is left to `git merge-file`, which writes conflict markers that `check` reports.
"""

from __future__ import annotations

import dataclasses
import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml

from pledgetrack.model.records import Pledge, Update
from pledgetrack.store.writer import atomic_write, bare_pledge, bare_update
from pledgetrack.yamlfile import splice

_ABSENT = None  # a region or field missing from one side


class _Conflict(Exception):
    pass


@dataclass(frozen=True, slots=True)
class MergeResult:
    text: str | None  # the merged text; None for a conflict
    reason: str = ""  # why the files could not be merged by meaning


@dataclass(frozen=True, slots=True)
class _Side:
    text: str
    pledge: Pledge
    header: str
    keys: list[str]
    regions: dict[str, str]
    starts: dict[str, int]  # offset of each region in text


def _pick(base: str | None, ours: str | None, theirs: str | None) -> str | None:
    if ours == theirs:
        return ours
    if ours == base:
        return theirs
    if theirs == base:
        return ours
    raise _Conflict


def _parse(text: str, label: str) -> Pledge:
    from pledgetrack.yamlfile.pledgefile import parse_pledge

    pledge, problems = parse_pledge(text.encode("utf-8"), "pledges/merge.yaml")
    if pledge is None or any(p.level == "error" for p in problems):
        raise _Conflict(f"{label} does not parse as a valid pledge")
    return pledge


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _side(text: str, label: str) -> _Side:
    pledge = _parse(text, label)
    root = splice.compose(text)
    if not isinstance(root, yaml.MappingNode) or root.flow_style:
        raise _Conflict(f"{label} is not a block-style mapping")
    starts: list[tuple[str, int]] = []
    for key, _ in root.value:
        if not isinstance(key, yaml.ScalarNode):
            raise _Conflict(f"{label} has a complex key")
        index = int(key.start_mark.index)
        start = _line_start(text, index)
        if text[start:index].strip():
            raise _Conflict(f"{label}: key '{key.value}' does not start its line")
        # Comment lines directly above a key, at its level, belong to it.
        while start > 0:
            prev = _line_start(text, start - 1)
            line = text[prev:start].rstrip("\r\n")
            if line.strip().startswith("#") and len(line) - len(line.lstrip()) <= (
                key.start_mark.column
            ):
                start = prev
            else:
                break
        starts.append((str(key.value), start))
    regions: dict[str, str] = {}
    for number, (name, start) in enumerate(starts):
        end = starts[number + 1][1] if number + 1 < len(starts) else len(text)
        regions[name] = text[start:end]
    header = text[: starts[0][1]] if starts else text
    return _Side(text, pledge, header, [k for k, _ in starts], regions, dict(starts))


def _field_value(pledge: Pledge, key: str) -> object:
    if key in pledge.extra:
        return pledge.extra[key]
    bare = bare_pledge(pledge)
    return getattr(bare, key, _ABSENT)


def _reindent(text: str, delta: int) -> str:
    if delta == 0:
        return text
    lines = text.split("\n")
    out = []
    for line in lines:
        if not line.strip():
            out.append(line)
        elif delta > 0:
            out.append(" " * delta + line)
        elif line.startswith(" " * -delta):
            out.append(line[-delta:])
        else:
            raise _Conflict("their entries are indented differently")
    return "\n".join(out)


def _merge_updates(base: _Side, ours: _Side, theirs: _Side) -> tuple[str, tuple[Update, ...]]:
    """Our ``updates`` region with their new entries spliced in by date, and the resulting
    list of updates."""
    ub = [bare_update(u) for u in base.pledge.updates]
    uo = [bare_update(u) for u in ours.pledge.updates]
    ut = [bare_update(u) for u in theirs.pledge.updates]
    # Each side may have added entries anywhere (a backdated update goes among the others, in
    # date order), but the common ancestor's entries must all be there, unchanged, in order.
    kept_o, kept_t = _kept(ub, uo), _kept(ub, ut)
    if kept_o is None or kept_t is None:
        raise _Conflict("an existing update was changed or removed")
    added_o = [u for i, u in enumerate(uo) if i not in kept_o]
    new_theirs = [(i, u) for i, u in enumerate(ut) if i not in kept_t and u not in added_o]
    if not new_theirs:
        return ours.regions["updates"], tuple(uo)
    lay_o = splice.layout(ours.text)
    lay_t = splice.layout(theirs.text)
    if len(lay_o.items) != len(uo) or len(lay_t.items) != len(ut) or not lay_o.items:
        raise _Conflict("'updates' is not a block list on both sides")
    if ub and "updates" in base.regions:
        lay_b = splice.layout(base.text)
        if len(lay_b.items) != len(ub):
            raise _Conflict("the common ancestor's 'updates' is not a block list")
        for b_index, t_index in enumerate(sorted(kept_t)):
            b_item, t_item = lay_b.items[b_index], lay_t.items[t_index]
            if base.text[b_item.start:b_item.end] != theirs.text[t_item.start:t_item.end]:
                raise _Conflict("their side changed the text of existing updates")
    newline = splice.line_ending(ours.text)
    delta = lay_o.dash_col - lay_t.dash_col

    def their_text(index: int) -> str:
        item = lay_t.items[index]
        chunk = theirs.text[item.lead:item.end].replace("\r\n", "\n")
        if not chunk.endswith("\n"):
            chunk += "\n"
        return _reindent(chunk, delta).replace("\n", newline)

    # Our entries stay where they are; each of theirs goes after the last entry not later.
    order: list[tuple[str, int, Update]] = [("ours", i, u) for i, u in enumerate(uo)]
    for index, update in new_theirs:
        at = 0
        for position, (_, _, placed) in enumerate(order):
            if placed.date.start <= update.date.start:
                at = position + 1
        order.insert(at, ("theirs", index, update))

    region_start = ours.starts["updates"]
    region = ours.regions["updates"]
    first, last = lay_o.items[0], lay_o.items[-1]
    pieces = [region[: first.lead - region_start]]
    for side, index, _ in order:
        if side == "ours":
            item = lay_o.items[index]
            chunk = ours.text[item.lead:item.end]
            if item.end == len(ours.text) and not chunk.endswith("\n"):
                chunk += newline
            pieces.append(chunk)
        else:
            pieces.append(their_text(index))
    pieces.append(region[last.end - region_start:])
    return "".join(pieces), tuple(u for _, _, u in order)


def _kept(base: list[Update], side: list[Update]) -> set[int] | None:
    """The positions in ``side`` of the common ancestor's entries, matched in order (None when
    one of them is missing: changed or removed)."""
    kept: set[int] = set()
    at = 0
    for update in base:
        while at < len(side) and side[at] != update:
            at += 1
        if at == len(side):
            return None
        kept.add(at)
        at += 1
    return kept


def merge_texts(base_text: str, ours_text: str, theirs_text: str) -> MergeResult:
    """Merge three versions of a pledge file by meaning (see the module docstring)."""
    try:
        base = _side(base_text, "the common ancestor")
        ours = _side(ours_text, "our version")
        theirs = _side(theirs_text, "their version")
        header = _pick(base.header, ours.header, theirs.header)
        merged_regions: dict[str, str | None] = {}
        updates: tuple[Update, ...] | None = None
        for key in dict.fromkeys([*ours.keys, *theirs.keys, *base.keys]):
            b, o, t = (s.regions.get(key) for s in (base, ours, theirs))
            if key == "updates" and o is not None and t is not None and o != b and t != b \
                    and o != t:
                merged_regions[key], updates = _merge_updates(base, ours, theirs)
                continue
            try:
                merged_regions[key] = _pick(b, o, t)
            except _Conflict:
                # Written differently, meaning the same: keep ours.
                if o is None or t is None or (
                    _field_value(ours.pledge, key) != _field_value(theirs.pledge, key)
                ):
                    raise _Conflict(f"'{key}' was changed differently on both sides") from None
                merged_regions[key] = o
        text = _assemble(header or "", merged_regions, ours, theirs, base)
        expected = _expected(base.pledge, ours.pledge, theirs.pledge, updates)
        merged = _parse(text, "the merged file")
        if bare_pledge(merged) != expected:
            raise _Conflict("the merged file would not hold both sides' changes")
    except _Conflict as exc:
        return MergeResult(None, str(exc) or "the versions conflict")
    return MergeResult(text)


def _assemble(header: str, regions: dict[str, str | None], ours: _Side, theirs: _Side,
              base: _Side) -> str:
    """The regions in our key order; keys only they added go after the key that precedes them
    in their file."""
    order = [k for k in ours.keys if regions.get(k) is not None]
    for number, key in enumerate(theirs.keys):
        if key in order or regions.get(key) is None:
            continue
        before = [k for k in theirs.keys[:number] if k in order]
        order.insert(order.index(before[-1]) + 1 if before else 0, key)
    newline = splice.line_ending(ours.text)
    out = header
    for key in order:
        if out and not out.endswith("\n"):
            out += newline
        out += regions[key] or ""
    return out


def _expected(base: Pledge, ours: Pledge, theirs: Pledge,
              updates: tuple[Update, ...] | None) -> Pledge:
    b, o, t = bare_pledge(base), bare_pledge(ours), bare_pledge(theirs)
    changes: dict[str, object] = {}
    for f in dataclasses.fields(Pledge):
        if not f.init or f.name in ("updates", "path", "lines", "extra"):
            continue
        values = [getattr(x, f.name) for x in (b, o, t)]
        changes[f.name] = values[2] if values[1] == values[0] else values[1]
    extra: dict[str, object] = {}
    for key in dict.fromkeys([*o.extra, *t.extra, *b.extra]):
        bv, ov, tv = (x.extra.get(key, _ABSENT) for x in (b, o, t))
        value = tv if ov == bv else ov
        if value is not _ABSENT:
            extra[key] = value
    changes["extra"] = extra
    if updates is not None:
        changes["updates"] = updates
    else:
        changes["updates"] = t.updates if o.updates == b.updates else o.updates
    return dataclasses.replace(o, **changes)  # type: ignore[arg-type]


# -- the driver ----------------------------------------------------------------------------------

def _read(path: Path) -> tuple[str, bool]:
    data = path.read_bytes()
    bom = data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8")
    return (text[1:] if bom else text), bom


def merge_files(base: Path, ours: Path, theirs: Path) -> tuple[bool, str]:
    """Git's merge driver protocol: merge into ``ours``; True when clean. On a conflict the
    file holds git's conflict markers."""
    try:
        (base_text, _), (ours_text, bom), (theirs_text, _) = (
            _read(base), _read(ours), _read(theirs)
        )
    except (OSError, UnicodeDecodeError) as exc:
        result = MergeResult(None, f"cannot read the versions: {exc}")
    else:
        result = merge_texts(base_text, ours_text, theirs_text)
        if result.text is not None:
            atomic_write(ours, (("\ufeff" if bom else "") + result.text).encode("utf-8"))
            return True, ""
    clean = _merge_file(base, ours, theirs)
    return clean, result.reason


def _merge_file(base: Path, ours: Path, theirs: Path) -> bool:
    """git's own line merge, markers and all; True when it merged cleanly into a valid file."""
    original = ours.read_bytes()
    try:
        code = subprocess.run(
            ["git", "merge-file", "-L", "ours", "-L", "base", "-L", "theirs",
             str(ours), str(base), str(theirs)],
            capture_output=True, check=False,
        ).returncode
    except OSError:
        code = -1  # no git: mark the whole file below
    if 0 < code < 128:
        return False  # the markers are in the file
    if code == 0:
        from pledgetrack.yamlfile.pledgefile import parse_pledge

        pledge, problems = parse_pledge(ours.read_bytes(), "pledges/merge.yaml")
        if pledge is not None and not any(p.level == "error" for p in problems):
            return True
        # A clean line merge that is not a valid pledge: mark the whole file as conflicting.
        ours.write_bytes(b"<<<<<<< ours\n" + _with_newline(original) + b"=======\n"
                         + _with_newline(theirs.read_bytes()) + b">>>>>>> theirs\n")
    return False


def _with_newline(data: bytes) -> bytes:
    return data if data.endswith(b"\n") else data + b"\n"
