"""Colour and terminal decisions, in one place.

``--color always|never`` wins; otherwise ``NO_COLOR`` (when non-empty) turns colour off,
``FORCE_COLOR`` (when non-empty) turns it on, and else colour follows whether the stream is a
terminal.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Literal, TextIO

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions
    from rich.segment import Segment

ColorChoice = Literal["auto", "always", "never"]


def is_terminal(stream: TextIO | None = None) -> bool:
    stream = stream or sys.stdout
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def use_color(choice: str = "auto", stream: TextIO | None = None) -> bool:
    if choice == "always":
        return True
    if choice == "never":
        return False
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return is_terminal(stream)


def make_console(choice: str = "auto", *, stderr: bool = False) -> Console:
    """A Rich console for stdout (data) or stderr (messages)."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    if stderr:
        # Messages on stderr (a progress bar) are fixed text; its cursor movements must reach
        # the terminal, past the guard that escapes control characters.
        stream = getattr(stream, "unguarded", stream)
    color = use_color(choice, stream)
    terminal = is_terminal(stream)
    return Console(
        file=stream,
        force_terminal=color or None,
        no_color=not color,
        color_system="auto" if color else None,
        highlight=False,
        # Off a terminal nothing may be cropped: use a width no line will reach.
        width=None if terminal else 10_000,
        soft_wrap=not terminal,
    )


class _Escaped:
    """A Rich renderable drawn with the control characters of its text escaped (see
    render.guard): record text cannot pose as a colour sequence, which is all that coloured
    output may hold."""

    def __init__(self, renderable: object) -> None:
        self.renderable = renderable

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Segment]:
        from rich.segment import Segment

        from pledgetrack.render.guard import escape_controls, has_controls

        for segment in console.render(self.renderable, options):  # type: ignore[arg-type]
            text, style, control = segment
            if control is None and has_controls(text):
                yield Segment(escape_controls(text), style)
            else:
                yield segment


def escaped(renderable: object) -> object:
    """``renderable`` for ``console.print``, its text's control characters escaped. They are
    escaped after the layout, which counted them as zero-width: a row that holds some is wider."""
    return _Escaped(renderable)
