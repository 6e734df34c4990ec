"""`pledgetrack report --format html`: one self-contained page.

Everything the page needs is inside it: the stylesheet and script (``render/assets/``), the charts
as inline SVG. A Content-Security-Policy allows only those two blocks (by hash) and nothing else,
so the page makes no network request even if a record's text slipped through unescaped. Record
text always goes through :mod:`pledgetrack.render.htmltext`, which escapes by default; source links
are kept as links only for http(s) URLs.

The output depends only on the summary, the options and ``generated`` (the time printed on the
page), so two runs with the same ``SOURCE_DATE_EPOCH`` give the same bytes.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json as _json
from collections.abc import Iterable, Sequence
from importlib import resources
from typing import TYPE_CHECKING

from pledgetrack.model.vocabulary import score_text
from pledgetrack.queries.reports import NO_GROUP, Compliance, Summary, status_by_group
from pledgetrack.render.htmltext import Fragment, Markup, block, el, safe_url
from pledgetrack.render.introtext import intro_html
from pledgetrack.render.report import (
    GROUP_TITLES,
    coverage_text,
    mean_text,
    pct,
    short_coverage,
)

if TYPE_CHECKING:
    from pledgetrack.model.records import Source, Update
    from pledgetrack.model.vocabulary import Status, Vocabulary
    from pledgetrack.queries.selection import Filter, PledgeState

DASH = "\u2014"  # em dash: no value
ARROW = "\u2192"
# Element ids made from pledge ids: "pledge-<id>" (the pledge's table row: the permalink, there
# with or without the script) and "card-<id>" (its card, made when opened). The page's own ids
# (pledges-table, filter-status, …) never start with either prefix, so no pledge id (`table`,
# `status`) can take one of them.
PLEDGE_ANCHOR = "pledge-"
CARD_ANCHOR = "card-"
# Cards are kept as JSON in the page and made when opened. Above this many characters the JSON
# is gzipped (and base64-encoded): 10,000 pledges' cards are some 60 MB as HTML.
COMPRESS_ABOVE = 1_000_000
# Packed cards come in gzipped pieces of this many pledges (in table order), so that opening one
# card unpacks some 600 KB, not the 60 MB of all of them.
CARDS_PER_PIECE = 100

# The vocabulary's colours are terminal (Rich) colour names; on a white page the terminal's own
# shades are too dark or too garish, so the usual names get shades chosen for the page.
PAGE_COLORS = {
    "black": "#1f2937", "white": "#d1d5db",
    "red": "#c2362b", "bright_red": "#e0523f",
    "green": "#1f8a3b", "bright_green": "#3fae5a",
    "yellow": "#c98a0b", "bright_yellow": "#e0b320",
    "blue": "#2f62d6", "bright_blue": "#5b8def",
    "magenta": "#a03aa8", "bright_magenta": "#c462c9",
    "cyan": "#0f8291", "bright_cyan": "#2aa9b8",
}
# For statuses without a usable colour ("default", or a name Rich does not know).
FALLBACK_COLORS = ("#4b5563", "#0f8291", "#c98a0b", "#2f62d6", "#1f8a3b", "#c2362b", "#a03aa8",
                   "#7c5a2a", "#0e7a5f", "#6b21a8")
INK_DARK = "#111827"


# -- colours -------------------------------------------------------------------------------------


def _rgb(hex_color: str) -> tuple[int, int, int]:
    value = hex_color.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _hex(rgb: Iterable[float]) -> str:
    return "#" + "".join(f"{round(max(0, min(255, c))):02x}" for c in rgb)


def _luminance(hex_color: str) -> float:
    def channel(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in _rgb(hex_color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def page_color(rich_color: str, index: int) -> str:
    """A ``#rrggbb`` for a vocabulary colour (a Rich colour or style such as ``bold red``)."""
    from rich.errors import StyleSyntaxError
    from rich.style import Style

    try:
        color = Style.parse(rich_color).color
    except StyleSyntaxError:
        color = None
    if color is None or color.is_default:
        return FALLBACK_COLORS[index % len(FALLBACK_COLORS)]
    if color.name in PAGE_COLORS:
        return PAGE_COLORS[color.name]
    return _hex(color.get_truecolor())


def status_css(vocab: Vocabulary) -> str:
    """One class per status (``st-0``, ``st-1`` … in vocabulary order, plus one for a status
    outside the vocabulary): the colour, a light tint for badges, and the text colour that
    reads best on the full colour."""
    rules = []
    colors = [page_color(st.color, i) for i, st in enumerate(vocab)] + ["#6b7280"]
    for i, color in enumerate(colors):
        tint = _hex(c + (255 - c) * 0.86 for c in _rgb(color))
        ink = "#ffffff" if _contrast(color, "#ffffff") >= _contrast(color, INK_DARK) else INK_DARK
        rules.append(f".st-{i}{{--st:{color};--st-tint:{tint};--st-ink:{ink}}}")
    return "\n".join(rules) + "\n"


# -- small pieces --------------------------------------------------------------------------------


