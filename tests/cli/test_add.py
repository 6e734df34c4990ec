"""`pledgetrack add`: canonical new files, derived ids, prompts only on a terminal."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from pledgetrack.cli import authoring
from pledgetrack.store.loader import load_dataset
from tests.clirun import cli
from tests.yamlfile.test_serialize import yamllint_problems

ARGS = ["--actor", "Japan", "--to", "ASEAN", "--domain", "cyber", "--announced", "26 Oct 2025",
        "--source", "https://example.org/summit", "--publisher", "Kyodo"]


def add(root: Path, *args: str, input: str | None = None) -> tuple[int, str, str]:
    result = cli("add", "--dir", str(root), *args, input=input)
    return result.exit_code, result.stdout, result.stderr


def test_add_writes_a_canonical_file_and_prints_id_and_path(data_root: Path) -> None:
    code, out, err = add(data_root, "Support cybersecurity human-resource development in ASEAN",
                         *ARGS, "--tag", "summit-2025", "--deadline", "2026-Q4",
                         "--summary", "Training for ASEAN cyber agencies.")
    assert code == 0, err
    # Small words are dropped and the slug is cut at a word boundary (at most 40 characters).
    pledge_id = "support-cybersecurity-human-resource"
    assert out == f"{pledge_id}\tpledges/{pledge_id}.yaml\n"
    assert f"created pledges/{pledge_id}.yaml" in err
    text = (data_root / "pledges" / f"{pledge_id}.yaml").read_text("utf-8")
    assert text == f"""\
id: {pledge_id}
title: Support cybersecurity human-resource development in ASEAN
actors:
  - Japan
recipients:
  - ASEAN
domains:
  - cyber
announced: 2025-10-26
deadline: 2026-Q4
summary: Training for ASEAN cyber agencies.
tags:
  - summit-2025
sources:
  - url: https://example.org/summit
    publisher: Kyodo
