"""The writer: append-only splicing, verification, atomic locked writes, id safety."""

from __future__ import annotations

import difflib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pledgetrack.errors import PledgetrackError
from pledgetrack.model.config import Config
from pledgetrack.model.dates import PartialDate
from pledgetrack.model.records import Pledge, Source, Update
from pledgetrack.store import writer
from pledgetrack.store.loader import load_dataset, parse_pledge
from pledgetrack.store.root import pledge_files
from pledgetrack.yamlfile import splice
from tests.conftest import VALID, WriteFn

UPDATE = Update(PartialDate(2025, 11, 20), "in_progress", note="Budget approved: ¥1.2bn",
                sources=(Source("https://example.org/budget", publisher="Example"),))
ENTRY = """\
  - date: 2025-11-20
    status: in_progress
    note: 'Budget approved: ¥1.2bn'
    sources:
      - url: https://example.org/budget
        publisher: Example
"""

HEAD = """\
# A hand-written comment that must survive.
id: {id}
title: "Quoted title, kept quoted"
actors: [Japan, Philippines]   # flow style kept
domains:
  - cyber
announced: 2025-10-26
sources:
  - url: https://example.org/summit
"""


def only_insertions(old: str, new: str) -> list[str]:
    """The inserted text, asserting that nothing of ``old`` was changed or removed."""
    inserted = []
    for op, a1, a2, b1, b2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        assert op in ("equal", "insert"), (op, old[a1:a2], new[b1:b2])
        if op == "insert":
            inserted.append(new[b1:b2])
    return inserted


def append(root: Path, pledge_id: str = "p", update: Update = UPDATE,
           config: Config | None = None) -> writer.AppendResult:
    return writer.append_update(root, pledge_id, update, config or Config())


@pytest.mark.parametrize("layout", [
    # an indented block sequence, a comment under the last entry, a comment and a key below
    HEAD + """\
updates:
  - date: 2025-10-27
    status: not_yet_rated
    note: >-
      folded
      text
    # about the entry above
  - date: 2025-11-01
    status: stalled  # inline comment

# a comment about tags
tags:
  - t
""",
    # no updates yet: a key is added at the end
    HEAD,
    # trailing comment at the end of the file
    HEAD + "# the end\n",
    # last entry ends with a literal block at the end of the file
    HEAD + "updates:\n  - date: 2025-10-27\n    status: stalled\n    note: |\n      a\n      b\n",
    # explicit document markers: the key goes before the end marker
    "---\n" + HEAD + "...\n",
])
def test_append_keeps_every_existing_byte(
    data_root: Path, write: WriteFn, layout: str, yaml_loader: str
) -> None:
    path = write("p", layout.replace("{id}", "p"))
    old = path.read_text("utf-8")
    result = append(data_root)
    new = path.read_text("utf-8")
    inserted = "".join(only_insertions(old, new))
    assert ENTRY.rstrip("\n") in inserted
    assert result.pledge.updates[-1].note == "Budget approved: ¥1.2bn"
    assert result.number == len(result.pledge.updates)
    assert load_dataset(data_root).problems == []


def test_entry_goes_after_the_last_entry_and_its_comments(data_root: Path, write: WriteFn) -> None:
    path = write("p", VALID.replace("{id}", "p") + """\
updates:
  - date: 2025-11-01
    status: stalled
    # why stalled
# next key
tags: [a]
""")
    append(data_root)
    text = path.read_text("utf-8")
    assert "    # why stalled\n" + ENTRY + "# next key\ntags: [a]\n" in text


def test_crlf_file_stays_crlf(data_root: Path, write: WriteFn) -> None:
    body = (VALID.replace("{id}", "p") + "updates:\n- date: 2025-11-01\n  status: stalled\n")
    path = write("p", raw=body.replace("\n", "\r\n").encode())
    old = path.read_bytes()
    append(data_root)
    new = path.read_bytes()
    assert new.startswith(old)
    added = new[len(old):]
    assert added.count(b"\r\n") == added.count(b"\n") == 6
    assert added.startswith(b"- date: 2025-11-20\r\n  status: in_progress\r\n")  # indentless kept


