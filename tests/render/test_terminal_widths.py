"""Tables that fit: `list` and `report --matrix` in a real pseudo-terminal at 80, 100, 120 and
160 columns — titles never squeezed below 20 characters, ids never cut mid-word, no number cut
short, no blank header."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from tests.clirun import read_until_closed

WIDTHS = (80, 100, 120, 160)
ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def run_in_terminal(args: list[str], columns: int) -> str:
    """Run pledgetrack with stdout on a pseudo-terminal of ``columns`` columns."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "FORCE_COLOR")}
    env["NO_COLOR"] = "1"
    try:
        proc = subprocess.Popen([sys.executable, "-m", "pledgetrack", *args], stdout=follower,
                                stderr=subprocess.PIPE, env=env)
        os.close(follower)
        out = read_until_closed(leader)
        _, err = proc.communicate(timeout=120)
    finally:
        os.close(leader)
    assert proc.returncode == 0, err
    return ESCAPES.sub("", out.decode("utf-8").replace("\r\n", "\n"))


LONG_ID = "japan-asean-maritime-domain-awareness-capacity-building-programme"


def pledge(pid: str, title: str, actors: list[str], updates: list[tuple[str, str]]) -> str:
    lines = [f"id: {pid}", f"title: {title}", "actors:", *(f"  - {a}" for a in actors),
             "domains:", "  - maritime", "announced: 2024-06-14", "sources:",
             f"  - url: https://example.org/{pid}"]
    if updates:
        lines.append("updates:")
        for party, status in updates:
            lines += ["  - date: 2025-05-01", f"    status: {status}", f"    party: {party}"]
    return "\n".join(lines) + "\n"


MEMBERS = ["Canada", "France", "Germany", "Italy", "Japan", "United Kingdom", "United States"]


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("widths")
    (root / "pledges").mkdir()
    files = {
        # c1: +1 +1 0 0 -1 +1 +1 over 7 members: mean 3/7 = +0.43, (0.43 + 1) / 2 = 71.4 %
        "c1": pledge("c1", "Australian and Japanese coast guard exchange programme", MEMBERS,
                     list(zip(MEMBERS, ["delivered", "delivered", "partial", "partial",
                                        "broken", "delivered", "delivered"], strict=True))),
        # c2: -1 for both: mean -1.00, 0.0 %
        "c2": pledge("c2", "Short", ["Japan", "France"],
                     [("Japan", "broken"), ("France", "broken")]),
        LONG_ID: pledge(LONG_ID, "Maritime domain awareness capacity building with a long "
                        "title that goes on and on", ["Japan"], []),
    }
    for pid, text in files.items():
        (root / "pledges" / f"{pid}.yaml").write_text(text, encoding="utf-8")
    return root


IDS = ("c1", "c2", LONG_ID)


def first_tokens(text: str) -> list[str]:
    """The first cell of each line when it is one word (prose such as a title has a single space
    after its first word; a cell is followed by a column gap or the end of the line)."""
    return [m.group(1) for line in text.splitlines()
            if (m := re.match(r"([a-z0-9-]+)(?:\s{2,}|\s*$)", line))]


def assert_ids_whole_or_broken_at_hyphens(text: str) -> None:
    for token in first_tokens(text):
        if token in IDS or not any(len(token) > 2 and token in pid for pid in IDS):
            continue  # a whole id, or a line that does not start with a piece of one
        # A first piece ends with a hyphen; a later one follows a hyphen and ends with one or
        # ends the id.
        pieces_ok = any(
            (pid.startswith(token) and token.endswith("-"))
            or (("-" + token) in pid and (token.endswith("-") or pid.endswith("-" + token)))
            for pid in IDS)
        assert pieces_ok, f"id cut mid-word: {token!r}\n{text}"


@pytest.mark.parametrize("columns", WIDTHS)
def test_list_fits_without_squeezing_titles_or_cutting_ids(root: Path, columns: int) -> None:
    text = run_in_terminal(["list", "--dir", str(root), "--as-of", "2025-06-01"], columns)
    assert max(len(line) for line in text.splitlines()) <= columns
    assert "…" not in text.split("Maritime domain")[0]  # the short titles whole
    header = next(line for line in text.splitlines() if "status" in line)
    assert all(word in header for word in ("status", "updated", "deadline"))
    if header.startswith("id"):  # one line per pledge: the title column keeps 20 or more
        assert header.index("actors") - header.index("title") >= 20 + 2, header
    else:
        assert header.startswith("pledge") and header.index("status") >= 20 + 2, header
    assert_ids_whole_or_broken_at_hyphens(text)
    for title_start in ("Australian and Japanese", "Maritime domain awareness"):
        assert title_start in text


