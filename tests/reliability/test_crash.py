"""Crash safety: writers killed with SIGKILL at random moments never lose or corrupt data.

After every kill, each pledge file parses without errors, holds exactly the updates reported as
written (plus, at most, the one being written when the kill came), in order, with the bytes it
had before as a prefix; and no file is left that `check` would read as a pledge.

Two kinds of writer are killed: a process forked from the test that appends updates through the
Python API in a loop (cheap to start, so that hundreds of kills take seconds), and a shell loop
running the real `pledgetrack update` command.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from pledgetrack.model.config import Config
from pledgetrack.model.dates import PartialDate
from pledgetrack.model.records import Pledge, Source, Update
from pledgetrack.store import writer
from pledgetrack.store.loader import load_dataset, parse_pledge
from pledgetrack.store.root import pledge_files
from tests.clirun import SCRIPT

pytestmark = [
    pytest.mark.reliability,
    pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork() and SIGKILL"),
]

API_KILLS = 200
CLI_KILLS = 20
PLEDGES = 10  # the API kills rotate over these, so that no file grows large enough to slow down


def _pledge(pledge_id: str) -> Pledge:
    return Pledge(id=pledge_id, title=f"Pledge {pledge_id} — 日本とASEAN", actors=("Japan",),
                  domains=("cyber",), sources=(Source("https://example.org/summit"),),
                  announced=PartialDate(2025, 10, 26))


def _update(note: str) -> Update:
    return Update(PartialDate(2025, 11, 20), "in_progress", note=note,
                  sources=(Source("https://example.org/progress", publisher="Example"),))


@dataclass
class Tracker:
    """What the test knows of each file: its bytes and notes as last verified."""

    root: Path
    data: dict[str, bytes] = field(default_factory=dict)
    notes: dict[str, list[str]] = field(default_factory=dict)
    kills: int = 0
    mid_write: int = 0  # kills that left a new temporary file: the kill came mid-write
    unreported: int = 0  # kills after an update landed but before it was reported

    def temp_identity(self, pledge_id: str) -> tuple[int, int, int] | None:
        try:
            st = os.lstat(self.root / "pledges" / f".{pledge_id}.yaml.tmp")
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_ctime_ns)

    def verify(self, pledge_id: str, prefix: str, reported: list[int],
               temp_before: tuple[int, int, int] | None = None) -> int:
        """Check one file after a kill; returns the number its next update gets."""
        temp_after = self.temp_identity(pledge_id)
        self.mid_write += temp_after is not None and temp_after != temp_before
        path = self.root / "pledges" / f"{pledge_id}.yaml"
        data = path.read_bytes()
        pledge, problems = parse_pledge(data, f"pledges/{pledge_id}.yaml")
        assert pledge is not None and problems == [], (pledge_id, problems)
        notes = [u.note for u in pledge.updates]
        old = self.notes[pledge_id]
        # Everything verified before is still there, byte for byte, and nothing moved.
        assert data.startswith(self.data[pledge_id])
        assert notes[: len(old)] == old
        # The new entries are the writer's, in order, complete: a prefix of its sequence.
        start = len(old)
        new = notes[start:]
        assert new == [f"{prefix}{start + k}" for k in range(len(new))], new
        assert all(u.status == "in_progress" and len(u.sources) == 1 for u in pledge.updates)
        # Every update reported as written is in the file; at most one more landed unreported.
        assert reported == list(range(start, start + len(reported))), reported
        assert len(reported) <= len(new) <= len(reported) + 1, (reported, new)
        self.unreported += len(new) - len(reported)
        self.data[pledge_id] = data
        self.notes[pledge_id] = notes
        self.kills += 1
        self._check_folder()
        return len(notes)

    def _check_folder(self) -> None:
        names = sorted(p.name for p in (self.root / "pledges").iterdir())
        expected = sorted(f"{i}.yaml" for i in self.data)
        others = [n for n in names if n not in expected]
        # A kill between creating the temporary file and renaming it leaves it behind: hidden,
        # not *.yaml, so never read as a pledge (and reused by the next write of that file).
        assert all(n.startswith(".") and n.endswith(".yaml.tmp") for n in others), others
        assert sorted(p.name for p in pledge_files(self.root)) == expected


def _fork_writer(root: Path, pledge_id: str, start: int, write_fd: int) -> int:
    """A child process appending updates to one pledge until it is killed; it reports each
    update on ``write_fd`` once `append_update` has returned."""
    pid = os.fork()
    if pid:
        return pid
    code = 0
    try:
        os.write(write_fd, b"R\n")  # running: the parent's random delay starts now
        config = Config()
        n = start
        while True:
            writer.append_update(root, pledge_id, _update(f"n{n}"), config)
            os.write(write_fd, f"{n}\n".encode())
            n += 1
    except BaseException as exc:  # never expected: the parent sees exit code 3 and the reason
        os.write(write_fd, f"E {exc!r}\n".encode())
        code = 3
    finally:
        os._exit(code)


def _read_all(fd: int) -> str:
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    os.close(fd)
    return b"".join(chunks).decode()


def test_api_writer_killed_200_times(tmp_path: Path) -> None:
    (tmp_path / "pledges").mkdir()
    tracker = Tracker(tmp_path)
    ids = [f"p{i}" for i in range(PLEDGES)]
    for pledge_id in ids:
        writer.create(tmp_path, _pledge(pledge_id))
        tracker.data[pledge_id] = (tmp_path / "pledges" / f"{pledge_id}.yaml").read_bytes()
        tracker.notes[pledge_id] = []
    # Every module an append needs is imported before the forks, as in a long-running writer.
    writer.create(tmp_path, _pledge("warm-up"))
    # How long an append takes on this machine now (from 2 to 20 ms on an idle one): the random
    # moments are drawn on that scale, so that a busy machine does not make every kill land
    # before the first write.
    timings = []
    for n in range(5):
        start = time.monotonic()
        writer.append_update(tmp_path, "warm-up", _update(f"x{n}"), Config())
        timings.append(time.monotonic() - start)
    scale = max(0.03, 3 * sorted(timings)[2])
    (tmp_path / "pledges" / "warm-up.yaml").unlink()
    rng = random.Random(20251026)
    next_number = dict.fromkeys(ids, 0)
    kill = 0
    # At least API_KILLS kills, and on until one has landed mid-write (so that the test is not
    # vacuous), which on an idle machine happens within the first few dozen.
    while kill < API_KILLS or (tracker.mid_write == 0 and kill < 5 * API_KILLS):
        pledge_id = ids[kill % PLEDGES]
        kill += 1
        temp_before = tracker.temp_identity(pledge_id)
        read_fd, write_fd = os.pipe()
        pid = _fork_writer(tmp_path, pledge_id, next_number[pledge_id], write_fd)
        os.close(write_fd)
        assert os.read(read_fd, 2) == b"R\n"
        # A random moment: mid-write, between writes, before the first one (the first append
        # in a new process takes the longest).
        time.sleep(rng.uniform(0, scale))
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        output = _read_all(read_fd)
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, output
        reported = [int(line) for line in output.split()]
        next_number[pledge_id] = tracker.verify(pledge_id, "n", reported, temp_before)

    assert tracker.kills == kill >= API_KILLS
    # The kills did land in the middle of writes (so the test is not vacuous).
    assert tracker.mid_write > 0
    total = sum(len(n) for n in tracker.notes.values())
    sys.stderr.write(f"\n{kill} kills, {total} updates written, {tracker.mid_write} kills "
                     f"mid-write, {tracker.unreported} landed unreported\n")
    dataset = load_dataset(tmp_path)
    assert (dataset.files, dataset.problems) == (PLEDGES, [])
    # The real `check` agrees, leftover temporary files and all.
    proc = subprocess.run([str(SCRIPT), "check", "--dir", str(tmp_path)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stderr == f"checked {PLEDGES} files: 0 errors, 0 warnings\n"
    # The next write of each pledge goes through: no leftover stands in its way.
    for pledge_id in ids:
        writer.append_update(tmp_path, pledge_id, _update("after"), Config())
    assert sorted(p.name for p in (tmp_path / "pledges").iterdir()) == sorted(
        f"{i}.yaml" for i in ids)


LOOP = """
i=$1
while "$SCRIPT" update "$2" --dir "$3" --status in_progress --note "c$i" \\
        --source https://example.org/progress --publisher Example >/dev/null 2>&1; do
    echo "$i"
    i=$((i + 1))