class _Statuses:
    """Labels and CSS classes of the vocabulary's statuses."""

    def __init__(self, vocab: Vocabulary) -> None:
        self.vocab = vocab
        self.index = {name: i for i, name in enumerate(vocab.names)}
        self._badges: dict[str, Markup] = {}

    def cls(self, name: str) -> str:
        return f"st-{self.index.get(name, len(self.index))}"

    def label(self, name: str) -> str:
        status = self.vocab.get(name)
        return status.label if status else name

    def order(self, name: str) -> int:
        return self.index.get(name, len(self.index))

    def badge(self, name: str, described: bool = True) -> Markup:
        # The same few badges appear thousands of times in a large report: made once each.
        # ``described``: with the status's description as a tooltip (cards and tables of
        # figures; the pledge table, one row per pledge, goes without: the page stays small).
        made = self._badges.get(f"{described}{name}")
        if made is None:
            status = self.vocab.get(name)
            made = self._badges[f"{described}{name}"] = el(
                "span", el("span", class_="dot", aria_hidden="true"), self.label(name),
                class_=f"badge {self.cls(name)}", data_status=name,
                title=status.description if described and status and status.description
                else None)
        return made


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else plural or word + 's'}"


def _percent_text(value: float | None) -> str:
    return "n/a" if value is None else f"{pct(value)} %"


def _time(value: object) -> Markup:
    text = str(value)
    return el("time", text, datetime=text)


def link(url: str, text: str | None = None) -> Markup:
    """A link to an http(s) URL; any other URL is shown as text, never as a link."""
    href = safe_url(url)
    if href is None:
        label = [text, " "] if text and text != url else []
        return el("span", *label, el("span", url, class_="url"), class_="unlinked")
    return el("a", text or url, href=href, rel="noreferrer")


def source_item(src: Source) -> Markup:
    text = src.title or src.publisher or src.url
    extra: list[object] = []
    if src.title and src.publisher:
        extra.append(src.publisher)
    if src.published is not None:
        extra.append(_time(src.published))
    from pledgetrack.render.deadlinks import dead_note, dead_result

    dead = dead_result(src)
    if dead is not None and src.archived:
        # The original is gone: the copy is the link to follow, the original is named.
        parts: list[object] = [link(src.archived, text if text != src.url else src.archived)]
        if extra:
            parts.append(el("span", " (", _join(extra, ", "), ")", class_="muted"))
        parts.extend([" ", el("span", "[archived copy; the ", link(src.url, "original"), " ",
                              dead_note(dead), "]", class_="muted dead-link")])
        return el("li", *parts)
    parts = [link(src.url, text)]
    if extra:
        parts.append(el("span", " (", _join(extra, ", "), ")", class_="muted"))
    if src.archived:
        parts.extend([" ", el("span", "[", link(src.archived, "archived copy"), "]",
                              class_="muted")])
    return el("li", *parts)


def _join(items: Sequence[object], sep: str) -> list[object]:
    out: list[object] = []
    for i, item in enumerate(items):
        if i:
            out.append(sep)
        out.append(item)
    return out


def describe_filter(f: Filter | None) -> list[str]:
    """The filter in words, one item per option used."""
    if f is None:
        return []
    out = []
    for values, name in ((f.statuses, "status"), (f.actors, "actor"),
                         (f.recipients, "recipient"), (f.domains, "domain"), (f.tags, "tag"),
                         (f.parties, "party")):
        if values:
            out.append(f"{name} {' or '.join(values)}")
    for date, words in ((f.announced_since, "announced since"),
                        (f.announced_before, "announced before"),
                        (f.due_before, "due before"), (f.due_after, "due after")):
        if date is not None:
            out.append(f"{words} {date}")
    if f.overdue:
        out.append("overdue")
    if f.stale:
        out.append("stale")
    if f.final is not None:
        out.append("final status" if f.final else "open status")
    if f.search:
        out.append(f"mentioning \u201c{f.search}\u201d")
    return out


# -- charts --------------------------------------------------------------------------------------

# The charts have no viewBox: their width is the box's (x and widths in %), their text a fixed
# size, so that they stay readable from a phone to a wide screen. Each row is a label (left) and
# a figure (right) above a bar.
ROW_HEIGHT = 42
BAR_TOP, BAR_HEIGHT, TEXT_Y = 20, 14, 14
LABEL_CHARS = 36


def _pc(value: float) -> str:
    return f"{round(value, 2):g}%"


def _fit(text: str, most: int = LABEL_CHARS) -> str:
    return text if len(text) <= most else text[: most - 1] + "\u2026"


def _chart(chart_id: str, title: str, desc: str, rows: list[Markup]) -> Markup:
    return el(
        "svg",
        el("title", title, id=f"{chart_id}-title"),
        el("desc", desc, id=f"{chart_id}-desc"),
        *rows,
        width="100%", height=len(rows) * ROW_HEIGHT, class_="chart", role="img",
        aria_labelledby=f"{chart_id}-title {chart_id}-desc",
    )