@pytest.mark.parametrize("columns", WIDTHS)
def test_the_matrix_never_cuts_a_number(root: Path, columns: int) -> None:
    text = run_in_terminal(["report", "--matrix", "--dir", str(root), "--as-of", "2025-06-01"],
                           columns)
    matrix = text[text.index("Compliance matrix"):]
    assert "…" not in matrix
    assert max(len(line) for line in matrix.splitlines()) <= columns
    # Hand-worked: c1 +0.43 (71.4 %), c2 -1.00 (0.0 %); each score whole.
    assert re.search(r"^c1\b.*\+0\.43\s+71\.4\s", matrix, re.M), matrix
    assert re.search(r"^c2\b.*-1\.00\s+0\.0\s", matrix, re.M), matrix
    assert "United" in matrix and "Kingdom" in matrix
    header = next(line for line in matrix.splitlines()[1:] if line.strip())
    assert header.strip(), "blank header"
    assert_ids_whole_or_broken_at_hyphens(matrix)
    if columns == 80:  # seven members do not fit as columns: one line per party score
        assert re.search(r"^\s+United States\s+-?\+?\d", matrix, re.M) or \
            re.search(r"United States\s+\+1", matrix), matrix


# -- changes ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def changes_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("changes-widths")
    (root / "pledges").mkdir()
    files = {
        # Japan broken, the United Kingdom delivered: mixed as a whole.
        "c2": pledge("c2", "Short", ["Japan", "United Kingdom"],
                     [("Japan", "broken"), ("United Kingdom", "delivered")]),
        LONG_ID: pledge(LONG_ID, "Maritime domain awareness", ["Japan"],
                        [("Japan", "in_progress")]),
    }
    for pid, text in files.items():
        (root / "pledges" / f"{pid}.yaml").write_text(text, encoding="utf-8")
    return root


def id_cells(text: str, title: str, end_column: str) -> list[str]:
    """The ids of a table's rows as printed (the lines of each cell joined), from the column
    under "pledge" up to the column ``end_column``; every piece but the last ends at a hyphen."""
    lines = text[text.index(title):].splitlines()
    header = next(line for line in lines if line.startswith(("date", "pledge")))
    start, end = header.index("pledge"), header.index(end_column)
    body = lines[lines.index(header) + 2:]
    cells: list[list[str]] = []
    for line in body:
        if not line.strip():
            break
        piece = line[start:end].strip()
        if re.search(r"\d{4}-\d\d", line):  # each row has a date on its first line
            cells.append([piece])
        elif piece:
            cells[-1].append(piece)
    for pieces in cells:
        assert all(p.endswith("-") for p in pieces[:-1]), f"id cut mid-word: {pieces}\n{text}"
    return ["".join(pieces) for pieces in cells]


@pytest.mark.parametrize("columns", WIDTHS)
def test_changes_fit_and_never_cut_an_id(changes_root: Path, columns: int) -> None:
    text = run_in_terminal(["changes", "--dir", str(changes_root), "--since", "2024-06",
                            "--until", "2025-05"], columns)
    assert max(len(line) for line in text.splitlines()) <= columns
    assert "…" not in text
    # Nothing announced by 31 May 2024: no cell to assess, and no share of them either.
    assert "not assessed — 0 of 0 cells assessed (n/a) over 0 pledges" in " ".join(text.split())
    # 1 May 2025: c2 as a whole (not rated -> mixed), Japan and the United Kingdom; the long id
    # as a whole and Japan's cell. By id, then party (the whole first).
    assert "Status changes (5)" in text
    assert id_cells(text, "Status changes", "party") == ["c2"] * 3 + [LONG_ID] * 2
    # Both announced on 14 June 2024; the long id wraps at hyphens even in this table at 80.
    assert id_cells(text, "Announced (2)", "announced") == ["c2", LONG_ID]
    header = next(line for line in text.splitlines() if line.startswith("date"))
    assert ("from → to" in header) == (columns < 120), header
    for word in ("mixed", "broken", "delivered", "in_progress", "Kingdom"):
        assert word in text


# -- report --trend --------------------------------------------------------------------------------


@pytest.mark.parametrize("columns", WIDTHS)
def test_the_trend_never_cuts_a_date_a_header_or_a_number(root: Path, columns: int) -> None:
    text = run_in_terminal(["report", "--dir", str(root), "--as-of", "2025-06-01", "--trend",
                            "quarter", "--since", "2025"], columns)
    trend = text[text.index("Trend by quarter"):]
    assert max(len(line) for line in trend.splitlines()) <= columns
    assert "…" not in trend
    header = trend.splitlines()[1]
    # 31 March 2025: nothing updated yet, 3 pledges not rated; 10 cells (c1 7, c2 2, the long
    # id 1), none assessed. 1 June: c1 mixed (+1 +1 0 0 -1 +1 +1), c2 broken (-1 -1), the long
    # id not rated: 9 of 10 cells assessed, mean 1/9, (1/9 + 1) / 2 = 55.6 %.
    if columns >= 100:  # a column per status, named in full: 96 columns
        assert header.split()[:5] == ["as", "of", "pledges", "not_yet_rated", "mixed"]
        assert "Statuses:" not in trend
    else:  # short headers, with a legend
        assert header.split()[:5] == ["as", "of", "pledges", "nyr", "m"]
        assert "Statuses: nyr not_yet_rated, m mixed, b broken." in trend
    assert re.search(r"^2025-03-31\s+3\s+3\s+0\s+0\s+n/a\s+0/10 \(0 %\)\s*$", trend, re.M), trend
    assert re.search(r"^2025-06-01\s+3\s+1\s+1\s+1\s+55\.6 %\s.*9/10 \(90 %\)\s*$", trend,
                     re.M), trend


