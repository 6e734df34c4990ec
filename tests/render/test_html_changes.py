"""`pledgetrack changes --format html` in a real headless Chromium, at 1200 and 390 px.

The window is 1 June 2024 to 31 December 2025 over tests/fixture_reports.py; every figure and
row below is worked out by hand from that fixture's table (the state at since is that of 31 May
2024, the day before the window opens).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.clirun import cli
from tests.fixture_reports import make_root
from tests.headless import Browser, Page, find_chromium

CHROMIUM = find_chromium()
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="no Chromium binary (install Debian's 'chromium' package, as .ci/run does, or "
        "set PLEDGETRACK_CHROMIUM)",
    ),
]

# b-overdue's update gets a note and three sources: https, an address that `check` lets
# through (it starts with https://) but that is no link (a space in the host), plain http.
B_UPDATE = """\
    status: in_progress
    note: Two boats handed over.
    sources:
      - url: https://example.org/boats
        title: Handover
      - url: https://exa mple.org/
        title: Broken
      - url: http://example.org/plain
"""


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


@pytest.fixture
def url(tmp_path: Path) -> str:
    root = make_root(tmp_path, broken=False)
    b = root / "pledges" / "b-overdue.yaml"
    b.write_text(b.read_text("utf-8").replace("    status: in_progress\n", B_UPDATE), "utf-8")
    out = tmp_path / "changes.html"
    result = cli("changes", "--dir", str(root), "--since", "2024-06-01", "--until",
                 "2025-12-31", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert out.read_text("utf-8").startswith("<!DOCTYPE html>")
    return out.as_uri()


def rows(page: Page, section: str) -> list[list[str]]:
    """The cells of a section's table body, as the reader sees them (white space squashed)."""
    return list(page.eval(
        f"[...document.querySelectorAll('#{section}-heading ~ * tbody tr')].map(r => "
        "[...r.cells].map(c => c.innerText.replace(/\\s+/g, ' ').trim()))"))


def heading(page: Page, section: str) -> str:
    return str(page.eval(f"document.getElementById('{section}-heading').textContent"))


TITLES = {"a": "Cyber training for ASEAN", "b": "Coast guard boats",
          "c": "Joint cyber and maritime centre", "d": "Diplomatic dialogue",
          "g": "Maritime exercise programme", "h": "Vague statement on diplomacy"}
C = f"{TITLES['c']} c-stale"  # a transition's pledge: its title, then its id

# Updates dated 1 June 2024 .. 31 December 2025, by date, id, then party (the whole first).
# c-stale is assessed party by party: Japan's update makes it mixed as a whole (unanimous rule).
# a-delivered's first update (March 2025) moves it from the initial status.
TRANSITIONS = [
    ["2024-06-01", C, "", "not_yet_rated \u2192 mixed", "", ""],
    ["2024-06-01", C, "Japan", "not_yet_rated \u2192 stalled", "", ""],
    ["2024-07", C, "Philippines", "not_yet_rated \u2192 in_progress", "", ""],
    ["2024-09", f"{TITLES['g']} g-withdrawn", "", "not_yet_rated \u2192 withdrawn", "", ""],
    ["2025-03-01", f"{TITLES['a']} a-delivered", "", "not_yet_rated \u2192 in_progress", "",
     ""],
    ["2025-05-20", f"{TITLES['a']} a-delivered", "", "in_progress \u2192 delivered",
     "Programme started.", ""],
    ["2025-07-01", f"{TITLES['h']} h-unrateable", "", "not_yet_rated \u2192 unrateable", "",
     ""],
    ["2025-10-15", f"{TITLES['b']} b-overdue", "", "not_yet_rated \u2192 in_progress",
     "Two boats handed over.", "Handover, Broken https://exa mple.org/, http://example.org/plain"],
]

# 31 May 2024: b (not rated), c (no party updated yet: 2 cells, neither assessed), f (in
# progress since 2023: 0), g (not rated): 5 cells, 1 assessed, mean 0 -> 50 %, coverage 20 %.
# 31 Dec 2025: a +1, b 0, c -1 and 0, d n/a, f 0, g -1, h n/a: 8 cells, 6 assessed, mean -1/6
# -> 41.7 %, coverage 75 %. Change: -1/6 = -0.17, 41.67 - 50 = -8.3 points, 4 -> 7 pledges.
COMPLIANCE = [
    ["Since", "2024-05-31", "4", "50.0 % (mean 0.00) \u2014 1 of 5 cells assessed (20 %)"],
    ["Until", "2025-12-31", "7", "41.7 % (mean -0.17) \u2014 6 of 8 cells assessed (75 %)"],
    ["Change", "", "+3", "-0.17 (-8.3 points)"],
]


