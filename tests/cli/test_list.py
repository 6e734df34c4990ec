"""`pledgetrack list`: formats, sorting, limits, terminal layout, progress and skipped files."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from pledgetrack.queries.selection import select, states
from pledgetrack.render import listing
from pledgetrack.store.loader import load_dataset
from tests.clirun import cli, read_until_closed
from tests.fixture_reports import AS_OF, AS_OF_TEXT, make_root


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_root(tmp_path_factory.mktemp("list"))


def run(root: Path, *args: str, env: dict[str, str] | None = None) -> object:
    return cli("list", "--dir", str(root), "--as-of", AS_OF_TEXT, *args,
               env=env)


def lines(root: Path, *args: str) -> list[str]:
    result = run(root, *args)
    assert result.exit_code == 0, result.stderr  # type: ignore[attr-defined]
    return result.stdout.splitlines()  # type: ignore[attr-defined, no-any-return]


def test_pipe_gives_tab_separated_text_with_a_header(root: Path) -> None:
    out = lines(root)
    assert out[0] == ("id\ttitle\tactors\trecipients\tdomains\tstatus\tstatus_date\tdeadline\t"
                      "overdue\tstale\tparties")
    # c: Japan stalled (2024-06-01), the Philippines in progress (2024-07): mixed, dated by the
    # later update.
    assert out[3] == ("c-stale\tJoint cyber and maritime centre\tJapan;Philippines\t\t"
                      "cyber;maritime\tmixed\t2024-07\t\tno\tyes\t"
                      "Japan=stalled;Philippines=in_progress")
    assert out[2].split("\t")[-4:] == ["2025-Q3", "yes", "no", ""]  # b-overdue, as a whole
    assert len(out) == 1 + 7
    assert all("\x1b" not in line for line in out)


def test_tsv_keeps_one_record_per_line(tmp_path: Path) -> None:
    root = make_root(tmp_path, broken=False)
    path = root / "pledges" / "a-delivered.yaml"
    path.write_text(path.read_text().replace("title: Cyber training for ASEAN",
                                             'title: "Cyber\\ttraining\\t\\tfor ASEAN"'))
    out = lines(root)
    assert out[1].split("\t")[:2] == ["a-delivered", "Cyber training for ASEAN"]
    assert len(out) == 8


def _ids(out: list[str]) -> list[str]:
    return [line.split("\t")[0] for line in out[1:]]


@pytest.mark.parametrize(("args", "expected"), [
    (("--sort", "id"), ["a-delivered", "b-overdue", "c-stale", "d-unrated", "f-old",
                        "g-withdrawn", "h-unrateable"]),
    # Deadline ends: a 2025-06-30, b 2025-09-30, d 2025-12-15; the rest have none (last, by id).
    (("--sort", "deadline"), ["a-delivered", "b-overdue", "d-unrated", "c-stale", "f-old",
                              "g-withdrawn", "h-unrateable"]),
    (("--sort", "deadline", "--reverse"), ["d-unrated", "b-overdue", "a-delivered", "c-stale",
                                           "f-old", "g-withdrawn", "h-unrateable"]),
    # Announced: f 2023, c 2024-01-15, g 2024-02-02, b 2024-05-01, a 2025-01-10,
    # h 2025-06-30, d 2025-11.
    (("--sort", "announced"), ["f-old", "c-stale", "g-withdrawn", "b-overdue", "a-delivered",
                               "h-unrateable", "d-unrated"]),
    # Last update: f 2023-05-01, c 2024-07, g 2024-09, a 2025-05-20, h 2025-07-01,
    # b 2025-10-15; d has none.
    (("--sort", "updated"), ["f-old", "c-stale", "g-withdrawn", "a-delivered", "h-unrateable",
                             "b-overdue", "d-unrated"]),
    # Vocabulary order, mixed before the first final status: not_yet_rated d; in_progress b,
    # f; mixed c; delivered a; withdrawn g; unrateable h.
    (("--sort", "status"), ["d-unrated", "b-overdue", "f-old", "c-stale", "a-delivered",
                            "g-withdrawn", "h-unrateable"]),
    (("--sort", "deadline", "--limit", "2"), ["a-delivered", "b-overdue"]),
])
def test_sort_and_limit(root: Path, args: tuple[str, ...], expected: list[str]) -> None:
    assert _ids(lines(root, *args)) == expected


def test_bad_sort_and_limit_are_usage_errors(root: Path) -> None:
    result = run(root, "--sort", "size")
    assert result.exit_code == 2  # type: ignore[attr-defined]
    assert "'size' is not one of id, status, deadline, announced, updated" in (
        result.stderr)  # type: ignore[attr-defined]
    assert run(root, "--limit", "0").exit_code == 2  # type: ignore[attr-defined]


def test_json_rows(root: Path) -> None:
    rows = json.loads(run(root, "-f", "json").stdout)  # type: ignore[attr-defined]
    b = rows[1]
    assert b == {
        "id": "b-overdue", "title": "Coast guard boats", "actors": ["Japan"], "recipients": [],
        "domains": ["maritime"], "tags": [], "announced": "2024-05-01",
        "status": "in_progress", "status_date": "2025-10-15", "deadline": "2025-Q3",
        "final": False, "overdue": True, "stale": False, "parties": {},
    }
    assert rows[2]["parties"] == {"Japan": "stalled", "Philippines": "in_progress"}


def test_csv_is_neutralised(tmp_path: Path) -> None:
    root = make_root(tmp_path, broken=False)
    path = root / "pledges" / "a-delivered.yaml"
    path.write_text(path.read_text().replace("title: Cyber training for ASEAN",
                                             "title: \"=HYPERLINK('http://x')\""))
    out = lines(root, "-f", "csv")
    assert out[1].startswith("a-delivered,'=HYPERLINK('http://x'),")


# -- the terminal table ----------------------------------------------------------------------


def test_table_is_readable_at_80_columns(root: Path) -> None:
    ds = load_dataset(root)
    rows = states(ds, select(ds, None, AS_OF), AS_OF)
    long = replace(rows[0].pledge, title=(
        "A very long pledge title that goes on and on about cooperation in many fields, far "
        "beyond what any terminal row could hold in one line"))
    rows[0] = replace(rows[0], pledge=long)
    text = listing.table(rows, vocabulary=ds.config.vocabulary, color=False, width=80)
    out = text.splitlines()
    assert max(len(line) for line in out) <= 80
    for s in rows:
        assert any(line.startswith(s.id + " ") for line in out)  # ids whole, never cut
    # The long title is cut at a word, with an ellipsis, within two lines.
    assert "…" in text
    assert "one line" not in text
    assert "Japan → ASEAN · cyber" in text
    # Overdue deadlines are marked in words, not only in colour.
    b_at = next(i for i, line in enumerate(out) if line.startswith("b-overdue"))
    assert "2025-Q3" in out[b_at] and "overdue" in out[b_at + 1]


def test_table_colours_statuses_and_overdue(root: Path) -> None:
    result = run(root, "-f", "table", "--color", "always")
    text = result.stdout  # type: ignore[attr-defined]
    assert "\x1b[" in text
    assert "\x1b[1;31m2025-Q3" in text  # overdue deadline in bold red
    plain = run(root, "-f", "table").stdout  # type: ignore[attr-defined]
    assert "\x1b[" not in plain
    # Off a terminal nothing is cropped: whole titles on one line each.
    assert any("Joint cyber and maritime centre" in line for line in plain.splitlines())


def test_no_color_env_wins_over_auto(root: Path) -> None:
    result = run(root, "-f", "table", env={"NO_COLOR": "1", "FORCE_COLOR": ""})
    assert "\x1b[" not in result.stdout  # type: ignore[attr-defined]
    result = run(root, "-f", "table", env={"FORCE_COLOR": "1", "NO_COLOR": ""})
    assert "\x1b[" in result.stdout  # type: ignore[attr-defined]


def test_empty_folder_lists_nothing(tmp_path: Path) -> None:
    (tmp_path / "pledges").mkdir()
    result = cli("list", "--dir", str(tmp_path))
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [listing.tsv([]).strip()]


def test_no_data_folder_is_a_usage_error(tmp_path: Path) -> None:
    result = cli("list", "--dir", str(tmp_path / "nowhere"))
    assert result.exit_code == 2
    assert result.stderr.startswith("pledgetrack: error: data folder")


# -- skipped files and progress --------------------------------------------------------------


def test_broken_files_are_named_on_stderr(root: Path) -> None:
    result = run(root)
    assert result.stderr == (  # type: ignore[attr-defined]
        "pledgetrack: warning: skipping pledges/zz-broken.yaml "
        "(2 errors; run pledgetrack check)\n")
    assert "zz-broken" not in result.stdout  # type: ignore[attr-defined]


def _many_pledges(root: Path, count: int) -> None:
    (root / "pledges").mkdir(parents=True)
    for n in range(count):
        (root / "pledges" / f"p{n:04d}.yaml").write_text(
            f"id: p{n:04d}\ntitle: Pledge {n}\nactors: [A]\ndomains: [d]\n"
            "announced: 2025-01-01\nsources:\n  - url: https://example.org\n",
            encoding="utf-8")


def _run_with_stderr(root: Path, stderr_tty: bool) -> tuple[bytes, bytes]:
    """Run `pledgetrack list` as a process, stdout piped, stderr a pseudo-terminal or a pipe."""
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    cmd = [sys.executable, "-m", "pledgetrack", "list", "--dir", str(root)]
    if not stderr_tty:
        done = subprocess.run(cmd, capture_output=True, env=env, timeout=120, check=True)
        return done.stdout, done.stderr
    leader, follower = pty.openpty()
    try:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=follower, env=env)
        os.close(follower)
        err = read_until_closed(leader)
        out, _ = proc.communicate(timeout=120)
    finally:
        os.close(leader)
    assert proc.returncode == 0
    return out, err


def test_progress_bar_only_on_a_terminal_stderr(tmp_path: Path) -> None:
    root = tmp_path / "big"
    _many_pledges(root, 320)  # more than the 300 files that call for a bar
    out, err = _run_with_stderr(root, stderr_tty=True)
    assert b"loading pledges" in err
    assert b"loading" not in out and b"\x1b" not in out
    assert out.count(b"\n") == 321
    out_pipe, err_pipe = _run_with_stderr(root, stderr_tty=False)
    assert err_pipe == b""
    assert out_pipe == out


def test_no_progress_bar_for_a_few_files(tmp_path: Path) -> None:
    root = tmp_path / "small"
    _many_pledges(root, 20)
    _, err = _run_with_stderr(root, stderr_tty=True)
    assert b"loading" not in err
