"""Full disks and read-only folders: a write that cannot be made fails with a one-line message
and a non-zero exit; the original file is intact and no temporary file is left.

Real file systems first: a tiny tmpfs that the test fills up, then remounts read-only. Mounting
needs root (CAP_SYS_ADMIN), so those tests are skipped elsewhere; chmod would not do, since root
ignores file modes. The same failures are then injected in-process (ENOSPC, EROFS, EIO at each
step of a write) and always run.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pledgetrack.errors import PledgetrackError
from pledgetrack.model.config import Config
from pledgetrack.model.dates import PartialDate
from pledgetrack.model.records import Pledge, Source, Update
from pledgetrack.store import writer
from tests.clirun import cli
from tests.conftest import VALID

pytestmark = pytest.mark.reliability

ADD = ["add", "Another pledge", "--id", "q", "--actor", "Japan", "--domain", "cyber",
       "--announced", "2025-10-26", "--source", "https://example.org/q"]
ROW = ("id,title,actors,domains,announced,source\n"
       "imported,Imported,Japan,cyber,2025-10-26,https://example.org/i\n")
# An editor that appends a comment to the file it is given.
EDITOR = "import sys; open(sys.argv[1], 'a').write('# edited\\n')"


def snapshot(folder: Path) -> dict[str, bytes | str]:
    """Every file and folder of the data, leaving out pledgetrack's lock folder (its lock files
    are empty: taking a lock needs no disk space)."""
    return {p.relative_to(folder).as_posix(): "dir" if p.is_dir() else p.read_bytes()
            for p in sorted(folder.rglob("*"))
            if not p.is_symlink() and ".pledgetrack-cache" not in p.parts}


def hidden_in_pledges(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "pledges").iterdir() if p.name.startswith("."))


def run(root: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = cli(*args, "--dir", str(root), env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def one_error(err: str, reason: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("pledgetrack: error: ") or lines[0].startswith("pledgetrack: "), err
    assert reason in lines[0], err
    return lines[0]


# -- a real, tiny file system -------------------------------------------------------------------

@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A 256 KiB tmpfs mounted on a folder of tmp_path, unmounted afterwards."""
    if sys.platform != "linux" or os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a tmpfs needs root on Linux")
    point = tmp_path / "mnt"
    point.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k,mode=0755", "tmpfs",
                           str(point)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield point
    finally:
        if subprocess.run(["umount", str(point)], capture_output=True,
                          check=False).returncode != 0:
            subprocess.run(["umount", "-l", str(point)], capture_output=True, check=False)


def _fill(point: Path) -> Path:
    """Fill the file system to the last byte; the filler file is returned for removal."""
    filler = point / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        for size in (65536, 4096, 1):
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
    finally:
        os.close(fd)
    return filler


def _data_root(point: Path, *, written: bool) -> Path:
    """A data root with pledge p; ``written``: through pledgetrack, so that its lock folder
    exists; else by hand, never touched by pledgetrack."""
    root = point / ("written" if written else "untouched")
    (root / "pledges").mkdir(parents=True)
    (root / "pledges" / "p.yaml").write_text(VALID.replace("{id}", "p"), encoding="utf-8")
    if written:
        writer.append_update(root, "p", Update(PartialDate(2025, 11, 1), "stalled"), Config())
    return root


def test_full_disk(tmpfs: Path, tmp_path: Path) -> None:
    root = _data_root(tmpfs, written=True)
    (tmp_path / "rows.csv").write_text(ROW)
    filler = _fill(tmpfs)
    before = snapshot(root)
    reason = "No space left on device"
    for args in (["update", "p", "-s", "in_progress", "--note", "on a full disk"], ADD,
                 ["import", str(tmp_path / "rows.csv")]):
        code, _, err = run(root, *args)
        assert code == 1, (args, err)
        one_error(err, reason)
    code, _, err = run(root, "update", "p", "-s", "in_progress")
    assert one_error(err, reason) == (
        "pledgetrack: error: cannot write pledges/p.yaml: No space left on device; "
        "nothing was changed")
    # edit: the edited copy (outside the full disk) is kept, so no work is lost.
    code, _, err = run(root, "edit", "p", env={"VISUAL": f"{sys.executable} -c \"{EDITOR}\""})
    assert code == 1
    line = one_error(err, reason)
    copy = Path(line.rsplit("your edited copy is kept at ", 1)[1])
    assert copy.read_text(encoding="utf-8").endswith("# edited\n")
    copy.unlink()
    assert snapshot(root) == before
    assert hidden_in_pledges(root) == []
    # With room again, the same update goes through.
    filler.unlink()
    code, _, err = run(root, "update", "p", "-s", "in_progress", "--note", "with room")
    assert code == 0, err
    assert run(root, "check")[0] == 0


