"""`pledgetrack changes`: what happened between two dates."""

from __future__ import annotations

from typing import Annotated

import typer

from pledgetrack.cli.app import app
from pledgetrack.cli.filters import DATE_FORMS, Selection, window_filter_options
from pledgetrack.cli.options import (
    ColorOption,
    DirOption,
    NoCacheOption,
    PageIntroOption,
    PageTitleOption,
    StrictOption,
    format_option,
)
from pledgetrack.cli.output import output_option


@app.command()
@window_filter_options
def changes(
    selection: Selection,
    since: Annotated[str, typer.Option(
        "--since", metavar="DATE", show_default=False,
        help=f"Open the window on the first day of DATE ({DATE_FORMS}).")],
    until: Annotated[str | None, typer.Option(
        "--until", metavar="DATE", show_default=False,
        help="Close the window on the last day of DATE. Default: today.")] = None,
    dir: DirOption = None,
    fmt: Annotated[str, format_option(
        "changes", "auto", help_text="Output format; auto follows -o FILE's extension, else "
        "table on a terminal and markdown in a pipe.",
    )] = "auto",
    title: PageTitleOption = None,
    intro: PageIntroOption = None,
    output: Annotated[str | None, output_option("changes")] = None,
    no_cache: NoCacheOption = False,
    strict: StrictOption = False,
    color: ColorOption = "auto",
) -> int:
    """What happened between two dates, from the dated updates: status changes per pledge and
    party (with note and sources), pledges announced, pledges that became overdue, deadlines in
    the window, and compliance at both ends with the change.

    The pledges are those `report --as-of UNTIL` selects with the same filters; the figures
    at --since are those of `report --as-of` the day before it. The JSON shape is documented
    in docs/reports.md.
    """
    from pledgetrack.cli.data import load, skipped_code
    from pledgetrack.cli.output import target
    from pledgetrack.cli.report import page_text
    from pledgetrack.errors import EXIT_USAGE, PledgetrackError
    from pledgetrack.model.dates import parse_date, today
    from pledgetrack.queries.changes import changes as what_changed
    from pledgetrack.render import registry
    from pledgetrack.store.workspace import Workspace

    if selection.as_of_given:
        raise PledgetrackError("changes takes --since and --until, not --as-of",
                               exit_code=EXIT_USAGE)
    start = parse_date(since, "--since")
    end = parse_date(until, "--until") if until is not None and until.strip() else None
    closing = end.end if end is not None else today()
    if closing < start.start:  # said here in the command line's words
        raise PledgetrackError(f"--until {closing.isoformat()} is before --since "
                               f"{start.start.isoformat()}")
    out = target("changes", fmt, output, color, terminal_format="table",
                 pipe_format="markdown")
    intro_text = page_text(title, intro, out.format)
    dataset = load(Workspace(dir, cache=not no_cache), out, color=color,
                   filter=selection.filter)
    result = what_changed(dataset, start, end, selection.filter)
    extra = {"title": title, "intro": intro_text} if out.format == "html" else {}
    out.data(registry.get("changes", out.format)(result, color=out.color, width=out.width,
                                                 **extra))
    return skipped_code(dataset, out, strict)
