"""Options shared by several commands, so that each is spelled and documented once."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any

import typer

from pledgetrack.cli import complete
from pledgetrack.render import registry

DirOption = Annotated[
    str | None,
    typer.Option(
        "--dir", "-d",
        envvar="PLEDGETRACK_DIR",
        metavar="PATH",
        help="Data folder (the one holding pledges/). Default: found from the current folder "
        "upwards.",
        show_default=False,
    ),
]

NoCacheOption = Annotated[
    bool,
    typer.Option(
        "--no-cache",
        envvar="PLEDGETRACK_NO_CACHE",
        help="Parse every file, neither reading nor writing the cache of parsed records.",
        show_default=False,
    ),
]


StrictOption = Annotated[
    bool,
    typer.Option(
        "--strict",
        help="Exit 1 when any file fails the check and is left out (the output is still "
        "written, and says which).",
        show_default=False,
    ),
]


PledgeIdArgument = Annotated[
    str,
    typer.Argument(
        metavar="ID", help="The pledge's id.", autocompletion=complete.pledge_ids,
        show_default=False,
    ),
]

# The HTML page an editor publishes (report and changes).
PageTitleOption = Annotated[
    str | None,
    typer.Option(
        "--title", metavar="TEXT", show_default=False,
        help="The HTML page's title (its heading and the browser tab's).",
    ),
]

PageIntroOption = Annotated[
    str | None,
    typer.Option(
        "--intro", metavar="FILE", show_default=False,
        help="A Markdown file shown under the HTML page's title (raw HTML in it is shown as "
        "text; links only to http(s) addresses).",
    ),
]


def _validator(name: str, values: Sequence[str]) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if value is None or value in values:
            return value
        from pledgetrack.model.suggest import did_you_mean

        hint = did_you_mean(str(value), values)
        raise typer.BadParameter(f"'{value}' is not one of {', '.join(values)}{hint}")

    return check


def _completer(values: Sequence[str]) -> Callable[[str], list[str]]:
    def complete(incomplete: str) -> list[str]:
        return [v for v in values if v.startswith(incomplete)]

    return complete


def choice(name: str, values: Sequence[str], help_text: str, *decls: str) -> Any:
    """An option restricted to ``values``: checked, completed and listed in --help."""
    return typer.Option(
        f"--{name}", *decls,
        help=f"{help_text} [{'|'.join(values)}]",
        metavar=name.upper(),
        callback=_validator(name, values),
        autocompletion=_completer(values),
        show_default=True,
    )


COLORS = ("auto", "always", "never")

ColorOption = Annotated[
    str,
    choice("color", COLORS, "Colour: auto (on a terminal, unless NO_COLOR is set), always, never."),
]


def format_option(kind: str, *extra: str, help_text: str = "Output format.") -> Any:
    """A ``--format`` option whose choices come from the renderer registry."""
    values = [*extra, *registry.choices(kind)]
    return choice("format", values, help_text, "-f")
