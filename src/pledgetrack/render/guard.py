"""Text from pull requests on a GitHub Actions runner: lines that would be workflow commands."""

from __future__ import annotations

import re

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


# File names, branch names and arguments that are not valid UTF-8 reach Python as lone surrogates
# (U+DC80-U+DCFF, "surrogateescape"); JSON may hold others ("\\ud800"). Written out, they would
# be raw invalid bytes or an encoding error: they are shown as U+FFFD instead.
_SURROGATES = re.compile("[\ud800-\udfff]")


def valid_unicode(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD (the replacement character)."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")  # fast, and almost always enough: no surrogate at all
    except UnicodeEncodeError:
        return _SURROGATES.sub("\ufffd", text)
    return text


def replace_surrogates(exc: UnicodeError) -> tuple[str | bytes, int]:
    """A codec error handler ("pledgetrack-replace") for the standard streams: what
    :func:`valid_unicode` does, for whatever is written without it (messages, Rich). The UTF-8
    encoder takes only ASCII text or bytes as a replacement: U+FFFD is given as its bytes."""
    if isinstance(exc, UnicodeEncodeError):
        replacement = "\ufffd" * (exc.end - exc.start)
        if exc.encoding.replace("-", "").lower() == "utf8":
            return replacement.encode("utf-8"), exc.end
        return "?" * (exc.end - exc.start), exc.end
    raise exc


def encoded_size(text: str) -> int:
    """The size of ``text`` in UTF-8 once written (a lone surrogate becomes U+FFFD: 3 bytes)."""
    return len(text.encode("utf-8", "surrogatepass"))
