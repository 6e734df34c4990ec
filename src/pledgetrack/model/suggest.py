"""The "did you mean" of every message about a mistyped name, written once."""

from __future__ import annotations

from collections.abc import Sequence


def closest(value: str, choices: Sequence[str], n: int = 1, cutoff: float = 0.6) -> list[str]:
    """Up to ``n`` of ``choices`` spelt most like ``value`` (similarity at least ``cutoff``,
    0 to 1), closest first."""
    import difflib  # only when a name is wrong

    return difflib.get_close_matches(value, choices, n=n, cutoff=cutoff)


def did_you_mean(value: str, choices: Sequence[str]) -> str:
    """`` (did you mean 'x'?)`` naming the closest choice, or nothing when none is close."""
    close = closest(value, choices)
    return f" (did you mean '{close[0]}'?)" if close else ""