def _row_text(y: int, label: str, value: str) -> list[Markup]:
    return [el("text", _fit(label), x=0, y=y + TEXT_Y, class_="label"),
            el("text", value, x="100%", y=y + TEXT_Y, class_="value", text_anchor="end")]


def status_chart(s: Summary, sts: _Statuses) -> Markup:
    """One bar per status of the vocabulary, its length the share of all pledges."""
    rows = [(st, s.by_status.get(st.name, 0)) for st in s.vocabulary]
    percent = s.percent
    desc = "; ".join(
        f"{st.label}: {n} ({_percent_text(percent.get(st.name))})" for st, n in rows
    )
    bars = []
    for i, (st, n) in enumerate(rows):
        y = i * ROW_HEIGHT
        share = n / s.total * 100 if s.total else 0.0
        value = f"{n} \u00b7 {_percent_text(percent.get(st.name))}" if s.total else "0"
        bars.append(el(
            "g",
            el("title", f"{st.label}: {_plural(n, 'pledge')}"),
            _row_text(y, st.label, value),
            el("rect", x=0, y=y + BAR_TOP, width="100%", height=BAR_HEIGHT, rx=3,
               class_="track"),
            el("rect", x=0, y=y + BAR_TOP, width=_pc(share), height=BAR_HEIGHT, rx=3,
               class_="fill") if n else None,
            class_=f"bar {sts.cls(st.name)}",
        ))
    return _chart("chart-status", "Pledges by status",
                  f"{_plural(s.total, 'pledge')}. {desc}.", bars)


def domain_chart(s: Summary, sts: _Statuses, groups: dict[str, dict[str, int]]) -> Markup:
    """One bar per domain, as long as its count against the largest, a segment per status."""
    if not groups:
        return el("p", "No pledges.", class_="muted")
    most = max(sum(c.values()) for c in groups.values()) or 1
    rows = []
    descs = []
    for i, (name, counts) in enumerate(groups.items()):
        y = i * ROW_HEIGHT
        total = sum(counts.values())
        stacked = sum(1 for n in counts.values() if n) > 1
        x = 0.0
        segments = []
        parts = []
        for status in s.vocabulary.names:
            n = counts.get(status, 0)
            if not n:
                continue
            w = n / most * 100
            label = sts.label(status)
            parts.append(f"{label} {n}")
            segments.append(el(
                "g",
                el("title", f"{name}: {label}, {_plural(n, 'pledge')}"),
                el("rect", x=_pc(x), y=y + BAR_TOP, width=_pc(w), height=BAR_HEIGHT,
                   class_="fill"),
                # The count inside its segment when the bar has several and there is room.
                el("text", n, x=_pc(x + w / 2), y=y + BAR_TOP + 11, class_="ink",
                   text_anchor="middle") if stacked and n / most >= 0.08 else None,
                class_=f"seg {sts.cls(status)}",
            ))
            x += w
        descs.append(f"{name}: {total} ({', '.join(parts)})")
        rows.append(el(
            "g",
            _row_text(y, name, _plural(total, "pledge")),
            el("rect", x=0, y=y + BAR_TOP, width="100%", height=BAR_HEIGHT, rx=3,
               class_="track"),
            segments,
            class_="row",
        ))
    return _chart("chart-domain", "Pledges by domain and status", "; ".join(descs) + ".", rows)


def _legend(statuses: Sequence[Status], sts: _Statuses) -> Markup:
    return el("ul", [el("li", el("span", class_="swatch", aria_hidden="true"), st.label,
                        class_=sts.cls(st.name)) for st in statuses],
              class_="legend", aria_label="Statuses")


# -- sections ------------------------------------------------------------------------------------


def _figures(s: Summary) -> Markup:
    c = s.compliance

    def card(term: str, value: object, note: str, cls: str = "") -> Markup:
        return el("div", el("dt", term), el("dd", value, class_="value"),
                  el("dd", note, class_="note"), class_=f"card {cls}".strip())

    final_share = _percent_text(None if not s.total else s.final / s.total * 100)
    # One large figure: the coverage leads the line under it, so that it is read with the
    # percentage without passing for a second compliance figure.
    compliance_note = f"{coverage_text(c)} \u00b7 mean {mean_text(c.mean)}"
    return el(
        "dl",
        card("Pledges", s.total, f"{s.final} with a final verdict ({final_share})"),
        card("Compliance", _percent_text(c.percent), compliance_note, "compliance"),
        card("Overdue", len(s.overdue), "deadline passed, no final verdict",
             "alert" if s.overdue else ""),
        card("Stale", len(s.stale), f"no update within {s.stale_after_days} days",
             "warn" if s.stale else ""),
        class_="figures",
    )


def _status_table(s: Summary, sts: _Statuses) -> Markup:
    percent, final_rate = s.percent, s.final_rate
    rows = [
        el("tr", el("th", sts.badge(st.name), scope="row"), el("td", s.by_status[st.name]),
           el("td", pct(percent[st.name])),
           el("td", pct(final_rate.get(st.name)) if st.final else DASH))
        for st in s.vocabulary
    ]
    return _data_table(("Status", "Pledges", "%", "% of final"), rows,
                       el("tr", el("th", "Total", scope="row"), el("td", s.total),
                          el("td", "100.0" if s.total else ""),
                          el("td", f"{s.final} final")))


