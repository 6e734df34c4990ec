"""A git merge driver for pledge files.

Two branches that each append an update to the same pledge touch the same place in the file, so a
plain `git merge` conflicts. This driver merges only the *added updates* by meaning, and every
other difference as git would:

* the file is cut into regions, one per top-level key (with the comment lines directly above the
  key); a region changed on one side only takes that side's text, one changed identically on
  both sides is kept, and one changed differently on both sides is merged line by line by
  ``git merge-file`` (a conflict where git gives one: comments count);
* ``updates`` changed on both sides: the entries each side *added* (at the end or among the
  others; the common ancestor's entries unchanged in meaning on both, in order) are taken out,
  the rest of the region is merged line by line as above, and both sides' added entries go back
  as each side wrote them, after the ancestor's entry that precedes them on their side, by date
  where both sides added entries at the same place; an entry both sides added counts once per
  side that has it (once here and twice there: twice);
* the result is parsed again and must hold exactly the expected record; anything else (an
  existing update edited, lines changed differently on both sides, a file that does not parse)
  is left to `git merge-file` on the whole file, which writes conflict markers that `check`
  reports.
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
    """The ``updates`` region changed on both sides, and the resulting list of updates.

    Only entries *added* on a side are merged by meaning. Each side's region without its added
    entries (the common ancestor's entries, comments, the key line) is merged line by line as
    git would, a conflict where git gives one; then both sides' added entries go back, as each
    side wrote them, after the common ancestor's entry that precedes them on their side, by
    date where both sides added entries at the same place. An entry added on both sides counts
    once per side that has it: added once here and twice there, it is kept twice."""
    ub = [bare_update(u) for u in base.pledge.updates]
    added: list[tuple[int, int, str, Update]] = []  # (anchor, side, text, update)
    skeletons: list[str] = []
    newline = splice.line_ending(ours.text)
    lay_o = splice.layout(ours.text)
    for number, side in enumerate((ours, theirs)):
        ups = [bare_update(u) for u in side.pledge.updates]
        kept = _kept(ub, ups)
        if kept is None:
            raise _Conflict("an existing update was changed or removed")
        lay = lay_o if number == 0 else splice.layout(side.text)
        if len(lay.items) != len(ups):
            raise _Conflict("'updates' is not a block list on both sides")
        region_start = side.starts["updates"]
        region = side.regions["updates"]
        delta = lay_o.dash_col - lay.dash_col if lay_o.items else 0
        skeleton, at, anchor = [], 0, 0
        for index, item in enumerate(lay.items):
            if index in kept:
                anchor += 1
                continue
            lead, end = item.lead - region_start, item.end - region_start
            if not 0 <= lead <= end <= len(region):
                raise _Conflict("'updates' is not the last part of its region")
            skeleton.append(region[at:lead])
            at = end
            chunk = region[lead:end].replace("\r\n", "\n")
            if not chunk.endswith("\n"):
                chunk += "\n"
            added.append((anchor, number, _reindent(chunk, delta).replace("\n", newline),
                          ups[index]))
        skeleton.append(region[at:])
        skeletons.append("".join(skeleton))
    # An entry both sides added is one entry, once for each time both have it.
    ours_added = [a[3] for a in added if a[1] == 0]
    keep: list[tuple[int, int, str, Update]] = []
    for entry in added:
        if entry[1] == 1 and entry[3] in ours_added:
            ours_added.remove(entry[3])
            continue
        keep.append(entry)
    merged = _line_merge(base.regions.get("updates") or "", skeletons[0], skeletons[1],
                         "'updates' (besides the entries added)")
    lay_m = splice.layout(merged)
    if len(lay_m.items) != len(ub):
        raise _Conflict("'updates' is not a block list once merged")
    if merged and not merged.endswith("\n"):
        merged += newline
    # Entries go after the ancestor's entry before them; at one place, by date (stable: ours,
    # then theirs, each in its own order, on the same day).
    keep.sort(key=lambda e: (e[0], e[3].date.start))
    pieces, at = [], 0
    for anchor, _, text, _ in keep:
        cut = lay_m.items[anchor].lead if anchor < len(lay_m.items) else (
            lay_m.items[-1].end if lay_m.items else len(merged))
        pieces.append(merged[at:cut])
        pieces.append(text)
        at = cut
    pieces.append(merged[at:])
    updates: list[Update] = []
    for anchor_index, base_update in enumerate([*ub, None]):
        updates.extend(e[3] for e in keep if e[0] == anchor_index)
        if base_update is not None:
            updates.append(base_update)
    return "".join(pieces), tuple(updates)


def _line_merge(base: str, ours: str, theirs: str, what: str) -> str:
    """``git merge-file`` of three texts: the merged text, or a conflict where git gives one."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="pledgetrack-merge-") as folder:
        paths = []
        for name, text in (("ours", ours), ("base", base), ("theirs", theirs)):
            path = Path(folder) / name
            path.write_bytes(text.encode("utf-8"))
            paths.append(str(path))
        try:
            proc = subprocess.run(["git", "merge-file", "-p", "-q", *paths],
                                  capture_output=True, check=False)
        except OSError:
            raise _Conflict(f"{what} was changed on both sides, and git is not there to "
                            "merge the lines") from None
    if proc.returncode != 0:
        raise _Conflict(f"{what} was changed differently on both sides")
    return proc.stdout.decode("utf-8")


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
        try:
            header = _pick(base.header, ours.header, theirs.header)
        except _Conflict:
            header = _line_merge(base.header, ours.header, theirs.header,
                                 "the start of the file")
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
                # Changed on both sides (values, comments, layout): merged line by line, as
                # git merges, a conflict where git gives one.
                if o is None or t is None:
                    raise _Conflict(f"'{key}' was changed differently on both sides") from None
                merged_regions[key] = _line_merge(b or "", o, t, f"'{key}'")
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
