"""The `pledgetrack` executable's entry point: answers `--version` before importing anything else
(scripts call it in loops; Typer alone costs several times Python's own start-up)."""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:] in (["--version"], ["-V"]):
        from pledgetrack import __version__

        sys.stdout.write(f"pledgetrack {__version__}\n")
        return
    import pledgetrack.cli

    words = sys.argv[1:]
    pledgetrack.cli.ONLY_COMMAND = words[0] if words and not words[0].startswith("-") else None
    pledgetrack.cli.STANDALONE = True
    from pledgetrack.cli.app import main as run

    run()