def _data_table(header: Sequence[object], rows: Sequence[Markup],
                foot: Markup | Sequence[Markup] | None = None,
                caption: str | None = None) -> Markup:
    # The hint shows (by the script) only when the table is wider than its box; the box's
    # shadows say so too, script or not.
    return el("div", el("p", "Scroll sideways for more \u2192", class_="scroll-hint muted",
                         hidden=True), el("div", el(
        "table",
        el("caption", caption) if caption else None,
        el("thead", el("tr", [el("th", h, scope="col") for h in header])),
        el("tbody", rows),
        el("tfoot", foot) if foot is not None else None,
        class_="data",
    ), class_="scroll"), class_="table-box")


def _domain_table(groups: dict[str, dict[str, int]], statuses: Sequence[Status]) -> Markup:
    rows = [
        el("tr", el("th", name, scope="row"), el("td", sum(counts.values())),
           [el("td", counts.get(st.name, 0)) for st in statuses])
        for name, counts in groups.items()
    ]
    return _data_table(("Domain", "Total", *(st.label for st in statuses)), rows)


def _charts(s: Summary, sts: _Statuses) -> Markup:
    groups = status_by_group(s, "domain")
    used = [st for st in s.vocabulary if any(c.get(st.name) for c in groups.values())]
    return el(
        "section",
        el("h2", "Charts", id="charts-heading"),
        el("div",
           el("figure",
              el("figcaption", el("h3", "Pledges by status")),
              status_chart(s, sts),
              el("details", el("summary", "The figures as a table"), _status_table(s, sts),
                 class_="figure-data"),
              class_="chart-box"),
           el("figure",
              el("figcaption", el("h3", "Pledges by domain"),
                 el("p", "Stacked by status; a pledge in several domains counts in each.",
                    class_="muted")),
              _legend(used, sts) if used else None,
              domain_chart(s, sts, groups),
              el("details", el("summary", "The figures as a table"),
                 _domain_table(groups, used), class_="figure-data") if groups else None,
              class_="chart-box"),
           class_="charts"),
        aria_labelledby="charts-heading",
    )


# The trend chart draws in its own coordinates (a viewBox), scaled to the box's width.
TREND_W, TREND_H, TREND_LEFT, TREND_TOP, TREND_BOTTOM = 640, 220, 44, 12, 28


def trend_chart(s: Summary) -> Markup:
    """Compliance (%) at each period end, as a line; a gap where nothing was assessed."""
    points = s.trend
    width = TREND_W - TREND_LEFT - 8
    height = TREND_H - TREND_TOP - TREND_BOTTOM
    step = width / max(1, len(points) - 1)

    def xy(i: int, value: float) -> str:
        x = TREND_LEFT + (i * step if len(points) > 1 else width / 2)
        y = TREND_TOP + height * (1 - value / 100)
        return f"{x:.1f},{y:.1f}"

    grid = []
    for level in (0, 50, 100):
        line_y = TREND_TOP + height * (1 - level / 100)
        grid.append(el("line", x1=TREND_LEFT, x2=TREND_W - 8, y1=f"{line_y:.1f}",
                       y2=f"{line_y:.1f}", stroke="currentColor", stroke_opacity="0.2"))
        grid.append(el("text", f"{level} %", x=TREND_LEFT - 6, y=f"{line_y + 4:.1f}",
                       text_anchor="end", font_size="12", fill="currentColor"))
    lines: list[list[str]] = [[]]
    dots = []
    for i, p in enumerate(points):
        value = p.compliance.percent
        if value is None:
            lines.append([])
            continue
        lines[-1].append(xy(i, value))
        cx, cy = xy(i, value).split(",")
        dots.append(el("g", el("title", f"{p.as_of.isoformat()}: {pct(value)} %"),
                       el("circle", cx=cx, cy=cy, r=3, fill="currentColor")))
    paths = [el("polyline", points=" ".join(run), fill="none", stroke="currentColor",
                stroke_width="2") for run in lines if len(run) > 1]
    labels = [el("text", points[i].as_of.isoformat(), x=xy(i, 0).split(",")[0],
                 y=TREND_H - 8, text_anchor=anchor, font_size="12", fill="currentColor")
              for i, anchor in ((0, "start"), (len(points) - 1, "end")) if points]
    first, last = points[0], points[-1]
    desc = (f"Compliance by {s.trend_period} from {first.as_of.isoformat()} "
            f"({_percent_text(first.compliance.percent)}) to {last.as_of.isoformat()} "
            f"({_percent_text(last.compliance.percent)}).")
    return el("svg", el("title", "Compliance over time", id="chart-trend-title"),
              el("desc", desc, id="chart-trend-desc"), grid, paths, dots, labels,
              viewBox=f"0 0 {TREND_W} {TREND_H}", width="100%", class_="chart trend",
              role="img", aria_labelledby="chart-trend-title chart-trend-desc")


