"""Formats for the problems `check` finds."""

from __future__ import annotations

import json as _json
from collections.abc import Sequence

from pledgetrack.model.problems import Problem


def _one_line(text: str) -> str:
    return text.replace("\r", "\\r").replace("\n", "\\n")


def text(problems: Sequence[Problem], *, prefix: str = "", **_: object) -> str:
    """``path:line:col: level: message [rule]``, one per line, as compilers and linters print."""
    return "".join(
        f"{prefix}{_one_line(p.path)}:{p.line}:{p.col}: {p.level}: {_one_line(p.message)} "
        f"[{p.rule}]\n"
        for p in problems
    )


def json(problems: Sequence[Problem], *, prefix: str = "", files: int = 0, **_: object) -> str:
    errors = sum(p.level == "error" for p in problems)
    doc = {
        "files": files,
        "errors": errors,
        "warnings": len(problems) - errors,
        "problems": [dict(p.to_dict(), path=prefix + p.path) for p in problems],
    }
    return _json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def escape_data(value: str) -> str:
    """Workflow-command escaping for the message part: text from a pull request must not be able
    to end the command and start another one."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def github(problems: Sequence[Problem], *, prefix: str = "", **_: object) -> str:
    """GitHub Actions annotations: ``::error file=…,line=…,col=…,title=…::message``."""
    lines = []
    for p in problems:
        props = ",".join((
            f"file={escape_property(prefix + p.path)}",
            f"line={p.line}",
            f"col={p.col}",
            f"title={escape_property('pledgetrack ' + p.rule)}",
        ))
        lines.append(f"::{p.level} {props}::{escape_data(p.message)}\n")
    return "".join(lines)
