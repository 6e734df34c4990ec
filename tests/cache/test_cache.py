"""The cache of parsed records never changes a result: cached and uncached output are the same,
before and after edits, and a damaged cache is ignored and rebuilt."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import pickle
from pathlib import Path

import pytest

from pledgetrack.cache import shards as cache
from pledgetrack.model.records import (
    Pledge,
    PledgeOutline,
    Update,
    UpdateOutline,
    ViewError,
    full_only,
)
from pledgetrack.queries.exports import export_rows
from pledgetrack.queries.selection import Filter, select
from pledgetrack.store.loader import load_dataset
from pledgetrack.yamlfile import pledgefile
from tests.clirun import cli
from tests.conftest import VALID

CONFIG = """\
require_update_sources: true
domains:
  cyber: Cyber
  maritime: Maritime
"""

# Pledges of every shape: parties, several sources, non-ASCII text, a warning, broken files.
PLEDGE = VALID + """\
deadline: 2026-Q2
summary: "日本とASEANのサイバー協力 — hợp tác an ninh mạng, ความร่วมมือ"
updates:
  - date: 2025-11-01
    status: in_progress
    note: Training started in Hanoi — Việt Nam.
    sources:
      - url: https://example.org/{id}/1
        publisher: Example
  - date: 2026-01-15
    status: {status}
    sources:
      - url: https://example.org/{id}/2
