"""An import that cannot write one of its files part-way is undone as far as it can be: the files
it appended updates to are put back byte for byte (under their locks, and only if they still
hold what the import wrote), the files it created are removed, and the message says what was
undone and names whatever could not be."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from pledgetrack.store import writer
from tests.store.test_import_updates import SOLO, files, make_root, run, table

ROWS = [{"id": pid, "date": "2025-06-01", "status": "stalled", "note": f"Row for {pid}.",
         "source": f"https://example.org/{pid}/stalled"} for pid in ("a", "b", "c")]


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    root = make_root(tmp_path)
    for pid in ("a", "b", "c"):
        (root / "pledges" / f"{pid}.yaml").write_text(SOLO.replace("id: solo", f"id: {pid}"),
                                                      encoding="utf-8")
    return root


def block_lock(root: Path, pid: str) -> None:
    """A directory where the lock file of pledges/<pid>.yaml goes: taking that lock fails."""
    lock = root / ".pledgetrack-cache" / "locks" / f"{pid}.yaml.lock"
    lock.unlink(missing_ok=True)  # the lock file an earlier write left
    lock.mkdir(parents=True)


def test_a_failed_write_puts_back_the_files_already_appended_to(
    root: Path, tmp_path: Path
) -> None:
    before = files(root)
    block_lock(root, "c")
    code, out, err = run("import", "--updates", table(tmp_path / "u.csv", ROWS),
                         "--dir", root)
    assert code == 1
    assert out == ""
    assert err == (
        "pledgetrack: error: cannot write pledges/c.yaml: Is a directory (while taking its lock "
        "in .pledgetrack-cache/locks/); the 2 files already changed were put back as they were: "
        "pledges/a.yaml, pledges/b.yaml; nothing was changed\n")
    assert files(root) == before


def test_with_a_pledge_table_the_new_files_are_removed_too(root: Path, tmp_path: Path) -> None:
    before = files(root)
    block_lock(root, "c")
    pledges = tmp_path / "p.csv"
    pledges.write_text("id,title,actors,domains,announced,source\n"
                       "fresh,Fresh pledge,Japan,cyber,2025-01-10,https://example.org/fresh\n",
                       encoding="utf-8")
    code, _, err = run("import", pledges, "--updates", table(tmp_path / "u.csv", ROWS),
                       "--dir", root)
    assert code == 1
    assert "; the 1 new file written before it was removed; the 2 files already changed " \
           "were put back as they were: pledges/a.yaml, pledges/b.yaml; nothing was " \
           "changed\n" in err, err
    assert files(root) == before


class FailingReplace:
    """os.replace through the real writer, failing (full disk) at the ``nth`` replacement of a
    pledge file; every other call goes through."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, nth: int) -> None:
        self.real, self.calls, self.nth = os.replace, 0, nth
        monkeypatch.setattr(os, "replace", self)

    def __call__(self, src: Any, dst: Any, *args: Any, **kw: Any) -> None:
        if str(dst).endswith(".yaml"):
            self.calls += 1
            if self.calls == self.nth:
                raise OSError(28, "No space left on device")
        self.real(src, dst, *args, **kw)


def test_an_update_already_added_to_the_file_that_fails_is_taken_out(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two updates to a: the first is written, the disk fills up at the second."""
    rows = [ROWS[0], {**ROWS[0], "date": "2025-07-01", "note": "Later."}]
    before = files(root)
    FailingReplace(monkeypatch, 2)
    code, _, err = run("import", "--updates", table(tmp_path / "u.csv", rows), "--dir", root)
    assert code == 1
    assert err == (
        "pledgetrack: error: cannot write pledges/a.yaml: No space left on device; the 1 file "
        "already changed was put back as it was: pledges/a.yaml; nothing was changed\n")
    assert files(root) == before


def test_a_file_changed_since_the_import_wrote_it_is_left_as_it_is_and_named(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another writer edits a.yaml after the import appended to it; the import then fails at c:
    a.yaml keeps both (putting it back would lose the other edit), b.yaml is put back, and the
    message does not say nothing was changed. A file whose lock cannot be taken to put it back
    is named as well."""
    real_append = writer.append_update
    before = files(root)

    def append(root_: Path, pledge_id: str, *args: Any, **kw: Any) -> writer.AppendResult:
        result = real_append(root_, pledge_id, *args, **kw)
        if pledge_id == "a":
            with result.path.open("a", encoding="utf-8") as handle:
                handle.write("# another writer\n")
        return result

    monkeypatch.setattr(writer, "append_update", append)
    block_lock(root, "c")
    rows = [*ROWS[:2], {**ROWS[1], "id": "solo"}, ROWS[2]]
    # solo's lock is blocked only once solo has been written: it cannot be put back.
    real_restore = writer.restore

    def restore(root_: Path, path: Path, *args: Any, **kw: Any) -> bool:
        if path.name == "solo.yaml":
            block_lock(root_, "solo")
        return real_restore(root_, path, *args, **kw)

    monkeypatch.setattr(writer, "restore", restore)
    code, _, err = run("import", "--updates", table(tmp_path / "u.csv", rows), "--dir", root)
    assert code == 1
    assert err == (
        "pledgetrack: error: cannot write pledges/c.yaml: Is a directory (while taking its lock "
        "in .pledgetrack-cache/locks/); the 1 file already changed was put back as it was: "
        "pledges/b.yaml; NOT undone, as the file changed since the import wrote it: "
        "pledges/a.yaml; NOT undone, as the file could not be written: pledges/solo.yaml\n")
    after = files(root)
    assert after["b.yaml"] == before["b.yaml"]
    assert after["c.yaml"] == before["c.yaml"]
    assert after["a.yaml"].endswith(b"# another writer\n")
    assert b"Row for a." in after["a.yaml"]
    assert b"Row for b." in after["solo.yaml"]


def test_files_replaced_are_put_back_too(root: Path, tmp_path: Path) -> None:
    """--replace: a.yaml replaced, fresh.yaml created, then the updates to c cannot be written."""
    before = files(root)
    block_lock(root, "c")
    pledges = tmp_path / "p.csv"
    pledges.write_text("id,title,actors,domains,announced,source\n"
                       "a,A replaced,Japan,cyber,2025-01-10,https://example.org/a\n"
                       "fresh,Fresh pledge,Japan,cyber,2025-01-10,https://example.org/fresh\n",
                       encoding="utf-8")
    code, _, err = run("import", pledges, "--replace", "--updates",
                       table(tmp_path / "u.csv", ROWS[1:]), "--dir", root)
    assert code == 1
    assert err.splitlines()[-1] == (
        "pledgetrack: error: cannot write pledges/c.yaml: Is a directory (while taking its lock "
        "in .pledgetrack-cache/locks/); the 1 new file written before it was removed; the 2 "
        "files already changed were put back as they were: pledges/b.yaml, pledges/a.yaml; "
        "nothing was changed")
    assert files(root) == before
