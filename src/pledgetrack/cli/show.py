"""`pledgetrack show`: one pledge, its current status and its timeline."""

from __future__ import annotations

from typing import Annotated

import typer

from pledgetrack.cli.app import PledgetrackCommand, app
from pledgetrack.cli.options import ColorOption, DirOption, PledgeIdArgument, format_option


@app.command(cls=PledgetrackCommand)
def show(
    pledge_id: PledgeIdArgument,
    fmt: Annotated[str, format_option("pledge", help_text="Output format.")] = "text",
    as_of: Annotated[str | None, typer.Option(
        "--as-of", metavar="DATE",
        help="Show the pledge as it stood on this date: status, deadline and only the updates "
        "dated up to it (default: today, with every update).",
        show_default=False)] = None,
    color: ColorOption = "auto",
    dir: DirOption = None,
) -> int:
    """Show a pledge: who pledged what to whom, the deadline, the current status (per party
    where parties are assessed), sources, criteria and the timeline of updates.

    Only this pledge's file is read.
    """
    from pledgetrack.cli.output import Output
    from pledgetrack.errors import EXIT_FINDINGS, EXIT_OK, PledgetrackError
    from pledgetrack.model.dates import parse_date, today
    from pledgetrack.queries.pledge_view import view_pledge
    from pledgetrack.render import registry
    from pledgetrack.render.console import use_color
    from pledgetrack.store import writer
    from pledgetrack.store.loader import load_file
    from pledgetrack.store.workspace import Workspace

    workspace = Workspace(dir)
    path = writer.existing_path(workspace.root, pledge_id)
    config = workspace.config
    when = parse_date(as_of, "--as-of").end if as_of else today()
    result = load_file(path, workspace.root, config)
    errors = [p for p in result.problems if p.level == "error"]
    if result.pledge is None or errors:
        first = errors[0]
        raise PledgetrackError(
            f"{first.path}:{first.line}:{first.col}: {first.message} [{first.rule}] "
            "('pledgetrack check' lists every problem)", EXIT_FINDINGS,
        )
    view = view_pledge(result.pledge, config, when, cut=as_of is not None)
    from pledgetrack.render.deadlinks import cited_sources, dead_links, kept_dead

    with dead_links(kept_dead(cited_sources([result.pledge]))):
        out = Output(format=fmt, color=use_color(color))
        out.data(registry.get("pledge", fmt)(view, color=color))
    return EXIT_OK