"""


def make_data(root: Path, count: int = 12) -> None:
    (root / "pledges").mkdir(parents=True, exist_ok=True)
    (root / "pledgetrack.yaml").write_text(CONFIG, encoding="utf-8")
    statuses = ["delivered", "stalled", "in_progress", "broken"]
    for i in range(count):
        pid = f"p{i:02d}"
        text = PLEDGE.replace("{status}", statuses[i % 4]).replace("{id}", pid)
        (root / "pledges" / f"{pid}.yaml").write_text(text, encoding="utf-8")
    pledges = root / "pledges"
    (pledges / "broken.yaml").write_text("id: broken\ntitle: [unclosed\n", encoding="utf-8")
    (pledges / "typo.yaml").write_text(VALID.replace("{id}", "typo") + "titel: x\n",
                                       encoding="utf-8")
    (pledges / "dup.yaml").write_text(VALID.replace("{id}", "p01"), encoding="utf-8")


COMMANDS = [
    ["check", "--format", "json"],
    ["list", "--format", "json", "--as-of", "2026-06-30"],
    ["report", "--format", "json", "--as-of", "2026-06-30", "--by", "domain", "--matrix"],
    ["report", "--format", "json", "--as-of", "2026-06-30", "--search", "hanoi"],
    ["export", "--format", "json", "--as-of", "2026-06-30"],
    ["export", "--format", "csv", "--updates", "--as-of", "2026-06-30"],
    ["report", "--format", "html", "--as-of", "2026-06-30"],
]


def outputs(root: Path, *extra: str) -> list[tuple[int, str, str]]:
    found = []
    for args in COMMANDS:
        result = cli(*args, "--dir", str(root), *extra,
                     env={"SOURCE_DATE_EPOCH": "1767225600"})
        found.append((result.exit_code, result.stdout, result.stderr))
    return found


def assert_same_with_and_without_cache(root: Path) -> None:
    uncached = outputs(root, "--no-cache")
    filled = outputs(root)  # may fill the cache
    warm = outputs(root)  # read from it
    assert filled == uncached
    assert warm == uncached
    # The HTML page shows the timelines: notes and sources are loaded for it.
    html = warm[-1][1]
    if "Training started in Hanoi" in (root / "pledges" / "p00.yaml").read_text("utf-8"):
        assert "Training started in Hanoi" in html and "https://example.org/p00/1" in html


def shard_files(home: Path) -> list[Path]:
    return sorted(home.glob("*/shard-*.bin"))


def test_cached_output_is_the_uncached_output_before_and_after_edits(
    tmp_path: Path, cache_home: Path, yaml_loader: str
) -> None:
    make_data(tmp_path)
    assert_same_with_and_without_cache(tmp_path)
    assert shard_files(cache_home), "the cache was written"
    pledges = tmp_path / "pledges"

    # An edit that changes the size.
    path = pledges / "p03.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("status: broken",
                                                             "status: delivered"),
                    encoding="utf-8")
    assert_same_with_and_without_cache(tmp_path)

    # An edit that keeps the size and the modification time, as an edit in the same clock tick
    # as the read would: the file was modified (here: dated) too close to the read for its time
    # to be trusted, so its content is compared.
    path = pledges / "p05.yaml"
    soon = (path.stat().st_mtime_ns // 10**9 + 60) * 10**9
    os.utime(path, ns=(soon, soon))
    assert_same_with_and_without_cache(tmp_path)
    before = path.stat()
    text = path.read_text(encoding="utf-8")
    assert "status: stalled" in text
    path.write_text(text.replace("status: stalled", "status: partial"), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size
    assert_same_with_and_without_cache(tmp_path)
    report = cli("list", "-f", "tsv", "--as-of", "2026-06-30", "--dir",
                 str(tmp_path)).stdout
    assert any(line.startswith("p05\t") and "\tpartial\t" in line for line in report.splitlines())

    # A file removed, a file added, a broken file fixed, a new error.
    (pledges / "p07.yaml").unlink()
    (pledges / "new.yaml").write_text(VALID.replace("{id}", "new"), encoding="utf-8")
    (pledges / "broken.yaml").write_text(VALID.replace("{id}", "broken"), encoding="utf-8")
    (pledges / "p08.yaml").write_text(VALID.replace("{id}", "p08").replace("cyber", "space"),
                                      encoding="utf-8")
    assert_same_with_and_without_cache(tmp_path)

    # The configuration changes what the per-file rules find (unknown domain) in unchanged files.
    (tmp_path / "pledgetrack.yaml").write_text(CONFIG.replace("  maritime: Maritime\n",
                                                              "  space: Space\n"))
    assert_same_with_and_without_cache(tmp_path)
    (tmp_path / "pledgetrack.yaml").unlink()
    assert_same_with_and_without_cache(tmp_path)


def test_old_files_are_taken_from_the_cache_and_changed_ones_parsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_data(tmp_path)
    pledges = tmp_path / "pledges"
    old = 1_600_000_000 * 10**9  # files last written long before they are read
    for path in pledges.iterdir():
        os.utime(path, ns=(old, old))
    first = load_dataset(tmp_path, jobs=1)

    parsed: list[str] = []
    real = pledgefile.parse_with_salvage

    def counting(data: bytes, rel: str) -> object:
        parsed.append(rel)
        return real(data, rel)

    monkeypatch.setattr(pledgefile, "parse_with_salvage", counting)
    again = load_dataset(tmp_path, jobs=1)
    assert parsed == []
    assert again.pledges == first.pledges and again.problems == first.problems

    # A fresh checkout: every modification time new, no content changed. The content hash
    # decides, and nothing is parsed.
    for path in pledges.iterdir():
        os.utime(path, ns=(old + 10**9, old + 10**9))
    assert load_dataset(tmp_path, jobs=1).problems == first.problems
    assert parsed == []

    # One edit: that file alone is parsed.
    path = pledges / "p02.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "tags: [x]\n", encoding="utf-8")
    edited = load_dataset(tmp_path, jobs=1)
    assert parsed == ["pledges/p02.yaml"]
    assert edited.get("p02") is not None and edited.get("p02").tags == ("x",)  # type: ignore[union-attr]


def test_an_edit_that_sets_the_time_back_is_seen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same size, the old modification time restored (`touch -d`, archive tools): the
    status-change time still moves, and the content decides."""
    import time

    make_data(tmp_path)
    old = 1_600_000_000 * 10**9
    path = tmp_path / "pledges" / "p03.yaml"
    os.utime(path, ns=(old, old))
    real = time.time_ns
    monkeypatch.setattr(time, "time_ns", lambda: real() + 10 * 10**9)  # all settled
    before = load_dataset(tmp_path, jobs=1).get("p03")
    assert before is not None and before.status() == "broken"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("status: broken", "status: stalle"), encoding="utf-8")
    os.utime(path, ns=(old, old))
    assert path.stat().st_size == len(text.encode())
    monkeypatch.setattr(time, "time_ns", lambda: real() + 20 * 10**9)
    after = load_dataset(tmp_path, jobs=1)
    assert after.get("p03") is None  # `stalle` is no status: the file is broken now
    assert any(p.rule == "unknown-status" for p in after.problems if p.path.endswith("p03.yaml"))


