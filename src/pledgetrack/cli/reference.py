"""Reference commands: `statuses` (the vocabulary) and `schema` (the JSON Schema)."""

from __future__ import annotations

import sys
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
) -> None:
    """List the valid statuses: name, label, whether final, compliance score."""
    from pledgetrack.cli.output import write_text
    from pledgetrack.errors import PledgetrackError
    from pledgetrack.model.vocabulary import DEFAULT_VOCABULARY
    from pledgetrack.render import registry
    from pledgetrack.render.console import is_terminal
    from pledgetrack.store.configfile import load_config
    from pledgetrack.store.root import find_root

    try:
        vocabulary = load_config(find_root(dir)).vocabulary
    except PledgetrackError:
        if dir:
            raise
        vocabulary = DEFAULT_VOCABULARY  # outside a data folder: the default vocabulary
    if fmt == "auto":
        fmt = "table" if is_terminal() else "text"
    write_text(registry.get("statuses", fmt)(vocabulary, color=color), fmt)


@app.command()
def schema() -> None:
    """Print the JSON Schema of a pledge file (for editors and other validators)."""
    from importlib.resources import files

    sys.stdout.write(files("pledgetrack").joinpath("pledge.schema.json").read_text("utf-8"))
