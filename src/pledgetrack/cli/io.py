"""`pledgetrack import`: pledge files from a CSV, JSON or JSON Lines table, and updates from a
table of dated status changes."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pledgetrack.cli.app import app
from pledgetrack.cli.options import DirOption


@app.command("import")
def import_(
    file: Annotated[Path | None, typer.Argument(
        metavar="[FILE]", help="A .csv, .json or .jsonl pledge table (export's columns), or "
        "JSON/JSON Lines from 'export --full'.", show_default=False)] = None,
    updates: Annotated[Path | None, typer.Option(
        "--updates", metavar="FILE",
        help="A table of updates in export --updates' long format (id, date, status, party, "
        "note, source …), appended to the pledges they name in date order.",
        show_default=False)] = None,
    status_map: Annotated[list[str] | None, typer.Option(
        "--status-map", metavar="OLD=NEW",
        help="Translate another tracker's status (repeatable), e.g. 'Promise Kept=delivered'; "
        "applies to both tables.", show_default=False)] = None,
    dates: Annotated[str | None, typer.Option(
        "--dates", metavar="dmy|mdy",
        help="Read 30/05/2024-style dates day/month/year (dmy) or month/day/year (mdy); "
        "without it they are refused.", show_default=False)] = None,
    raw: Annotated[bool, typer.Option(
        "--raw", help="CSV: keep cells as they are, instead of removing the ' that export "
        "puts before =, +, -, @, tab or CR.")] = False,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Check every row and say what would be written; write nothing.")
    ] = False,
    replace: Annotated[bool, typer.Option(
        "--replace", help="Replace the files of pledges that already exist (otherwise an "
        "existing id is an error).")] = False,
    update_alias: Annotated[bool, typer.Option(
        "--update", hidden=True, help="Deprecated name of --replace.")] = False,
    dir: DirOption = None,
) -> int:
    """Create pledge files from the rows of a table, and append updates from a second one.

    Pledge table columns: id, title, actors, recipients, domains, tags, announced, deadline,
    status, status_date, source (lists joined with ';'); optionally made_by, summary, quote,
    criteria, source_title, publisher, parties (a joint pledge's status per actor,
    'Japan=delivered;US=in_progress'). Without an id column, ids are made from the titles.
    The status becomes the first update, citing the source. JSON rows from 'export --full' are
    read whole, losslessly. Every row is checked first: if any is bad, each is reported with its
    line and every reason, and nothing is written (exit 1).
    """
    from pledgetrack.cli.output import PLAIN as out
    from pledgetrack.cli.output import single_line
    from pledgetrack.errors import EXIT_FINDINGS, EXIT_OK, PledgetrackError
    from pledgetrack.store.importer import (
        DATE_ORDERS,
        ImportOptions,
        apply_plan,
        parse_status_map,
        plan_import,
    )
    from pledgetrack.store.workspace import Workspace

    if file is None and updates is None:
        raise PledgetrackError("give a pledge table (FILE), an update table (--updates FILE), "
                               "or both")
    if dates is not None and dates not in DATE_ORDERS:
        raise PledgetrackError(f"--dates {dates!r}: choose dmy (30/05/2024) or mdy (05/30/2024)")
    if update_alias and replace:
        raise PledgetrackError("--update is the deprecated name of --replace: give only "
                               "--replace")
    if update_alias:
        out.warn("--update is deprecated: it replaces existing files, use --replace; to append "
                 "updates from a table, use --updates")
    workspace = Workspace(dir)
    root, config = workspace.root, workspace.config
    options = ImportOptions(
        status_map=parse_status_map(list(status_map or []), config),
        replace=replace or update_alias, raw=raw,
        dates=dates,  # checked above
    )
    plan = plan_import(root, file, config, options, updates_path=updates)
    if plan.ignored_keys:
        out.warn(f"ignored columns: {', '.join(plan.ignored_keys)}")
    if plan.errors:
        for error in plan.errors:
            out.say(f"{error.path}:{error.line}: {single_line(error.reason)}\n")
        count = len(plan.errors)
        out.say(f"{count} bad row{'s' if count != 1 else ''}; nothing was written\n")
        return EXIT_FINDINGS
    for warning in plan.row_warnings:
        out.warn(f"{warning.path}:{warning.line}: {single_line(warning.reason)}")
    for line, new_id, suffixed in plan.derived_ids:
        if suffixed:
            out.warn(f"{file}:{line}: id '{new_id}' made from the title, with a suffix: the "
                     "plain one is taken")
    if plan.derived_ids:
        out.say(f"ids made from titles for {len(plan.derived_ids)} row"
                f"{'s' if len(plan.derived_ids) != 1 else ''}\n")
    replaced = sum(1 for _, p in plan.pledges if p.id in plan.replacing)
    created = len(plan.pledges) - replaced
    appended = plan.update_count
    if dry_run:
        for _, pledge in plan.pledges:
            verb = "replace" if pledge.id in plan.replacing else "create"
            out.data(f"would {verb} pledges/{pledge.id}.yaml\n")
        for pledge_id, ups in plan.appended.items():
            out.data(f"would add {len(ups)} update{'s' if len(ups) != 1 else ''} to "
                     f"pledges/{pledge_id}.yaml\n")
        adding = (f", {appended} update{'s' if appended != 1 else ''} to add"
                  f"{_skipped(plan.skipped_updates)}" if updates is not None else "")
        out.say(f"dry run: {created} to create, {replaced} to replace{adding}; "
                "nothing was written\n")
        if replaced:
            out.warn(_replacing(replaced, would=True))
        return EXIT_OK
    if replaced:
        out.warn(_replacing(replaced, would=False))
    written = apply_plan(root, plan, config)
    for path in written:
        out.data(f"pledges/{path.name}\n")
    summary = (f"imported {len(plan.pledges)} pledge{'s' if len(plan.pledges) != 1 else ''}"
               f" ({created} created, {replaced} replaced)")
    if updates is not None:
        into_new = plan.new_pledge_updates
        if into_new:
            summary += (f" with {into_new} update{'s' if into_new != 1 else ''} from the "
                        "update table,")
        summary += f" and {appended} update{'s' if appended != 1 else ''} to existing pledges"
        summary += _skipped(plan.skipped_updates)
    out.say(summary + "\n")
    return EXIT_OK


def _replacing(count: int, *, would: bool) -> str:
    """What replacing existing files loses, said the same way by the dry run and the real one."""
    files = "1 existing file: its" if count == 1 else f"{count} existing files: their"
    return (f"{'would replace' if would else 'replacing'} {files} comments and any updates not "
            "in the table are not kept (git has the old versions)")


def _skipped(count: int) -> str:
    if not count:
        return ""
    return (f"; {count} update{'s' if count != 1 else ''} already present, skipped")
