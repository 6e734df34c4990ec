"""Markdown output: it parses as GitHub-flavoured tables, record text is inert, and it stays under
GitHub's 1 MiB limit with a note when cut."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt

from pledgetrack.model.config import Config
from pledgetrack.model.dates import PartialDate
from pledgetrack.model.records import Pledge, Source, Update
from pledgetrack.queries.reports import summarise_pledges
from pledgetrack.render import report as report_render
from pledgetrack.render.tabular import (
    MARKDOWN_LIMIT,
    WORD_JOINER,
    MarkdownWriter,
    md_escape,
)
from tests.clirun import cli
from tests.fixture_reports import AS_OF, AS_OF_TEXT, make_root


def tables(text: str) -> list[list[list[str]]]:
    """Every table as rows of cell texts (header row first), parsed by a GFM-table parser."""
    md = MarkdownIt("commonmark").enable("table")
    found: list[list[list[str]]] = []
    row: list[str] | None = None
    current: list[list[str]] = []
    tokens = md.parse(text)
    for i, tok in enumerate(tokens):
        if tok.type == "table_open":
            current = []
        elif tok.type == "tr_open":
            row = []
        elif tok.type in ("th_open", "td_open"):
            inline = tokens[i + 1]
            assert row is not None
            row.append(_text(inline))
        elif tok.type == "tr_close":
            assert row is not None
            current.append(row)
        elif tok.type == "table_close":
            found.append(current)
    return found


def _text(inline: Any) -> str:
    if inline.type != "inline":
        return ""
    parts = []
    for child in inline.children or []:
        if child.type in ("text", "code_inline", "html_inline"):
            parts.append(child.content)
        elif child.type == "softbreak":
            parts.append(" ")
    return "".join(parts)


def html(text: str) -> str:
    return MarkdownIt("commonmark").enable("table").render(text)


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_root(tmp_path_factory.mktemp("md"))


def markdown(root: Path, *args: str) -> str:
    result = cli("report", "--dir", str(root), "--as-of", AS_OF_TEXT,
                 "-f", "markdown", *args)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_report_markdown_parses_as_tables(root: Path) -> None:
    found = tables(markdown(root, "--by", "domain", "--matrix"))
    # Status, by domain, overdue, stale, matrix.
    assert len(found) == 5
    status = found[0]
    assert status[0] == ["Status", "Pledges", "%", "% of final"]
    assert len(status) == 1 + 9 + 1  # header, every status and mixed, total
    assert status[2] == ["In progress (in_progress)", "2", "28.6", "\u2013"]
    assert status[4] == ["Mixed (mixed)", "1", "14.3", "\u2013"]
    by_domain = found[1]
    assert [r[0] for r in by_domain] == ["Domain", "cyber", "diplomacy", "maritime"]
    assert all(len(r) == len(by_domain[0]) for r in by_domain)
    matrix = found[4]
    assert matrix[0] == ["Pledge", "Japan", "Philippines", "Mean", "%", "Cells assessed"]
    assert matrix[3] == ["c-stale", "-1", "0", "-0.50", "25.0", "2/2 (100 %)"]
    assert matrix[-2] == ["Average", "-0.20", "-0.50", "-0.17", "41.7", "6/8 (75 %)"]
    assert matrix[-1] == ["Cells assessed", "5/6 (83.3 %)", "2/3 (66.7 %)", "", "", ""]


def test_list_markdown_parses_as_a_table(root: Path) -> None:
    result = cli("list", "--dir", str(root), "--as-of", AS_OF_TEXT,
                 "-f", "markdown")
    [table] = tables(result.stdout)
    # c is joint: a column of each party's status.
    assert table[0] == ["Pledge", "Title", "Actors → recipients", "Domains", "Status",
                        "Updated", "Deadline", "Parties"]
    assert len(table) == 8
    assert table[2] == ["b-overdue", "Coast guard boats", "Japan", "maritime", "in_progress",
                        "2025-10-15", "2025-Q3 (overdue)", ""]
    assert table[3][4:] == ["mixed", "2024-07", "",
                            "Japan stalled \u00b7 Philippines in_progress"]


def test_record_text_cannot_break_the_table_or_inject_html(tmp_path: Path) -> None:
    root = make_root(tmp_path, broken=False)
    path = root / "pledges" / "b-overdue.yaml"
    evil = "Boats | <script>alert(1)</script> **bold** [link](http://x) `code` ~~s~~ \\"
    path.write_text(path.read_text().replace("title: Coast guard boats",
                                             f"title: '{evil}'"))
    result = cli("list", "--dir", str(root), "--as-of", AS_OF_TEXT,
                 "-f", "markdown")
    text = result.stdout
    [table] = tables(text)
    assert all(len(row) == 8 for row in table)  # the pipe did not add a column
    # Shown literally (the invisible word joiner that breaks "http://" aside).
    assert table[2][1].replace(WORD_JOINER, "") == evil
    rendered = html(text)
    assert "<script>" not in rendered
    assert "<strong>bold" not in rendered and "<a href" not in rendered
    assert "<del>" not in rendered and "<code>code" not in rendered


def test_md_escape_round_trips_through_a_parser() -> None:
    for text in ["a|b", "<b>x</b>", "*x* _y_", "[a](b)", "`c`", "\\", "# h", "!", "&amp;",
                 "1. item", "- item", "~~x~~"]:
        [table] = tables(f"| h |\n| -- |\n| {md_escape(text)} |\n")
        assert [cell.replace(WORD_JOINER, "") for cell in table[1]] == [text], text


# -- the size limit ----------------------------------------------------------------------------


def _many(count: int) -> list[Pledge]:
    src = (Source("https://example.org"),)
    return [
        Pledge(id=f"pledge-number-{n:06d}", title=f"Pledge number {n} about a long subject " * 3,
               actors=("Japan", f"Party {n % 20}"), domains=("d",), sources=src,
               announced=PartialDate.parse("2020-01-01"), deadline=PartialDate.parse("2021"),
               updates=(Update(PartialDate.parse("2020-02-01"), "in_progress", party="Japan"),))
        for n in range(count)
    ]


def test_markdown_stays_under_one_mebibyte_with_a_note() -> None:
    summary = summarise_pledges(_many(6000), Config(), AS_OF, by="actor", with_matrix=True)
    text = report_render.markdown(summary)
    size = len(text.encode("utf-8"))
    assert size <= MARKDOWN_LIMIT
    assert size > MARKDOWN_LIMIT - 20_000  # it used the room it had
    assert "**Note:** cut to stay under 1 MiB" in text
    assert "Use `--format json` for the full data." in text
    found = tables(text)
    # Everything kept still parses: the status table whole, the last table cut at a row.
    assert len(found[0]) == 11
    assert all(len(row) == len(t[0]) for t in found for row in t)


def test_small_limit_cuts_at_a_row_and_counts_what_was_left_out(root: Path) -> None:
    from pledgetrack.queries.reports import summarise
    from pledgetrack.store.loader import load_dataset

    summary = summarise(load_dataset(root), None, AS_OF)
    full = report_render.markdown(summary)
    assert "Note" not in full
    size = len(full.encode("utf-8"))
    cut = report_render.markdown(summary, limit=size - 50)
    assert len(cut.encode("utf-8")) <= size - 50
    # The stale table (2 rows) loses rows; the note counts them.
    assert "table row" in cut and "left out" in cut
    kept = tables(cut)
    assert all(len(row) == len(t[0]) for t in kept for row in t)


def test_writer_never_exceeds_its_limit() -> None:
    for limit in (400, 1000, 5000):
        out = MarkdownWriter(limit)
        out.text("# title\n")
        out.table(("a", "b"), [[str(n), "x" * (n % 50)] for n in range(500)])
        text = out.getvalue()
        assert len(text.encode("utf-8")) <= limit
        assert "left out" in text


def test_as_of_in_markdown_heading(root: Path) -> None:
    assert markdown(root).startswith(f"## Follow-through as of {AS_OF_TEXT}")
    assert dt.date.fromisoformat(AS_OF_TEXT) == AS_OF


def test_record_text_cannot_mention_or_autolink() -> None:
    from pledgetrack.render.tabular import md_escape

    assert md_escape("ping @team at https://evil.example") == (
        "ping \\@\u2060team at https\\:\u2060//evil.example"
    )
