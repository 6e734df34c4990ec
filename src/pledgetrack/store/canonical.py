"""Bringing existing pledge files into the canonical layout (`pledgetrack fmt`), and giving a
pledge a new id (`pledgetrack rename`).

The canonical text of a record is what `add` writes (:func:`yamlfile.serialize.dump_pledge`),
with the updates in date order (a tie keeps file order). Comments are not part of a record, so
only those the layout can place are kept: the block of full-line comments above the first field
(a file's header note). A file with a comment anywhere else — beside a value, between fields,
inside the updates — is not rewritten unless the caller agrees to lose those comments; the
lines are named so that the author can move them into the header or a `note`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from pledgetrack.errors import EXIT_FINDINGS, PledgetrackError
from pledgetrack.model.records import Pledge


@dataclass(frozen=True, slots=True)
class Layout:
    """One file and its canonical text."""

    rel: str
    old: bytes
    new: bytes | None  # None: the file could not be read as a pledge (``reason`` says why)
    # 1-based lines of comments the canonical layout cannot keep.
    lost_comments: tuple[int, ...] = ()
    reason: str | None = None

    @property
    def changes(self) -> bool:
        return self.new is not None and self.new != self.old


def _comment_lines(text: str) -> list[int]:
    """The 1-based lines on which a comment starts: a '#' that is outside every scalar (YAML's
    tokens say where scalars are, quoted and block ones included)."""
    import yaml

    covered: list[tuple[int, int]] = []
    for token in yaml.scan(text, Loader=yaml.SafeLoader):
        if isinstance(token, yaml.ScalarToken):
            covered.append((token.start_mark.index, token.end_mark.index))
    lines = []
    position = 0
    spans = iter(covered)
    span = next(spans, None)
    while True:
        index = text.find("#", position)
        if index < 0:
            break
        while span is not None and span[1] <= index:
            span = next(spans, None)
        if span is not None and span[0] <= index < span[1]:
            position = span[1]
            continue
        line = text.count("\n", 0, index) + 1
        lines.append(line)
        end = text.find("\n", index)
        position = len(text) if end < 0 else end
    return lines


def _header(text: str) -> tuple[str, int]:
    """The full-line comments and blank lines above the first field, and how many lines they
    take."""
    kept: list[str] = []
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            break
        kept.append(line.rstrip("\r\n") + "\n")
    while kept and not kept[-1].strip():
        kept.pop()
    return "".join(kept), len(kept)


def in_date_order(pledge: Pledge) -> Pledge:
    ordered = tuple(pledge.timeline().updates)
    return pledge if ordered == pledge.updates else dataclasses.replace(pledge, updates=ordered)


def layout_of(data: bytes, rel: str) -> Layout:
    """The canonical text of one file's bytes (None with a reason when it has errors)."""
    from pledgetrack.store.loader import parse_pledge
    from pledgetrack.store.writer import bare_pledge
    from pledgetrack.yamlfile.serialize import dump_pledge

    pledge, problems = parse_pledge(data, rel)
    errors = [p for p in problems if p.level == "error"]
    if pledge is None or errors:
        first = errors[0] if errors else None
        where = f"{first.line}: {first.message} [{first.rule}]" if first else "not a pledge"
        return Layout(rel, data, None, reason=f"has errors ({where}); fix it first "
                                              "(pledgetrack check, pledgetrack edit)")
    text = data.decode("utf-8-sig")
    header, header_lines = _header(text)
    lost = tuple(line for line in _comment_lines(text) if line > header_lines)
    canonical = (header + dump_pledge(in_date_order(pledge))).encode("utf-8")
    again, _ = parse_pledge(canonical, rel)
    if again is None or bare_pledge(again) != bare_pledge(in_date_order(pledge)):
        return Layout(rel, data, None, reason="cannot be written in the canonical layout "
                                              "without changing its content; left as it is")
    return Layout(rel, data, canonical, lost)