@pytest.mark.parametrize("width", [1200, 390])
def test_the_page_shows_the_hand_worked_changes(page: Page, url: str, width: int) -> None:
    page.resize(width, 844)
    page.goto(url)
    assert page.errors() == []  # console errors, exceptions, CSP violations
    assert page.requests() == [url]  # nothing loaded from elsewhere
    assert page.eval("document.title") == "What changed, 2024-06-01 to 2025-12-31"
    assert page.eval("document.querySelector('.page-head .meta').textContent") == (
        "8 status changes on 5 pledges, 3 announced, 2 became overdue, 3 deadlines in the "
        "window; compliance 41.7 % (-8.3 points).")
    # Nothing wider than the screen: wide tables scroll inside their boxes.
    assert page.eval("document.documentElement.scrollWidth") <= width

    assert heading(page, "compliance") == "Compliance"
    assert rows(page, "compliance") == COMPLIANCE
    assert heading(page, "transitions") == "Status changes (8)"
    assert rows(page, "transitions") == TRANSITIONS
    # Announced 1 June 2024 .. 31 December 2025: a (10 Jan 2025), d (Nov 2025), h (30 June).
    assert heading(page, "announced") == "Announced (3)"
    assert rows(page, "announced") == [["a-delivered", TITLES["a"], "2025-01-10"],
                                       ["d-unrated", TITLES["d"], "2025-11"],
                                       ["h-unrateable", TITLES["h"], "2025-06-30"]]
    # Overdue on 31 Dec 2025 and not on 31 May 2024 (b's deadline ahead, d not announced).
    assert heading(page, "overdue") == "Became overdue (2)"
    assert rows(page, "overdue") == [["b-overdue", TITLES["b"], "2025-Q3", "in_progress"],
                                     ["d-unrated", TITLES["d"], "2025-12-15", "not_yet_rated"]]
    # Deadlines ending in the window, by date: 30 June, 30 Sept, 15 Dec 2025.
    assert heading(page, "deadlines") == "Deadlines in the window (3)"
    assert rows(page, "deadlines") == [
        ["a-delivered", TITLES["a"], "2025-06", "delivered"],
        ["b-overdue", TITLES["b"], "2025-Q3", "in_progress"],
        ["d-unrated", TITLES["d"], "2025-12-15", "not_yet_rated"]]

    # Links: only the well-formed http(s) sources; the other is shown as text.
    assert page.eval("[...document.querySelectorAll('a')].map(a => a.href)") == [
        "https://example.org/boats", "http://example.org/plain"]
    assert page.eval("document.querySelector('.unlinked .url').textContent") == (
        "https://exa mple.org/")


HINTS = ("[...document.querySelectorAll('.table-box')].filter(b => b.querySelector("
         "'.scroll-hint').checkVisibility()).length")
WIDE = ("[...document.querySelectorAll('.table-box .scroll')].filter(s => "
        "s.checkVisibility() && s.scrollWidth > s.clientWidth + 1).length")
BOX = "document.getElementById('transitions-heading').nextElementSibling"


def test_wide_tables_scroll_visibly_on_a_tablet(page: Page, url: str) -> None:
    page.goto(url)
    # At 1200 px every table fits, and no hint shows.
    assert page.eval(WIDE) == 0
    assert page.eval(HINTS) == 0
    # At 700 px (wider than a phone: the tables stay tables) the status changes (six columns,
    # notes and sources kept readable) do not fit: their box scrolls sideways, says so, and
    # shows a shadow at the side with more to see.
    page.resize(700, 844)
    page.goto(url)
    assert page.eval("document.documentElement.scrollWidth") <= 700
    assert page.eval(f"{BOX}.querySelector('.scroll').scrollWidth > 700")
    assert page.eval(f"getComputedStyle({BOX}.querySelector('.scroll')).overflowX") == "auto"
    assert page.eval(f"{BOX}.querySelector('.scroll-hint').checkVisibility()")
    assert page.eval(f"{BOX}.querySelector('.scroll-hint').textContent") == (
        "Scroll sideways for more \u2192")
    assert "radial-gradient" in page.eval(
        f"getComputedStyle({BOX}.querySelector('.scroll')).backgroundImage")
    # Every table wider than its box says so, and only those.
    assert page.eval(WIDE) >= 1
    assert page.eval(HINTS) == page.eval(WIDE)
    # Back to a wide window: the hints go.
    page.resize(1200, 844)
    page.eval("new Promise(r => requestAnimationFrame(() => setTimeout(r, 50)))")
    assert page.eval(HINTS) == 0
    assert page.errors() == []


def _rect(page: Page, cell: str) -> dict[str, float]:
    return dict(page.eval(f"(() => {{ const r = ({cell}).getBoundingClientRect(); "
                          "return {left: r.left, right: r.right, top: r.top, "
                          "bottom: r.bottom}; })()"))