def _trend_section(s: Summary) -> Markup | None:
    if s.trend_period is None or not s.trend:
        return None
    used = [st for st in s.vocabulary if any(p.by_status.get(st.name) for p in s.trend)]
    rows = [el("tr", el("th", _time(p.as_of.isoformat()), scope="row"), el("td", p.total),
               [el("td", p.by_status[st.name]) for st in used],
               el("td", _compliance_cell(p.compliance)), el("td", short_coverage(p.compliance)))
            for p in s.trend]
    return el(
        "section",
        el("h2", f"Trend by {s.trend_period}", id="trend-heading"),
        el("figure",
           el("figcaption", el("h3", "Compliance at the end of each period"),
              el("p", "The last point is the report date.", class_="muted")),
           trend_chart(s),
           el("details", el("summary", "The figures as a table"),
              _data_table(("As of", "Pledges", *(st.label for st in used), "Compliance",
                           "Cells assessed"), rows),
              class_="figure-data"),
           class_="chart-box"),
        id="trend", aria_labelledby="trend-heading",
    )


# (heading, label on a phone, sort type). The script sorts by each cell's data-sort.
COLUMNS = (("Pledge", "Pledge", "text"), ("Actors \u2192 recipients", "Actors", "text"),
           ("Domains", "Domains", "text"), ("Status", "Status", "number"),
           ("Last update", "Updated", "text"), ("Deadline", "Deadline", "text"))


def _parties(ps: PledgeState, sts: _Statuses) -> Markup | None:
    by_party = ps.parties
    if not by_party:
        return None
    return el("ul", [el("li", f"{party}: ", el("span", sts.label(status),
                                                class_=f"party-status {sts.cls(status)}"))
                     for party, status in by_party.items()], class_="parties")


def _marks(ps: PledgeState, which: str) -> Markup | None:
    if which == "overdue" and ps.overdue:
        return el("span", "Overdue", class_="mark overdue",
                  title="The deadline has passed without a final verdict")
    if which == "stale" and ps.stale:
        return el("span", "Stale", class_="mark stale")
    return None


def _last_activity(ps: PledgeState) -> list[object]:
    """When the pledge last moved, from its updates only. The staleness rule counts a pledge
    never updated from its announcement; that date is said to be the announcement, never shown
    as an update (a quarter such as 2025-Q3 would otherwise show as its last day)."""
    if ps.status_date is not None:
        days = ps.days_since_activity
        return [_time(ps.last_activity), f" ({_plural(days, 'day')} before the report date)"
                if days else None]
    announced = ps.pledge.announced
    if announced is None:
        return ["never updated"]
    return ["never updated; announced ", _time(announced)]


def _actors_text(ps: PledgeState) -> str:
    p = ps.pledge
    text = ", ".join(p.actors)
    if p.recipients:
        text += f" {ARROW} {', '.join(p.recipients)}"
    return text


def _domains(ps: PledgeState) -> list[str]:
    return list(ps.pledge.domains) or [NO_GROUP]


def _row(ps: PledgeState, sts: _Statuses) -> Markup:
    p = ps.pledge
    labels = [label for _, label, _ in COLUMNS]
    updated = ps.status_date
    return el(
        "tr",
        el("th", el("a", p.title, href=f"#{PLEDGE_ANCHOR}{p.id}", class_="open"),
           el("code", p.id, class_="id"),
           scope="row", data_label=labels[0], data_sort=p.title.casefold()),
        el("td", _actors_text(ps), data_label=labels[1], data_sort=_actors_text(ps).casefold()),
        el("td", ", ".join(p.domains) or DASH, data_label=labels[2],
           data_sort=", ".join(p.domains).casefold()),
        el("td", sts.badge(ps.status, described=False), data_label=labels[3],
           data_sort=sts.order(ps.status)),
        el("td", _time(updated) if updated else "never", " " if ps.stale else None,
           _marks(ps, "stale"), data_label=labels[4],
           data_sort=updated.start.isoformat() if updated else ""),
        el("td", _time(p.deadline) if p.deadline else DASH, " " if ps.overdue else None,
           _marks(ps, "overdue"), data_label=labels[5],
           data_sort=p.deadline.end.isoformat() if p.deadline else ""),
        id=f"{PLEDGE_ANCHOR}{p.id}", data_id=p.id, data_status=ps.status,
        data_domains=_json.dumps(_domains(ps), ensure_ascii=False),
    )


