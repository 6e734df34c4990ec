"""Concurrency: many processes writing the same pledge and others at once lose nothing.

The processes are forked from the test after every module is imported, and all start writing at
the same instant (they wait on a pipe that the test then closes), so the writes really overlap.
`tests/cli/test_update.py` runs the same race through the real `pledgetrack update` command.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from pledgetrack.errors import PledgetrackError
from pledgetrack.model.config import Config
from pledgetrack.model.dates import PartialDate
from pledgetrack.model.records import Pledge, Source, Update
from pledgetrack.store import writer
from pledgetrack.store.loader import load_dataset

pytestmark = [
    pytest.mark.reliability,
    pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork()"),
]

PROCESSES = 24
ROUNDS = 3  # each process appends this many updates to each of its three pledges
GROUPS = 4  # pledges shared by a quarter of the processes each


def _pledge(pledge_id: str, title: str = "A pledge") -> Pledge:
    return Pledge(id=pledge_id, title=title, actors=("Japan", "Philippines"),
                  domains=("maritime",), sources=(Source("https://example.org/a"),),
                  announced=PartialDate(2025, 10, 26))


def _run_together(tasks: list[Callable[[], str]]) -> list[tuple[int, str]]:
    """Run each task in its own forked process, all released at once; (exit code, output)."""
    gate_read, gate_write = os.pipe()
    children = []
    for task in tasks:
        out_read, out_write = os.pipe()
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                os.close(gate_write)
                os.read(gate_read, 1)  # blocks until the test closes the gate: EOF
                message = task()
            except PledgetrackError as exc:
                message, code = f"refused: {exc.message}", 1
            except BaseException as exc:
                message, code = f"crashed: {exc!r}", 3
            finally:
                try:
                    os.write(out_write, message.encode())
                finally:
                    os._exit(code)
        os.close(out_write)
        children.append((pid, out_read))
    os.close(gate_read)
    os.close(gate_write)  # all children start now
    results = []
    for pid, out_read in children:
        chunks = []
        while chunk := os.read(out_read, 65536):
            chunks.append(chunk)
        os.close(out_read)
        _, status = os.waitpid(pid, 0)
        results.append((os.waitstatus_to_exitcode(status), b"".join(chunks).decode()))
    return results


def test_24_processes_update_a_shared_pledge_and_others(tmp_path: Path) -> None:
    (tmp_path / "pledges").mkdir()
    ids = ["shared", *(f"group-{g}" for g in range(GROUPS)),
           *(f"own-{n}" for n in range(PROCESSES))]
    for pledge_id in ids:
        writer.create(tmp_path, _pledge(pledge_id))
    writer.append_update(tmp_path, "shared", Update(PartialDate(2025, 10, 27), "not_yet_rated"),
                         Config())  # imports everything an append needs before the fork

    def task(n: int) -> Callable[[], str]:
        def run() -> str:
            config = Config()
            for r in range(ROUNDS):
                for pledge_id in ("shared", f"group-{n % GROUPS}", f"own-{n}"):
                    party = ("Japan", "Philippines", None)[r % 3]
                    writer.append_update(tmp_path, pledge_id, Update(
                        PartialDate(2025, 11, 20), "in_progress", party=party,
                        note=f"writer {n} round {r} — ญี่ปุ่น", sources=(
                            Source(f"https://example.org/{n}/{r}", publisher="Example"),)),
                        config)
            return "ok"
        return run

    results = _run_together([task(n) for n in range(PROCESSES)])
    assert results == [(0, "ok")] * PROCESSES

    dataset = load_dataset(tmp_path)
    assert dataset.problems == []
    assert dataset.files == len(ids)
    by_id = {p.id: p for p in dataset.pledges}

    def notes(pledge_id: str) -> list[str]:
        return [u.note or "" for u in by_id[pledge_id].updates]

    def written_by(n: int, pledge_id: str) -> list[str]:
        return [note for note in notes(pledge_id) if note.startswith(f"writer {n} ")]

    expected = {n: [f"writer {n} round {r} — ญี่ปุ่น" for r in range(ROUNDS)]
                for n in range(PROCESSES)}
    # The shared pledge: the first update plus every writer's, each writer's in its own order.
    assert len(notes("shared")) == 1 + PROCESSES * ROUNDS  # 1 + 24 * 3 = 73
    for n in range(PROCESSES):
        assert written_by(n, "shared") == expected[n]
        assert written_by(n, f"group-{n % GROUPS}") == expected[n]
        assert notes(f"own-{n}") == expected[n]
    for g in range(GROUPS):
        # 24 writers over 4 groups: 6 writers * 3 rounds each.
        assert len(notes(f"group-{g}")) == (PROCESSES // GROUPS) * ROUNDS
    # Nothing but the pledge files is left in pledges/.
    assert sorted(p.name for p in (tmp_path / "pledges").iterdir()) == sorted(
        f"{i}.yaml" for i in ids)


def test_20_processes_adding_the_same_id_one_wins(tmp_path: Path) -> None:
    (tmp_path / "pledges").mkdir()
    writer.create(tmp_path, _pledge("warm-up"))

    def task(n: int) -> Callable[[], str]:
        def run() -> str:
            writer.create(tmp_path, _pledge("same-id", title=f"Written by {n}"))
            return f"created by {n}"
        return run

    results = _run_together([task(n) for n in range(20)])
    winners = [out for code, out in results if code == 0]
    assert len(winners) == 1, results
    losers = [out for code, out in results if code != 0]
    assert losers == ["refused: pledge 'same-id' already exists (pledges/same-id.yaml)"] * 19
    winner = int(winners[0].rsplit(" ", 1)[1])
    dataset = load_dataset(tmp_path)
    assert dataset.problems == []
    assert dataset.get("same-id") is not None
    assert dataset.get("same-id").title == f"Written by {winner}"  # type: ignore[union-attr]
