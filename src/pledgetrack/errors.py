"""The one error type that reaches the user. The CLI turns it into a message and an exit code."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2


class PledgetrackError(Exception):
    """A user-facing error: bad input, bad configuration, missing data.

    ``exit_code`` is 2 for usage and configuration errors, 1 for failures of the data itself.
    """

    def __init__(self, message: str, exit_code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code

    def __str__(self) -> str:
        return self.message
