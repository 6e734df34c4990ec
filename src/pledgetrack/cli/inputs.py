"""Small helpers shared by the commands that take input from a person."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from pledgetrack.errors import PledgetrackError

if TYPE_CHECKING:
    pass


def interactive() -> bool:
    """Whether a person can answer prompts: stdin is a terminal. Off a terminal (CI, scripts,
    no stdin) commands never prompt, so they can never hang."""
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def one_line(value: str, option: str) -> str:
    value = value.strip()
    if not value:
        raise PledgetrackError(f"{option} cannot be empty")
    if "\n" in value or "\r" in value:
        raise PledgetrackError(f"{option} must be a single line")
    return value


def url(value: str, option: str = "--source") -> str:
    value = value.strip()
    if not value.startswith(("http://", "https://")) or any(c in value for c in " \r\n\t"):
        raise PledgetrackError(
            f"{option} {value!r} is not a URL; it must start with http:// or https://"
        )
    return value


def ask(label: str) -> str:
    """Ask on stderr, read a line from stdin: the prompt never mixes with the data on stdout.
    Empty answers ask again; the end of input is an error, never a hang."""
    while True:
        sys.stderr.write(f"{label}: ")
        sys.stderr.flush()
        line = sys.stdin.readline()
        if not line:
            sys.stderr.write("\n")
            raise PledgetrackError(f"no answer for {label.split(' (')[0]} (end of input)")
        answer = line.strip()
        if answer:
            return answer


def confirm(question: str, default: bool = True) -> bool:
    sys.stderr.write(f"{question} [{'Y/n' if default else 'y/N'}] ")
    sys.stderr.flush()
    line = sys.stdin.readline()
    if not line:
        sys.stderr.write("\n")
        return False
    answer = line.strip().lower()
    return default if not answer else answer in ("y", "yes")
