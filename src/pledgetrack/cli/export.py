"""`pledgetrack export`: the records, with their derived status, as CSV, JSON or JSON Lines."""

from __future__ import annotations

from typing import Annotated

import typer

from pledgetrack.cli.app import app
from pledgetrack.cli.filters import Selection, filter_options
from pledgetrack.cli.options import DirOption, NoCacheOption, StrictOption, format_option
from pledgetrack.cli.output import output_option


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
        "--raw", help="CSV: keep cells that start with =, +, -, @, tab or CR as they are, "
        "instead of "
        "prefixing a ' so that spreadsheets do not run them as formulas.",
    )] = False,
    output: Annotated[str | None, output_option("export")] = None,
    no_cache: NoCacheOption = False,
    strict: StrictOption = False,
) -> int:
    """Export pledges, one row each with the derived status (or one row per update).

    CSV columns: id, title, actors, recipients, domains, tags, announced, deadline, status,
    status_date, source, made_by, summary, quote, criteria, source_title, publisher, parties
    (lists joined with ';'; parties, each actor's status for a joint pledge, as
    'Japan=delivered;US=in_progress'). JSON and JSON Lines rows have the same keys, lists as
    lists and parties an object. With --full, each
    JSON row is a whole pledge file, the lossless way to move data.
    """
    import dataclasses
    import datetime as dt
    import gc
    from collections.abc import Iterable, Mapping

    from pledgetrack.cli.data import load, skipped_code
    from pledgetrack.cli.output import target
    from pledgetrack.errors import PledgetrackError
    from pledgetrack.model.records import Pledge
    from pledgetrack.queries.exports import PLEDGE_COLUMNS, UPDATE_COLUMNS, full_row, iter_rows
    from pledgetrack.queries.selection import Chooser
    from pledgetrack.render import registry
    from pledgetrack.store.stream import full_records
    from pledgetrack.store.workspace import Workspace

    if full and updates:
        raise PledgetrackError("--full already holds every update; leave out --updates")
    out = target("export", fmt, output, "never", terminal_format="json" if full else "csv",
                 pipe_format="json" if full else "csv")
    if full and out.format not in ("json", "jsonl"):
        raise PledgetrackError(f"--full writes JSON or JSON Lines, not {out.format}: records "
                               "hold nested updates and sources")
    # A whole export keeps every pledge and every update, unless the question names a date.
    as_of = None if full and not selection.as_of_given else selection.as_of
    when = as_of or dt.date.max
    # Outline records choose the pledges as they are loaded, one shard at a time, keeping only
    # each chosen pledge's id and path; then the full records are read one at a time, in id
    # order, and written as they come: memory never holds every record. A search, which reads
    # the texts, is asked of the full records.
    searching = selection.filter.search is not None
    narrow = dataclasses.replace(selection.filter, search=None)
    workspace = Workspace(dir, cache=not no_cache)
    chooser = Chooser(narrow, workspace.cached_config(), when)
    dataset = load(workspace, out, filter=narrow, outline=True, each=chooser)
    # The garbage collector back on (the executable turns it off after a load): encoding a row
    # as indented JSON leaves a reference cycle behind (the encoder's nested functions), about
    # 2 KB a row that only the collector frees. It has little to scan: no record is kept.
    gc.enable()
    changed: list[str] = []
    records = full_records(dataset.root, dataset.config, chooser.paths(dataset.broken), changed,
                           cache=workspace.cache)
    pledges: Iterable[Pledge] = (
        p for p in records if not searching or selection.filter.matches(p, dataset.config, when))
    if full:
        rows: Iterable[Mapping[str, object]] = (full_row(p, as_of) for p in pledges)
        columns = None
    else:
        rows = iter_rows(pledges, dataset.config, when, updates=updates)
        columns = UPDATE_COLUMNS if updates else PLEDGE_COLUMNS
    out.data_chunks(registry.get_chunks("export", out.format)(rows, columns=columns, raw=raw))
    for path in changed:
        out.warn(f"skipping {path}: it changed during the export and no longer reads without "
                 "errors")
    return skipped_code(dataset, out, strict)
