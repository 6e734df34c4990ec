"""Loading in several processes gives exactly what loading in one gives, and reports progress."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pledgetrack.cache import parallel
from pledgetrack.store import loader
from pledgetrack.store.loader import load_dataset
from tests.cache.test_cache import make_data

# More files than shards, so that every worker gets several; a threshold of 1 file makes the
# loader use processes for them (it would not bother for so few).
COUNT = 150


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    make_data(tmp_path, count=COUNT)
    monkeypatch.setattr(parallel, "MIN_FILES", 1)
    return tmp_path


def same(a: loader.Dataset, b: loader.Dataset) -> None:
    assert a.pledges == b.pledges
    assert a.problems == b.problems
    assert a.broken == b.broken
    assert a.files == b.files == COUNT + 3


@pytest.fixture
def processes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times worker processes were started (the real ones still run)."""
    started: list[int] = []
    real = parallel.map_unordered

    def counting(function, tasks, jobs):  # type: ignore[no-untyped-def]
        started.append(jobs)
        return real(function, tasks, jobs)

    monkeypatch.setattr(parallel, "map_unordered", counting)
    return started


@pytest.mark.parametrize("view", ["full", "outline", "problems"])
def test_parallel_load_equals_serial_load(
    data: Path, yaml_loader: str, view: str, processes: list[int]
) -> None:
    serial = load_dataset(data, cache=False, jobs=1, view=view)  # type: ignore[arg-type]
    assert processes == []
    parallel_cold = load_dataset(data, cache=False, jobs=2, view=view)  # type: ignore[arg-type]
    assert processes == [2]
    same(parallel_cold, serial)
    # With the cache: filled by the workers, then read back in this process.
    filled = load_dataset(data, jobs=2, view=view)  # type: ignore[arg-type]
    same(filled, serial)
    warm = load_dataset(data, jobs=2, view=view)  # type: ignore[arg-type]
    same(warm, serial)
    if view == "problems":
        assert serial.pledges == []
    else:
        # dup.yaml declares p01's id (p01.yaml, named after it, keeps it) and is left out,
        # broken.yaml does not parse; typo.yaml only has a warning: COUNT + 1.
        assert len(serial.pledges) == COUNT + 1
        assert serial.broken == ["pledges/broken.yaml", "pledges/dup.yaml"]


def settle(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run the clock 10 s ahead: the files this test wrote a moment ago count as settled (changed
    more than the cache's 3-second margin before they were read), so the cache trusts them."""
    real = time.time_ns
    monkeypatch.setattr(time, "time_ns", lambda: real() + 10 * 10**9)


def test_workers_fill_a_cache_that_one_process_reads(
    data: Path, processes: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    settle(monkeypatch)
    expected = load_dataset(data, cache=False, jobs=1)
    filled = load_dataset(data, jobs=2)
    assert processes == [2]
    same(filled, expected)

    def no_parsing(data: bytes, rel: str) -> object:
        raise AssertionError(f"{rel} parsed again")

    monkeypatch.setattr(loader, "parse_with_salvage", no_parsing)
    same(load_dataset(data, jobs=2), expected)
    assert processes == [2]  # nothing to parse: no processes started


def test_progress_is_reported_from_parallel_loads(
    data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[int, int]] = []
    load_dataset(data, jobs=2, progress=lambda done, total: calls.append((done, total)))
    total = COUNT + 3
    assert len(calls) > 1
    assert all(t == total for _, t in calls)
    dones = [d for d, _ in calls]
    assert dones == sorted(dones) and dones[-1] == total

    # Answered by the cache: only the end is reported.
    calls.clear()
    settle(monkeypatch)
    load_dataset(data, jobs=2)  # the files are now read as settled
    load_dataset(data, jobs=2, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(total, total)]


def test_few_files_are_parsed_in_this_process(
    tmp_path: Path, processes: list[int]
) -> None:
    make_data(tmp_path, count=20)  # below the real threshold
    load_dataset(tmp_path, jobs=2, cache=False)
    assert processes == []


def test_check_output_is_the_same_with_one_or_two_processes(tmp_path: Path) -> None:
    """Real processes, as a user runs them: more files than the threshold for workers."""
    make_data(tmp_path, count=parallel.MIN_FILES + 50)
    outputs = []
    for jobs in ("1", "2"):
        result = subprocess.run(
            [sys.executable, "-m", "pledgetrack", "check", "--no-cache", "--format", "json",
             "--dir", str(tmp_path)],
            capture_output=True, text=True, env={**os.environ, "PLEDGETRACK_JOBS": jobs},
        )
        assert result.returncode == 1, result.stderr
        outputs.append((result.stdout, result.stderr))
    assert outputs[0] == outputs[1]
    assert f"checked {parallel.MIN_FILES + 53} files: 3 errors, 1 warning" in outputs[0][1]


def test_default_jobs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(parallel.JOBS_ENV, "3")
    assert parallel.default_jobs() == 3
    monkeypatch.setenv(parallel.JOBS_ENV, "none")
    assert parallel.default_jobs() >= 1