def test_byte_order_mark_and_missing_final_newline(data_root: Path, write: WriteFn) -> None:
    body = VALID.replace("{id}", "p").rstrip("\n")
    path = write("p", raw=b"\xef\xbb\xbf" + body.encode())
    append(data_root)
    text = path.read_bytes()
    assert text.startswith(b"\xef\xbb\xbf" + body.encode() + b"\nupdates:\n")


@pytest.mark.parametrize(("value", "key_line"), [
    ("updates: []  # none yet", "updates:  # none yet"),
    ("updates:", "updates:"),
    ("updates: ~", "updates:"),
    ("updates: null   # later", "updates:   # later"),
])
def test_empty_updates_become_a_block_list(
    data_root: Path, write: WriteFn, value: str, key_line: str
) -> None:
    path = write("p", VALID.replace("{id}", "p") + value + "\ntags:\n  - t\n")
    append(data_root)
    assert path.read_text("utf-8") == (
        VALID.replace("{id}", "p") + key_line + "\n" + ENTRY + "tags:\n  - t\n"
    )


def test_flow_style_updates_stay_flow(data_root: Path, write: WriteFn) -> None:
    path = write("p", VALID.replace("{id}", "p")
                 + "updates: [{date: 2025-11-01, status: stalled}]\n")
    append(data_root, update=Update(PartialDate(2025, 11, 20), "in_progress", note="a, b"))
    assert path.read_text("utf-8").endswith(
        'updates: [{date: 2025-11-01, status: stalled}, '
        '{date: 2025-11-20, status: in_progress, note: "a, b"}]\n'
    )


def test_multi_line_flow_list_gets_a_line_of_its_own(data_root: Path, write: WriteFn) -> None:
    path = write("p", VALID.replace("{id}", "p")
                 + "updates: [\n  {date: 2025-11-01, status: stalled},\n]\n")
    append(data_root, update=Update(PartialDate(2025, 11, 20), "in_progress"))
    assert path.read_text("utf-8").endswith(
        "updates: [\n  {date: 2025-11-01, status: stalled},\n"
        "  {date: 2025-11-20, status: in_progress},\n]\n"
    )


def test_whole_file_in_flow_style(data_root: Path, write: WriteFn) -> None:
    path = write("p", "{id: p, title: T, actors: [Japan], domains: [cyber], "
                 "announced: 2025-10-26, sources: [{url: 'https://example.org'}]}\n")
    append(data_root, update=Update(PartialDate(2025, 11, 20), "in_progress"))
    assert path.read_text("utf-8") == (
        "{id: p, title: T, actors: [Japan], domains: [cyber], announced: 2025-10-26, "
        "sources: [{url: 'https://example.org'}], "
        "updates: [{date: 2025-11-20, status: in_progress}]}\n"
    )


def test_unicode_note_is_written_as_utf8(data_root: Path, write: WriteFn) -> None:
    path = write("p")
    note = "ญี่ปุ่นและอาเซียน — Nhật Bản và ASEAN — 日本とASEAN"
    append(data_root, update=Update(PartialDate(2025, 11, 20), "in_progress", note=note))
    raw = path.read_bytes()
    assert f"note: {note}\n".encode() in raw
    assert load_dataset(data_root).pledges[0].updates[0].note == note


# -- validation -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("update", "config", "message"), [
    (Update(PartialDate(2025, 11, 1), "in_progres"), Config(),
     "unknown status 'in_progres' (did you mean 'in_progress'?); valid: not_yet_rated"),
    (Update(PartialDate(2025, 11, 1), "stalled", party="Japn"), Config(),
     "party 'Japn' is not among the actors of 'p' (Japan) (did you mean 'Japan'?)"),
    (Update(PartialDate(2025, 11, 1), "stalled"), Config(require_update_sources=True),
     "requires a source for every update"),
    (Update(PartialDate(2025, 11, 1), "stalled", sources=(Source("example.org"),)), Config(),
     "must be a URL starting with http:// or https://"),
])
def test_invalid_update_leaves_the_file_untouched(
    data_root: Path, write: WriteFn, update: Update, config: Config, message: str
) -> None:
    path = write("p")
    before = path.read_bytes()
    with pytest.raises(PledgetrackError) as info:
        append(data_root, update=update, config=config)
    assert message in str(info.value)
    assert path.read_bytes() == before