def test_the_trend_on_a_very_narrow_terminal_lists_the_counts_in_one_column(
    root: Path,
) -> None:
    from pledgetrack.queries.reports import summarise
    from pledgetrack.render.report import abbreviations, table
    from pledgetrack.store.loader import load_dataset

    assert abbreviations(["not_yet_rated", "in_progress", "partial", "delivered"]) == {
        "not_yet_rated": "nyr", "in_progress": "ip", "partial": "p", "delivered": "d"}
    # Two statuses with the same initials get their first four letters.
    assert abbreviations(["partial", "pending", "broken"]) == {
        "partial": "part", "pending": "pend", "broken": "b"}
    import datetime as dt

    summary = summarise(load_dataset(root), as_of=dt.date(2025, 6, 1), trend="quarter",
                        trend_since=dt.date(2025, 1, 1))
    text = table(summary, width=60)
    trend = text[text.index("Trend by quarter"):]
    assert max(len(line) for line in trend.splitlines()) <= 60
    assert "by status" in trend.splitlines()[1]
    # Each status with its count (never apart), as many a line as fit.
    assert re.search(r"^2025-06-01\s+3\s+nyr\u00a01\s+m\u00a01\s+55\.6 %\s+9/10 \(90 %\)\s*\n"
                     r"\s+b\u00a01\s*$", trend, re.M), trend


@pytest.mark.parametrize("columns", [60, 66, 72])
def test_the_trend_keeps_each_label_with_its_count(columns: int) -> None:
    # The bundled pledges: five statuses with counts of one and two figures, the case where the
    # counts share one column and a line broke between a label and its number ("ip 3  m" /
    # "1  p 0").
    repo = Path(__file__).resolve().parents[2]
    text = run_in_terminal(["report", "--dir", str(repo), "--as-of", "2025-12-31", "--trend",
                            "quarter", "--since", "2025"], columns)
    trend = text[text.index("Trend by quarter"):]
    lines = trend.splitlines()
    body = lines[next(i for i, line in enumerate(lines) if line.startswith("\u2500")) + 1:]
    body = body[:body.index("")]
    assert max(len(line) for line in lines) <= columns
    assert "\u2026" not in trend
    assert "by" in lines[1].split()  # the counts share one column at these widths
    # Every label is followed by its count on the same line, every count by its label.
    for line in body:
        assert not re.search(r"\b[a-z_]+\b(?!\u00a0\d)", line), (line, trend)
    # Each period shows a count for every status: five pairs after each date.
    periods = re.split(r"\n(?=\d{4}-\d\d-\d\d)", "\n".join(body))
    assert len(periods) == 4
    for period in periods:
        assert len(re.findall(r"\b[a-z]+\u00a0\d+", period)) == 5, period


# -- report --by -----------------------------------------------------------------------------------


@pytest.mark.parametrize("columns", WIDTHS)
def test_the_group_table_never_cuts_a_name_a_header_or_a_number(root: Path, columns: int) -> None:
    text = run_in_terminal(["report", "--dir", str(root), "--as-of", "2025-06-01", "--by",
                            "party"], columns)
    table = text[text.index("By party"):]
    table = table[:table.index("\n\n", table.index("────"))]  # up to the blank line after it
    assert max(len(line) for line in table.splitlines()) <= columns
    assert "…" not in text
    # Each party's own status: Japan broken (c1, c2) and not rated (the long id): 2 of 3
    # cells assessed, mean -1, 0.0 %. France delivered (c1) and broken (c2): mean 0, 50.0 %.
    # The columns: total, not rated, partial, delivered, broken (the statuses counted).
    assert re.search(r"^Japan\s+3\s+1\s+0\s+0\s+2\s+0\.0 %\s+2/3 \(66\.7 %\)\s*$", table, re.M)
    assert re.search(r"^France\s+2\s+0\s+0\s+1\s+1\s+50\.0 %\s+2/2 \(100 %\)\s*$", table, re.M)
    assert re.search(r"^Germany\s+1\s+0\s+1\s+0\s+0\s+50\.0 %\s+1/1 \(100 %\)\s*$", table, re.M)
    # Two-word names whole on their line, or wrapped at the space.
    assert len(re.findall(r"^United(?: Kingdom| States)?\s+1\s+0\s+0\s+1\s+0\s+100\.0 %",
                          table, re.M)) == 2, table
    legend = "Statuses: nyr Not yet rated, p Partially delivered, d Delivered, b Broken."
    if legend in text:  # short headers where the labels do not fit
        assert table.splitlines()[-9].split()[:6] == ["party", "total", "nyr", "p", "d", "b"]
    else:
        assert "Partially" in table and "Broken" in table
    assert (legend in text) == (columns == 80), table