def layouts(root: Path, ids: list[str]) -> list[Layout]:
    """The layout of the named pledges' files (every pledge file when ``ids`` is empty)."""
    from pledgetrack.store.root import pledge_files
    from pledgetrack.store.writer import existing_path

    # An id named twice is one file: laid out twice, its second write would find the file
    # changed under it by the first.
    ids = list(dict.fromkeys(ids))
    paths = [existing_path(root, i) for i in ids] if ids else pledge_files(root)
    result = []
    for path in paths:
        rel = f"pledges/{path.name}"
        if path.is_symlink():
            result.append(Layout(rel, b"", None, reason="is a symbolic link; never followed"))
            continue
        try:
            data = path.read_bytes()
        except OSError as exc:
            result.append(Layout(rel, b"", None, reason=f"cannot be read: {exc.strerror}"))
            continue
        result.append(layout_of(data, rel))
    return result


def write_layout(root: Path, layout: Layout) -> None:
    """Replace the file with its canonical text, if nobody changed it since it was read."""
    from pledgetrack.store.writer import replace_text

    assert layout.new is not None
    replace_text(root, Path(layout.rel).stem, layout.new, layout.old)


# -- a new id -------------------------------------------------------------------------------------

def rename_text(text: str, old_id: str, new_id: str, rel: str) -> str:
    """The file's text with the value of its ``id`` field replaced, every other byte kept."""
    from pledgetrack.yamlfile.yamltree import YMap, YScalar, parse

    tree = parse(text).tree
    node = tree.get("id") if isinstance(tree, YMap) else None
    if not isinstance(node, YScalar) or node.value != old_id:
        raise PledgetrackError(f"{rel}: its id field does not hold '{old_id}'", EXIT_FINDINGS)
    lines = text.splitlines(keepends=True)
    line = lines[node.line - 1]
    start = node.col - 1
    # The scalar as written: plain, or quoted (a slug never needs escapes).
    for written in (old_id, f"'{old_id}'", f'"{old_id}"'):
        if line.startswith(written, start):
            lines[node.line - 1] = line[:start] + new_id + line[start + len(written):]
            return "".join(lines)
    raise PledgetrackError(f"{rel}: cannot find the id's text on line {node.line}; "
                           "use 'pledgetrack edit'", EXIT_FINDINGS)


def rename(root: Path, old_id: str, new_id: str) -> Path:
    """Give a pledge a new id: its file is written under the new name with only the ``id``
    value changed, then the old file is removed (git sees a rename). Locked, atomic, verified."""
    from pledgetrack.store.loader import parse_pledge
    from pledgetrack.store.writer import (
        atomic_write,
        bare_pledge,
        existing_path,
        locked,
        pledge_path,
        read_pledge,
        refuse_link,
    )

    old_path = existing_path(root, old_id)
    new_path = pledge_path(root, new_id)  # refuses an id that is not a slug
    if new_id == old_id:
        raise PledgetrackError(f"'{old_id}' already has that id")
    new_rel = f"pledges/{new_path.name}"
    # Both files locked, always in the same order: two renames the other way round cannot wait
    # for each other.
    first, second = sorted((old_path, new_path))
    with locked(root, first), locked(root, second):
        refuse_link(new_path)
        if new_path.exists():
            raise PledgetrackError(f"a pledge with id '{new_id}' already exists ({new_rel})")
        current = read_pledge(root, old_id)  # refuses a file with errors
        new_text = rename_text(current.text, old_id, new_id, current.rel)
        data = current.encode(new_text)
        written, _ = parse_pledge(data, new_rel)
        expected = dataclasses.replace(bare_pledge(current.pledge), id=new_id)
        if written is None or bare_pledge(written) != expected:
            raise PledgetrackError(f"{current.rel}: the id could not be changed without changing "
                                   "other content; nothing was written", EXIT_FINDINGS)
        atomic_write(new_path, data, new_rel)
        old_path.unlink()
    return new_path
