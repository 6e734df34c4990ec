"""One registry of output formats per kind of result.

Renderers are named as ``module:function`` and imported only when used, so that defining the CLI's
``--format`` choices costs nothing at start-up. Each renderer takes the result (and keyword
options) and returns the text to write to stdout.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

Renderer = Callable[..., str]

_REGISTRY: dict[str, dict[str, str]] = {
    "problems": {
        "text": "pledgetrack.render.problems:text",
        "json": "pledgetrack.render.problems:json",
        "github": "pledgetrack.render.problems:github",
    },
    "statuses": {
        "table": "pledgetrack.render.statuses:table",
        "text": "pledgetrack.render.statuses:text",
        "json": "pledgetrack.render.statuses:json",
    },
    "list": {
        "table": "pledgetrack.render.listing:table",
        "tsv": "pledgetrack.render.listing:tsv",
        "markdown": "pledgetrack.render.listing:markdown",
        "json": "pledgetrack.render.listing:json",
        "csv": "pledgetrack.render.listing:csv",
    },
    "report": {
        "table": "pledgetrack.render.report:table",
        "markdown": "pledgetrack.render.report:markdown",
        "json": "pledgetrack.render.report:json",
        "csv": "pledgetrack.render.report:csv",
        "html": "pledgetrack.render.html:report",
    },
    "export": {
        "csv": "pledgetrack.render.export:csv",
        "json": "pledgetrack.render.export:json",
        "jsonl": "pledgetrack.render.export:jsonl",
    },
    "diff": {
        "table": "pledgetrack.render.diff:table",
        "markdown": "pledgetrack.render.diff:markdown",
        "json": "pledgetrack.render.diff:json",
    },
}


def register(kind: str, name: str, target: str) -> None:
    """Add a format (``target`` is ``"module:function"``)."""
    _REGISTRY.setdefault(kind, {})[name] = target


def choices(kind: str) -> list[str]:
    return list(_REGISTRY[kind])


def get(kind: str, name: str) -> Renderer:
    try:
        target = _REGISTRY[kind][name]
    except KeyError:
        from pledgetrack.errors import PledgetrackError

        raise PledgetrackError(
            f"unknown format '{name}'; choose from {', '.join(choices(kind))}"
        ) from None
    module_name, _, func = target.partition(":")
    renderer: Any = getattr(importlib.import_module(module_name), func)
    return renderer  # type: ignore[no-any-return]
