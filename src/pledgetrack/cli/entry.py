"""The `pledgetrack` executable's entry point: answers `--version`, and a command whose answer is
kept (store.memo), before importing anything else (scripts call it in loops; Typer alone costs
several times Python's own start-up)."""

from __future__ import annotations

import sys


class _Closed:
    """Standard output when the process was started without one (`pledgetrack list >&-`):
    writing to it is the one-line error of a failed write, as for any other file."""

    encoding = "utf-8"

    def write(self, text: str) -> int:
        import errno

        raise OSError(errno.EBADF, "standard output is closed")

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def main() -> None:
    if sys.stdout is None:
        sys.stdout = _Closed()
    argv = sys.argv[1:]
    if argv in (["--version"], ["-V"]):
        from pledgetrack import __version__

        sys.stdout.write(f"pledgetrack {__version__}\n")
        return
    from pledgetrack.store import memo

    probe = memo.probe(argv)
    if probe is not None:
        answer = probe.answer()
        if answer is not None:
            replay(*answer)
        memo.start(probe)
    import pledgetrack.cli

    pledgetrack.cli.ONLY_COMMAND = argv[0] if argv and not argv[0].startswith("-") else None
    pledgetrack.cli.STANDALONE = True
    from pledgetrack.cli.app import main as run

    try:
        run()
    except SystemExit as exc:
        memo.finish(exc.code)
        raise
    memo.finish(0)


def replay(events: list[tuple[int, str]], code: int) -> None:
    """Write a kept answer as the command wrote it, and exit with its code."""
    from pledgetrack.store import memo

    try:
        for stream, text in events:
            if stream == memo.STDERR:
                sys.stderr.write(text)
            elif stream == memo.STDOUT_TEXT:
                from pledgetrack.render.guard import guard_commands

                sys.stdout.write(guard_commands(text))
            else:
                sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (`pledgetrack list | head`), as the application handles it.
        sys.stderr.close()
        sys.exit(1)
    except OSError as exc:
        sys.stderr.write(f"pledgetrack: error: {exc.strerror or exc}\n")
        sys.exit(1)
    sys.exit(code)