def test_read_only_folder(tmpfs: Path, tmp_path: Path) -> None:
    written = _data_root(tmpfs, written=True)
    untouched = _data_root(tmpfs, written=False)
    (tmp_path / "rows.csv").write_text(ROW)
    subprocess.run(["mount", "-o", "remount,ro", str(tmpfs)], check=True)
    reason = "Read-only file system"
    for root in (written, untouched):
        before = snapshot(root)
        # Reading works.
        for args in (["check"], ["list"], ["show", "p"], ["report"], ["export"]):
            code, _, err = run(root, *args)
            assert code == 0, (args, err)
        # Writing fails, one line each, and changes nothing.
        for args in (["update", "p", "-s", "in_progress"], ADD,
                     ["import", str(tmp_path / "rows.csv")]):
            code, _, err = run(root, *args)
            assert code == 1, (args, err)
            assert one_error(err, reason).startswith(
                "pledgetrack: error: cannot write pledges/"), err
        code, _, err = run(root, "edit", "p",
                           env={"VISUAL": f"{sys.executable} -c \"{EDITOR}\""})
        assert code == 1
        Path(one_error(err, reason).rsplit("kept at ", 1)[1]).unlink()
        assert snapshot(root) == before
    # init of a new folder inside the read-only one: the same, through the generic handler.
    result = cli("init", str(tmpfs / "new"))
    code, err = result.exit_code, result.stderr
    assert (code, one_error(err, reason)) == (
        1, f"pledgetrack: error: {tmpfs / 'new'}: Read-only file system")


# -- injected failures, always run ------------------------------------------------------------

def _oserror(code: int, path: object = None) -> OSError:
    return OSError(code, os.strerror(code), None if path is None else str(path))


