"""`pledgetrack report --format html`: the page's content (parsed here) and its behaviour in a real
headless Chromium (tests marked ``browser``).

Figures are those of tests/fixture_reports.py as of 2025-12-31, worked out in the comments.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
import struct
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Literal

import pytest

from pledgetrack.model.vocabulary import DEFAULT_VOCABULARY, Status, Vocabulary
from pledgetrack.render.html import _contrast, page_color, status_css
from pledgetrack.render.htmltext import el, safe_url
from tests.clirun import cli
from tests.conftest import VALID
from tests.fixture_reports import ALL_IDS, AS_OF_TEXT, make_root
from tests.headless import Browser, Page, find_chromium

EPOCH = "1767225600"  # 2026-01-01T00:00:00Z: 20454 days x 86400 s since 1970-01-01


# -- a small DOM, from the standard library's HTML parser -----------------------------------------


class Node:
    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Node | None) -> None:
        self.tag = tag
        self.attrs = attrs
        self.parent = parent
        self.children: list[Node | str] = []

    @property
    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text for c in self.children)

    def iter(self) -> Iterator[Node]:
        yield self
        for c in self.children:
            if isinstance(c, Node):
                yield from c.iter()

    def find_all(self, tag: str | None = None, **attrs: str) -> list[Node]:
        out = []
        for node in self.iter():
            if tag is not None and node.tag != tag:
                continue
            if all(_matches(node, k, v) for k, v in attrs.items()):
                out.append(node)
        return out

    def find(self, tag: str | None = None, **attrs: str) -> Node:
        found = self.find_all(tag, **attrs)
        assert found, f"no <{tag}> with {attrs}"
        return found[0]

    def get(self, name: str) -> str | None:
        return self.attrs.get(name)


def _matches(node: Node, key: str, value: str) -> bool:
    name = key.rstrip("_").replace("_", "-")
    actual = node.attrs.get(name)
    if name == "class":
        return actual is not None and value in actual.split()
    return actual == value


VOID = {"meta", "link", "br", "hr", "img", "input"}


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {}, None)
        self.current = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, dict(attrs), self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.current.children.append(Node(tag, dict(attrs), self.current))

    def handle_endtag(self, tag: str) -> None:
        node: Node | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        assert node is not None and node.parent is not None, f"stray </{tag}>"
        self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.children.append(data)


def parse(text: str) -> Node:
    builder = _Builder()
    builder.feed(text)
    builder.close()
    assert builder.current is builder.root, f"unclosed <{builder.current.tag}>"
    return builder.root


def squash(text: str) -> str:
    return " ".join(text.split())


def card_html(doc: Node) -> dict[str, str]:
    """Each pledge's card as HTML, from the page's data block (JSON, gzipped when large): what
    the script puts under a row when it is opened."""
    import gzip
    import json

    store = doc.find("script", id="pledge-cards")
    assert store.get("type") == "application/json"
    data = store.text
    if store.get("data-encoding") == "gzip-base64-pieces":
        found: dict[str, str] = {}
        for piece in json.loads(data):
            found.update(json.loads(gzip.decompress(base64.b64decode(piece))))
        return found
    else:
        assert store.get("data-encoding") == "json"
        assert "<" not in data  # nothing in it can close the element
    found: dict[str, str] = json.loads(data)
    return found


def cards(doc: Node) -> dict[str, Node]:
    return {pid: parse(html).find("article") for pid, html in card_html(doc).items()}


# -- running the command --------------------------------------------------------------------------


def render(root: Path, *args: str, epoch: str | None = EPOCH) -> str:
    env = {"SOURCE_DATE_EPOCH": epoch} if epoch is not None else {}
    out = root / "report.html"
    result = cli("report", "--dir", str(root), "--as-of", AS_OF_TEXT, "-o", str(out), *args,
                 env=env)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""  # -o FILE: nothing on stdout
    return out.read_text(encoding="utf-8")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return make_root(tmp_path, broken=False)


@pytest.fixture
def page_doc(root: Path) -> Node:
    return parse(render(root))


HOSTILE = """\
id: zz-hostile
title: <script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">
actors: [Japan]
domains: [cyber]
announced: 2025-01-01
summary: '"quoted" & <b>bold</b>'
sources:
  - url: https://example.org/a?b=1&c=<2>"
    title: <i>A source</i>
updates:
  - date: 2025-02-01
    status: in_progress
    note: </li></ol><script>window.__pwned = 3</script>
