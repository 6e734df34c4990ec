"""Markdown posted to GitHub (pull-request comments, job summaries) from record text that arrives
by pull request: rendered by GitHub's own Markdown library (cmark-gfm, through cmarkgfm) and
checked on the rendered HTML. GitHub finds mentions and issue references in the rendered text, so
those are looked for there too."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from pledgetrack.render.tabular import WORD_JOINER, md_code, md_escape
from tests.clirun import cli
from tests.cputime import run_child

cmarkgfm = pytest.importorskip("cmarkgfm")

pytestmark = pytest.mark.reliability



def gfm(markdown: str) -> str:
    """HTML as GitHub's renderer makes it: tables, strike-through, autolinks, tag filter."""
    return str(cmarkgfm.github_flavored_markdown_to_html(markdown))


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.rows: list[list[str]] = []
        self.tables: list[list[list[str]]] = []
        self._code = 0
        self._cell = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.rows.append([])
            self.tables[-1].append(self.rows[-1])
        elif tag in ("td", "th"):
            self.rows[-1].append("")
            self._cell = True
        elif tag == "code":
            self._code += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "code":
            self._code -= 1
        elif tag in ("td", "th"):
            self._cell = False

    def handle_data(self, data: str) -> None:
        if self._cell:
            self.rows[-1][-1] += data
        if not self._code:  # GitHub makes no mention or reference inside code
            self.text.append(data)


def page(markdown: str) -> _Page:
    parsed = _Page()
    parsed.feed(gfm(markdown))
    return parsed


# What GitHub's filters look for in rendered text (outside code): a mention, an issue or pull
# request reference, and the bare addresses its autolinker would have linked.
_MENTION = re.compile(r"(?:^|[^\w`])@[A-Za-z0-9]")
_REFERENCE = re.compile(r"(?:^|\W)(?:#|GH-)\d", re.IGNORECASE)
_BARE = re.compile(r"www\.|[\w.+-]@[\w-]|(?:https?|ftp)://", re.IGNORECASE)


def assert_inert(markdown: str, *, own_links: int = 0) -> _Page:
    """No element but text formatting and tables, no links but ``own_links`` http(s) ones, and
    no mention, reference or bare address left in the rendered text."""
    parsed = page(markdown)
    tags = {tag for tag, _ in parsed.tags}
    assert not tags & {"img", "script", "iframe", "details", "del", "em", "h1"}, tags
    links = [attrs.get("href") for tag, attrs in parsed.tags if tag == "a"]
    assert len(links) <= own_links, links
    assert all(str(href).startswith(("https://", "http://")) for href in links), links
    text = "".join(parsed.text)
    for pattern in (_MENTION, _REFERENCE, _BARE):
        assert not pattern.search(text), (pattern.pattern, text)
    return parsed


