"""The Typer application: global options, one exit path, commands registered from their modules."""

from __future__ import annotations

import sys
from typing import Any

import typer
from typer.core import TyperGroup

import pledgetrack.cli
from pledgetrack import __version__
from pledgetrack.errors import EXIT_FINDINGS, PledgetrackError


def single_line(message: str) -> str:
    """Messages quote record text and file names, which come from pull requests: a line break
    in them must not start a line of its own (GitHub Actions reads '::command' lines on stdout
    and stderr as workflow commands)."""
    return message.replace("\r", "\\r").replace("\n", "\\n")


def error(message: str) -> None:
    """Print a one-line error on stderr."""
    sys.stderr.write(f"pledgetrack: error: {single_line(message)}\n")


def warn(message: str) -> None:
    line = f"pledgetrack: warning: {single_line(message)}\n"
    sys.stderr.write(line)


class PledgetrackGroup(TyperGroup):
    """Maps :class:`PledgetrackError` to a message and an exit code, in one place, and suggests
    a command for a typo."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except PledgetrackError as exc:
            for line in exc.lines:
                sys.stderr.write(f"{single_line(line)}\n")
            error(exc.message)
            ctx.exit(exc.exit_code)
        except OSError as exc:
            # A file system failure the command did not expect (a full disk, a read-only
            # folder): one line, never a traceback. Writes leave the old files intact.
            where = f"{exc.filename}: " if exc.filename else ""
            error(f"{where}{exc.strerror or exc}")
            ctx.exit(EXIT_FINDINGS)
        except KeyboardInterrupt:
            error("interrupted")
            ctx.exit(130)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        name = args[0] if args else ""
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            import difflib

            close = difflib.get_close_matches(name, self.list_commands(ctx), n=1)
            if close:
                ctx.fail(f"no such command '{name}'; did you mean '{close[0]}'?")
        return super().resolve_command(ctx, args)


app = typer.Typer(
    cls=PledgetrackGroup,
    name="pledgetrack",
    help="Track policy commitments (pledges) and their follow-through, one YAML file per pledge.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    # Plain Click-style usage errors: one "Error:" line on stderr that scripts can read.
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"pledgetrack {__version__}\n")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", "-V", help="Print the version and exit.", callback=_version,
        is_eager=True,
    ),
) -> None:
    """Track policy commitments (pledges) and their follow-through, one YAML file per pledge."""


# The module that defines each command. The executable imports only the module of the command
# it runs, so that Typer builds one command instead of all of them (about 2 ms each, on every
# start); a name not listed here (a typo, a command added without listing it) or no name at all
# (--help, shell completion) registers them all, as importing this module elsewhere does.
COMMAND_MODULES = {
    "add": "authoring", "update": "authoring", "edit": "authoring", "check": "check",
    "diff": "diff", "export": "export", "init": "init", "merge-driver": "init", "import": "io",
    "list": "listing", "statuses": "reference", "schema": "reference", "report": "report",
    "show": "show", "sources": "sources", "fmt": "tidy", "rename": "tidy",
}


def _register(only: str | None = None) -> None:
    # Each module adds its commands to `app` when imported; their heavy imports are inside them.
    import importlib

    module = COMMAND_MODULES.get(only or "")
    for name in [module] if module else sorted(set(COMMAND_MODULES.values())):
        importlib.import_module(f"pledgetrack.cli.{name}")


_register(pledgetrack.cli.ONLY_COMMAND)


def main() -> None:
    # `--version` is answered before anything else is imported: scripts call it in loops
    # (pledgetrack.cli.entry does it before even importing this module).
    if sys.argv[1:] in (["--version"], ["-V"]):
        sys.stdout.write(f"pledgetrack {__version__}\n")
        return
    try:
        app()
    except BrokenPipeError:
        # The reader went away (`pledgetrack list | head`): not an error worth a traceback.
        sys.stderr.close()
        sys.exit(1)
    except OSError as exc:
        # Outside a command (its help text, say), as inside one: one line, never a traceback.
        error(f"{exc.strerror or exc}")
        sys.exit(EXIT_FINDINGS)