"""


@pytest.fixture
def hostile_root(root: Path) -> Path:
    (root / "pledges" / "zz-hostile.yaml").write_text(HOSTILE, encoding="utf-8")
    return root


# -- the file -------------------------------------------------------------------------------------


def test_the_extension_picks_html_and_output_is_reproducible(root: Path) -> None:
    first = render(root)
    assert first.startswith("<!DOCTYPE html>\n<html lang=\"en\">")
    assert render(root) == first  # byte for byte, with the same SOURCE_DATE_EPOCH
    doc = parse(first)
    head = doc.find("header", class_="page-head")
    assert squash(head.find("p", class_="meta").text) == (
        "As of 2025-12-31 \u00b7 generated 2026-01-01 00:00 UTC")
    assert head.find("time", datetime="2026-01-01T00:00:00Z")
    assert doc.find("title").text == "Pledge follow-through as of 2025-12-31"


def test_generation_time_is_now_without_source_date_epoch(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    doc = parse(render(root, epoch=None))
    after = dt.datetime.now(dt.UTC)
    stamp = doc.find("header").find_all("time")[1].get("datetime")
    assert stamp is not None
    generated = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    assert before <= generated <= after


@pytest.mark.parametrize("value", ["yesterday", "1.5", "99999999999999999999"])
def test_a_bad_source_date_epoch_is_a_usage_error(root: Path, value: str) -> None:
    result = cli("report", "--dir", str(root), "--format", "html", env={"SOURCE_DATE_EPOCH": value})
    assert result.exit_code == 2
    assert result.stderr.startswith("pledgetrack: error: SOURCE_DATE_EPOCH must be")
    assert result.stderr.count("\n") == 1
    assert result.stdout == ""


def test_html_goes_to_stdout_too(root: Path) -> None:
    result = cli("report", "--dir", str(root), "--as-of", AS_OF_TEXT, "--format", "html",
                 env={"SOURCE_DATE_EPOCH": EPOCH})
    assert result.exit_code == 0, result.stderr
    assert result.stdout == render(root)


def test_the_key_figures(page_doc: Node) -> None:
    cards = {squash(c.find("dt").text): c for c in page_doc.find_all("div", class_="card")}
    assert list(cards) == ["Pledges", "Compliance", "Overdue", "Stale"]

    def value(name: str) -> str:
        return squash(cards[name].find("dd", class_="value").text)

    def note(name: str) -> str:
        return squash(cards[name].find("dd", class_="note").text)

    # 7 pledges announced by 2025-12-31; a, g, h final: 3/7 = 42.857 %.
    assert value("Pledges") == "7"
    assert note("Pledges") == "3 with a final verdict (42.9 %)"
    # Cells a +1, b 0, c Japan -1 and Philippines 0, f 0, g -1 (d, h not assessed):
    # mean -1/6 = -0.1667, (mean + 1) / 2 x 100 = 41.67 %; 6 of 8 cells assessed: 75 %, in the
    # small line under the one large figure (not as a second figure beside it).
    assert [squash(v.text) for v in cards["Compliance"].find_all("dd", class_="value")] == [
        "41.7 %"]
    assert note("Compliance") == "6 of 8 cells assessed (75 %) \u00b7 mean -0.17"
    assert value("Overdue") == "2"  # b (2025-Q3), d (2025-12-15)
    assert value("Stale") == "2"    # c (518 days), f (975 days) > stale_after_days 100
    assert note("Stale") == "no update within 100 days"


def test_charts_are_labelled_svg(page_doc: Node) -> None:
    charts = page_doc.find_all("svg", class_="chart")
    assert len(charts) == 2
    for svg in charts:
        assert svg.get("role") == "img"
        title_id, desc_id = (svg.get("aria-labelledby") or "").split()
        assert svg.find("title", id=title_id).text
        assert svg.find("desc", id=desc_id).text
    by_status, by_domain = charts
    # Every status of the vocabulary, with its count and share of 7.
    assert squash(by_status.find("desc").text) == (
        "7 pledges. Not yet rated: 1 (14.3 %); In progress: 2 (28.6 %); Stalled: 0 (0.0 %); "
        "Mixed: 1 (14.3 %); Partially delivered: 0 (0.0 %); Delivered: 1 (14.3 %); "
        "Broken: 0 (0.0 %); "
        "Withdrawn: 1 (14.3 %); Unrateable: 1 (14.3 %).")
    bars = by_status.find_all("g", class_="bar")
    # The vocabulary's statuses, with Mixed before the first final one.
    labels = [st.label for st in DEFAULT_VOCABULARY]
    assert [squash(b.find("text", class_="label").text) for b in bars] == [
        *labels[:3], "Mixed", *labels[3:]]
    # In progress: 2 of 7 = 28.57 % of the width.
    assert bars[1].find("rect", class_="fill").get("width") == "28.57%"
    assert not bars[2].find_all("rect", class_="fill")  # stalled: 0, no bar
    # cyber: a delivered, c mixed, f in progress; diplomacy: d, h; maritime: b in progress, c
    # mixed, g withdrawn (c counts in two domains). Segments in the vocabulary's order.
    assert squash(by_domain.find("desc").text) == (
        "cyber: 3 (In progress 1, Mixed 1, Delivered 1); diplomacy: 2 (Not yet rated 1, "
        "Unrateable 1); maritime: 3 (In progress 1, Mixed 1, Withdrawn 1).")
    cyber = by_domain.find_all("g", class_="row")[0]
    widths = [s.find("rect").get("width") for s in cyber.find_all("g", class_="seg")]
    assert widths == ["33.33%", "33.33%", "33.33%"]  # 1 each of the largest domain's 3
    # The legend names the statuses that the domain chart shows.
    legend = page_doc.find("ul", class_="legend")
    assert [squash(li.text) for li in legend.find_all("li")] == [
        "Not yet rated", "In progress", "Mixed", "Delivered", "Withdrawn", "Unrateable"]


def test_status_by_group(root: Path) -> None:
    from pledgetrack import Filter, load_dataset, summarise
    from pledgetrack.queries.reports import status_by_group
    from tests.fixture_reports import AS_OF

    summary = summarise(load_dataset(root), Filter(), AS_OF)

    def nonzero(by: Literal["tag", "year"]) -> dict[str, dict[str, int]]:
        groups = status_by_group(summary, by)
        return {g: {s: n for s, n in c.items() if n} for g, c in groups.items()}

    # Tags: a [t1] delivered, d [t1, t2] not yet rated, g [t2] withdrawn; b, f (in
    # progress), c (mixed) and h (unrateable) have none and come last.
    assert nonzero("tag") == {
        "t1": {"not_yet_rated": 1, "delivered": 1},
        "t2": {"not_yet_rated": 1, "withdrawn": 1},
        "(none)": {"in_progress": 2, "mixed": 1, "unrateable": 1},
    }
    # Years announced: 2023 f; 2024 b, c, g; 2025 a, d, h.
    assert nonzero("year") == {
        "2023": {"in_progress": 1},
        "2024": {"in_progress": 1, "mixed": 1, "withdrawn": 1},
        "2025": {"not_yet_rated": 1, "delivered": 1, "unrateable": 1},
    }


def test_the_table_has_one_row_per_pledge(page_doc: Node) -> None:
    table = page_doc.find("table", id="pledges-table")
    headers = table.find("thead").find_all("th")
    assert all(h.get("scope") == "col" for h in headers)
    assert [squash(h.text) for h in headers] == [
        "Pledge", "Actors \u2192 recipients", "Domains", "Status", "Last update", "Deadline"]
    rows = table.find("tbody").find_all("tr")
    assert [r.get("data-id") for r in rows] == ALL_IDS  # e-future is announced in 2026
    by_id = {r.get("data-id"): r for r in rows}
    assert {i: by_id[i].get("data-status") for i in ALL_IDS} == {
        "a-delivered": "delivered", "b-overdue": "in_progress", "c-stale": "mixed",
        "d-unrated": "not_yet_rated", "f-old": "in_progress", "g-withdrawn": "withdrawn",
        "h-unrateable": "unrateable"}
    a = by_id["a-delivered"]
    title = a.find("th")
    assert title.get("scope") == "row"
    assert title.find("a").get("href") == "#pledge-a-delivered"
    cells = [squash(c.text) for c in a.find_all("td")]
    assert cells == ["Japan \u2192 ASEAN", "cyber", "Delivered", "2025-05-20", "2025-06"]
    # The status is a coloured badge that says its name in words.
    badge = a.find("span", class_="badge")
    # st-5: delivered is the sixth status counted (mixed is the fourth).
    assert squash(badge.text) == "Delivered" and "st-5" in (badge.get("class") or "")
    assert by_id["c-stale"].get("data-domains") == '["cyber", "maritime"]'
    overdue = {r.get("data-id") for r in rows if r.find_all("span", class_="overdue")}
    stale = {r.get("data-id") for r in rows if r.find_all("span", class_="stale")}
    assert overdue == {"b-overdue", "d-unrated"}
    assert stale == {"c-stale", "f-old"}
    assert squash(by_id["b-overdue"].find_all("td")[4].text) == "2025-Q3 Overdue"


def test_controls_are_labelled_and_hidden_until_the_script_runs(page_doc: Node) -> None:
    controls = page_doc.find("div", id="controls")
    assert "hidden" in controls.attrs
    for select in controls.find_all("select"):
        label = select.parent
        assert label is not None and label.tag == "label"
        assert label.get("for") == select.get("id")
    statuses = [o.get("value") for o in page_doc.find("select", id="filter-status")
                .find_all("option")]
    # Statuses that occur, in the vocabulary's order.
    assert statuses == ["", "not_yet_rated", "in_progress", "mixed", "delivered", "withdrawn",
                        "unrateable"]
    domains = [o.get("value") for o in page_doc.find("select", id="filter-domain")
               .find_all("option")]
    assert domains == ["", "cyber", "diplomacy", "maritime"]
    assert page_doc.find("noscript")


def test_each_pledge_has_a_timeline(page_doc: Node) -> None:
    # Cards are data until opened: none is in the page's markup.
    assert not page_doc.find_all("article")
    by_id = cards(page_doc)
    assert list(by_id) == ALL_IDS
    assert [a.get("id") for a in by_id.values()] == [f"card-{i}" for i in ALL_IDS]
    a = by_id["a-delivered"]
    assert a.find("h3").text == "Cyber training for ASEAN"
    # A visible permalink to the pledge's row.
    permalink = a.find("a", class_="permalink")
    assert permalink.get("href") == "#pledge-a-delivered"
    assert permalink.text == "Link to this pledge"
    events = a.find("ol", class_="timeline").find_all("li", class_="event")
    assert [e.find("time").get("datetime") for e in events] == ["2025-03-01", "2025-05-20"]
    assert [squash(e.find("span", class_="badge").text) for e in events] == [
        "In progress", "Delivered"]
    assert squash(events[1].find("p", class_="note").text) == "Programme started."
    source = a.find("div", class_="sources").find("a")
    assert source.get("href") == "https://example.org/a-delivered"
    assert source.text == "Source of a-delivered"
    # f-old's 2026-01-10 update is after the report date.
    f = by_id["f-old"]
    assert len(f.find_all("li", class_="event")) == 1
    assert "1 later update (after the report date) not shown." in squash(f.text)
    # c-stale is assessed party by party.
    parties = by_id["c-stale"].find("ul", class_="parties")
    assert [squash(li.text) for li in parties.find_all("li")] == [
        "Japan: Stalled", "Philippines: In progress"]
    d = by_id["d-unrated"]
    assert "No update recorded yet." in squash(d.text)
    assert "never updated" in squash(d.find("div", class_="wide").text)


def test_filters_and_as_of_apply(root: Path) -> None:
    doc = parse(render(root, "--status", "in_progress", "--domain", "maritime"))
    rows = doc.find("table", id="pledges-table").find("tbody").find_all("tr")
    assert [r.get("data-id") for r in rows] == ["b-overdue"]  # c is mixed
    assert squash(doc.find("p", class_="scope").text) == (
        "Selected: status in_progress; domain maritime")
    # As of 2026-02-28: e-future is announced (2026-02-01) and f-old is broken (2026-01-10).
    doc = parse(render(root, "--as-of", "2026-02-28"))
    rows = doc.find("table", id="pledges-table").find("tbody").find_all("tr")
    assert len(rows) == 8
    assert {r.get("data-id"): r.get("data-status") for r in rows}["f-old"] == "broken"
    assert not doc.find_all("p", class_="scope")


def test_an_empty_selection_still_makes_a_page(root: Path) -> None:
    doc = parse(render(root, "--search", "no pledge says this"))
    assert squash(doc.find("div", class_="card").find("dd", class_="value").text) == "0"
    assert not doc.find_all("table", id="pledges-table")
    assert "No pledges." in squash(doc.find("section", id="pledges").text)


def test_by_and_matrix_add_their_tables(root: Path) -> None:
    doc = parse(render(root, "--by", "domain", "--matrix"))
    groups = doc.find("h2", id="groups-heading").parent
    assert groups is not None
    rows = {squash(r.find("th").text): [squash(c.text) for c in r.find_all("td")]
            for r in groups.find("tbody").find_all("tr")}
    # maritime: b in progress, c mixed, g withdrawn; cells b 0, c -1 and 0, g -1: mean -0.5
    # -> 25 %, 4 of 4 cells assessed.
    assert rows["maritime"][0] == "3"
    assert rows["maritime"][-2:] == ["25.0 %", "4/4 (100 %)"]
    matrix = doc.find("h2", id="matrix-heading").parent
    assert matrix is not None
    head = [squash(h.text) for h in matrix.find("thead").find_all("th")]
    assert head == ["Pledge", "Japan", "Philippines", "Mean", "%", "Cells assessed"]


# -- safety ---------------------------------------------------------------------------------------


def test_record_text_is_escaped(hostile_root: Path) -> None:
    text = render(hostile_root)
    doc = parse(text)
    # The page's own script is the only one, and no record made an element.
    # The page's own script and its data block are the only ones, and no record made an element.
    scripts = doc.find_all("script")
    assert [x.get("type") for x in scripts] == ["application/json", None]
    assert not doc.find_all("img") and not doc.find_all("b") and not doc.find_all("i")
    row = doc.find("tr", id="pledge-zz-hostile")
    assert row.find("th").find("a").text == (
        '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">')
    by_id = cards(doc)
    assert all(not a.find_all("script") and not a.find_all("img") and not a.find_all("b")
               and not a.find_all("i") for a in by_id.values())
    article = by_id["zz-hostile"]
    assert article.find("h3").text == row.find("th").find("a").text
    assert article.find("p", class_="summary").text == '"quoted" & <b>bold</b>'
    assert article.find("p", class_="note").text == (
        "</li></ol><script>window.__pwned = 3</script>")
    link = article.find("div", class_="sources").find("a")
    assert link.text == "<i>A source</i>"
    assert link.get("href") == 'https://example.org/a?b=1&c=<2>"'
    assert 'href="https://example.org/a?b=1&amp;c=&lt;2&gt;&quot;"' in (
        card_html(doc)["zz-hostile"])


def test_only_http_urls_become_links() -> None:
    # `check` refuses other URLs, so such records reach the page only through the Python API.
    from pledgetrack.model.config import Config
    from pledgetrack.model.dates import PartialDate
    from pledgetrack.model.records import Pledge, Source, Update
    from pledgetrack.queries.reports import summarise_pledges
    from pledgetrack.render.html import report

    pledge = Pledge(
        id="p", title="P", actors=("Japan",), domains=("cyber",),
        sources=(Source("javascript:alert(1)", title="<i>A source</i>"),
                 Source("https://example.org/ok", archived="data:text/html,<b>x</b>")),
        updates=(Update(PartialDate(2025, 2, 1), "in_progress",
                        sources=(Source("//example.org/no-scheme"),)),),
    )
    summary = summarise_pledges([pledge], Config(), dt.date(2025, 12, 31))
    doc = parse(report(summary, generated=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)))
    hrefs = [a.get("href") or "" for a in doc.find_all("a")]
    assert hrefs == ["#pledges", "#pledge-p"]
    card = cards(doc)["p"]
    hrefs = [a.get("href") or "" for a in card.find_all("a")]
    assert hrefs == ["#pledge-p", "https://example.org/ok"]
    # The rest is shown as text.
    unlinked = [squash(s.text) for s in card.find_all("span", class_="unlinked")]
    assert unlinked == ["<i>A source</i> javascript:alert(1)",
                        "archived copy data:text/html,<b>x</b>", "//example.org/no-scheme"]


def test_nothing_is_loaded_from_elsewhere(page_doc: Node) -> None:
    for node in page_doc.iter():
        assert "src" not in node.attrs, node.tag
    links = page_doc.find_all("link")
    assert [(lk.get("rel"), lk.get("href")) for lk in links] == [("icon", "data:,")]


def test_the_content_security_policy_allows_only_the_inline_style_and_script(
    page_doc: Node,
) -> None:
    csp = page_doc.find("meta", http_equiv="Content-Security-Policy").get("content") or ""

    def sha(node: Node) -> str:
        digest = hashlib.sha256(node.text.encode("utf-8")).digest()
        return f"'sha256-{base64.b64encode(digest).decode()}'"

    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["style-src"] == sha(page_doc.find("style"))
    assert directives["script-src"] == sha(page_doc.find("script", id=None))


@pytest.mark.parametrize(("url", "ok"), [
    ("https://example.org/x?y=1", True),
    ("HTTP://EXAMPLE.ORG", True),
    ("javascript:alert(1)", False),
    (" javascript:alert(1)", False),
    ("data:text/html,x", False),
    ("//example.org/x", False),
    ("/etc/passwd", False),
    ("https://", False),
    ("https://exa mple.org", False),
    ("https://example.org/\nx", False),
    ("https://[::1", False),
    ("ftp://example.org/x", False),
])
def test_safe_url(url: str, ok: bool) -> None:
    assert (safe_url(url) is not None) == ok


def test_el_escapes_text_and_attributes() -> None:
    assert el("p", "<a>&", title='"x"', hidden=True, lang=None) == (
        '<p title="&quot;x&quot;" hidden>&lt;a&gt;&amp;</p>\n')


def test_status_colours() -> None:
    # Known names get the page's shades; "default" and nonsense fall back by position.
    assert page_color("red", 0) == "#c2362b"
    assert page_color("bold red", 0) == "#c2362b"
    assert page_color("#ff8800", 0) == "#ff8800"
    assert page_color("default", 1) == page_color("not a colour", 1) == "#0f8291"
    css = status_css(Vocabulary((Status("a", "A", color="default"),
                                 Status("b", "B", color="grey62"))))
    rules = re.findall(r"\.st-(\d+)\{--st:(#\w{6});--st-tint:(#\w{6});--st-ink:(#\w{6})\}", css)
    assert [r[0] for r in rules] == ["0", "1", "2"]  # 2: a status outside the vocabulary
    for _, color, tint, ink in rules:
        assert _contrast(tint, "#1f2933") >= 7  # badge text on its tint (WCAG AAA)
        assert _contrast(color, ink) >= 4.5     # counts on chart segments (WCAG AA)


# -- in a real browser ----------------------------------------------------------------------------

CHROMIUM = find_chromium()
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no Chromium binary (install Debian's 'chromium' package, as .ci/run does, or set "
    "PLEDGETRACK_CHROMIUM)",
)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    assert CHROMIUM is not None
    chromium = Browser(CHROMIUM, tmp_path_factory.mktemp("chromium"))
    try:
        yield chromium
    finally:
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    tab = browser.new_page()
    try:
        yield tab
    finally:
        tab.close()


def open_report(page: Page, root: Path, *args: str) -> str:
    render(root, *args)
    url = (root / "report.html").as_uri()
    page.goto(url)
    return url


VISIBLE_ROWS = ("[...document.querySelectorAll('#pledges-table tbody tr[data-id]')]"
                ".filter(r => r.offsetParent !== null).map(r => r.dataset.id)")
VISIBLE_ARTICLES = ("[...document.querySelectorAll('#pledges-table article.pledge')]"
                    ".filter(a => a.offsetParent !== null).map(a => a.dataset.id)")


@pytest.mark.browser
@needs_chromium
def test_the_page_loads_without_errors_or_requests(page: Page, root: Path) -> None:
    url = open_report(page, root)
    assert page.errors() == []  # console errors, exceptions, CSP violations
    assert page.requests() == [url]  # the page itself, nothing else
    assert page.eval("document.title") == "Pledge follow-through as of 2025-12-31"
    # The script ran: the filters are shown and the headings became sort buttons.
    assert page.eval("document.getElementById('controls').offsetParent !== null")
    assert page.eval("document.querySelectorAll('#pledges-table thead button').length") == 6
    assert page.eval("document.getElementById('filter-count').textContent") == (
        "Showing 7 of 7 pledges")


@pytest.mark.browser
@needs_chromium
def test_one_visible_row_per_pledge(page: Page, root: Path) -> None:
    open_report(page, root)
    assert page.eval(VISIBLE_ROWS) == ALL_IDS
    assert page.eval(VISIBLE_ARTICLES) == []  # cards open on demand


@pytest.mark.browser
@needs_chromium
def test_choosing_a_status_hides_the_other_rows(page: Page, root: Path) -> None:
    open_report(page, root)
    # An open card hides and shows with its row.
    page.click("#pledge-b-overdue th a")
    assert page.eval(VISIBLE_ARTICLES) == ["b-overdue"]
    # Keyboard, as a user would: options are All, Not yet rated, In progress, …
    page.eval("document.getElementById('filter-status').focus()")
    page.press("ArrowDown", 40)
    page.press("ArrowDown", 40)
    assert page.eval("document.getElementById('filter-status').value") == "in_progress"
    in_progress = ["b-overdue", "f-old"]  # c is mixed
    assert page.eval(VISIBLE_ROWS) == in_progress
    assert page.eval(VISIBLE_ARTICLES) == ["b-overdue"]
    assert page.eval("document.getElementById('filter-count').textContent") == (
        "Showing 2 of 7 pledges")
    # And a domain: All, cyber, diplomacy, maritime. In progress and maritime: b.
    page.eval("document.getElementById('filter-domain').focus()")
    for _ in range(3):
        page.press("ArrowDown", 40)
    assert page.eval(VISIBLE_ROWS) == ["b-overdue"]
    # Diplomacy has no pledge in progress: the table says so.
    page.press("ArrowUp", 38)
    assert page.eval(VISIBLE_ROWS) == []
    assert page.eval(VISIBLE_ARTICLES) == []
    assert page.eval("document.getElementById('filter-empty').offsetParent !== null")
    page.click("#filter-reset")
    assert page.eval(VISIBLE_ROWS) == ALL_IDS
    assert page.eval(VISIBLE_ARTICLES) == ["b-overdue"]
    assert page.errors() == []


@pytest.mark.browser
@needs_chromium
def test_sorting_by_a_column(page: Page, root: Path) -> None:
    open_report(page, root)
    deadline = "#pledges-table thead th:nth-child(6) button"
    page.click(deadline)
    # Deadlines end 2025-06-30 (a), 2025-09-30 (b), 2025-12-15 (d); none: c, f, g, h last.
    assert page.eval(VISIBLE_ROWS) == ["a-delivered", "b-overdue", "d-unrated", "c-stale",
                                       "f-old", "g-withdrawn", "h-unrateable"]
    assert page.eval("document.querySelector('#pledges-table thead th:nth-child(6)')"
                     ".getAttribute('aria-sort')") == "ascending"
    page.click(deadline)
    assert page.eval(VISIBLE_ROWS) == ["d-unrated", "b-overdue", "a-delivered", "c-stale",
                                       "f-old", "g-withdrawn", "h-unrateable"]
    # Status sorts in the vocabulary's order: not yet rated, in progress (b, f by id), mixed
    # (c, before the final statuses), delivered, withdrawn, unrateable.
    page.click("#pledges-table thead th:nth-child(4) button")
    assert page.eval(VISIBLE_ROWS) == ["d-unrated", "b-overdue", "f-old", "c-stale",
                                       "a-delivered", "g-withdrawn", "h-unrateable"]


@pytest.mark.browser
@needs_chromium
def test_a_script_in_a_title_shows_as_text_and_runs_nothing(
    page: Page, hostile_root: Path
) -> None:
    url = open_report(page, hostile_root)
    assert page.eval("window.__pwned === undefined")
    assert page.eval("document.querySelector('#pledge-zz-hostile th a').textContent") == (
        '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">')
    # Its card, opened, shows the note and the summary as text too.
    page.eval("document.querySelector('#pledge-zz-hostile th a').click()")
    assert page.eval("document.querySelector('#card-zz-hostile .note').textContent") == (
        "</li></ol><script>window.__pwned = 3</script>")
    assert page.eval("window.__pwned === undefined")
    assert page.eval("document.querySelectorAll('img, b, i').length") == 0
    assert page.eval("document.querySelectorAll('script').length") == 2
    assert page.eval("[...document.links].filter(a => !/^(https?:|file:)/.test(a.href))"
                     ".length") == 0
    assert page.errors() == []
    assert page.requests() == [url]


@pytest.mark.browser
@needs_chromium
def test_readable_without_scripts(page: Page, root: Path) -> None:
    page.call("Emulation.setScriptExecutionDisabled", {"value": True})
    open_report(page, root)
    assert page.eval(VISIBLE_ROWS) == ALL_IDS
    assert page.eval("document.getElementById('controls').offsetParent === null")
    assert "need JavaScript; every pledge is listed" in page.eval("document.body.innerText")


@pytest.mark.browser
@needs_chromium
def test_print_stylesheet(page: Page, root: Path) -> None:
    open_report(page, root)
    page.call("Emulation.setEmulatedMedia", {"media": "print"})
    hidden = "el => getComputedStyle(el).display === 'none'"
    assert page.eval(f"({hidden})(document.getElementById('controls'))")
    assert page.eval(f"({hidden})(document.querySelector('.skip'))")
    assert page.eval(VISIBLE_ROWS) == ALL_IDS
    # Printing opens every shown pledge's card (with its timeline), and closes them after.
    page.click("#pledge-a-delivered th a")
    opened = "[...document.querySelectorAll('details.timeline-box')].map(d => d.open)"
    assert page.eval(opened) == [True]
    page.eval("window.dispatchEvent(new Event('beforeprint'))")
    assert page.eval(VISIBLE_ARTICLES) == ALL_IDS
    assert page.eval(opened) == [True] * 6  # d-unrated has no update, so no timeline
    page.eval("window.dispatchEvent(new Event('afterprint'))")
    assert page.eval(VISIBLE_ARTICLES) == ["a-delivered"]
    pdf = base64.b64decode(page.call("Page.printToPDF", {})["data"])
    assert pdf.startswith(b"%PDF-")
    assert page.errors() == []


@pytest.mark.browser
@needs_chromium
def test_a_card_opens_under_its_row_and_closes_again(page: Page, root: Path) -> None:
    open_report(page, root)
    link = "#pledge-b-overdue th a"
    assert page.eval(f"document.querySelector('{link}').getAttribute('aria-expanded')") == (
        "false")
    page.click(link)
    assert page.eval(VISIBLE_ARTICLES) == ["b-overdue"]
    # Right under its row, across the table.
    assert page.eval("document.getElementById('pledge-b-overdue').nextElementSibling"
                     ".querySelector('article').id") == "card-b-overdue"
    assert page.eval("document.querySelector('#card-b-overdue details.timeline-box').open")
    assert page.eval("location.hash") == "#pledge-b-overdue"
    assert page.eval(f"document.querySelector('{link}').getAttribute('aria-expanded')") == (
        "true")
    # Sorting keeps the card under its row.
    page.click("#pledges-table thead th:nth-child(6) button")
    assert page.eval("document.getElementById('pledge-b-overdue').nextElementSibling"
                     ".querySelector('article').id") == "card-b-overdue"
    page.click(link)
    assert page.eval(VISIBLE_ARTICLES) == []
    assert page.errors() == []


@pytest.mark.browser
@needs_chromium
def test_a_permalink_opens_the_pledge(page: Page, root: Path) -> None:
    render(root)
    page.goto((root / "report.html").as_uri() + "#pledge-f-old")
    assert page.eval(VISIBLE_ARTICLES) == ["f-old"]
    # The row is on screen.
    assert page.eval("(() => { const r = document.getElementById('pledge-f-old')"
                     ".getBoundingClientRect(); return r.top > -1 && r.top < innerHeight; })()")
    # The card's own link is that permalink.
    assert page.eval("document.querySelector('#card-f-old a.permalink').getAttribute('href')"
                     ) == "#pledge-f-old"
    # Following it from a filter that hides the pledge shows it again.
    page.eval("(() => { const s = document.getElementById('filter-status');"
              " s.value = 'delivered'; s.dispatchEvent(new Event('change')); })()")
    page.eval("location.hash = '#pledge-c-stale'")
    page.eval("new Promise(r => setTimeout(r, 50))")
    assert "c-stale" in page.eval(VISIBLE_ROWS)
    assert "c-stale" in page.eval(VISIBLE_ARTICLES)
    assert page.errors() == []


@pytest.mark.browser
@needs_chromium
def test_gzipped_cards_open_too(page: Page, root: Path,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    # Large pages keep their cards gzipped; any size is, with the threshold at 0.
    import pledgetrack.render.html as html_module

    monkeypatch.setattr(html_module, "COMPRESS_ABOVE", 0)
    open_report(page, root)
    assert page.eval("document.getElementById('pledge-cards').dataset.encoding") == (
        "gzip-base64-pieces")
    # The table's rows come packed too, and are put in by the script.
    assert page.eval("document.getElementById('pledge-rows').dataset.encoding") == (
        "gzip-base64")
    page.eval("new Promise(r => setTimeout(r, 200))")
    assert page.eval(VISIBLE_ROWS) == ALL_IDS
    page.click("#pledge-a-delivered th a")
    page.eval("new Promise(r => setTimeout(r, 200))")
    assert page.eval("document.querySelector('#card-a-delivered h3').textContent") == (
        "Cyber training for ASEAN")
    assert page.errors() == []


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.browser
@needs_chromium
def test_screenshots_on_a_wide_screen_and_a_phone(
    page: Page, root: Path, tmp_path: Path
) -> None:
    open_report(page, root)
    wide = page.screenshot(full_page=True)
    (tmp_path / "report-1200.png").write_bytes(wide)
    width, height = png_size(wide)
    assert width == 1200
    assert height > 1500  # figures, charts, a table of 7 and 7 timelines
    assert len(wide) > 20_000  # not a blank page
    page.resize(390, 844)
    page.goto((root / "report.html").as_uri())
    # Nothing wider than the phone: no sideways scrolling.
    assert page.eval("document.documentElement.scrollWidth") <= 390
    phone = page.screenshot()
    (tmp_path / "report-390.png").write_bytes(phone)
    assert png_size(phone) == (390, 844)
    assert page.errors() == []


# -- element ids ----------------------------------------------------------------------------------


def _ids(node: Node) -> list[str]:
    found = [node.attrs["id"]] if node.attrs.get("id") is not None else []
    for child in node.children:
        if isinstance(child, Node):
            found += _ids(child)
    return [str(i) for i in found]


def _clashing_root(root: Path) -> tuple[Path, list[str]]:
    """Pledges whose ids are the page's own ids without the anchor prefixes ("table" for
    pledge-table as it was, "heading" …), and every page id as a pledge id."""
    page_ids = [i for i in _ids(parse(render(root))) if not i.startswith(("pledge-", "card-"))]
    clashes = {"table", "s-table", "heading", "list", "status", "controls", "main", "filter-count"}
    clashes |= {i for i in page_ids if re.fullmatch(r"[a-z0-9][a-z0-9-]*", i)}
    for pid in sorted(clashes):
        (root / "pledges" / f"{pid}.yaml").write_text(
            VALID.replace("{id}", pid), encoding="utf-8")
    return root, sorted(clashes)


def test_every_id_on_the_page_is_unique_whatever_the_pledge_ids(root: Path) -> None:
    root, clashes = _clashing_root(root)
    for args in ((), ("--by", "domain", "--matrix")):
        doc = parse(render(root, *args))
        # Cards join the page when opened: their ids count with the page's.
        ids = _ids(doc) + [i for card in cards(doc).values() for i in _ids(card)]
        assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
        for pid in clashes:
            assert f"pledge-{pid}" in ids and f"card-{pid}" in ids


@pytest.mark.browser
@needs_chromium
def test_a_pledge_named_table_does_not_hide_the_table(page: Page, tmp_path: Path) -> None:
    root = tmp_path / "data"
    (root / "pledges").mkdir(parents=True)
    started = "updates:\n  - date: 2025-11-01\n    status: in_progress\n"
    (root / "pledges" / "table.yaml").write_text(VALID.replace("{id}", "table") + started,
                                                 "utf-8")
    (root / "pledges" / "other.yaml").write_text(VALID.replace("{id}", "other"), "utf-8")
    open_report(page, root)
    assert page.eval("document.getElementById('pledge-table').tagName") == "TR"
    page.eval("document.querySelector('#pledge-table th a').click()")
    assert page.eval(VISIBLE_ARTICLES) == ["table"]
    # Only "other" is not yet rated: the row and card of "table" hide, the table stays.
    page.eval("(() => { const s = document.getElementById('filter-status');"
              " s.value = 'not_yet_rated'; s.dispatchEvent(new Event('change')); })()")
    assert page.eval(VISIBLE_ROWS) == ["other"]
    assert page.eval(VISIBLE_ARTICLES) == []
    assert page.eval("document.getElementById('filter-count').textContent") == (
        "Showing 1 of 2 pledges")
    assert page.errors() == []


# -- a page an editor can publish -----------------------------------------------------------------

INTRO = """\
# About this tracker

