"""`pledgetrack init`: a new data folder, the merge driver registered in git."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pledgetrack.model.vocabulary import DEFAULT_VOCABULARY
from pledgetrack.store.configfile import load_config
from pledgetrack.store.loader import load_dataset
from tests.clirun import cli
from tests.yamlfile.test_serialize import yamllint_problems

BIN = str(Path(sys.executable).parent)


def git(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    # The driver registered by init is the bare command `pledgetrack`: put ours on PATH.
    env = {**os.environ, "PATH": BIN + os.pathsep + os.environ.get("PATH", "")}
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=check,
                          env=env)


def git_repo(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    git(path, "config", "user.email", "test@example.org")
    git(path, "config", "user.name", "Test")
    return path


def init(*args: str) -> tuple[int, str, str]:
    result = cli("init", *args)
    return result.exit_code, result.stdout, result.stderr


def test_init_outside_git(tmp_path: Path) -> None:
    target = tmp_path / "tracker"
    code, out, err = init(str(target))
    assert code == 0, err
    assert out == ""
    assert [p.name for p in (target / "pledges").iterdir()] == [".gitkeep"]
    assert "not a git repository" in err and "pledgetrack init --merge-driver" in err
    config_text = (target / "pledgetrack.yaml").read_text("utf-8")
    assert config_text.startswith("# pledgetrack configuration.")
    assert "# domains:\n#   cyber:" in config_text
    config = load_config(target)
    assert list(config.vocabulary) == list(DEFAULT_VOCABULARY)  # Status is a dataclass
    assert (config.stale_after_days, config.require_update_sources, dict(config.domains)) == (
        180, False, {})
    assert yamllint_problems(config_text) == []
    dataset = load_dataset(target)
    assert (dataset.files, dataset.problems) == (0, [])


def test_init_refuses_to_overwrite(tmp_path: Path) -> None:
    (tmp_path / "pledgetrack.yaml").write_text("stale_after_days: 30\n")
    code, _, err = init(str(tmp_path))
    assert code == 2 and "already exists; nothing was changed" in err
    assert (tmp_path / "pledgetrack.yaml").read_text() == "stale_after_days: 30\n"
    assert not (tmp_path / "pledges").exists()

    other = tmp_path / "other"
    (other / "pledges").mkdir(parents=True)
    (other / "pledges" / "x.yaml").write_text("id: x\n")
    code, _, err = init(str(other))
    assert code == 2 and "not empty" in err
    assert not (other / "pledgetrack.yaml").exists()


def test_init_in_git_registers_the_driver_and_merges_work(tmp_path: Path) -> None:
    repo = git_repo(tmp_path / "repo")
    code, _, err = init(str(repo))
    assert code == 0, err
    assert (repo / ".gitattributes").read_text() == "pledges/*.yaml merge=pledgetrack\n"
    assert git(repo, "config", "merge.pledgetrack.driver").stdout.strip() == \
        "pledgetrack merge-driver %O %A %B"
    assert git(repo, "check-attr", "merge", "pledges/any.yaml").stdout.strip() == \
        "pledges/any.yaml: merge: pledgetrack"

    # Two branches append updates; `git merge` runs the registered `pledgetrack merge-driver`.
    def run(*args: str) -> None:
        result = cli(*args, "--dir", str(repo))
        assert result.exit_code == 0, result.stderr

    run("add", "Coast guard vessels", "--actor", "Japan", "--domain", "maritime",
        "--announced", "2025-10-26", "--source", "https://example.org/v", "--id", "vessels")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "init")
    git(repo, "checkout", "-q", "-b", "theirs")
    run("update", "vessels", "-s", "in_progress", "--date", "2025-11-02")
    git(repo, "commit", "-qam", "theirs")
    git(repo, "checkout", "-q", "main")
    run("update", "vessels", "-s", "stalled", "--date", "2025-11-01")
    git(repo, "commit", "-qam", "ours")
    proc = git(repo, "merge", "--no-edit", "theirs", check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    statuses = [u.status for u in load_dataset(repo).pledges[0].updates]
    assert statuses == ["stalled", "in_progress"]


def test_merge_driver_for_an_existing_clone(tmp_path: Path) -> None:
    origin = git_repo(tmp_path / "origin")
    assert init(str(origin))[0] == 0
    git(origin, "add", ".")
    git(origin, "commit", "-qm", "init")
    git(tmp_path, "clone", "-q", str(origin), "clone")
    clone = tmp_path / "clone"
    # Git config is per clone: the attribute came with the clone, the driver did not.
    assert git(clone, "config", "merge.pledgetrack.driver", check=False).returncode == 1
    code, _, err = init("--merge-driver", str(clone))
    assert code == 0, err
    assert "git config merge.pledgetrack.driver" in err
    assert ".gitattributes" not in err  # already there
    assert git(clone, "config", "merge.pledgetrack.driver").stdout.strip() == \
        "pledgetrack merge-driver %O %A %B"
    code, _, err = init("--merge-driver", str(clone))
    assert code == 0 and "already registered" in err


def test_data_root_below_the_repository_top(tmp_path: Path) -> None:
    repo = git_repo(tmp_path / "repo")
    code, _, err = init(str(repo / "data"))
    assert code == 0, err
    assert (repo / "data" / ".gitattributes").exists()
    assert git(repo, "check-attr", "merge", "data/pledges/x.yaml").stdout.strip() == \
        "data/pledges/x.yaml: merge: pledgetrack"


def test_merge_driver_only_outside_git_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "pledges").mkdir()
    code, _, err = init("--merge-driver", str(tmp_path))
    assert code == 2 and "not inside a git repository" in err