HOSTILE = [
    "ping @octocat and @github/security",
    "fixes #123, see GH-45 and owner/repo#6",
    "mail foo@bar.example or xmpp:foo@bar.example or mailto:foo@bar.example",
    "see www.tracker.example and WWW.TRACKER.EXAMPLE/x",
    "https://tracker.example/px.png http://x.example ftp://files.example",
    "p1 | <img src=https://tracker.example/px.png> | @octocat",
    "`p1 | x` ``a|b`` \\| \\\\| |",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_escaped_text_renders_as_itself_and_nothing_more(text: str) -> None:
    parsed = assert_inert(md_escape(text))
    assert "".join(parsed.text).strip().replace(WORD_JOINER, "") == text
    parsed = assert_inert(f"| h |\n| --- |\n| {md_escape(text)} |\n")
    [_, row] = parsed.rows
    assert len(row) == 1 and row[0].replace(WORD_JOINER, "") == text


@pytest.mark.parametrize("text", [*HOSTILE, "plain-id", "pledges/a.yaml", " x", "a\nb"])
def test_a_code_span_never_ends_a_table_cell(text: str) -> None:
    markdown = f"| a | b |\n| --- | --- |\n| {md_code(text)} | end |\n"
    parsed = assert_inert(markdown)
    [_, row] = parsed.rows
    assert len(row) == 2 and row[1] == "end"
    assert row[0].replace(WORD_JOINER, "") == " ".join(text.split())


def test_plain_ids_stay_code_spans() -> None:
    assert md_code("japan-asean-cyber") == "`japan-asean-cyber`"
    assert md_code("pledges/a.yaml") == "`pledges/a.yaml`"
    assert md_code("a|b") == "a\\|b"


# -- through the commands ----------------------------------------------------------------------


@pytest.fixture
def git_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for who in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{who}_NAME", "Test")
        monkeypatch.setenv(f"GIT_{who}_EMAIL", "test@example.org")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    monkeypatch.delenv("PLEDGETRACK_DIR", raising=False)


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def pledge_text(pid: str, title: str, updates: list[tuple[str, str, str]]) -> str:
    lines = [f"id: {json.dumps(pid)}", f"title: {json.dumps(title)}", "actors:", "  - Japan",
             "domains:", "  - cyber", "announced: 2025-10-26", "sources:",
             "  - url: https://example.org/a", "    publisher: Example"]
    if updates:
        lines.append("updates:")
    for date, status, note in updates:
        lines += [f"  - date: {date}", f"    status: {status}", f"    note: {json.dumps(note)}"]
    return "\n".join(lines) + "\n"


EVIL_ID = "p1 | <img src=https://tracker.example/px.png> | @octocat"
EVIL_NOTE = ("Thanks @octocat, fixes #123 and GH-7; write to foo@bar.example or "
             "xmpp:foo@bar.example; see www.tracker.example | <img src=x> | https://x.example")


@pytest.fixture
def pr_repo(tmp_path: Path, git_env: None, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A base commit with two pledges; the head turns one's id into a table break-out and adds
    an update whose note holds mentions, references and bare addresses to the other."""
    root = tmp_path / "repo"
    (root / "pledges").mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    (root / "pledges" / "p1.yaml").write_text(pledge_text("p1", "One", []), "utf-8")
    (root / "pledges" / "p2.yaml").write_text(pledge_text("p2", "Two", []), "utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    (root / "pledges" / "p1.yaml").write_text(pledge_text(
        EVIL_ID, "One", [("2025-11-01", "in_progress", "x")]), "utf-8")
    (root / "pledges" / "p2.yaml").write_text(pledge_text(
        "p2", f"Two {EVIL_NOTE}", [("2025-11-01", "stalled", EVIL_NOTE)]), "utf-8")
    git(root, "commit", "-q", "-am", "head")
    monkeypatch.chdir(root)
    return root


def run(*args: str) -> tuple[int, str, str]:
    result = cli(*list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_diff_markdown_keeps_an_evil_id_and_note_inert(pr_repo: Path) -> None:
    code, out, err = run("diff", "HEAD~1", "HEAD", "-f", "markdown")
    assert code == 0, err
    parsed = assert_inert(out)
    # Every table row has the four cells of its header.
    assert parsed.rows and all(len(row) == 4 for row in parsed.rows), parsed.rows
    text = "".join(parsed.text).replace(WORD_JOINER, "")
    assert " ".join(EVIL_NOTE.split()) in text  # all of the note, as text


def test_diff_reports_an_invalid_id_as_a_problem_of_its_file(pr_repo: Path) -> None:
    code, out, err = run("diff", "HEAD~1", "HEAD", "-f", "json")
    assert code == 0, err
    [change] = [c for c in json.loads(out)["changes"] if c["new_path"] == "pledges/p1.yaml"]
    assert change["id"] == "p1"  # the file name, as for any file that does not parse
    assert change["new_error"]["rule"] == "invalid-id"
    assert change["new_error"]["line"] == 1
    assert change["updates_added"] == [] and change["status_changes"] == []
    code, out, err = run("diff", "HEAD~1", "HEAD")
    [line] = [line for line in out.splitlines() if line.startswith("broken")]
    assert line.split()[1] == "pledges/p1.yaml" and line.endswith("[invalid-id]")


def test_report_and_list_markdown_keep_record_text_inert(pr_repo: Path) -> None:
    (pr_repo / "pledges" / "p1.yaml").write_text(pledge_text("p1", "One", []), "utf-8")
    for args in (["report", "-f", "markdown"], ["report", "-f", "markdown", "--by", "actor"],
                 ["list", "-f", "markdown"]):
        code, out, err = run(*args)
        assert code == 0, (args, err)
        parsed = assert_inert(out)
        assert parsed.tables
        for table in parsed.tables:
            assert all(len(row) == len(table[0]) for row in table), (args, table)
        if args[0] == "list":
            text = "".join(parsed.text).replace(WORD_JOINER, "")
            assert html.unescape(f"Two {EVIL_NOTE}") in text


# -- time: every transformation is linear --------------------------------------------------------


def _within(seconds: float, code: str) -> None:
    """Run ``code`` in a fresh interpreter, which checks its own CPU time against ``seconds``;
    a quadratic algorithm would take minutes here. The clock only guards against a hang (a busy
    machine stretches it, not the CPU time)."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=seconds * 12, check=False)
    assert done.returncode == 0, done.stderr


_TEXTS = """
n = 200_000
texts = [
    "x" + " " * n + "x", " " * n + "\\n", "\\n" * n, " \\n" * n, "\\\\" * n, "|" * n,
    "@" * n, "www." * (n // 4), "gh-1" * (n // 4), "://" * (n // 3), "`" * n, "&<>" * n,
    "\\t" * n + "x", "a " * n, "- " * n, "=" * n, ":" * n,
]
"""


def test_markdown_escaping_is_linear() -> None:
    # 200,000 characters each: a quadratic escape took 12 s for 40,000 (x 25 here).
    _within(10, _TEXTS + """
import time
from pledgetrack.render.tabular import md_escape, md_code, tsv_cell, neutralise, shorten
from pledgetrack.render.diff import _one_line, _md_url
start = time.process_time()
for t in texts:
    for f in (md_escape, md_code, tsv_cell, neutralise, _one_line, _md_url):
        f(t)
    shorten(t, 80)
assert time.process_time() - start < 10, time.process_time() - start
""")


def test_a_title_of_spaces_does_not_hang_markdown_outputs(pr_repo: Path) -> None:
    title = "x" + " " * 60_000 + "x"
    (pr_repo / "pledges" / "p1.yaml").write_text(pledge_text("p1", title, []), "utf-8")
    (pr_repo / "pledges" / "p3.yaml").write_text(pledge_text("p3", title, []), "utf-8")
    for args in (["diff", "HEAD", "-f", "markdown"], ["report", "-f", "markdown"],
                 ["list", "-f", "markdown"]):
        # 20 s of CPU, start-up included (a quadratic escape of the title took minutes); the
        # clock only guards against a hang.
        done = run_child([sys.executable, "-m", "pledgetrack", *args], cwd=pr_repo, limit=120)
        assert done.returncode == 0, (args, done.stderr)
        assert done.cpu < 20, (args, done.cpu)