def test_a_configuration_edited_with_its_time_set_back_is_seen(tmp_path: Path) -> None:
    make_data(tmp_path)
    config = tmp_path / "pledgetrack.yaml"
    old = 1_600_000_000 * 10**9
    os.utime(config, ns=(old, old))
    assert not [p for p in load_dataset(tmp_path).problems if p.rule == "unknown-domain"]
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("cyber:", "cyben:"), encoding="utf-8")  # same size
    os.utime(config, ns=(old, old))  # as `cp -p`, `rsync -a` or `touch -r` leave it
    assert any(p.rule == "unknown-domain" for p in load_dataset(tmp_path).problems)


def test_a_limited_load_keeps_the_other_entries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_data(tmp_path)
    old = 1_600_000_000 * 10**9
    for path in (tmp_path / "pledges").iterdir():
        os.utime(path, ns=(old, old))
    load_dataset(tmp_path, jobs=1)
    some = [tmp_path / "pledges" / "p01.yaml", tmp_path / "pledges" / "p02.yaml"]
    limited = load_dataset(tmp_path, files=some, jobs=1)
    # dup.yaml also declares p01, but it is not part of this load.
    assert [p.id for p in limited.pledges] == ["p01", "p02"]
    assert limited.files == 2

    parsed: list[str] = []
    real = pledgefile.parse_with_salvage
    monkeypatch.setattr(pledgefile, "parse_with_salvage",
                        lambda data, rel: parsed.append(rel) or real(data, rel))
    load_dataset(tmp_path, jobs=1)
    assert parsed == []


@pytest.mark.parametrize("damage", ["garbage", "truncated", "flipped-byte", "empty",
                                    "other-version"])
