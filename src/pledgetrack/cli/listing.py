"""`pledgetrack list`: one row per pledge."""

from __future__ import annotations

from typing import Annotated

import typer

from pledgetrack.cli.app import app
from pledgetrack.cli.filters import Selection, filter_options
from pledgetrack.cli.options import (
    ColorOption,
    DirOption,
    NoCacheOption,
    StrictOption,
    choice,
    format_option,
)
from pledgetrack.cli.output import output_option

# A light copy of queries.selection.SORT_KEYS (tests/cli/test_startup.py ties the two): defining
# the command must not import the queries.
SORT_KEYS = ("id", "status", "deadline", "announced", "updated")


@app.command("list")
@filter_options
def list_(
    selection: Selection,
    dir: DirOption = None,
    fmt: Annotated[str, format_option(
        "list", "auto", help_text="Output format; auto is table on a terminal, tsv in a pipe.",
    )] = "auto",
    sort: Annotated[str, choice(
        "sort", SORT_KEYS, "Order: dates earliest first (missing last), status in the "
        "vocabulary's order.")] = "id",
    reverse: Annotated[bool, typer.Option("--reverse", help="Reverse the order.")] = False,
    limit: Annotated[int | None, typer.Option(
        "--limit", "-n", min=1, metavar="N", show_default=False,
        help="Show at most N pledges (after sorting).")] = None,
    output: Annotated[str | None, output_option("list")] = None,
    no_cache: NoCacheOption = False,
    strict: StrictOption = False,
    color: ColorOption = "auto",
) -> int:
    """List pledges: id, title, actors → recipients, domains, status, last update, deadline.

    A table on a terminal, tab-separated text with a header line in a pipe.
    """
    from typing import cast

    from pledgetrack.cli.data import load, skipped_code
    from pledgetrack.cli.output import target
    from pledgetrack.queries.selection import SortKey, select, sort_states, states
    from pledgetrack.queries.skipped import skipped_files
    from pledgetrack.render import registry
    from pledgetrack.store.workspace import Workspace

    out = target("list", fmt, output, color, terminal_format="table", pipe_format="tsv")
    dataset = load(Workspace(dir, cache=not no_cache), out, color=color,
                   filter=selection.filter, outline=True)
    pledges = select(dataset, selection.filter, selection.as_of)
    rows = sort_states(states(dataset, pledges, selection.as_of), cast(SortKey, sort),
                       dataset.config, reverse=reverse)
    if limit is not None:
        rows = rows[:limit]
    out.data(registry.get("list", out.format)(
        rows, vocabulary=dataset.config.statuses, color=out.color, width=out.width,
        skipped=skipped_files(dataset),
    ))
    return skipped_code(dataset, out, strict)