def test_backdated_updates_go_in_date_order_with_no_order_warning(
    data_root: Path, write: WriteFn
) -> None:
    write("p", VALID.replace("{id}", "p")
          + "updates:\n  - date: 2025-11-10\n    status: in_progress\n")
    result = append(data_root, update=Update(PartialDate(2025, 10, 1), "stalled"))
    # Dated before the announcement: a warning; not out of order, since it goes first.
    assert len(result.warnings) == 1
    assert "before the pledge was announced (2025-10-26)" in result.warnings[0]
    assert [str(u.date) for u in result.pledge.updates] == ["2025-10-01", "2025-11-10"]
    assert (result.number, result.total) == (1, 2)


def test_file_with_errors_is_refused(data_root: Path, write: WriteFn) -> None:
    path = write("p", VALID.replace("{id}", "p").replace("title:", "title: [broken"))
    before = path.read_bytes()
    with pytest.raises(PledgetrackError) as info:
        append(data_root)
    assert "pledges/p.yaml has 1 error; nothing was written" in str(info.value)
    assert info.value.lines[0].startswith("pledges/p.yaml:3:7: error: invalid YAML")
    assert info.value.lines[0].endswith("[yaml-syntax]")
    assert path.read_bytes() == before


def test_verification_refuses_a_splice_that_changes_content(
    data_root: Path, write: WriteFn, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write("p")
    before = path.read_bytes()

    def careless(text: str, update: Update) -> str:  # drops the title's last word
        return text.replace("in ASEAN\n", "\n") + "updates:\n  - date: 2025-11-20\n" \
            "    status: in_progress\n"

    monkeypatch.setattr(splice, "append_update", careless)
    with pytest.raises(PledgetrackError) as info:
        append(data_root, update=Update(PartialDate(2025, 11, 20), "in_progress"))
    assert "without changing other content" in str(info.value)
    assert path.read_bytes() == before


def test_unknown_id_suggests_close_matches(data_root: Path, write: WriteFn) -> None:
    write("japan-asean-cyber")
    write("japan-asean-ai")
    with pytest.raises(PledgetrackError) as info:
        append(data_root, "japan-asean-cyberr")
    assert "no pledge 'japan-asean-cyberr'" in str(info.value)
    assert "did you mean 'japan-asean-cyber'" in str(info.value)


@pytest.mark.parametrize("bad_id", [
    "../escape", "/etc/passwd", "a/b", "a\\b", "nul\x00byte", "UPPER", "", "..", ".hidden",
    "line\nbreak", "trailing\n", "x" * 81, "space here",
])
def test_unsafe_ids_are_refused_before_any_path_is_built(data_root: Path, bad_id: str) -> None:
    for call in (
        lambda: writer.pledge_path(data_root, bad_id),
        lambda: writer.create(data_root, _pledge(bad_id)),
        lambda: append(data_root, bad_id),
    ):
        with pytest.raises(PledgetrackError) as info:
            call()
        assert "id" in str(info.value)
    assert sorted(p.name for p in data_root.iterdir()) == [".pledgetrack-cache", "pledges"] or \
        sorted(p.name for p in data_root.iterdir()) == ["pledges"]
    assert list((data_root / "pledges").iterdir()) == []


# -- create --------------------------------------------------------------------------------------

def _pledge(pledge_id: str = "new-pledge", **fields: object) -> Pledge:
    base: dict[str, object] = dict(
        id=pledge_id, title="A new pledge", actors=("Japan",), domains=("cyber",),
        announced=PartialDate(2025, 10, 26), sources=(Source("https://example.org/a"),),
    )
    base.update(fields)
    return Pledge(**base)  # type: ignore[arg-type]


def test_create_refuses_to_overwrite_unless_asked(data_root: Path) -> None:
    path = writer.create(data_root, _pledge())
    assert path == data_root / "pledges" / "new-pledge.yaml"
    with pytest.raises(PledgetrackError) as info:
        writer.create(data_root, _pledge(title="Other"))
    assert "already exists" in str(info.value)
    writer.create(data_root, _pledge(title="Other"), overwrite=True)
    assert "title: Other\n" in path.read_text("utf-8")


def test_create_refuses_a_structurally_invalid_record(data_root: Path) -> None:
    with pytest.raises(PledgetrackError) as info:
        writer.create(data_root, _pledge(sources=(Source("ftp://x"),)))
    assert "must start with http:// or https://" in str(info.value)
    assert list((data_root / "pledges").iterdir()) == []


def test_written_file_keeps_the_mode_of_the_old_one(data_root: Path, write: WriteFn) -> None:
    path = write("p")
    os.chmod(path, 0o640)
    append(data_root)
    assert path.stat().st_mode & 0o777 == 0o640


# -- atomicity -------------------------------------------------------------------------------------

def test_failed_rename_leaves_old_file_and_no_temporary(
    data_root: Path, write: WriteFn, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write("p")
    before = path.read_bytes()

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writer.os, "replace", broken_replace)
    with pytest.raises(PledgetrackError) as info:
        append(data_root)
    assert str(info.value) == ("cannot write pledges/p.yaml: No space left on device; "
                               "nothing was changed")
    assert path.read_bytes() == before
    assert sorted(p.name for p in (data_root / "pledges").iterdir()) == ["p.yaml"]


CRASH = """
import os, sys
from pathlib import Path
from pledgetrack.model.config import Config
from pledgetrack.model.dates import PartialDate
from pledgetrack.model.records import Update
from pledgetrack.store import writer

def die(src, dst):
    os._exit(9)  # killed after the temporary file is written, before the rename

writer.os.replace = die
writer.append_update(Path(sys.argv[1]), "p", Update(PartialDate(2025, 11, 20), "stalled"),
                     Config())
"""


def test_killed_writer_leaves_old_file_and_nothing_check_reads(
    data_root: Path, write: WriteFn
) -> None:
    path = write("p")
    before = path.read_bytes()
    proc = subprocess.run([sys.executable, "-c", CRASH, str(data_root)], check=False)
    assert proc.returncode == 9
    assert path.read_bytes() == before
    leftovers = [p.name for p in (data_root / "pledges").iterdir() if p.name != "p.yaml"]
    assert leftovers == [".p.yaml.tmp"]
    # `check` neither reads the leftover nor reports it.
    assert [p.name for p in pledge_files(data_root)] == ["p.yaml"]
    dataset = load_dataset(data_root)
    assert (dataset.files, dataset.problems) == (1, [])
    # The next write of that pledge goes through the same temporary name: nothing is left.
    append(data_root)
    assert sorted(p.name for p in (data_root / "pledges").iterdir()) == ["p.yaml"]


def test_lock_files_stay_out_of_git(data_root: Path, write: WriteFn) -> None:
    write("p")
    append(data_root)
    cache = data_root / ".pledgetrack-cache"
    assert (cache / "locks" / "p.yaml.lock").exists()
    assert (cache / ".gitignore").read_text("utf-8").splitlines()[-1] == "*"
    subprocess.run(["git", "init", "-q", str(data_root)], check=True)
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"],
                            cwd=data_root, capture_output=True, text=True, check=True).stdout
    assert status.splitlines() == ["?? pledges/p.yaml"]


