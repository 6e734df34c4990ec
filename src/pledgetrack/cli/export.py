"""`pledgetrack export`: the records, with their derived status, as CSV, JSON or JSON Lines."""

from __future__ import annotations

from typing import Annotated

import typer

from pledgetrack.cli.app import app
from pledgetrack.cli.filters import Selection, filter_options
from pledgetrack.cli.options import DirOption, NoCacheOption, StrictOption, format_option
from pledgetrack.cli.output import OutputOption


@app.command()
@filter_options
def export(
    selection: Selection,
    dir: DirOption = None,
    fmt: Annotated[str, format_option(
        "export", "auto", help_text="Output format; auto follows -o FILE's extension, else csv.",
    )] = "auto",
    updates: Annotated[bool, typer.Option(
        "--updates", help="One row per update (long format) instead of one per pledge.",
    )] = False,
    full: Annotated[bool, typer.Option(
        "--full", help="JSON/JSON Lines: every field of every pledge file (updates with their "
        "party, note, sources and recorded date; unknown fields kept), whatever their dates "
        "unless --as-of is given: what 'import' reads back into the same files.",
    )] = False,
    raw: Annotated[bool, typer.Option(
        "--raw", help="CSV: keep cells that start with =, +, -, @ as they are, instead of "
        "prefixing a ' so that spreadsheets do not run them as formulas.",
    )] = False,
    output: OutputOption = None,
    no_cache: NoCacheOption = False,
    strict: StrictOption = False,
) -> None:
    """Export pledges, one row each with the derived status (or one row per update).

    CSV columns: id, title, actors, recipients, domains, tags, announced, deadline, status,
    status_date, source, made_by, summary, quote, criteria, source_title, publisher (lists joined
    with ';'). JSON and JSON Lines rows have the same keys, lists as lists. With --full, each
    JSON row is a whole pledge file, the lossless way to move data.
    """
    import datetime as dt

    from pledgetrack.cli.data import exit_if_skipped, load
    from pledgetrack.cli.output import target
    from pledgetrack.errors import PledgetrackError
    from pledgetrack.queries.exports import PLEDGE_COLUMNS, UPDATE_COLUMNS, export_rows, full_row
    from pledgetrack.queries.selection import select
    from pledgetrack.render import registry

    if full and updates:
        raise PledgetrackError("--full already holds every update; leave out --updates")
    out = target("export", fmt, output, "never", terminal_format="json" if full else "csv",
                 pipe_format="json" if full else "csv")
    if full and out.format not in ("json", "jsonl"):
        raise PledgetrackError(f"--full writes JSON or JSON Lines, not {out.format}: records "
                               "hold nested updates and sources")
    dataset = load(dir, filter=selection.filter, cache=not no_cache)
    if full:
        # Every pledge and every update, unless the question names a date.
        as_of = selection.as_of if selection.as_of_given else None
        pledges = select(dataset, selection.filter, as_of or dt.date.max)
        doc = [full_row(p, as_of) for p in pledges]
        out.write(registry.get("export", out.format)(doc, columns=None))
        exit_if_skipped(dataset, strict)
        return
    pledges = select(dataset, selection.filter, selection.as_of)
    rows = export_rows(pledges, dataset.config, selection.as_of, updates=updates)
    columns = UPDATE_COLUMNS if updates else PLEDGE_COLUMNS
    out.write(registry.get("export", out.format)(rows, columns=columns, raw=raw))
    exit_if_skipped(dataset, strict)