class Faults:
    """Make one step of a write fail, for paths of the temporary and lock files only."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, step: str, code: int) -> None:
        self.temp_fds: set[int] = set()
        real_open, real_fdopen, real_mkdir = os.open, os.fdopen, os.mkdir
        real_fsync, real_replace, real_unlink = os.fsync, os.replace, os.unlink

        def fake_open(path: Any, flags: int, mode: int = 0o777, **kw: Any) -> int:
            if str(path).endswith(".tmp") and step == "open":
                raise _oserror(code, path)
            fd = real_open(path, flags, mode, **kw)
            if str(path).endswith(".tmp"):
                self.temp_fds.add(fd)
            return fd

        class FailingFile:
            def __init__(self, fd: int) -> None:
                self.handle = real_fdopen(fd, "wb")

            def __enter__(self) -> FailingFile:
                return self

            def __exit__(self, *exc: object) -> None:
                self.handle.close()

            def write(self, data: bytes) -> int:
                raise _oserror(code)

        def fake_fdopen(fd: int, *args: Any, **kw: Any) -> Any:
            if step == "write" and fd in self.temp_fds:
                return FailingFile(fd)
            return real_fdopen(fd, *args, **kw)

        def fake_fsync(fd: int) -> None:
            if step == "fsync" and fd in self.temp_fds:
                raise _oserror(code)
            real_fsync(fd)

        def fake_replace(src: Any, dst: Any) -> None:
            if step == "replace":
                raise _oserror(code, src)
            real_replace(src, dst)

        def fake_mkdir(path: Any, *args: Any, **kw: Any) -> None:
            if step == "mkdir" and ".pledgetrack-cache" in str(path):
                raise _oserror(code, path)
            real_mkdir(path, *args, **kw)

        def fake_unlink(path: Any, *args: Any, **kw: Any) -> None:
            if step == "unlink" and str(path).endswith(".tmp"):
                raise _oserror(code, path)
            real_unlink(path, *args, **kw)

        for name, fake in (("open", fake_open), ("fdopen", fake_fdopen), ("fsync", fake_fsync),
                           ("replace", fake_replace), ("mkdir", fake_mkdir),
                           ("unlink", fake_unlink)):
            monkeypatch.setattr(os, name, fake)


FAULTS = [
    ("open", errno.EROFS), ("open", errno.ENOSPC), ("open", errno.EACCES),
    ("write", errno.ENOSPC), ("write", errno.EIO), ("fsync", errno.ENOSPC),
    ("fsync", errno.EIO), ("replace", errno.EROFS), ("replace", errno.EXDEV),
    ("mkdir", errno.EROFS), ("mkdir", errno.ENOSPC), ("unlink", errno.EROFS),
]
FAULT_IDS = [f"{step}-{errno.errorcode[code]}" for step, code in FAULTS]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "pledges").mkdir()
    (tmp_path / "pledges" / "p.yaml").write_text(VALID.replace("{id}", "p"), encoding="utf-8")
    return tmp_path


def _prepare(root: Path, step: str) -> None:
    if step == "unlink":
        # A killed writer's leftover, which a read-only folder will not let go.
        (root / "pledges" / ".p.yaml.tmp").write_bytes(b"half a file")
    if step != "mkdir":
        (root / ".pledgetrack-cache" / "locks").mkdir(parents=True)


def _expected_leftovers(step: str) -> list[str]:
    return [".p.yaml.tmp"] if step == "unlink" else []


@pytest.mark.parametrize(("step", "code"), FAULTS, ids=FAULT_IDS)
def test_injected_failure_through_the_api(
    root: Path, monkeypatch: pytest.MonkeyPatch, step: str, code: int
) -> None:
    _prepare(root, step)
    before = snapshot(root)
    Faults(monkeypatch, step, code)
    reason = os.strerror(code)
    with pytest.raises(PledgetrackError) as info:
        writer.append_update(root, "p", Update(PartialDate(2025, 11, 1), "stalled"), Config())
    assert info.value.exit_code == 1
    assert str(info.value).startswith(f"cannot write pledges/p.yaml: {reason}")
    assert str(info.value).endswith("nothing was changed")
    with pytest.raises(PledgetrackError) as info:
        writer.create(root, Pledge(id="q", title="Q", actors=("Japan",), domains=("cyber",),
                                   sources=(Source("https://example.org/q"),),
                                   announced=PartialDate(2025, 10, 26)))
    assert str(info.value).startswith(f"cannot write pledges/q.yaml: {reason}")
    monkeypatch.undo()
    assert snapshot(root) == before
    assert hidden_in_pledges(root) == _expected_leftovers(step)


@pytest.mark.parametrize(("step", "code"), FAULTS, ids=FAULT_IDS)
def test_injected_failure_through_the_cli(
    root: Path, monkeypatch: pytest.MonkeyPatch, step: str, code: int
) -> None:
    _prepare(root, step)
    before = snapshot(root)
    Faults(monkeypatch, step, code)
    for args in (["update", "p", "-s", "stalled"], ADD):
        result = cli(*args, "--dir", str(root))
        assert result.exit_code == 1, (args, result.stderr, result.exception)
        assert result.exception is None or isinstance(result.exception, SystemExit)
        line = one_error(result.stderr, os.strerror(code))
        assert line.startswith("pledgetrack: error: cannot write pledges/"), line
    monkeypatch.undo()
    assert snapshot(root) == before
    assert hidden_in_pledges(root) == _expected_leftovers(step)
    # Once the fault is gone, the same command goes through (and takes the leftover with it).
    result = cli("update", "p", "-s", "stalled", "--dir", str(root))
    assert result.exit_code == 0, result.stderr
    assert hidden_in_pledges(root) == []


def test_unexpected_file_system_errors_are_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A command that meets an OSError it does not handle itself (here init, on a read-only
    folder) still prints one line and exits 1, never a traceback."""
    real_mkdir = os.mkdir

    def read_only(path: Any, *args: Any, **kw: Any) -> None:
        if str(path).startswith(str(tmp_path)):
            raise _oserror(errno.EROFS, path)
        real_mkdir(path, *args, **kw)

    monkeypatch.setattr(os, "mkdir", read_only)
    result = cli("init", str(tmp_path / "new"))
    assert result.exit_code == 1
    assert result.stderr == f"pledgetrack: error: {tmp_path / 'new'}: Read-only file system\n"
    assert not (tmp_path / "new").exists()


def test_an_import_that_fails_midway_removes_the_files_it_created(
    root: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The disk fills up at the third file of an import: the two new files written before it are
    removed again, and the file already replaced (--replace) is put back as it was."""
    (root / "pledges" / "b.yaml").write_text(VALID.replace("{id}", "b"), encoding="utf-8")
    old_b = (root / "pledges" / "b.yaml").read_bytes()
    table = tmp_path / "rows.csv"
    table.write_text("id,title,actors,domains,announced,source\n" + "".join(
        f"{i},Title {i},Japan,cyber,2025-10-26,https://example.org/{i}\n"
        for i in ("a", "b", "c", "d")))
    real_create = writer.create
    calls = []

    def create(root: Path, pledge: Pledge, **kw: Any) -> Path:
        calls.append(pledge.id)
        if len(calls) == 4:
            raise PledgetrackError(f"cannot write pledges/{pledge.id}.yaml: No space left on "
                                   "device; nothing was changed", 1)
        return real_create(root, pledge, **kw)

    monkeypatch.setattr(writer, "create", create)
    result = cli("import", str(table), "--replace", "--dir", str(root))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "pledgetrack: error: cannot write pledges/d.yaml: No space left on device; the 2 new "
        "files written before it were removed; the 1 file already changed was put back as it "
        "was: pledges/b.yaml; nothing was changed")
    assert sorted(p.name for p in (root / "pledges").iterdir()) == ["b.yaml", "p.yaml"]
    assert (root / "pledges" / "b.yaml").read_bytes() == old_b