Follow-through on the **ASEAN** pledges, from [the statement](https://example.org/s?a=1&b=2).
Not links: [a script](javascript:alert(1)), [data](data:text/html,x), [relative](/x),
<javascript:alert(2)>. Raw HTML stays text: <script>window.__pwned = 4</script>
<img src=x onerror="window.__pwned = 5"> ![an image](https://example.org/i.png)
"""


def test_title_and_intro(root: Path) -> None:
    (root / "intro.md").write_text(INTRO, encoding="utf-8")
    doc = parse(render(root, "--title", "ASEAN <watch> & co", "--intro",
                       str(root / "intro.md")))
    assert doc.find("title").text == f"ASEAN <watch> & co \u2014 as of {AS_OF_TEXT}"
    assert doc.find("h1").text == "ASEAN <watch> & co"
    intro = doc.find("div", class_="intro")
    # "#" under the page's h1 becomes an h2; bold stays bold.
    assert intro.find("h2").text == "About this tracker"
    assert intro.find("strong").text == "ASEAN"
    links = intro.find_all("a")
    assert [(a.get("href"), a.get("rel"), a.text) for a in links] == [
        ("https://example.org/s?a=1&b=2", "noreferrer", "the statement"),
        # The image's Markdown is not an image: its alt text links to it, as text would.
        ("https://example.org/i.png", "noreferrer", "an image")]
    text = squash(intro.text)
    assert "[a script](javascript:alert(1))" in text
    assert "[data](data:text/html,x)" in text and "[relative](/x)" in text
    assert "<javascript:alert(2)>" in text
    assert '<script>window.__pwned = 4</script> <img src=x onerror="window.__pwned = 5">' in text
    assert not intro.find_all("script") and not intro.find_all("img")
    # Without them, the page is as before.
    doc = parse(render(root))
    assert doc.find("title").text == "Pledge follow-through as of 2025-12-31"
    assert doc.find("h1").text == "Pledge follow-through"
    assert not doc.find_all("div", class_="intro")


def test_title_and_intro_are_for_the_html_page_only(root: Path, tmp_path: Path) -> None:
    result = cli("report", "--dir", str(root), "--format", "json", "--title", "T")
    assert result.exit_code == 2
    assert result.stderr.strip().endswith(
        "--title applies only to --format html (the format here is json)")
    result = cli("report", "--dir", str(root), "--format", "markdown", "--title", "T",
                 "--intro", str(tmp_path / "none.md"))
    assert result.exit_code == 2
    assert "--title and --intro apply only to --format html" in result.stderr
    # A missing or non-UTF-8 file: one line, no page written.
    out = tmp_path / "page.html"
    result = cli("report", "--dir", str(root), "-o", str(out), "--intro",
                 str(tmp_path / "none.md"))
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert f"--intro {tmp_path / 'none.md'}: No such file or directory" in result.stderr
    (tmp_path / "latin1.md").write_bytes("caf\xe9".encode("latin-1"))
    result = cli("report", "--dir", str(root), "-o", str(out), "--intro",
                 str(tmp_path / "latin1.md"))
    assert result.exit_code == 2 and "not UTF-8 text" in result.stderr
    assert not out.exists()


def test_matrix_rows_show_titles(root: Path) -> None:
    doc = parse(render(root, "--matrix"))
    matrix = doc.find("h2", id="matrix-heading").parent
    assert matrix is not None
    heads = matrix.find("tbody").find_all("th")
    first = heads[0]
    # Rows in id order; a-delivered's title links to its row, its id under it.
    assert first.find("a").text == "Cyber training for ASEAN"
    assert first.find("a").get("href") == "#pledge-a-delivered"
    assert first.find("code", class_="id").text == "a-delivered"
    assert [h.find("code").text for h in heads] == ALL_IDS


def test_last_activity_comes_only_from_updates(root: Path) -> None:
    # Announced in 2024-Q3, never updated: stale by the rule (counted from the announcement),
    # but no update date is made up from the quarter.
    (root / "pledges" / "q-quiet.yaml").write_text(
        VALID.replace("{id}", "q-quiet").replace("announced: 2025-10-26",
                                                 "announced: 2024-Q3"), "utf-8")
    doc = parse(render(root))
    row = doc.find("tr", id="pledge-q-quiet")
    assert squash(row.find_all("td")[3].text) == "never Stale"
    card = cards(doc)["q-quiet"]
    facts = {squash(d.find("dt").text): squash(d.find("dd").text)
             for d in card.find("dl", class_="facts").find_all("div")}
    assert facts["Last activity"] == "never updated; announced 2024-Q3 Stale"
    assert facts["Status"] == "Not yet rated \u00b7 never updated"
    assert "2024-09-30" not in card_html(doc)["q-quiet"]
    # c-stale was last updated 2024-07 (a month: its last day counts), 518 days before
    # 2025-12-31: 2024-07-31 + 518 days = 2025-12-31.
    facts = {squash(d.find("dt").text): squash(d.find("dd").text)
             for d in cards(doc)["c-stale"].find("dl", class_="facts").find_all("div")}
    assert facts["Last activity"] == "2024-07-31 (518 days before the report date) Stale"


@pytest.mark.browser
@needs_chromium
def test_wide_tables_scroll_visibly_on_a_phone(page: Page, root: Path) -> None:
    # Many parties make the matrix wider than a phone.
    parties = [f"Party {n}" for n in range(1, 6)]
    (root / "pledges" / "m-many.yaml").write_text(
        VALID.replace("{id}", "m-many").replace("actors:\n  - Japan\n",
                                                f"actors: [{', '.join(parties)}]\n"), "utf-8")
    render(root, "--matrix", "--by", "actor")
    hints = ("[...document.querySelectorAll('.table-box')].filter(b => b.querySelector("
             "'.scroll-hint').checkVisibility()).length")
    wide = ("[...document.querySelectorAll('.table-box .scroll')].filter(s => "
            "s.checkVisibility() && s.scrollWidth > s.clientWidth + 1).length")
    page.goto((root / "report.html").as_uri())
    # At 1200 px the matrix fits; a hint shows only over a table that does not.
    matrix = "document.querySelector('#matrix-heading').parentNode"
    assert page.eval(f"{matrix}.querySelector('.scroll-hint').checkVisibility()") is False
    assert page.eval(hints) == page.eval(wide)
    page.resize(390, 844)
    page.goto((root / "report.html").as_uri())
    assert page.eval("document.documentElement.scrollWidth") <= 390
    matrix = "document.querySelector('#matrix-heading').parentNode"
    assert page.eval(f"{matrix}.querySelector('.scroll').scrollWidth > 390")
    assert page.eval(f"getComputedStyle({matrix}.querySelector('.scroll')).overflowX") == "auto"
    # Every table wider than the phone says so, and only those.
    assert page.eval(wide) >= 1
    assert page.eval(hints) == page.eval(wide)
    assert page.eval(f"{matrix}.querySelector('.scroll-hint').offsetParent !== null")
    assert page.eval(f"{matrix}.querySelector('.scroll-hint').textContent") == (
        "Scroll sideways for more \u2192")
    # The box shows a shadow at the side with more to see.
    assert "radial-gradient" in page.eval(
        f"getComputedStyle({matrix}.querySelector('.scroll')).backgroundImage")
    assert page.errors() == []


@pytest.mark.browser
@needs_chromium
def test_dark_mode_follows_the_system(page: Page, root: Path) -> None:
    open_report(page, root)
    background = "getComputedStyle(document.body).backgroundColor"
    ink = "getComputedStyle(document.body).color"
    assert page.eval(background) == "rgb(245, 246, 248)"
    page.call("Emulation.setEmulatedMedia",
              {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
    assert page.eval(background) == "rgb(15, 20, 25)"
    assert page.eval(ink) == "rgb(229, 231, 235)"
    # Cards and table headings follow; a badge's text stays readable on its tint.
    page.click("#pledge-a-delivered th a")
    assert page.eval("getComputedStyle(document.querySelector('#card-a-delivered'))"
                     ".backgroundColor") == "rgb(23, 29, 36)"
    assert page.eval("getComputedStyle(document.querySelector('thead th')).backgroundColor"
                     ) == "rgb(29, 36, 44)"
    # A badge is a dark mix of its status colour with light text, not the light tint.
    badge = "getComputedStyle(document.querySelector('#card-a-delivered .badge'))"
    assert page.eval(f"{badge}.color") == "rgb(229, 231, 235)"
    assert page.eval(f"{badge}.backgroundColor").startswith(("color(srgb 0.", "rgb("))
    rgb = page.eval("(() => { const c = document.createElement('canvas').getContext('2d');"
                    " c.fillStyle = getComputedStyle(document.querySelector("
                    "'#card-a-delivered .badge')).backgroundColor; c.fillRect(0, 0, 1, 1);"
                    " return [...c.getImageData(0, 0, 1, 1).data].slice(0, 3); })()")
    assert sum(rgb) / 3 < 90, rgb  # dark
    page.call("Emulation.setEmulatedMedia",
              {"features": [{"name": "prefers-color-scheme", "value": "light"}]})
    assert page.eval(background) == "rgb(245, 246, 248)"
    assert page.errors() == []


@pytest.mark.browser
@needs_chromium
def test_title_intro_and_permalinks_at_1200_and_390(page: Page, root: Path) -> None:
    (root / "intro.md").write_text(INTRO, encoding="utf-8")
    render(root, "--title", "ASEAN watch", "--intro", str(root / "intro.md"), "--matrix")
    for width in (1200, 390):
        page.resize(width, 844)
        page.goto((root / "report.html").as_uri())
        assert page.eval("document.title") == f"ASEAN watch \u2014 as of {AS_OF_TEXT}"
        assert page.eval("window.__pwned === undefined")
        assert page.eval("[...document.querySelectorAll('.intro a')].map(a => a.href)") == [
            "https://example.org/s?a=1&b=2", "https://example.org/i.png"]
        assert page.eval("document.documentElement.scrollWidth") <= width
        # A matrix row's title leads to the pledge, its card open.
        page.eval("document.querySelector('#matrix-heading').parentNode"
                  ".querySelector('tbody th a').click()")
        page.eval("new Promise(r => setTimeout(r, 50))")
        assert page.eval(VISIBLE_ARTICLES) == ["a-delivered"]
        assert page.eval("document.querySelector('#card-a-delivered a.permalink')"
                         ".offsetParent !== null")
        assert page.errors() == []
        assert set(page.requests()) == {(root / "report.html").as_uri()}