# -- any text, any neighbours ---------------------------------------------------------------------

NOTE = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)


@pytest.mark.reliability
@settings(max_examples=200, deadline=None)
@given(old_notes=st.lists(NOTE, max_size=3), new_note=NOTE, crlf=st.booleans(),
       comment=st.sampled_from(["", "# trailing comment\n", "    # under the entry\n"]),
       after=st.sampled_from(["", "tags:\n  - t\n", "\n# c\nextra: 1\n"]))
def test_splice_only_inserts_and_reads_back(
    old_notes: list[str], new_note: str, crlf: bool, comment: str, after: str
) -> None:
    from pledgetrack.yamlfile.serialize import dump_update

    entries = "".join(dump_update(Update(PartialDate(2025, 11, n + 1), "stalled", note=note))
                      for n, note in enumerate(old_notes))
    text = VALID.replace("{id}", "p") + ("updates:\n" + entries + comment if entries else "") \
        + after
    if crlf:
        text = text.replace("\n", "\r\n")
    update = Update(PartialDate(2025, 12, 1), "in_progress", note=new_note or None)
    new = splice.append_update(text, update)
    if entries or "updates" in text:
        only_insertions(text, new)
    parsed, problems = parse_pledge(new.encode("utf-8"), "pledges/p.yaml")
    assert parsed is not None, (new, problems)
    assert [u.note for u in parsed.updates] == [*old_notes, new_note or None]
    if crlf:
        assert new.count("\n") == new.count("\r\n")
