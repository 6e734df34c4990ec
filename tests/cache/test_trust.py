"""The records cache is used only where the user alone can write: a cache folder or file that is
a symbolic link, belongs to another user or can be written by others is refused — one warning,
and the command answers from the files as with --no-cache."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from pledgetrack.cache.shards import cache_dir
from tests.cache.test_cache import make_data
from tests.clirun import SCRIPT
from tests.conftest import VALID

COMMAND = ["list", "--format", "json", "--as-of", "2026-06-30"]
WARNING = "pledgetrack: warning: not using the records cache: "


def run(root: Path, home: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PLEDGETRACK_CACHE_DIR": str(home), "NO_COLOR": "1"}
    env.pop("PLEDGETRACK_NO_CACHE", None)
    return subprocess.run([str(SCRIPT), *COMMAND, "--dir", str(root), *extra],
                          capture_output=True, text=True, env=env, check=False)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    make_data(tmp_path / "data")
    return tmp_path / "data"


def expected(root: Path, home: Path) -> str:
    answer = run(root, home, "--no-cache")
    assert answer.returncode == 0 and WARNING not in answer.stderr
    return answer.stdout


def test_a_new_cache_folder_is_private(data: Path, tmp_path: Path) -> None:
    home = tmp_path / "home" / "cache"
    assert run(data, home).returncode == 0
    folder = next(home.iterdir())
    for path in (home, folder):
        assert path.stat().st_mode & 0o077 == 0, oct(path.stat().st_mode)
    assert list(folder.glob("shard-*.bin"))


def test_a_linked_cache_folder_is_refused(data: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    answer = expected(data, tmp_path / "unused")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    home.mkdir(mode=0o700)
    os.environ["PLEDGETRACK_CACHE_DIR"] = str(home)  # cache_dir reads it
    try:
        link = cache_dir(data)
    finally:
        del os.environ["PLEDGETRACK_CACHE_DIR"]
    assert link is not None
    link.symlink_to(elsewhere, target_is_directory=True)
    for _ in range(2):
        result = run(data, home)
        assert result.returncode == 0 and result.stdout == answer
        assert result.stderr.count(WARNING) == 1
        assert "is a symbolic link" in result.stderr
    assert list(elsewhere.iterdir()) == []  # nothing written through the link


@pytest.mark.parametrize("damage", ["group-writable", "other-owner"])
def test_a_cache_folder_others_can_write_is_refused(
    data: Path, tmp_path: Path, damage: str
) -> None:
    home = tmp_path / "home"
    answer = expected(data, tmp_path / "unused")
    home.mkdir()
    if damage == "group-writable":
        home.chmod(0o770)
        why = "can be written by other users"
    else:
        if os.geteuid() != 0:
            pytest.skip("giving a folder to another user needs root")
        os.chown(home, 65534, 65534)
        why = "belongs to another user"
    result = run(data, home)
    assert result.returncode == 0 and result.stdout == answer
    assert result.stderr.count(WARNING) == 1 and why in result.stderr
    assert list(home.iterdir()) == []


@pytest.mark.parametrize("damage", ["link", "group-writable", "other-owner"])
def test_a_shard_others_could_have_written_is_refused(
    data: Path, tmp_path: Path, damage: str
) -> None:
    home = tmp_path / "home"
    answer = expected(data, tmp_path / "unused")
    assert run(data, home).stdout == answer  # fills the cache
    shard = sorted(home.glob("*/shard-*.bin"))[0]
    if damage == "link":
        planted = tmp_path / "planted.bin"
        planted.write_bytes(shard.read_bytes())
        shard.unlink()
        shard.symlink_to(planted)
        why = "is a symbolic link"
    elif damage == "group-writable":
        shard.chmod(0o664)
        why = "can be written by other users"
    else:
        if os.geteuid() != 0:
            pytest.skip("giving a file to another user needs root")
        os.chown(shard, 65534, 65534)
        why = "belongs to another user"
    result = run(data, home)
    assert result.returncode == 0 and result.stdout == answer
    assert result.stderr.count(WARNING) == 1 and why in result.stderr


def test_a_folder_swapped_for_a_copy_of_the_same_times_and_sizes_is_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a file system with one-second times, a data folder replaced by a copy written in the
    same second, with a same-size edit, shows the same names, times and sizes: only the files'
    identity (device and inode, as in git's index) tells them apart."""
    from pledgetrack.cache import listing, shards
    from pledgetrack.store.loader import load_dataset

    real = listing.scan

    def coarse(root: str) -> list[listing.Listed]:
        return [(rel, path, time // 10**9 * 10**9, size, ident)
                for rel, path, time, size, ident in real(root)]

    monkeypatch.setattr(listing, "scan", coarse)
    monkeypatch.setattr(shards, "RACY_NS", 0)  # the copies are not "just written"
    text = VALID.replace("{id}", "p") + (
        "updates:\n  - date: 2025-11-01\n    status: {status}\n")
    for _ in range(20):  # both copies written within one second of the clock
        for name, status in (("old", "stalled"), ("new", "partial")):
            (tmp_path / name / "pledges").mkdir(parents=True, exist_ok=True)
            (tmp_path / name / "pledges" / "p.yaml").write_text(
                text.replace("{status}", status), encoding="utf-8")
        times = {coarse(str(tmp_path / n))[0][2] for n in ("old", "new")}
        if len(times) == 1:
            break
    assert len(times) == 1
    data = tmp_path / "data"
    (tmp_path / "old").rename(data)
    assert [p.status() for p in load_dataset(data, jobs=1).pledges] == ["stalled"]
    data.rename(tmp_path / "old-again")
    (tmp_path / "new").rename(data)
    assert [p.status() for p in load_dataset(data, jobs=1).pledges] == ["partial"]
    assert [p.status() for p in load_dataset(data, jobs=1, view="outline").pledges] == [
        "partial"]
