"""The one way the tests run the command line.

`cli(...)` runs it in this process through Typer's CliRunner (stdout and stderr kept apart);
`SCRIPT` is the installed `pledgetrack` script, for tests that need a real process (terminals,
signals, start-up imports, concurrency).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

from typer.testing import CliRunner, Result

from pledgetrack.cli.app import app

# The repository checkout the tests run from (README, docs/, the bundled pledges/).
REPO = Path(__file__).resolve().parent.parent

# The console script installed beside this interpreter, as a user runs it.
SCRIPT = Path(sys.executable).with_name("pledgetrack")


def cli(*args: str | os.PathLike[str], input: str | None = None,
        env: Mapping[str, str | None] | None = None) -> Result:
    """Run `pledgetrack ARGS…` in-process; the result has exit_code, stdout, stderr, exception."""
    return CliRunner().invoke(app, [os.fspath(a) for a in args], input=input, env=env)


def read_until_closed(fd: int) -> bytes:
    """Everything written to the other side of a pseudo-terminal ``fd`` until it is closed
    (reading then fails with EIO on Linux, or returns nothing elsewhere)."""
    data = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        data += chunk
    return data