def _pledge_table(s: Summary, sts: _Statuses) -> Fragment:
    statuses = [st for st in s.vocabulary if s.by_status.get(st.name)]
    domains = sorted({d for ps in s.states for d in _domains(ps)},
                     key=lambda d: (d == NO_GROUP, d.casefold(), d))
    controls = el(
        "div",
        el("label", "Status", el("select",
                                 el("option", "All statuses", value=""),
                                 [el("option", f"{st.label} ({s.by_status[st.name]})",
                                     value=st.name) for st in statuses],
                                 id="filter-status", name="status"),
           for_="filter-status"),
        el("label", "Domain", el("select",
                                 el("option", "All domains", value=""),
                                 [el("option", d, value=d) for d in domains],
                                 id="filter-domain", name="domain"),
           for_="filter-domain"),
        el("button", "Show all", type="button", id="filter-reset"),
        el("p", f"Showing {s.total} of {_plural(s.total, 'pledge')}", id="filter-count",
           role="status", aria_live="polite"),
        id="controls", class_="controls", role="group", aria_label="Filter the pledges",
        hidden=True,
    )
    head = el("tr", [el("th", title, scope="col", data_type=kind) for title, _, kind in COLUMNS])
    rows = [_row(ps, sts) for ps in s.states]
    packed = _pack_rows(rows)
    empty = el("p", "No pledge matches these filters.", id="filter-empty", class_="empty",
               hidden=True)
    return block(
        "section",
        el("h2", "Pledges", id="pledges-heading"),
        el("noscript", el("p", "Sorting, filtering and each pledge's details (texts, sources, "
                          "timeline) need JavaScript; every pledge is listed.",
                          class_="muted")),
        controls,
        block("div", block(
            "table",
            el("caption", "One row per pledge, with its status as of the report date. "
               "Select a column heading to sort.", class_="sr-only"),
            el("thead", head),
            block("tbody", rows if packed is None else []),
            id="pledges-table", class_="pledges",
        ), class_="scroll") if rows else el("p", "No pledges.", class_="empty"),
        el("noscript", el("p", f"This report of {_plural(len(rows), 'pledge')} is packed to "
                          "stay small: its table needs JavaScript.", class_="empty"))
        if packed is not None else None,
        packed,
        empty,
        id="pledges", aria_labelledby="pledges-heading",
    )


def _data_block(block_id: str, text: str) -> Markup:
    """``text`` (JSON or HTML) in a block the browser does not run: gzipped and base64-encoded
    when longer than COMPRESS_ABOVE (tables and cards of 10,000 pledges come to some 70 MB as
    HTML, a tenth of that packed), else as it is with every "<" written as \\u003c, which JSON
    reads as "<" and which cannot end the element ("</script>") or open a comment."""
    if len(text) <= COMPRESS_ABOVE:
        return el("script", Markup(text.replace("<", "\\u003c")), type="application/json",
                  id=block_id, data_encoding="json")
    import gzip

    # mtime=0: the same content gives the same bytes (reproducible pages).
    packed = gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)
    return el("script", Markup(base64.b64encode(packed).decode("ascii")),
              type="application/json", id=block_id, data_encoding="gzip-base64")


def _pack_rows(rows: list[Markup]) -> Markup | None:
    """The table's rows, packed as a JSON string, when they are too many to send as HTML."""
    size = sum(map(len, rows))
    if size <= COMPRESS_ABOVE:
        return None
    return _data_block("pledge-rows", _json.dumps("".join(rows), ensure_ascii=False))


def _group_section(s: Summary, sts: _Statuses) -> Markup | None:
    if not s.by or not s.groups:
        return None
    used = [st for st in s.vocabulary if any(g.by_status[st.name] for g in s.groups.values())]
    rows = [
        el("tr", el("th", g.name, scope="row"), el("td", g.total),
           [el("td", g.by_status[st.name]) for st in used],
           el("td", _compliance_cell(g.compliance)), el("td", short_coverage(g.compliance)))
        for g in s.groups.values()
    ]
    title = f"By {GROUP_TITLES[s.by].lower()}"
    return el("section", el("h2", title, id="groups-heading"),
              _data_table((GROUP_TITLES[s.by], "Total", *(st.label for st in used),
                           "Compliance", "Cells assessed"), rows),
              aria_labelledby="groups-heading")


def _compliance_cell(c: Compliance) -> str:
    return "n/a" if c.mean is None else f"{pct(c.percent)} %"


def _matrix_section(s: Summary) -> Markup | None:
    m = s.matrix
    if m is None:
        return None
    rows = [
        el("tr", el("th", el("a", r.title, href=f"#{PLEDGE_ANCHOR}{r.id}"),
                    el("code", r.id, class_="id"), scope="row"),
           [el("td", score_text(r.scores[p]) if p in r.scores else "") for p in m.parties],
           el("td", mean_text(r.compliance.mean)), el("td", pct(r.compliance.percent)),
           el("td", short_coverage(r.compliance)))
        for r in m.rows
    ]
    foot = [
        el("tr", el("th", "Average", scope="row"),
           [el("td", mean_text(m.by_party[p].mean)) for p in m.parties],
           el("td", mean_text(s.compliance.mean)), el("td", pct(s.compliance.percent)),
           el("td", short_coverage(s.compliance))),
        el("tr", el("th", "Cells assessed", scope="row"),
           [el("td", short_coverage(m.by_party[p])) for p in m.parties],
           el("td", ""), el("td", ""), el("td", "")),
    ]
    return el("section", el("h2", "Compliance matrix", id="matrix-heading"),
              _data_table(("Pledge", *m.parties, "Mean", "%", "Cells assessed"), rows, foot),
              el("p", "Scores: +1 delivered, 0 partial or in progress, \u22121 not delivered; "
                 "n/a not assessed; blank: the party is not bound by the pledge.",
                 class_="muted"),
              aria_labelledby="matrix-heading")