def test_tables_stack_as_cards_on_a_phone(page: Page, url: str) -> None:
    page.resize(390, 844)
    page.goto(url)
    assert page.eval("document.documentElement.scrollWidth") <= 390
    # No table is wider than the phone: nothing scrolls sideways, no hint shows.
    assert page.eval(WIDE) == 0
    assert page.eval(HINTS) == 0
    for section in ("compliance", "transitions", "announced", "overdue", "deadlines"):
        table = f"document.querySelector('#{section}-heading ~ * table')"
        box = _rect(page, table)
        assert box["left"] >= 0 and box["right"] <= 390, section
    # The first status change: the change itself (from -> to) is on the screen, under the
    # pledge, labelled with its column's name; so are the last one's note and sources.
    first = "document.querySelector('#transitions-heading ~ * tbody tr')"
    pledge, change = (f"{first}.cells[1]", f"{first}.cells[3]")
    assert page.eval(f"{change}.innerText.trim()") == "not_yet_rated \u2192 mixed"
    where = _rect(page, change)
    assert where["left"] >= 0 and where["right"] <= 390
    assert where["top"] >= _rect(page, pledge)["bottom"] - 1
    assert page.eval(f"getComputedStyle({change}, '::before').content") == '"Change"'
    last = "document.querySelector('#transitions-heading ~ * tbody tr:last-child')"
    for cell in (f"{last}.cells[4]", f"{last}.cells[5]"):
        assert page.eval(f"{cell}.checkVisibility()")
        where = _rect(page, cell)
        assert where["left"] >= 0 and where["right"] <= 390
    # Empty cells (no party, note or sources) take no line of their own.
    assert not page.eval(f"{first}.cells[4].checkVisibility()")
    # The compliance rows: every figure on the screen.
    for cell in range(4):
        where = _rect(page, "document.querySelector('#compliance-heading ~ * tbody tr')"
                            f".cells[{cell}]")
        assert where["left"] >= 0 and where["right"] <= 390
    assert page.errors() == []


def test_dark_mode_follows_the_system(page: Page, url: str) -> None:
    page.goto(url)
    background = "getComputedStyle(document.body).backgroundColor"
    ink = "getComputedStyle(document.body).color"
    head = "getComputedStyle(document.querySelector('thead th')).backgroundColor"
    assert page.eval(background) == "rgb(245, 246, 248)"
    page.call("Emulation.setEmulatedMedia",
              {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
    # The report page's colours (tests/render/test_html_report.py): one stylesheet.
    assert page.eval(background) == "rgb(15, 20, 25)"
    assert page.eval(ink) == "rgb(229, 231, 235)"
    assert page.eval(head) == "rgb(29, 36, 44)"
    page.call("Emulation.setEmulatedMedia",
              {"features": [{"name": "prefers-color-scheme", "value": "light"}]})
    assert page.eval(background) == "rgb(245, 246, 248)"
    assert page.errors() == []


INTRO = """\
# About this digest
What moved on the [summit](https://example.org/summit?a=1&b=2) pledges; a
[trap](javascript:alert(1)) and <script>window.__pwned = 1</script> stay text.
"""


@pytest.mark.parametrize("width", [1200, 390])
def test_a_title_and_an_introduction(page: Page, tmp_path: Path, width: int) -> None:
    root = make_root(tmp_path, broken=False)
    (tmp_path / "intro.md").write_text(INTRO, encoding="utf-8")
    out = tmp_path / "digest.html"
    result = cli("changes", "--dir", str(root), "--since", "2025-05", "--until", "2025-12-31",
                 "--title", "ASEAN watch: <May to December>", "--intro",
                 str(tmp_path / "intro.md"), "-o", str(out))
    assert result.exit_code == 0, result.stderr
    page.resize(width, 844)
    page.goto(out.as_uri())
    assert page.errors() == []
    # The tab keeps the window after the custom title.
    assert page.eval("document.title") == (
        "ASEAN watch: <May to December> \u2014 2025-05-01 to 2025-12-31")
    assert page.eval("document.querySelector('h1').textContent") == (
        "ASEAN watch: <May to December>")
    # Under a title of its own the page still names its window.
    assert page.eval("document.querySelector('.page-head .meta').textContent").startswith(
        "2025-05-01 to 2025-12-31: 3 status changes on 3 pledges")
    assert page.eval("document.querySelector('.intro h2').textContent") == "About this digest"
    assert page.eval("[...document.querySelectorAll('.intro a')].map(a => a.href)") == [
        "https://example.org/summit?a=1&b=2"]
    assert page.eval("window.__pwned === undefined")
    assert "<script>window.__pwned = 1</script>" in page.eval(
        "document.querySelector('.intro').textContent")
    assert page.eval("document.documentElement.scrollWidth") <= width
    assert page.requests() == [out.as_uri()]
