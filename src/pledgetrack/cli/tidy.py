"""`pledgetrack fmt` (files into the canonical layout) and `pledgetrack rename` (a new id)."""

from __future__ import annotations

from typing import Annotated

import typer

from pledgetrack.cli import complete
from pledgetrack.cli.app import PledgetrackCommand, app
from pledgetrack.cli.options import DirOption
from pledgetrack.cli.output import PLAIN as out
from pledgetrack.errors import EXIT_FINDINGS, EXIT_OK


@app.command()
def fmt(
    ids: Annotated[list[str] | None, typer.Argument(
        metavar="[ID]...", help="Only these pledges (default: every pledge file).",
        autocompletion=complete.pledge_ids, show_default=False)] = None,
    check: Annotated[bool, typer.Option(
        "--check", help="Change nothing: list the files that would change and exit 1 if any "
        "would (for CI and pre-commit).")] = False,
    drop_comments: Annotated[bool, typer.Option(
        "--drop-comments", help="Also rewrite files whose comments the layout cannot keep "
        "(comments beside values, between fields or in updates); they are lost.")] = False,
    dir: DirOption = None,
) -> int:
    """Rewrite pledge files in the canonical layout: the fields in the format's order, block
    style, two-space indentation, updates in date order — what `add` writes.

    The comment lines above the first field are kept; a file with comments anywhere else is
    left as it is and named (with the lines), unless --drop-comments. Files with errors are
    named and left alone. Exit 0 when every file is (now) canonical, 1 when --check finds a
    file that would change or a file could not be formatted.
    """
    from pledgetrack.store.canonical import layouts, write_layout
    from pledgetrack.store.workspace import Workspace

    root = Workspace(dir).root
    found = layouts(root, list(ids or []))
    failed = changed = 0
    for layout in found:
        if layout.new is None:
            out.error(f"{layout.rel} {layout.reason}")  # exit 1: not a mere warning
            failed += 1
            continue
        if not layout.changes:
            continue
        if layout.lost_comments and not drop_comments:
            lines = ", ".join(str(n) for n in layout.lost_comments)
            out.warn(f"{layout.rel}: not formatted: the comments on line"
                     f"{'s' if len(layout.lost_comments) != 1 else ''} {lines} cannot be kept "
                     "(only comments above the first field are); move them there or into a "
                     "note, or pass --drop-comments")
            failed += 1
            continue
        changed += 1
        if check:
            out.data(f"would reformat {layout.rel}\n")
            continue
        write_layout(root, layout)
        out.data(f"reformatted {layout.rel}\n")
    verb = "would be reformatted" if check else "reformatted"
    out.say(f"{len(found)} file{'s' if len(found) != 1 else ''}: {changed} {verb}, "
            f"{len(found) - changed - failed} already canonical"
            + (f", {failed} not formatted" if failed else "") + "\n")
    return EXIT_FINDINGS if failed or (check and changed) else EXIT_OK


@app.command(cls=PledgetrackCommand)
def rename(
    old_id: Annotated[str, typer.Argument(
        metavar="OLD", help="The pledge's id now.", autocompletion=complete.pledge_ids,
        show_default=False)],
    new_id: Annotated[str, typer.Argument(
        metavar="NEW", help="Its new id (lowercase letters, digits and '-').",
        show_default=False)],
    dir: DirOption = None,
) -> int:
    """Give a pledge a new id: pledges/OLD.yaml becomes pledges/NEW.yaml with only its id
    changed (comments, layout and history kept), so git and `pledgetrack diff` show a rename."""
    from pledgetrack.store.canonical import rename as rename_pledge
    from pledgetrack.store.workspace import Workspace

    path = rename_pledge(Workspace(dir).root, old_id, new_id)
    out.data(f"pledges/{path.name}\n")
    out.say(f"renamed {old_id} to {new_id}\n")
    return EXIT_OK