"""
    assert yamllint_problems(text) == []
    assert load_dataset(data_root).problems == []


def test_collision_is_refused_with_a_suggested_id(data_root: Path) -> None:
    assert add(data_root, "Maritime security support", *ARGS)[0] == 0
    code, out, err = add(data_root, "Maritime security support", *ARGS)
    assert code == 2 and out == ""
    assert "a pledge with id 'maritime-security-support' already exists" in err
    assert "--id maritime-security-support-2" in err
    code, out, _ = add(data_root, "Maritime security support", *ARGS,
                       "--id", "maritime-security-support-2")
    assert code == 0 and out.startswith("maritime-security-support-2\t")


def test_explicit_existing_id_is_refused(data_root: Path) -> None:
    assert add(data_root, "First", *ARGS, "--id", "same")[0] == 0
    before = (data_root / "pledges" / "same.yaml").read_bytes()
    code, _, err = add(data_root, "Second", *ARGS, "--id", "same")
    assert code == 2 and "already exists" in err
    assert (data_root / "pledges" / "same.yaml").read_bytes() == before


@pytest.mark.parametrize("bad", ["../escape", "/tmp/abs", "a/b", "a\\b", "nul\x00", "Caps"])
def test_unsafe_id_is_refused(data_root: Path, bad: str) -> None:
    code, _, err = add(data_root, "Title", *ARGS, "--id", bad)
    assert code == 2 and "must be a lowercase slug" in err
    assert list((data_root / "pledges").iterdir()) == []
    assert sorted(p.name for p in data_root.iterdir()) == ["pledges"]


def test_title_without_latin_letters_needs_an_id(data_root: Path) -> None:
    title = "日本・ASEAN首脳会議 ความร่วมมือ"
    code, _, err = add(data_root, "日本・首脳会議", *ARGS)
    assert code == 2 and "--id" in err
    code, _, err = add(data_root, title, *ARGS, "--id", "japan-asean-summit",
                         "--summary", "Hợp tác an ninh mạng")
    assert code == 0, err
    raw = (data_root / "pledges" / "japan-asean-summit.yaml").read_bytes()
    assert f"title: {title}\n".encode() in raw and "Hợp tác an ninh mạng".encode() in raw
    assert load_dataset(data_root).pledges[0].title == title


def test_missing_fields_off_a_terminal_are_an_error_not_a_prompt(data_root: Path) -> None:
    code, out, err = add(data_root, "Only a title", input="Japan\n")
    assert code == 2 and out == ""
    assert "missing --actor, --domain, --announced, --source" in err
    assert "terminal" in err
    assert list((data_root / "pledges").iterdir()) == []


def test_missing_fields_with_no_stdin_at_all(data_root: Path) -> None:
    # A real process whose stdin is closed (as in CI): it must finish, with an error.
    proc = subprocess.run(
        [sys.executable, "-m", "pledgetrack", "add", "--dir", str(data_root)],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 2
    assert "missing TITLE, --actor, --domain, --announced, --source" in proc.stderr


def test_prompts_for_missing_fields_on_a_terminal(
    data_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(authoring, "interactive", lambda: True)
    answers = "Coast guard vessels for the Philippines\nJapan, \ncyber\n03/04/2025\n" \
        "4 Mar 2025\nhttps://example.org/vessels\n"
    code, out, err = add(data_root, input=answers)
    assert code == 0, err
    assert "Title" in err and "Announced" in err  # prompts go to stderr, not to the data
    assert "ambiguous" in err  # the bad date was refused and asked again
    pledge = load_dataset(data_root).pledges[0]
    assert out == f"{pledge.id}\tpledges/{pledge.id}.yaml\n"
    assert (pledge.title, pledge.actors, pledge.domains, str(pledge.announced)) == (
        "Coast guard vessels for the Philippines", ("Japan",), ("cyber",), "2025-03-04")


def test_prompts_on_a_real_terminal(data_root: Path) -> None:
    main_fd, child_fd = pty.openpty()
    try:
        os.write(main_fd, b"Japan\ncyber\n2025-10-26\nhttps://example.org/x\n")
        proc = subprocess.run(
            [sys.executable, "-m", "pledgetrack", "add", "Pledge typed at a terminal",
             "--dir", str(data_root)],
            stdin=child_fd, capture_output=True, text=True, timeout=60,
        )
    finally:
        os.close(child_fd)
        os.close(main_fd)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "pledge-typed-terminal\tpledges/pledge-typed-terminal.yaml\n"
    assert load_dataset(data_root).pledges[0].actors == ("Japan",)


def test_unknown_domain_and_bad_values(data_root: Path) -> None:
    (data_root / "pledgetrack.yaml").write_text("domains:\n  cyber: Cyber\n  ai: AI\n")
    code, _, err = add(data_root, "T", *[a if a != "cyber" else "cyberr" for a in ARGS])
    assert code == 2 and "unknown domain 'cyberr' (did you mean 'cyber'?)" in err
    args = [a if a != "26 Oct 2025" else "03/04/2025" for a in ARGS]
    code, _, err = add(data_root, "T", *args)
    assert code == 2 and "--announced: '03/04/2025' is ambiguous" in err
    args = [a if a != "https://example.org/summit" else "example.org" for a in ARGS]
    code, _, err = add(data_root, "T", *args)
    assert code == 2 and "not a URL" in err
    assert list((data_root / "pledges").iterdir()) == []


def test_deadline_before_announced_is_a_warning(data_root: Path) -> None:
    code, _, err = add(data_root, "Late", *ARGS, "--deadline", "2025-01")
    assert code == 0
    assert "warning: deadline 2025-01 ends before the pledge was announced" in err


def test_type_changing_values_are_quoted(data_root: Path) -> None:
    code, _, err = add(data_root, "yes", "--actor", "NO", "--domain", "cyber",
                         "--announced", "2025", "--source", "https://example.org/x",
                         "--tag", "012", "--id", "norway")
    assert code == 0, err
    text = (data_root / "pledges" / "norway.yaml").read_text("utf-8")
    assert "title: 'yes'\nactors:\n  - 'NO'\n" in text and "  - '012'\n" in text
    assert "announced: 2025\n" in text
    assert load_dataset(data_root).problems == []
