"""`pledgetrack init` (a new data folder) and `pledgetrack merge-driver` (git's hook)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pledgetrack.cli.app import PledgetrackCommand, app
from pledgetrack.cli.output import PLAIN as out
from pledgetrack.cli.output import single_line
from pledgetrack.errors import EXIT_FINDINGS, EXIT_OK


@app.command()
def init(
    path: Annotated[Path, typer.Argument(
        metavar="PATH", help="The folder to set up (default: the current folder).",
        show_default=False)] = Path("."),
    merge_driver_only: Annotated[bool, typer.Option(
        "--merge-driver",
        help="Only register the merge driver in this clone (for an existing repository); "
        "no data is created.")] = False,
) -> int:
    """Create pledges/ and a commented pledgetrack.yaml with the default vocabulary.

    Inside a git repository, also register the pledge merge driver (.gitattributes and the
    clone's git config), so that updates appended on two branches merge cleanly. Existing data
    is never overwritten.
    """
    from pledgetrack.store.initdata import git_toplevel, init_data, register_merge_driver

    if merge_driver_only:
        from pledgetrack.store.workspace import Workspace

        root = Workspace(path).root
        for change in register_merge_driver(root) or ["already registered; nothing changed"]:
            out.say(f"merge driver: {change}\n")
        return EXIT_OK
    result = init_data(path)
    out.say(f"created {', '.join(result.created)} in {result.root.resolve()}\n")
    if git_toplevel(result.root) is None:
        out.say("not a git repository: the merge driver is not registered; after "
                "'git init', run 'pledgetrack init --merge-driver'\n")
        return EXIT_OK
    for change in register_merge_driver(result.root):
        out.say(f"merge driver: {change}\n")
    return EXIT_OK


@app.command("merge-driver", cls=PledgetrackCommand)
def merge_driver(
    base: Annotated[Path, typer.Argument(metavar="BASE", help="%O: the common ancestor.")],
    ours: Annotated[Path, typer.Argument(
        metavar="OURS", help="%A: our version; the result is written here.")],
    theirs: Annotated[Path, typer.Argument(metavar="THEIRS", help="%B: their version.")],
) -> int:
    """Git merge driver for pledge files (registered by 'pledgetrack init').

    Merges when both sides only appended updates and changed other fields on one side at
    most (exit 0); otherwise leaves git's conflict markers (exit 1).
    """
    from pledgetrack.git.merge import merge_files

    clean, reason = merge_files(base, ours, theirs)
    if not clean:
        out.say(f"pledgetrack merge-driver: conflict: {single_line(reason)}\n")
        return EXIT_FINDINGS
    return EXIT_OK
