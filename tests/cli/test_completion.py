"""Shell completion of pledge ids, statuses, domains and revisions: the functions on a real data
folder, and the whole path through the shell-completion protocol in a real process."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from pledgetrack.cli import complete
from tests.clirun import SCRIPT

PLEDGE = """\
id: {id}
title: A pledge
actors:
  - Japan
domains:
  - cyber
announced: 2025-10-26
sources:
  - url: https://example.org/{id}
"""

CONFIG = """\
domains:
  cyber: Cybersecurity
  ai: Artificial intelligence
  maritime: Maritime security
statuses:
  - name: not_yet_rated
  - name: kept
    final: true
  - name: kept_in_part
    final: true
  - name: broken
    final: true
"""


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "tracker"
    (root / "pledges").mkdir(parents=True)
    for pid in ("japan-asean-cyber", "japan-asean-ai", "japan-uk-raa"):
        (root / "pledges" / f"{pid}.yaml").write_text(PLEDGE.format(id=pid), "utf-8")
    # Not pledges: an interrupted write's temporary file, a note, a subfolder.
    (root / "pledges" / ".japan-tmp.yaml").write_text("x", "utf-8")
    (root / "pledges" / "notes.txt").write_text("x", "utf-8")
    (root / "pledges" / "archive").mkdir()
    (root / "pledgetrack.yaml").write_text(CONFIG, "utf-8")
    (root / "sub").mkdir()
    monkeypatch.delenv("PLEDGETRACK_DIR", raising=False)
    monkeypatch.chdir(root / "sub")  # found upwards, as every command finds it
    return root


def test_pledge_ids(data: Path) -> None:
    assert complete.pledge_ids("") == ["japan-asean-ai", "japan-asean-cyber", "japan-uk-raa"]
    assert complete.pledge_ids("japan-a") == ["japan-asean-ai", "japan-asean-cyber"]
    assert complete.pledge_ids("x") == []


def test_statuses_come_from_the_configured_vocabulary(data: Path) -> None:
    assert complete.statuses("") == ["not_yet_rated", "kept", "kept_in_part", "broken"]
    assert complete.statuses("kep") == ["kept", "kept_in_part"]


def test_domains_come_from_the_configuration(data: Path) -> None:
    assert complete.domains("") == ["cyber", "ai", "maritime"]
    assert complete.domains("m") == ["maritime"]


def test_outside_a_data_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PLEDGETRACK_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    assert complete.pledge_ids("") == []
    assert complete.domains("") == []
    # The default vocabulary still applies.
    assert complete.statuses("in") == ["in_progress"]


def test_a_broken_configuration_never_breaks_completion(data: Path) -> None:
    (data / "pledgetrack.yaml").write_text("statuses: [\n", "utf-8")
    assert complete.domains("") == []
    assert "delivered" in complete.statuses("")  # the default vocabulary
    assert complete.pledge_ids("japan-uk") == ["japan-uk-raa"]


def test_pledgetrack_dir_is_honoured(data: Path, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PLEDGETRACK_DIR", str(data))
    assert complete.pledge_ids("japan-uk") == ["japan-uk-raa"]


# -- through the shell-completion protocol (what <Tab> in bash runs) ---------------------------


def tab(words: str, cwd: Path) -> list[str]:
    """Ask a real `pledgetrack` process for bash completions of the last word of ``words``."""
    env = dict(os.environ, _PLEDGETRACK_COMPLETE="complete_bash", COMP_WORDS=words,
               COMP_CWORD=str(len(words.split(" ")) - 1))
    done = subprocess.run([str(SCRIPT)], cwd=cwd, env=env, capture_output=True, text=True,
                          check=False, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_diff_completes_pledge_ids(data: Path) -> None:
    assert tab("pledgetrack diff --id japan-asean", data) == [
        "japan-asean-ai", "japan-asean-cyber"]


def test_filters_complete_statuses_and_domains(data: Path) -> None:
    assert tab("pledgetrack list --status kept", data) == ["kept", "kept_in_part"]
    assert tab("pledgetrack report --domain ma", data) == ["maritime"]


def test_diff_completes_revisions(data: Path, tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@example.org",
        "GIT_CEILING_DIRECTORIES": str(tmp_path),
    }.items():
        monkeypatch.setenv(name, value)
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "one"],
                 ["branch", "feature"], ["tag", "v1"]):
        subprocess.run(["git", *args], cwd=data, check=True, capture_output=True)
    assert complete.revisions("") == ["HEAD", "feature", "main", "v1"]
    assert complete.revisions("f") == ["feature"]
    # After 'A...' the other side is completed, the range kept.
    assert complete.revisions("main...f") == ["main...feature"]
    assert complete.revisions("v1..") == ["v1..HEAD", "v1..feature", "v1..main", "v1..v1"]
    assert tab("pledgetrack diff ma", data) == ["main"]


def test_revisions_outside_a_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    assert complete.revisions("") == []
