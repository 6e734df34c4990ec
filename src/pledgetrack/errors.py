"""The one error type that reaches the user. The CLI turns it into a message and an exit code."""

from __future__ import annotations

from collections.abc import Sequence

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2


class PledgetrackError(Exception):
    """A user-facing error: bad input, bad configuration, missing data.

    ``exit_code`` is 2 for usage and configuration errors, 1 for failures of the data itself.
    """

    def __init__(self, message: str, exit_code: int = EXIT_USAGE, *,
                 lines: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
        # Lines printed on stderr before the message, as they are: every problem found, so that
        # one run reports them all (the message then sums them up).
        self.lines = tuple(lines)

    def __str__(self) -> str:
        return self.message


def all_errors(messages: Sequence[str], exit_code: int = EXIT_USAGE) -> PledgetrackError:
    """One error that reports every message: each but the last on a line of its own."""
    return PledgetrackError(messages[-1], exit_code,
                            lines=[f"pledgetrack: error: {m}" for m in messages[:-1]])
