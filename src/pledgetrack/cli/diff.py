"""`pledgetrack diff`: what changed in the pledges between two git revisions, in words."""

from __future__ import annotations

from typing import Annotated

import typer

from pledgetrack.cli import complete
from pledgetrack.cli.app import app
from pledgetrack.cli.options import ColorOption, DirOption, format_option
from pledgetrack.errors import EXIT_FINDINGS, EXIT_OK


@app.command()
def diff(
    base: Annotated[str | None, typer.Argument(
        metavar="BASE",
        help="The revision to compare from (default HEAD). A...B compares B with its merge "
        "base with A, as git diff does; A..B is A B.",
        autocompletion=complete.revisions, show_default=False,
    )] = None,
    head: Annotated[str | None, typer.Argument(
        metavar="HEAD", help="The revision to compare to (default: the working tree).",
        autocompletion=complete.revisions, show_default=False,
    )] = None,
    dir: DirOption = None,
    fmt: Annotated[str, format_option(
        "diff",
        help_text="Output format: table (a Rich table on a terminal, plain text in a pipe), "
        "markdown (for pull-request comments and job summaries), json.",
    )] = "table",
    exit_code: Annotated[bool, typer.Option(
        "--exit-code", help="Exit 1 when anything changed, 0 when nothing did (as git diff).",
    )] = False,
    ids: Annotated[list[str] | None, typer.Option(
        "--id", "-i", metavar="ID", help="Only this pledge (repeatable).",
        autocompletion=complete.pledge_ids, show_default=False,
    )] = None,
    max_chars: Annotated[str | None, typer.Option(
        "--max-chars", metavar="N|comment",
        help="Markdown: at most N characters in all (warnings and the note of what was left "
        "out included); 'comment' is 65,536, the limit of a pull-request comment. Real changes "
        "are kept first.", show_default=False,
    )] = None,
    color: ColorOption = "auto",
) -> int:
    """Show what changed in the pledges between two git revisions: status changes (per party),
    updates added, new, removed and renamed pledges, deadlines, other edits, files that do not
    parse.

    Files are read through git, without a checkout. Exit 0 (with --exit-code: 1 when anything
    changed); 2 for a missing revision, a shallow clone without BASE, or no git repository.
    """
    from pledgetrack.cli.output import Output
    from pledgetrack.git.revisions import parse_range, read_snapshots
    from pledgetrack.queries.diff import compare
    from pledgetrack.render import registry
    from pledgetrack.render.console import use_color
    from pledgetrack.store.workspace import Workspace

    out = Output(format=fmt, color=use_color(color))
    limit = _max_chars(max_chars, fmt)
    rng = parse_range(base, head)
    old, new = read_snapshots(Workspace(dir).root, rng)
    result = compare(old, new, ids or ())
    for message in result.warnings:
        out.warn(message)
    from pledgetrack.render.deadlinks import dead_links, kept_dead

    # An archived copy comes first where `pledgetrack sources` found the original dead.
    shown = [s for c in result.changes for s in c.sources]
    shown += [s for c in result.changes for u in c.updates_added for s in u.sources]
    with dead_links(kept_dead(shown)):
        out.data(registry.get("diff", fmt)(result, color=color, max_chars=limit))
    return EXIT_FINDINGS if exit_code and result.changed else EXIT_OK


MIN_CHARS = 1000


def _max_chars(value: str | None, fmt: str) -> int | None:
    from pledgetrack.errors import PledgetrackError
    from pledgetrack.render.diff import COMMENT_CHARS

    if value is None:
        return None
    if fmt != "markdown":
        raise PledgetrackError("--max-chars applies to --format markdown")
    if value == "comment":
        return COMMENT_CHARS
    if not value.isdigit() or int(value) < MIN_CHARS:
        raise PledgetrackError(f"--max-chars takes a number of at least {MIN_CHARS:,}, or "
                               f"'comment' ({COMMENT_CHARS:,}), not {value!r}")
    return int(value)