def _update_item(u: Update, sts: _Statuses) -> Markup:
    return el(
        "li",
        el("div", _time(u.date), class_="when"),
        el("div",
           el("p", sts.badge(u.status),
              el("span", f" for {u.party}", class_="party") if u.party else None,
              class_="event-head"),
           el("p", u.note, class_="note") if u.note else None,
           el("ul", [source_item(src) for src in u.sources], class_="refs")
           if u.sources else None,
           class_="what"),
        class_=f"event {sts.cls(u.status)}",
    )


def _fact(term: str, *value: object, class_: str | None = None) -> Markup:
    return el("div", el("dt", term), el("dd", *value), class_=class_)


def _pledge_article(ps: PledgeState, sts: _Statuses) -> Markup:
    p = ps.pledge
    updates = p.updates_until(ps.as_of)
    later = len(p.updates) - len(updates)
    since = [el("span", " \u00b7 last update ", _time(ps.status_date), class_="muted")
             ] if ps.status_date else [el("span", " \u00b7 never updated", class_="muted")]
    facts = [
        _fact("Status", sts.badge(ps.status), *since, _parties(ps, sts), class_="wide"),
        _fact("Actors", ", ".join(p.actors)),
        _fact("Recipients", ", ".join(p.recipients)) if p.recipients else None,
        _fact("Made by", p.made_by) if p.made_by else None,
        _fact("Domains", ", ".join(p.domains)) if p.domains else None,
        _fact("Announced", _time(p.announced)) if p.announced else None,
        _fact("Deadline", _time(p.deadline), " ", _marks(ps, "overdue"))
        if p.deadline else None,
        _fact("Tags", ", ".join(p.tags)) if p.tags else None,
    ]
    if ps.stale:
        facts.append(_fact("Last activity", *_last_activity(ps), " ", _marks(ps, "stale")))
    if updates:
        timeline: Markup = el(
            "details",
            el("summary", f"Timeline: {_plural(len(updates), 'update')}"),
            el("ol", [_update_item(u, sts) for u in updates], class_="timeline"),
            class_="timeline-box",
        )
    else:
        timeline = el("p", "No update recorded yet.", class_="muted")
    permalink = f"#{PLEDGE_ANCHOR}{p.id}"
    return el(
        "article",
        el("h3", p.title),
        el("p", el("code", p.id), " \u00b7 ",
           el("a", "Link to this pledge", href=permalink, class_="permalink",
              title=f"Permalink: {permalink}"), class_="id-line"),
        el("dl", facts, class_="facts"),
        el("p", p.summary, class_="summary") if p.summary else None,
        el("blockquote", p.quote, class_="quote") if p.quote else None,
        el("p", el("strong", "Criteria: "), p.criteria, class_="criteria")
        if p.criteria else None,
        el("div", el("h4", "Sources"), el("ul", [source_item(src) for src in p.sources]),
           class_="sources") if p.sources else None,
        timeline,
        el("p", f"{_plural(later, 'later update')} (after the report date) not shown.",
           class_="muted") if later else None,
        id=f"{CARD_ANCHOR}{p.id}", class_="pledge", data_id=p.id,
    )


def _cards(s: Summary, sts: _Statuses) -> Markup:
    """Every pledge's card (facts, texts, sources, timeline) as HTML in a JSON object by id,
    inside a data block that the browser does not run. The script puts a card under its row
    when it is opened: a page of 10,000 pledges then opens in a moment instead of laying out
    60 MB of cards. The HTML is made here, escaped like the rest of the page."""
    cards = {ps.id: _pledge_article(ps, sts) for ps in s.states}
    text = _json.dumps(cards, ensure_ascii=False, separators=(",", ":"))
    if len(text) <= COMPRESS_ABOVE:
        return _data_block("pledge-cards", text)
    import gzip

    items = list(cards.items())
    pieces = []
    for start in range(0, len(items), CARDS_PER_PIECE):
        piece = _json.dumps(dict(items[start:start + CARDS_PER_PIECE]), ensure_ascii=False,
                            separators=(",", ":"))
        # mtime=0: the same content gives the same bytes (reproducible pages).
        packed = gzip.compress(piece.encode("utf-8"), compresslevel=9, mtime=0)
        pieces.append(base64.b64encode(packed).decode("ascii"))
    return el("script", Markup(_json.dumps(pieces)), type="application/json",
              id="pledge-cards", data_encoding="gzip-base64-pieces",
              data_per_piece=CARDS_PER_PIECE)


def _joint_rule_text(s: Summary) -> str:
    if s.joint_status == "weakest":
        return ("takes the weakest of its parties' statuses (an open one before a final one, a "
                "party without an update first of all)")
    return "takes its parties' status when they all agree, and is Mixed when they differ"


