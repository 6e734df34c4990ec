"""Text from pull requests on a GitHub Actions runner: lines that would be workflow commands."""

from __future__ import annotations

# Formats for people, whose lines can start with record text (a report's group names, the lines
# of a note in `show`). Data formats never do, or are meant for files (CSV, Markdown, JSON).
TEXT_FORMATS = frozenset({"table", "text"})


def guard_commands(text: str) -> str:
    """Under GitHub Actions, the runner takes any line of a step's output that starts with '::'
    (after spaces) as a workflow command, and record text comes from pull requests. When a line
    would, the text is wrapped in ``::stop-commands::``, GitHub's documented way to print
    untrusted text; otherwise (and outside Actions) it is left as it is."""
    import os

    if os.environ.get("GITHUB_ACTIONS") != "true":
        return text
    if not any(line.lstrip().startswith("::") for line in text.splitlines()):
        return text
    import secrets

    token = secrets.token_hex(16)
    end = "" if text.endswith("\n") else "\n"
    return f"::stop-commands::{token}\n{text}{end}::{token}::\n"
