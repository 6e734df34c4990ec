"""The Typer application: global options, one exit path, commands registered from their modules."""

from __future__ import annotations

import sys
from typing import Any

import typer
from typer.core import TyperGroup

import pledgetrack.cli
from pledgetrack.cli.entry import print_version
from pledgetrack.cli.output import PLAIN, single_line
from pledgetrack.errors import EXIT_FINDINGS, EXIT_OK, PledgetrackError


class PledgetrackGroup(TyperGroup):
    """Maps :class:`PledgetrackError` to a message and an exit code, in one place, and suggests
    a command for a typo."""

    def invoke(self, ctx: Any) -> Any:
        # The one error boundary: a command returns its exit code; an error it raises becomes
        # one line on stderr and its exit code.
        try:
            code = super().invoke(ctx)
        except PledgetrackError as exc:
            for line in exc.lines:
                PLAIN.say(f"{single_line(line)}\n")
            PLAIN.error(exc.message)
            code = exc.exit_code
        except OSError as exc:
            # A file system failure the command did not expect (a full disk, a read-only
            # folder): one line, never a traceback. Writes leave the old files intact.
            where = f"{exc.filename}: " if exc.filename else ""
            PLAIN.error(f"{where}{exc.strerror or exc}")
            code = EXIT_FINDINGS
        except KeyboardInterrupt:
            PLAIN.error("interrupted")
            code = 130
        if code not in (None, EXIT_OK):
            ctx.exit(code)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        name = args[0] if args else ""
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            from pledgetrack.model.suggest import closest

            close = closest(name, self.list_commands(ctx))
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


def _version(ctx: typer.Context, value: bool) -> None:
    if value:
        print_version()
        ctx.exit()


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
    try:
        app()
    except BrokenPipeError:
        # The reader went away (`pledgetrack list | head`): not an error worth a traceback.
        sys.stderr.close()
        sys.exit(1)
    except OSError as exc:
        # Outside a command (its help text, say), as inside one: one line, never a traceback.
        PLAIN.error(f"{exc.strerror or exc}")
        sys.exit(EXIT_FINDINGS)