def _footer(s: Summary, version: str) -> Markup:
    return el(
        "footer",
        el("h2", "How to read this report"),
        el("ul",
           el("li", el("strong", "Status: "), "each pledge's status is that of its latest "
              "update dated up to the report date; a joint pledge, assessed party by party, "
              + _joint_rule_text(s) + "."),
           el("li", el("strong", "Compliance: "), "after the G7 Research Group's method, "
              "each pledge (or each party of a pledge assessed party by party) scores +1, 0 "
              "or \u22121 by its status (a custom status may score in between); the mean over "
              "the assessed cells is shown as (mean + 1) / 2 \u00d7 100 %, always with the "
              "share of cells assessed."),
           el("li", el("strong", "Overdue: "), "the deadline has passed and the status is "
              "not final."),
           el("li", el("strong", "Stale: "), "not final, and no update within "
              f"{s.stale_after_days} days of the report date.")),
        el("p", f"Made with pledgetrack {version}.", class_="muted"),
        class_="page-foot",
    )


# -- the page ------------------------------------------------------------------------------------


def _asset(name: str) -> str:
    return resources.files("pledgetrack.render").joinpath("assets", name).read_text("utf-8")


def _csp_hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def _generated_text(when: dt.datetime) -> Markup:
    utc = when.astimezone(dt.UTC).replace(microsecond=0)
    return el("time", utc.strftime("%Y-%m-%d %H:%M UTC"),
              datetime=utc.isoformat().replace("+00:00", "Z"))


def _skipped_banner(s: Summary) -> Markup | None:
    """Files that fail the check are not counted: the reader of the page must be told, since a
    warning on the terminal that made it never reaches them."""
    if not s.skipped:
        return None
    n = len(s.skipped)
    items = [el("li", el("code", f.path), f" \u2014 {_plural(f.errors, 'error')}; first: ",
                f.first) for f in s.skipped]
    return el(
        "div",
        el("p", el("strong", f"{_plural(n, 'file')} {'fails' if n == 1 else 'fail'} the check "
                             f"and {'is' if n == 1 else 'are'} not counted in this report."),
           " Run ", el("code", "pledgetrack check"), " to see every problem."),
        el("ul", *items),
        class_="skipped", role="alert",
    )


def report(summary: Summary, *, generated: dt.datetime | None = None,
           filter: Filter | None = None, title: str | None = None,
           intro: str | None = None, **_: object) -> str:
    """The page. ``generated`` is the time shown as the generation time (default: now);
    ``filter`` is described on the page when it selects anything; ``title`` replaces the
    page's title and ``intro`` (Markdown) comes under it."""
    from pledgetrack.version import __version__

    s = summary
    sts = _Statuses(s.vocabulary)
    when = generated or dt.datetime.now(dt.UTC)
    style = _asset("report.css") + status_css(s.vocabulary)
    script = _asset("scroll.js") + _asset("report.js")
    csp = (f"default-src 'none'; style-src {_csp_hash(style)}; "
           f"script-src {_csp_hash(script)}; img-src data:; base-uri 'none'; "
           "form-action 'none'")
    scope = describe_filter(filter)
    heading = title.strip() if title and title.strip() else "Pledge follow-through"
    # The tab (and a bookmark, a history entry) keeps the date under a title of its own.
    page_title = (f"{heading} \u2014 as of {s.as_of.isoformat()}" if title and title.strip()
                  else f"Pledge follow-through as of {s.as_of.isoformat()}")
    head = el(
        "head",
        el("meta", charset="utf-8"),
        el("meta", name="viewport", content="width=device-width, initial-scale=1"),
        el("meta", http_equiv="Content-Security-Policy", content=csp),
        el("meta", name="generator", content=f"pledgetrack {__version__}"),
        el("title", page_title),
        # An empty icon: without it a browser may ask the server for /favicon.ico.
        el("link", rel="icon", href="data:,"),
        el("style", Markup(style)),
    )
    header = el(
        "header",
        el("h1", heading),
        el("p", "As of ", el("strong", _time(s.as_of)), " \u00b7 generated ",
           _generated_text(when), class_="meta"),
        el("p", "Selected: ", "; ".join(scope), class_="scope") if scope else None,
        _skipped_banner(s),
        el("div", intro_html(intro), class_="intro") if intro and intro.strip() else None,
        class_="page-head",
    )
    main = block(
        "main",
        el("section", el("h2", "Summary", id="summary-heading", class_="sr-only"),
           _figures(s), aria_labelledby="summary-heading"),
        _charts(s, sts),
        _trend_section(s),
        _pledge_table(s, sts),
        _group_section(s, sts),
        _matrix_section(s),
        id="main",
    )
    body = block(
        "body",
        el("a", "Skip to the pledges", href="#pledges", class_="skip"),
        header, main, _footer(s, __version__),
        _cards(s, sts),
        el("script", Markup(script)),
    )
    page = block("html", head, body, lang="en")
    page.insert(0, "<!DOCTYPE html>\n")
    return "".join(page)
