"""`pledgetrack check`: validate every pledge file."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from pledgetrack.cli.app import app
from pledgetrack.cli.options import DirOption, NoCacheOption, format_option
from pledgetrack.errors import EXIT_FINDINGS, EXIT_OK


def github_prefix(root: Path) -> str:
    """Annotations need paths relative to the repository, which may be above the data root."""
    workspace = os.environ.get("GITHUB_WORKSPACE")
    if not workspace:
        return ""
    try:
        rel = root.resolve().relative_to(Path(workspace).resolve()).as_posix()
    except ValueError:
        return ""
    return "" if rel == "." else rel + "/"


def resolve_format(fmt: str) -> str:
    if fmt != "auto":
        return fmt
    return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"


@app.command()
def check(
    dir: DirOption = None,
    fmt: Annotated[str, format_option(
        "problems", "auto",
        help_text="Output format; auto is github when GITHUB_ACTIONS=true, else text.",
    )] = "auto",
    strict: Annotated[bool, typer.Option(
        "--strict", help="Fail (exit 1) on warnings too.")] = False,
    no_cache: NoCacheOption = False,
) -> int:
    """Check every pledge file and report every problem as path:line:col.

    Exit 0 when clean, 1 when errors are found (or warnings, with --strict), 2 for a usage or
    configuration error.
    """
    from pledgetrack.cli.data import keep_for_good
    from pledgetrack.cli.output import Output
    from pledgetrack.render import registry
    from pledgetrack.store.workspace import Workspace

    # Problems only: no records are kept, so memory stays small however many files there are.
    # In CI the cache is not used (by any command: cache.folder_of): a cached problem list must
    # never be all that stands between a bad file and a green build.
    dataset = Workspace(dir, cache=not no_cache).dataset("problems")
    keep_for_good()
    fmt = resolve_format(fmt)
    # Each line of findings starts with its file; the text format is for people (control
    # characters escaped), GitHub annotations are meant to be read as workflow commands.
    out = Output(format=fmt)
    for note in dataset.notes:
        out.warn(note)
    prefix = github_prefix(dataset.root) if fmt == "github" else ""
    render = registry.get("problems", fmt)
    out.data(render(dataset.problems, prefix=prefix, files=dataset.files))
    errors, warnings = len(dataset.errors), len(dataset.warnings)
    summary = (
        f"checked {dataset.files} file{'s' if dataset.files != 1 else ''}: "
        f"{errors} error{'s' if errors != 1 else ''}, "
        f"{warnings} warning{'s' if warnings != 1 else ''}\n"
    )
    out.say(summary)
    failed = errors > 0 or (strict and warnings > 0)
    return EXIT_FINDINGS if failed else EXIT_OK
