"""The `pledgetrack` executable's entry point: answers `--version` before importing anything else
(scripts call it in loops; Typer alone costs several times Python's own start-up)."""

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


def _replace_surrogates(exc: UnicodeError) -> tuple[str | bytes, int]:
    from pledgetrack.render.guard import replace_surrogates

    return replace_surrogates(exc)


def _valid_streams() -> None:
    """Names that are not valid UTF-8 (files, branches, arguments) are written as U+FFFD, never
    as raw invalid bytes nor as an encoding error, whatever the locale."""
    import codecs

    codecs.register_error("pledgetrack-replace", _replace_surrogates)
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="pledgetrack-replace")


def print_version() -> None:
    """`pledgetrack --version`, answered here alone."""
    from pledgetrack.version import __version__

    sys.stdout.write(f"pledgetrack {__version__}\n")


def main() -> None:
    if sys.stdout is None:
        sys.stdout = _Closed()
    _valid_streams()
    argv = sys.argv[1:]
    if argv in (["--version"], ["-V"]):
        print_version()
        return
    import pledgetrack.cli

    # The command's name, after any common options that come first (`pledgetrack --dir X list`).
    at = 0
    while at < len(argv) and argv[at].split("=", 1)[0] in ("--dir", "-d", "--color",
                                                          "--no-cache"):
        at += 1 if argv[at] == "--no-cache" or "=" in argv[at] else 2
    name = argv[at] if at < len(argv) else ""
    pledgetrack.cli.ONLY_COMMAND = name if name and not name.startswith("-") else None
    pledgetrack.cli.STANDALONE = True
    try:
        from pledgetrack.cli.app import main as run

        run()
    except KeyboardInterrupt:
        # Ctrl-C while the program is still loading, before any command's own error handling:
        # the same one line and status as inside a command, never a traceback.
        sys.stderr.write("pledgetrack: error: interrupted\n")
        sys.exit(130)
