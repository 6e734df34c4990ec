"""`pledgetrack report`: the follow-through summary."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import typer

from pledgetrack.cli.app import app
from pledgetrack.cli.filters import Selection, filter_options
from pledgetrack.cli.options import (
    ColorOption,
    DirOption,
    NoCacheOption,
    PageIntroOption,
    PageTitleOption,
    StrictOption,
    choice,
    format_option,
)
from pledgetrack.cli.output import output_option

if TYPE_CHECKING:
    from collections.abc import Mapping

    from pledgetrack.sources.results import LinkResult

# A light copy of queries.reports.GROUP_BY (tests/cli/test_startup.py ties the two): defining
# the command must not import the queries.
GROUP_BY = ("domain", "actor", "recipient", "party", "year", "tag")
TREND_PERIODS = ("month", "quarter", "year")  # queries.trend.PERIODS


@app.command()
@filter_options
def report(
    selection: Selection,
    dir: DirOption = None,
    fmt: Annotated[str, format_option(
        "report", "auto", help_text="Output format; auto follows -o FILE's extension, else "
        "table on a terminal and markdown in a pipe.",
    )] = "auto",
    by: Annotated[str | None, choice(
        "by", GROUP_BY, "Add a status-by-group table, with each group's compliance.")] = None,
    matrix: Annotated[bool, typer.Option(
        "--matrix", help="Add the compliance matrix: pledges \N{MULTIPLICATION SIGN} parties, "
        "with row and column averages.")] = False,
    trend: Annotated[str | None, choice(
        "trend", TREND_PERIODS, "Add the state at the end of each month, "
        "quarter or year (counts by status, compliance), up to the report date.")] = None,
    since: Annotated[str | None, typer.Option(
        "--since", metavar="DATE", show_default=False,
        help="With --trend: begin with the period holding DATE. Default: the first "
        "announcement or update.")] = None,
    title: PageTitleOption = None,
    intro: PageIntroOption = None,
    output: Annotated[str | None, output_option("report")] = None,
    no_cache: NoCacheOption = False,
    strict: StrictOption = False,
    color: ColorOption = "auto",
) -> int:
    """Summarise follow-through: counts and percentages by status (and over final verdicts),
    overdue and stale pledges, and compliance scores (G7 Research Group method).

    The JSON shape is documented in docs/reports.md. --format html writes one self-contained
    page (charts, sortable and filterable table, timelines; no network requests); it shows
    SOURCE_DATE_EPOCH as its generation time when that is set.
    """
    from typing import cast

    from pledgetrack.cli.data import load, skipped_code
    from pledgetrack.cli.output import target
    from pledgetrack.errors import PledgetrackError
    from pledgetrack.model.dates import parse_date
    from pledgetrack.queries.reports import GroupBy, summarise
    from pledgetrack.queries.trend import Period
    from pledgetrack.render import registry
    from pledgetrack.store.workspace import Workspace

    if since is not None and trend is None:
        raise PledgetrackError("--since goes with --trend month|quarter|year")
    trend_since = parse_date(since, "--since").start if since else None

    out = target("report", fmt, output, color, terminal_format="table",
                 pipe_format="markdown")
    intro_text = page_text(title, intro, out.format)
    # Outline records (no texts or sources) are enough for the figures; the HTML page also shows
    # each pledge's timeline with its notes and sources.
    dataset = load(Workspace(dir, cache=not no_cache), out, color=color,
                   filter=selection.filter, outline=out.format != "html")
    summary = summarise(dataset, selection.filter, selection.as_of,
                        by=cast(GroupBy | None, by), with_matrix=matrix,
                        trend=cast(Period | None, trend), trend_since=trend_since)
    from pledgetrack.render.deadlinks import cited_sources, dead_links, kept_dead

    extra: dict[str, object] = {}
    dead: Mapping[str, LinkResult] = {}
    if out.format == "html":
        extra = {"generated": generation_time(), "filter": selection.filter, "title": title,
                 "intro": intro_text}
        # An archived copy comes first where `pledgetrack sources` found the original dead.
        dead = kept_dead(cited_sources(dataset.pledges))
    with dead_links(dead):
        out.data(registry.get("report", out.format)(summary, color=out.color, width=out.width,
                                                    **extra))
    return skipped_code(dataset, out, strict)


def generation_time() -> dt.datetime:
    """The time a page says it was generated: now, or SOURCE_DATE_EPOCH (seconds since 1970,
    UTC) when set, so that a build can be reproduced byte for byte."""
    import os

    from pledgetrack.errors import PledgetrackError

    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        return dt.datetime.now(dt.UTC)
    try:
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC)
    except (ValueError, OverflowError, OSError):
        raise PledgetrackError(
            f"SOURCE_DATE_EPOCH must be a whole number of seconds since 1970-01-01 UTC, not "
            f"'{epoch}'"
        ) from None


def page_text(title: str | None, intro: str | None, fmt: str) -> str | None:
    """The --intro file's text (None without one), once --title and --intro are known to go
    with the HTML page: with another format they are a usage error."""
    from pledgetrack.errors import PledgetrackError

    page_options = [name for name, value in (("--title", title), ("--intro", intro))
                    if value is not None]
    if page_options and fmt != "html":
        raise PledgetrackError(f"{' and '.join(page_options)} appl"
                               f"{'y' if len(page_options) > 1 else 'ies'} only to --format html "
                               f"(the format here is {fmt})")
    return read_intro(intro) if intro is not None else None


def read_intro(path: str) -> str:
    """The text of the --intro file (UTF-8), or a one-line error."""
    from pledgetrack.errors import PledgetrackError

    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except UnicodeDecodeError:
        raise PledgetrackError(f"--intro {path}: not UTF-8 text") from None
    except OSError as exc:
        raise PledgetrackError(f"--intro {path}: {exc.strerror or exc}") from None
