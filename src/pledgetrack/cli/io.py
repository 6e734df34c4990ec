"""`pledgetrack import`: pledge files from a CSV, JSON or JSON Lines table."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from pledgetrack.cli.app import app, single_line, warn
from pledgetrack.cli.options import DirOption


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(
        metavar="FILE", help="A .csv, .json or .jsonl file in the export format.",
        show_default=False)],
    status_map: Annotated[list[str] | None, typer.Option(
        "--status-map", metavar="OLD=NEW",
        help="Translate another tracker's status (repeatable), e.g. 'Promise Kept=delivered'.",
        show_default=False)] = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Check every row and say what would be written; write nothing.")
    ] = False,
    replace: Annotated[bool, typer.Option(
        "--update", help="Replace the files of pledges that already exist (otherwise an "
        "existing id is an error).")] = False,
    dir: DirOption = None,
) -> None:
    """Create pledge files from the rows of a table.

    Columns: id, title, actors, recipients, domains, tags, announced, deadline, status,
    status_date, source (lists joined with ';'); optionally made_by, summary, quote, criteria,
    source_title, publisher. The status becomes the first update, citing the source. Every row
    is checked first: if any is bad, each is reported with its line and nothing is written
    (exit 1).
    """
    from pledgetrack.errors import EXIT_FINDINGS
    from pledgetrack.store.configfile import load_config
    from pledgetrack.store.importer import apply_plan, parse_status_map, plan_import
    from pledgetrack.store.root import find_root

    root = find_root(dir)
    config = load_config(root)
    mapping = parse_status_map(list(status_map or []), config)
    plan = plan_import(root, file, config, mapping, replace=replace)
    if plan.ignored_keys:
        warn(f"ignored columns: {', '.join(plan.ignored_keys)}")
    if plan.errors:
        for error in plan.errors:
            sys.stderr.write(f"{file}:{error.line}: {single_line(error.reason)}\n")
        count = len(plan.errors)
        sys.stderr.write(f"{count} bad row{'s' if count != 1 else ''}; nothing was written\n")
        raise typer.Exit(EXIT_FINDINGS)
    replaced = sum(1 for _, p in plan.pledges if p.id in plan.replacing)
    created = len(plan.pledges) - replaced
    if dry_run:
        for _, pledge in plan.pledges:
            verb = "replace" if pledge.id in plan.replacing else "create"
            sys.stdout.write(f"would {verb} pledges/{pledge.id}.yaml\n")
        sys.stderr.write(f"dry run: {created} to create, {replaced} to replace; nothing "
                         "was written\n")
        return
    if replaced:
        warn(f"replacing {replaced} existing file{'s' if replaced != 1 else ''}: their comments "
             "and any updates not in the table are not kept (git has the old versions)")
    for path in apply_plan(root, plan):
        sys.stdout.write(f"pledges/{path.name}\n")
    sys.stderr.write(f"imported {len(plan.pledges)} pledge{'s' if len(plan.pledges) != 1 else ''}"
                     f" ({created} created, {replaced} replaced)\n")
