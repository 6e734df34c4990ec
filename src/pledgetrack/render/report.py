"""Formats for `pledgetrack report`: a Rich table for a terminal, GitHub-flavoured Markdown for job
summaries and pull-request comments, JSON (the documented contract) and CSV."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pledgetrack.model.vocabulary import score_text
from pledgetrack.queries.reports import Compliance, Summary
from pledgetrack.queries.skipped import skipped_text
from pledgetrack.render import jsontext
from pledgetrack.render.tabular import MARKDOWN_LIMIT, MarkdownWriter, csv_text, md_code, md_escape

if TYPE_CHECKING:
    from rich.table import Table

NO_RATE = "\u2013"  # en dash: a status that is not final has no final rate

GROUP_TITLES = {
    "domain": "Domain", "actor": "Actor", "recipient": "Recipient", "party": "Party",
    "year": "Year announced", "tag": "Tag",
}


# -- numbers as text -----------------------------------------------------------------------------


def pct(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def mean_text(value: float | None) -> str:
    if value is None:
        return "n/a"
    return "0.00" if round(value, 2) == 0 else f"{value:+.2f}"


def coverage_pct(value: float | None) -> str:
    """A share of cells assessed: ``25``, ``33.3`` (no needless ``.0``)."""
    if value is None:
        return "n/a"
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _share(c: Compliance) -> str:
    # No cell at all: no share to give ("n/a", not "n/a %").
    return "n/a" if c.coverage is None else f"{coverage_pct(c.coverage)} %"


def coverage_text(c: Compliance) -> str:
    """``4 of 16 cells assessed (25 %)``."""
    return f"{c.assessed} of {_plural(c.cells, 'cell')} assessed ({_share(c)})"


def compliance_text(c: Compliance) -> str:
    """``66.7 % (mean +0.33) — 3 of 4 cells assessed (75 %)``: the percentage never without
    the share of cells behind it."""
    if c.mean is None:
        return f"not assessed — {coverage_text(c)}"
    return f"{pct(c.percent)} % (mean {mean_text(c.mean)}) — {coverage_text(c)}"


def short_coverage(c: Compliance) -> str:
    """``4/16 (25 %)``, for table cells."""
    return f"{c.assessed}/{c.cells} ({_share(c)})"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def headline(s: Summary) -> str:
    return f"Follow-through as of {s.as_of.isoformat()}: {_plural(s.total, 'pledge')}"


# -- JSON ----------------------------------------------------------------------------------------


def json(summary: Summary, **_: object) -> str:
    return jsontext.dumps(summary.to_dict()) + "\n"


# -- CSV -----------------------------------------------------------------------------------------

# The first cell of a CSV row that names a file left out (docs/reports.md).
SKIPPED_ROW = "(skipped)"

STATUS_CSV = ("group", "status", "label", "final", "score", "count", "percent",
              "final_percent")


def csv(summary: Summary, **_: object) -> str:
    """The status table (``group`` is ``all``, then each group of ``--by``); with ``--matrix``
    the compliance matrix instead."""
    vocab = summary.vocabulary
    if summary.matrix is not None:
        m = summary.matrix
        header = ["id", "title", *m.parties, "mean", "percent", "assessed", "cells", "coverage"]
        rows = []
        for r in m.rows:
            scores = ["" if p not in r.scores else _csv_score(r.scores[p]) for p in m.parties]
            rows.append([r.id, r.title, *scores, *_csv_compliance(r.compliance)])
        overall = [
            _csv_mean(m.by_party[p].mean) for p in m.parties
        ]
        rows.append(["(average)", "", *overall, *_csv_compliance(summary.compliance)])
        # Each party's share of cells assessed, under its average.
        rows.append(["(coverage)", "", *(_csv_mean(m.by_party[p].coverage, 2)
                                         for p in m.parties),
                     "", "", "", "", ""])
        for f in summary.skipped:
            rows.append([SKIPPED_ROW, f"{f.path} ({f.errors} errors; first: {f.first})",
                         *([""] * (len(m.parties) + 5))])
        return csv_text(header, rows)
    if summary.trend_period is not None:
        return _trend_csv(summary)

    def status_rows(group: str, total: int, counts: dict[str, int]) -> list[list[str]]:
        final = sum(n for st, n in counts.items() if vocab.is_final(st))
        out = []
        for st in vocab:
            n = counts.get(st.name, 0)
            out.append([
                group, st.name, st.label, "yes" if st.final else "no",
                "" if st.score is None else str(st.score), str(n),
                _csv_pct(n, total),
                _csv_pct(n, final) if st.final else "",
            ])
        return out

    rows = status_rows("all", summary.total, summary.by_status)
    for g in summary.groups.values():
        rows.extend(status_rows(g.name, g.total, g.by_status))
    # A file that is not counted is part of the answer: one row each, after the figures.
    for f in summary.skipped:
        rows.append([SKIPPED_ROW, f.path, f.first, "", "", str(f.errors), "", ""])
    return csv_text(STATUS_CSV, rows)


# The columns of `report --trend … --format csv` before and after the statuses.
TREND_CSV = ("as_of", "total")
TREND_CSV_END = ("mean", "percent", "assessed", "cells", "coverage")


def _trend_csv(summary: Summary) -> str:
    """One row per period end: the counts by status and the compliance."""
    names = summary.vocabulary.names
    rows = [[p.as_of.isoformat(), str(p.total), *(str(p.by_status.get(n, 0)) for n in names),
             *_csv_compliance(p.compliance)] for p in summary.trend]
    for f in summary.skipped:
        rows.append([SKIPPED_ROW, f"{f.path} ({f.errors} errors; first: {f.first})",
                     *([""] * (len(names) + len(TREND_CSV_END)))])
    return csv_text([*TREND_CSV, *names, *TREND_CSV_END], rows)


def _csv_pct(part: int, whole: int) -> str:
    return "" if whole == 0 else f"{round(part / whole * 100, 2)}"


def _csv_score(score: float | None) -> str:
    return "" if score is None else str(score)


def _csv_mean(value: float | None, digits: int = 4) -> str:
    return "" if value is None else f"{round(value, digits)}"


def _csv_compliance(c: Compliance) -> list[str]:
    percent = "" if c.percent is None else f"{round(c.percent, 2)}"
    return [_csv_mean(c.mean), percent, str(c.assessed), str(c.cells), _csv_mean(c.coverage, 2)]


# -- Markdown ------------------------------------------------------------------------------------


def markdown(summary: Summary, *, limit: int = MARKDOWN_LIMIT, **_: object) -> str:
    """GitHub-flavoured Markdown, never more than ``limit`` bytes (a note says when cut)."""
    s = summary
    vocab = s.vocabulary
    out = MarkdownWriter(limit)
    out.text(f"## {headline(s)}\n\n")
    if s.skipped:
        out.text(f"> **Warning:** {skipped_text(s.skipped, path=md_escape)}.\n\n")
    facts = [f"Compliance: **{compliance_text(s.compliance)}**",
             f"{_plural(len(s.overdue), 'pledge')} overdue",
             f"{_plural(len(s.stale), 'pledge')} stale (no update within "
             f"{s.stale_after_days} days)"]
    out.text("; ".join(facts) + ".\n")

    percent, final_rate = s.percent, s.final_rate
    rows = [
        [f"{md_escape(st.label)} ({md_code(st.name)})", str(s.by_status[st.name]),
         pct(percent[st.name]), pct(final_rate.get(st.name)) if st.final else NO_RATE]
        for st in vocab
    ]
    rows.append(["**Total**", f"**{s.total}**", "100.0" if s.total else "",
                 f"{s.final} final"])
    out.table(("Status", "Pledges", "%", "% of final"), rows, "lrrr")

    if s.by:
        out.text(f"\n### By {s.by}\n")
        used = [st for st in vocab if any(g.by_status[st.name] for g in s.groups.values())]
        header = [GROUP_TITLES[s.by], "Total", *(md_escape(st.label) for st in used),
                  "Compliance", "Cells assessed"]
        rows = [
            [md_escape(g.name), str(g.total), *(str(g.by_status[st.name]) for st in used),
             _md_compliance(g.compliance), short_coverage(g.compliance)]
            for g in s.groups.values()
        ]
        out.table(header, rows, "lr" + "r" * len(used) + "rr")

    if s.overdue:
        out.text(f"\n### Overdue ({len(s.overdue)})\n")
        rows = [[md_code(ps.id), md_escape(ps.pledge.title), str(ps.pledge.deadline),
                 md_code(ps.status)] for ps in s.overdue]
        out.table(("Pledge", "Title", "Deadline", "Status"), rows)
    if s.stale:
        out.text(f"\n### Stale ({len(s.stale)})\n")
        rows = [[md_code(ps.id), md_escape(ps.pledge.title), str(ps.last_activity or ""),
                 str(ps.days_since_activity or ""), md_code(ps.status)] for ps in s.stale]
        out.table(("Pledge", "Title", "Last activity", "Days", "Status"), rows, "lllrl")

    if s.matrix is not None:
        m = s.matrix
        out.text("\n### Compliance matrix\n")
        header = ["Pledge", *(md_escape(p) for p in m.parties), "Mean", "%", "Cells assessed"]
        rows = [
            [md_code(r.id), *(_md_score(r.scores, p) for p in m.parties),
             mean_text(r.compliance.mean), pct(r.compliance.percent),
             short_coverage(r.compliance)]
            for r in m.rows
        ]
        rows.append(["**Average**", *(mean_text(m.by_party[p].mean) for p in m.parties),
                     f"**{mean_text(s.compliance.mean)}**", f"**{pct(s.compliance.percent)}**",
                     f"**{short_coverage(s.compliance)}**"])
        rows.append(["**Cells assessed**", *(short_coverage(m.by_party[p]) for p in m.parties),
                     "", "", ""])
        out.table(header, rows, "l" + "r" * (len(m.parties) + 3))
        out.text("\nScores: +1 delivered, 0 partial or in progress, -1 not delivered; "
                 "n/a not assessed; blank: the party is not bound by the pledge.\n")
    if s.trend_period is not None:
        out.text(f"\n### Trend by {s.trend_period}\n")
        used = _trend_statuses(s)
        header = ["As of", "Pledges", *(md_escape(st.label) for st in used), "Compliance",
                  "Cells assessed"]
        rows = [[p.as_of.isoformat(), str(p.total), *(str(p.by_status[st.name]) for st in used),
                 _md_compliance(p.compliance), short_coverage(p.compliance)] for p in s.trend]
        out.table(header, rows, "lr" + "r" * len(used) + "rr")
    return out.getvalue()


def _trend_statuses(s: Summary) -> list[Any]:
    """The statuses some point of the trend counts (a column of zeros says nothing)."""
    return [st for st in s.vocabulary if any(p.by_status.get(st.name) for p in s.trend)]


SPARKS = "\u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588"


def sparkline(values: Sequence[float | None]) -> str:
    """One block per value, its height the value's place between 0 and 100; a space for
    None (nothing assessed)."""
    out = []
    for v in values:
        if v is None:
            out.append(" ")
        else:
            out.append(SPARKS[min(len(SPARKS) - 1, int(v / 100 * len(SPARKS)))])
    return "".join(out)


def bar(value: float | None, width: int = 10) -> str:
    """A small bar: ``value`` % of ``width`` cells."""
    if value is None:
        return ""
    full = round(value / 100 * width)
    return "\u2588" * full + "\u00b7" * (width - full)


def _md_compliance(c: Compliance) -> str:
    return "n/a" if c.mean is None else f"{pct(c.percent)} %"


def _md_score(scores: dict[str, float | None], party: str) -> str:
    return score_text(scores[party]) if party in scores else ""


# -- Rich table ----------------------------------------------------------------------------------


def table(summary: Summary, *, color: bool = False, width: int | None = None,
          **_: object) -> str:
    from rich.console import Group
    from rich.text import Text

    from pledgetrack.render.tabular import rich_text

    s = summary
    vocab = s.vocabulary
    parts: list[Any] = [Text(headline(s), style="bold")]

    t = _new_table()
    for header in ("status", "pledges", "%", "% of final"):
        t.add_column(header, justify="left" if header == "status" else "right")
    percent, final_rate = s.percent, s.final_rate
    for st in vocab:
        t.add_row(Text(st.name, style=st.color if color else ""), str(s.by_status[st.name]),
                  pct(percent[st.name]), pct(final_rate.get(st.name)) if st.final else NO_RATE)
    t.add_row(Text("total", style="bold"), str(s.total), "100.0" if s.total else "",
              f"{s.final} final", end_section=True)
    parts.append(t)
    if s.skipped:
        parts.append(Text(f"{skipped_text(s.skipped)}.",
                          style="bold yellow" if color else ""))
    parts.append(Text(f"Compliance: {compliance_text(s.compliance)}"))
    parts.append(Text(
        f"Overdue: {len(s.overdue)}    Stale (no update within {s.stale_after_days} days): "
        f"{len(s.stale)}"
    ))

    if s.by:
        parts.extend(_group_tables(s, color, width))

    if s.overdue:
        o_table = _new_table(f"Overdue ({len(s.overdue)})")
        for header in ("pledge", "deadline", "status"):
            o_table.add_column(header, overflow="fold")
        for ps in s.overdue:
            o_table.add_row(Text(ps.id), Text(str(ps.pledge.deadline), style="bold red"),
                            Text(ps.status))
        parts.append(o_table)
    if s.stale:
        s_table = _new_table(f"Stale ({len(s.stale)})")
        s_table.add_column("pledge", overflow="fold")
        s_table.add_column("last activity")
        s_table.add_column("days", justify="right")
        s_table.add_column("status")
        for ps in s.stale:
            s_table.add_row(Text(ps.id), str(ps.last_activity or ""),
                            str(ps.days_since_activity or ""), Text(ps.status))
        parts.append(s_table)

    if s.matrix is not None:
        parts.append(_matrix_table(s, width))
        parts.append(Text("Scores: +1 delivered, 0 partial or in progress, -1 not delivered, "
                          "n/a not assessed; blank: the party is not bound by the pledge."))
    if s.trend_period is not None:
        parts.extend(_trend_tables(s, color, width))
        parts.append(Text("Compliance: " + sparkline([p.compliance.percent for p in s.trend])
                          + " (0 to 100 %)"))
    return rich_text(Group(*_spaced(parts)), color=color, width=width)


def abbreviations(names: Sequence[str]) -> dict[str, str]:
    """Short column headers for status names: their initials (``not_yet_rated`` -> ``nyr``),
    or their first four letters where two would share initials, or the name itself."""
    from collections import Counter

    short = {n: "".join(w[0] for w in n.split("_") if w) or n for n in names}
    for cut in (4, None):  # n[:None] is the whole name
        shared = Counter(short.values())
        short = {n: n[:cut] if shared[a] > 1 else a for n, a in short.items()}
    return short


def _longest_piece(text: str) -> int:
    """The widest piece a name breaks into: at spaces, and after hyphens."""
    import re

    return max((len(p) for p in re.findall(r"[^\s-]*-|[^\s-]+", text)), default=1)


def _group_tables(s: Summary, color: bool, width: int | None) -> list[Any]:
    """The status-by-group table: a column per status under its label where that fits the
    terminal, else under short headers with a legend; a group's name wraps at spaces and
    hyphens, never cut short, and no number is."""
    from rich.text import Text

    from pledgetrack.render.tabular import wrap_at_hyphens

    by = s.by or ""
    groups = list(s.groups.values())
    used = [st for st in s.vocabulary if any(g.by_status[st.name] for g in groups)]
    counts = [[str(g.by_status[st.name]) for st in used] for g in groups]
    compliance = [_md_compliance(g.compliance) for g in groups]
    coverage = [short_coverage(g.compliance) for g in groups]
    names = [g.name for g in groups]
    name_piece = max([len(by), *(_longest_piece(n) for n in names)])

    def others(headers: Sequence[str], assessed: str) -> int:
        def wide(header: str) -> int:
            return max(len(line) for line in header.split("\n"))

        widths = [max([5, *(len(str(g.total)) for g in groups)]),
                  *(max([wide(h), *(len(row[j]) for row in counts)])
                    for j, h in enumerate(headers)),
                  max([10, *(len(c) for c in compliance)]),
                  max([wide(assessed), *(len(c) for c in coverage)])]
        return sum(widths) + 3 * len(widths)  # each column's padding and divider

    # Labels on one line; else a word a line; else short headers named in a legend.
    short = abbreviations([st.name for st in used])
    layouts = [([st.label for st in used], "cells assessed"),
               (["\n".join(st.label.split()) for st in used], "cells\nassessed"),
               ([short[st.name] for st in used], "cells\nassessed")]
    fitting = [i for i, (h, a) in enumerate(layouts)
               if width is None or name_piece + others(h, a) <= width]
    choice = fitting[0] if fitting else len(layouts) - 1
    headers, assessed = layouts[choice]
    legend = choice == len(layouts) - 1
    longest_name = max([len(by), *(len(n) for n in names)])
    room = (longest_name if width is None
            else min(longest_name, max(name_piece, width - others(headers, assessed))))

    g_table = _new_table(f"By {by}")
    g_table.add_column(by, overflow="fold", width=room)
    g_table.add_column("total", justify="right", no_wrap=True)
    for st, header in zip(used, headers, strict=True):
        g_table.add_column(Text(header, style=st.color if color else "", justify="right"),
                           justify="right", no_wrap=True)
    g_table.add_column("compliance", justify="right", no_wrap=True)
    g_table.add_column(Text(assessed, justify="right"), justify="right", no_wrap=True)
    for g, row, comp, cov in zip(groups, counts, compliance, coverage, strict=True):
        g_table.add_row(Text(wrap_at_hyphens(g.name, room)), str(g.total), *row, comp, cov)
    out: list[Any] = [g_table]
    if legend:
        out.append(Text("Statuses: " + ", ".join(f"{short[st.name]} {st.label}"
                                                 for st in used) + "."))
    return out


def _trend_tables(s: Summary, color: bool, width: int | None) -> list[Any]:
    """The trend as a table: a column per status where it fits the terminal; else the status
    columns under short headers (with a legend), then without the bars, then the counts of
    each point on a line of their own — never a date, a header or a number cut short."""
    from rich.text import Text

    used = _trend_statuses(s)
    points = s.trend
    values = [(p.as_of.isoformat(), str(p.total), [str(p.by_status[st.name]) for st in used],
               _md_compliance(p.compliance), bar(p.compliance.percent),
               short_coverage(p.compliance)) for p in points]

    def longest(i: int, header: str) -> int:
        return max([len(header), *(len(str(v[i])) for v in values)])

    def counts(j: int, header: str) -> int:
        return max([len(header), *(len(v[2][j]) for v in values)])

    def needed(headers: Sequence[str], bars: bool) -> int:
        assessed = "cells assessed" if headers == names else "assessed"
        widths = [longest(0, "as of"), longest(1, "pledges"),
                  *(counts(j, h) for j, h in enumerate(headers)),
                  longest(3, "compliance"), *([10] if bars else []), longest(5, assessed)]
        return sum(widths) + 3 * (len(widths) - 1)  # a padding space each side, and a divider

    names = [st.name for st in used]
    short = abbreviations(names)
    shorts = [short[n] for n in names]
    if width is None or needed(names, True) <= width:
        headers, bars, legend = names, True, False
    else:
        headers, bars, legend = shorts, needed(shorts, True) <= width, True
    one_column = width is not None and needed(headers, bars) > width
    assessed_header = "assessed" if legend else "cells assessed"
    # The room left to the single "by status" column: Rich would break a line at any space,
    # a no-break space too, so its lines are made here, whole "label count" pairs each.
    others = [longest(0, "as of"), longest(1, "pledges"), longest(3, "compliance"),
              *([10] if bars else []), longest(5, assessed_header)]
    room = (width or 0) - sum(others) - 3 * len(others)
    widest_pair = max((len(h) + 1 + counts(j, h) for j, h in enumerate(headers)), default=0)
    packed = room >= max(widest_pair, len("status"))

    t_table = _new_table(f"Trend by {s.trend_period}")
    t_table.add_column("as of", no_wrap=True)
    t_table.add_column("pledges", justify="right", no_wrap=True)
    if one_column:
        header = "by\nstatus" if packed and room < len("by status") else "by status"
        t_table.add_column(header, ratio=1, no_wrap=packed)
    else:
        for st, header in zip(used, headers, strict=True):
            t_table.add_column(Text(header, style=st.color if color else ""), justify="right",
                               no_wrap=True)
    t_table.add_column("compliance", justify="right", no_wrap=True)
    if bars:
        t_table.add_column("", no_wrap=True)
    t_table.add_column(assessed_header, justify="right", no_wrap=True)
    for as_of, total, by_status, compliance, bar_text, coverage in values:
        if one_column:
            # "nyr 10  ip 3 …": pairs kept whole, the line broken between them.
            pairs = [f"{h}\u00a0{c}" for h, c in zip(headers, by_status, strict=True)]
            cells: list[Any] = [Text("\n".join(_pack(pairs, room)) if packed
                                     else "  ".join(pairs))]
        else:
            cells = by_status
        t_table.add_row(as_of, total, *cells, compliance, *([bar_text] if bars else []),
                        coverage)
    out: list[Any] = [t_table]
    if legend:
        out.append(Text("Statuses: " + ", ".join(f"{short[n]} {n}" for n in names
                                                 if short[n] != n) + "."))
    return out


def _pack(pieces: Sequence[str], room: int, gap: str = "  ") -> list[str]:
    """``pieces`` on as few lines as fit in ``room`` columns, never one broken; a piece longer
    than ``room`` has a line of its own."""
    lines: list[str] = []
    for piece in pieces:
        if lines and len(lines[-1]) + len(gap) + len(piece) <= room:
            lines[-1] += gap + piece
        else:
            lines.append(piece)
    return lines


def _matrix_table(s: Summary, width: int | None) -> Any:
    """The compliance matrix: a grid (a column per party) where it fits, else one row per pledge
    with each party's score on a line of its own — never a number or an id cut short."""
    from rich.text import Text

    from pledgetrack.render.tabular import wrap_at_hyphens

    m = s.matrix
    assert m is not None
    m_table = _new_table("Compliance matrix")
    rows = [(r.id, r.compliance, {p: _md_score(r.scores, p) for p in m.parties})
            for r in m.rows]
    average = {p: mean_text(m.by_party[p].mean) for p in m.parties}
    assessed = {p: short_coverage(m.by_party[p]) for p in m.parties}
    longest = max([len("assessed"), *(len(r[0]) for r in rows)])
    totals = [len(short_coverage(c)) for _, c, _ in rows] + [len(short_coverage(s.compliance))]
    tail = 5 + 5 + max([8, *totals])  # mean, %, assessed
    party_columns = [max(5, *(len(w) for w in p.split()), *(len(assessed[p]) for _ in [0]))
                     for p in m.parties]
    grid = longest + sum(party_columns) + tail + 3 * (len(m.parties) + 3)
    if width is None or grid <= width:
        m_table.add_column("pledge", no_wrap=True, min_width=longest)
        for party in m.parties:
            # On a terminal, one word per line keeps the score columns narrow.
            header = party if width is None else "\n".join(party.split())
            m_table.add_column(Text(header, justify="right"), justify="right", no_wrap=True)
        for header in ("mean", "%", "assessed"):
            m_table.add_column(header, justify="right", no_wrap=True)
        for pledge_id, c, scores in rows:
            m_table.add_row(Text(pledge_id), *(scores[p] for p in m.parties),
                            mean_text(c.mean), pct(c.percent), short_coverage(c))
        m_table.add_row(Text("average", style="bold"), *(average[p] for p in m.parties),
                        mean_text(s.compliance.mean), pct(s.compliance.percent),
                        short_coverage(s.compliance), style="bold")
        m_table.add_row(Text("assessed", style="bold"), *(assessed[p] for p in m.parties),
                        "", "", "", style="bold")
        return m_table
    # Too many parties for the width: the scores of each pledge as lines "party score".
    names = max((len(p) for p in m.parties), default=5)

    def lines(values: dict[str, str], align: int = 5) -> str:
        return "\n".join(f"{p.ljust(names)} {values[p]:>{align}}" for p in m.parties
                         if values.get(p))

    body = [(pledge_id, lines(scores), mean_text(c.mean), pct(c.percent), short_coverage(c))
            for pledge_id, c, scores in rows]
    body.append(("average", lines(average), mean_text(s.compliance.mean),
                 pct(s.compliance.percent), short_coverage(s.compliance)))
    body.append(("assessed", lines(assessed, 0), "", "", ""))
    widths = [max([len(h), *(len(line) for row in body for line in row[i].splitlines())])
              for i, h in enumerate(("pledge", "scores", "mean", "%", "assessed"))]
    # Between two columns: a padding space each side and the box's divider.
    room = max(12, width - sum(widths[1:]) - 3 * 4)
    m_table.add_column("pledge", overflow="fold", width=min(room, widths[0]))
    for i, header in enumerate(("scores", "mean", "%", "assessed"), 1):
        m_table.add_column(header, justify="left" if i == 1 else "right", no_wrap=True,
                           width=widths[i])
    for pledge_id, *cells in body:
        bold = pledge_id in ("average", "assessed") and len(m_table.rows) >= len(rows)
        m_table.add_row(Text(wrap_at_hyphens(pledge_id, room)), *cells,
                        style="bold" if bold else None)
    return m_table


def _new_table(title: str | None = None) -> Table:
    from rich import box
    from rich.table import Table

    return Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False,
                 show_edge=False)


def _spaced(parts: Sequence[Any]) -> list[Any]:
    from rich.text import Text

    out: list[Any] = []
    for part in parts:
        if out:
            out.append(Text(""))
        out.append(part)
    return out