done
echo "exit $?"
"""


def test_cli_update_loop_killed_20_times(tmp_path: Path) -> None:
    """`pledgetrack update` in a shell loop; the whole process group is killed at a random
    moment, the command included."""
    (tmp_path / "pledges").mkdir()
    tracker = Tracker(tmp_path)
    ids = ["c0", "c1"]
    for pledge_id in ids:
        writer.create(tmp_path, _pledge(pledge_id))
        tracker.data[pledge_id] = (tmp_path / "pledges" / f"{pledge_id}.yaml").read_bytes()
        tracker.notes[pledge_id] = []
    # How long one command takes on this machine now (mostly start-up): the random moments
    # are drawn on that scale.
    (tmp_path / "pledges" / "t.yaml").write_text(tracker.data["c0"].decode().replace(
        "id: c0", "id: t"), encoding="utf-8")
    start = time.monotonic()
    subprocess.run([str(SCRIPT), "update", "t", "--dir", str(tmp_path), "-s", "stalled"],
                   check=True, capture_output=True)
    one = time.monotonic() - start
    (tmp_path / "pledges" / "t.yaml").unlink()
    rng = random.Random(11)
    next_number = dict.fromkeys(ids, 0)
    env = {**os.environ, "SCRIPT": str(SCRIPT)}
    for kill in range(CLI_KILLS):
        pledge_id = ids[kill % len(ids)]
        temp_before = tracker.temp_identity(pledge_id)
        proc = subprocess.Popen(
            ["sh", "-c", LOOP, "loop", str(next_number[pledge_id]), pledge_id, str(tmp_path)],
            stdout=subprocess.PIPE, text=True, env=env, start_new_session=True,
        )
        assert proc.stdout is not None
        first = ""
        if kill % 4 == 3:
            # Every fourth time, the first update is let through (so that the loop is known to
            # write at all) and the kill falls in the second.
            first = proc.stdout.readline()
        time.sleep(rng.uniform(0, 2 * one))
        os.killpg(proc.pid, signal.SIGKILL)
        output, _ = proc.communicate(timeout=30)
        output = first + output
        assert proc.returncode == -signal.SIGKILL, output
        assert "exit" not in output, output  # the loop never stopped on a failed update
        reported = [int(line) for line in output.split()]
        next_number[pledge_id] = tracker.verify(pledge_id, "c", reported, temp_before)
    assert tracker.kills == CLI_KILLS
    written = sum(len(n) for n in tracker.notes.values())
    sys.stderr.write(f"\n{CLI_KILLS} CLI kills, {written} updates written, "
                     f"{tracker.mid_write} mid-write, {tracker.unreported} landed unreported\n")
    assert written >= CLI_KILLS // 4
    dataset = load_dataset(tmp_path)
    assert (dataset.files, dataset.problems) == (len(ids), [])