def test_a_damaged_cache_is_ignored_and_rebuilt(
    tmp_path: Path, cache_home: Path, damage: str
) -> None:
    make_data(tmp_path)
    expected = outputs(tmp_path, "--no-cache")
    assert outputs(tmp_path) == expected
    shards = shard_files(cache_home)
    assert shards
    for shard in shards:
        data = shard.read_bytes()
        if damage == "garbage":
            shard.write_bytes(b"\x80\x05not a shard" * 50)
        elif damage == "truncated":
            shard.write_bytes(data[: len(data) // 2])
        elif damage == "flipped-byte":
            middle = len(data) // 2
            shard.write_bytes(data[:middle] + bytes([data[middle] ^ 0x55]) + data[middle + 1:])
        elif damage == "empty":
            shard.write_bytes(b"")
        else:
            shard.write_bytes(data.replace(cache.MAGIC, b"PTCACHE\x09", 1))
    assert outputs(tmp_path) == expected
    # Rebuilt: every shard is a valid one again.
    key = cache.version_key()
    for shard in shard_files(cache_home):
        assert cache.read_shard(shard, key, outline=True, full=True) is not None


class _Evil:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, ...]:
        return (os.system, (f"touch {self.marker}",))


@pytest.mark.parametrize("part", ["index", "lean", "full"])
def test_a_cache_that_names_a_function_is_refused(
    tmp_path: Path, cache_home: Path, part: str
) -> None:
    """A shard whose digests are right but whose pickles call a function is never run."""
    make_data(tmp_path / "data")
    root = tmp_path / "data"
    expected = outputs(root, "--no-cache")
    outputs(root)
    marker = tmp_path / "ran"
    evil = pickle.dumps(_Evil(marker))
    key = cache.version_key()
    for shard in shard_files(cache_home):
        stored = cache.read_shard(shard, key, outline=False, full=False)
        assert stored is not None
        parts = {"index": cache.dumps((key, list(stored.entries.values()))),
                 "lean": cache.dumps([]), "full": b""}
        parts[part] = evil
        shard.write_bytes(cache._HEADER.pack(
            cache.MAGIC, len(parts["index"]), len(parts["lean"]), len(parts["full"]),
            cache.digest(parts["index"]), cache.digest(parts["lean"]),
            cache.digest(parts["full"])) + parts["index"] + parts["lean"] + parts["full"])
    assert outputs(root) == expected
    assert not marker.exists()


def test_a_cache_whose_parts_do_not_fit_together_is_rebuilt(
    tmp_path: Path, cache_home: Path
) -> None:
    """Right digests, right shape, wrong content: a file's entry points at another file's
    record. The records are checked against their files, and the shard is built again."""
    make_data(tmp_path / "data", count=40)
    root = tmp_path / "data"
    expected = outputs(root, "--no-cache")
    outputs(root)
    key = cache.version_key()
    swapped = 0
    for shard in shard_files(cache_home):
        data = shard.read_bytes()
        index, lean, full = (bytes(part) for part in cache.split_parts(data))
        _, entries = cache.loads(index)
        with_records = [i for i, e in enumerate(entries) if e[cache.E_OUTLINE] >= 0]
        if len(with_records) < 2:
            continue
        a, b = with_records[0], with_records[1]
        ea = list(entries[a])
        for field in (cache.E_OUTLINE, cache.E_FULL_AT, cache.E_FULL_LEN):
            ea[field] = entries[b][field]
        entries[a] = tuple(ea)
        head_index, _ = cache.shard_parts(key, entries, lean, full)
        shard.write_bytes(head_index + lean + full)
        swapped += 1
    assert swapped
    assert outputs(root) == expected
    assert outputs(root) == expected


def test_an_unwritable_cache_folder_is_no_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_data(tmp_path / "data")
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would go")
    monkeypatch.setenv("PLEDGETRACK_CACHE_DIR", str(blocker / "cache"))
    expected = outputs(tmp_path / "data", "--no-cache")
    assert outputs(tmp_path / "data") == expected
    assert outputs(tmp_path / "data") == expected


def test_no_cache_reads_and_writes_nothing(
    tmp_path: Path, cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_data(tmp_path)
    outputs(tmp_path, "--no-cache")
    assert not any(cache_home.iterdir())
    monkeypatch.setenv("PLEDGETRACK_NO_CACHE", "1")
    outputs(tmp_path)
    load_dataset(tmp_path)
    assert not any(cache_home.iterdir())
    monkeypatch.delenv("PLEDGETRACK_NO_CACHE")
    load_dataset(tmp_path, cache=False)
    assert not any(cache_home.iterdir())
    load_dataset(tmp_path)
    assert shard_files(cache_home)


def test_the_cache_lives_outside_the_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_data(tmp_path / "data")
    monkeypatch.delenv("PLEDGETRACK_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    load_dataset(tmp_path / "data")
    assert shard_files(tmp_path / "xdg" / "pledgetrack")
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["pledges",
                                                                      "pledgetrack.yaml"]
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    load_dataset(tmp_path / "data")
    assert shard_files(tmp_path / "home" / ".cache" / "pledgetrack")


def test_outline_records_hold_the_full_records_fields_but_the_full_only_ones(
    tmp_path: Path, yaml_loader: str
) -> None:
    make_data(tmp_path)
    for cached in (False, True, True):
        full = load_dataset(tmp_path, cache=cached)
        outline = load_dataset(tmp_path, cache=cached, view="outline")
        problems = load_dataset(tmp_path, cache=cached, view="problems")
        assert outline.problems == full.problems == problems.problems
        assert outline.broken == full.broken == problems.broken
        assert problems.pledges == []
        assert len(outline.pledges) == len(full.pledges) > 0
        for a, b in zip(outline.pledges, full.pledges, strict=True):
            assert type(a) is PledgeOutline and type(b) is Pledge
            for f in dataclasses.fields(Pledge):
                if f.name in full_only(Pledge):
                    with pytest.raises(ViewError, match=f"'{f.name}' is not part of the outline"):
                        getattr(a, f.name)
                elif f.compare and f.name != "updates":
                    assert getattr(a, f.name) == getattr(b, f.name), f.name
            for ua, ub in zip(a.updates, b.updates, strict=True):
                assert type(ua) is UpdateOutline
                for f in dataclasses.fields(Update):
                    if f.name in full_only(Update):
                        with pytest.raises(ViewError):
                            getattr(ua, f.name)
                    else:
                        assert getattr(ua, f.name) == getattr(ub, f.name), f.name
            assert a.status() == b.status()
        assert outline.pledges == load_dataset(tmp_path, cache=cached, view="outline").pledges


@pytest.mark.parametrize("cached", [False, True])
def test_a_search_gets_the_same_answer_from_every_view_or_a_refusal(
    tmp_path: Path, cached: bool
) -> None:
    """The text searched is not in an outline: the answer is the full records' one, or an
    error saying so — never fewer pledges."""
    make_data(tmp_path)
    question = Filter(search="hanoi")
    full = select(load_dataset(tmp_path, cache=cached), question)
    assert len(full) == 12  # the twelve generated pledges: each has a note naming Hanoi
    for view in ("full", "outline", "problems"):
        dataset = load_dataset(tmp_path, cache=cached, view=view)  # type: ignore[arg-type]
        try:
            found = select(dataset, question)
        except ViewError as exc:
            assert view == "outline" and "load the full records" in str(exc)
            continue
        assert found == full or (view == "problems" and found == [] and dataset.pledges == [])
    # Nor does an export or a pledge's own text quietly come out empty.
    outline = load_dataset(tmp_path, cache=cached, view="outline")
    with pytest.raises(ViewError):
        export_rows(outline.pledges, outline.config, dt.date(2026, 6, 30))
    assert cli("list", "--format", "json", "--search", "hanoi",
               "--dir", str(tmp_path)).stdout.count('"id"') == 12


def test_a_symbolic_link_is_reported_never_cached_nor_followed(tmp_path: Path) -> None:
    make_data(tmp_path / "data")
    root = tmp_path / "data"
    secret = tmp_path / "secret.yaml"
    secret.write_text(VALID.replace("{id}", "linked"), encoding="utf-8")
    link = root / "pledges" / "linked.yaml"
    link.symlink_to(secret)
    assert_same_with_and_without_cache(root)
    check = cli("check", "--dir", str(root)).stdout
    assert "pledges/linked.yaml:1:1: error: the file is a symbolic link" in check
    assert "linked" not in cli("list", "--dir", str(root)).stdout.split()
    # The link replaced by the file it pointed at: now a pledge like any other.
    link.unlink()
    link.write_text(secret.read_text(encoding="utf-8"), encoding="utf-8")
    assert_same_with_and_without_cache(root)
    assert "symbolic link" not in cli("check", "--dir", str(root)).stdout


def test_the_cache_key_follows_every_module_of_the_package(tmp_path: Path) -> None:
    """The code fingerprint is made from the package's own files, found by walking it: a
    module of any layer — here a renderer that no hand-kept list would have named — edited in
    place changes the key, so nothing the old code loaded is reused."""
    import shutil

    import pledgetrack

    package = Path(pledgetrack.__file__).parent
    copy = tmp_path / "pledgetrack"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__"))
    script = ("import sys; sys.path.insert(0, sys.argv[1]); "
              "from pledgetrack.cache import shards; print(shards.version_key()[-1].hex())")

    def key() -> str:
        import subprocess
        import sys

        return subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True,
                              text=True, check=True).stdout.strip()

    before = key()
    assert before == key()
    module = copy / "render" / "statuses.py"
    module.write_text(module.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    edited = key()
    assert edited != before
    (copy / "queries" / "new_module.py").write_text("X = 1\n", encoding="utf-8")
    assert key() != edited


def test_the_cache_is_used_through_its_door_only() -> None:
    """Outside the cache package, only the package itself is imported — never its shard files,
    entry layout, encoding or scheduler."""
    import re

    import pledgetrack

    package = Path(pledgetrack.__file__).parent
    submodules = "|".join(p.stem for p in (package / "cache").glob("*.py")
                          if p.stem != "__init__")
    inner = re.compile(rf"import\s+pledgetrack\.cache\.|from\s+pledgetrack\.cache\.|"
                       rf"from\s+pledgetrack\.cache\s+import\s+\(?\s*({submodules})\b")
    offenders = []
    for path in package.rglob("*.py"):
        if path.parent.name == "cache" and path.parent.parent == package:
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if inner.search(line):
                offenders.append(f"{path.relative_to(package)}: {line.strip()}")
    assert offenders == []
