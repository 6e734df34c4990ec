"""Reference commands: `statuses` (the vocabulary) and `schema` (the JSON Schema)."""

from __future__ import annotations

from typing import Annotated

from pledgetrack.cli.app import app
from pledgetrack.cli.options import ColorOption, DirOption, format_option


@app.command()
def statuses(
    dir: DirOption = None,
    fmt: Annotated[str, format_option(
        "statuses", "auto", help_text="Output format; auto is table on a terminal, else text.",
    )] = "auto",
    color: ColorOption = "auto",
) -> int:
    """List the valid statuses: name, label, whether final, compliance score."""
    from pledgetrack.cli.output import Output
    from pledgetrack.errors import EXIT_OK, PledgetrackError
    from pledgetrack.model.vocabulary import DEFAULT_VOCABULARY
    from pledgetrack.render import registry
    from pledgetrack.render.console import is_terminal, use_color
    from pledgetrack.store.workspace import Workspace

    try:
        vocabulary = Workspace(dir).config.vocabulary
    except PledgetrackError:
        if dir:
            raise
        vocabulary = DEFAULT_VOCABULARY  # outside a data folder: the default vocabulary
    if fmt == "auto":
        fmt = "table" if is_terminal() else "text"
    out = Output(format=fmt, color=use_color(color))
    out.data(registry.get("statuses", fmt)(vocabulary, color=color))
    return EXIT_OK


@app.command()
def schema() -> int:
    """Print the JSON Schema of a pledge file (for editors and other validators)."""
    from importlib.resources import files

    from pledgetrack.cli.output import PLAIN
    from pledgetrack.errors import EXIT_OK

    PLAIN.data(files("pledgetrack").joinpath("pledge.schema.json").read_text("utf-8"))
    return EXIT_OK
