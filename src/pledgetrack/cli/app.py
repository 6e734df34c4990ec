"""The Typer application: global options, one exit path, commands registered from their modules."""

from __future__ import annotations

import sys
from typing import Any

import typer
from typer._click.exceptions import NoArgsIsHelpError, NoSuchOption, UsageError
from typer.core import TyperCommand, TyperGroup

import pledgetrack.cli
from pledgetrack.cli.entry import print_version
from pledgetrack.cli.output import PLAIN, single_line
from pledgetrack.errors import EXIT_FINDINGS, EXIT_OK, PledgetrackError

# Options most commands share, which may also come before the command, as with `git -C`:
# `pledgetrack --dir X report` is `pledgetrack report --dir X`. Name -> takes a value.
COMMON_OPTIONS = {"--dir": True, "-d": True, "--color": True, "--no-cache": False}


def split_common_options(args: list[str]) -> tuple[list[str], list[str]]:
    """The common options at the start of ``args``, and the rest (the command and its
    arguments)."""
    lead: list[str] = []
    at = 0
    while at < len(args):
        arg = args[at]
        name = arg.split("=", 1)[0] if arg.startswith("--") else arg
        if name not in COMMON_OPTIONS:
            break
        takes_value = COMMON_OPTIONS[name] and "=" not in arg
        lead.extend(args[at:at + 1 + takes_value])
        at += 1 + takes_value
    return lead, args[at:]


class _UsageError(UsageError):
    """A usage error of the command line, in pledgetrack's style: one line, and a second that
    points to the help when there is no suggestion."""

    def __init__(self, original: UsageError) -> None:
        super().__init__(original.message, original.ctx)
        self.original = original
        self.exit_code = original.exit_code

    def show(self, file: Any = None) -> None:
        exc = self.original
        if isinstance(exc, NoArgsIsHelpError):
            # `pledgetrack` alone: its message is the whole help, lines and all.
            exc.show(file)
            return
        if isinstance(exc, NoSuchOption):
            from pledgetrack.model.suggest import closest

            message = f"no such option '{exc.option_name}'"
            # Hidden options (deprecated names, flags a command refuses) are never offered.
            hidden = {opt for param in (exc.ctx.command.params if exc.ctx else ())
                      if getattr(param, "hidden", False) for opt in param.opts}
            close = closest(exc.option_name,
                            sorted(set(exc.possibilities or ()) - hidden))
            if close:
                PLAIN.error(f"{message} (did you mean '{close[0]}'?)")
                return
        else:
            message = exc.format_message().rstrip(".")
            if message[:1].isupper() and message[1:2].islower():
                message = message[0].lower() + message[1:]
        PLAIN.error(message)
        if exc.ctx is not None and "(did you mean" not in message:
            PLAIN.say(f"Try '{exc.ctx.command_path} -h' for help.\n")


def _quiet_stdout() -> None:
    """Point standard output at the null device, so that flushing it at exit (into a closed
    pipe) prints nothing."""
    import os

    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


class PledgetrackCommand(TyperCommand):
    """A command whose usage line shows required arguments as plain names (``OLD NEW``), not
    in the braces Typer puts around them (``{OLD} {NEW}``), which read like a set to choose
    from."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        return [piece[1:-1] if piece.startswith("{") and piece.endswith("}") else piece
                for piece in super().collect_usage_pieces(ctx)]


class PledgetrackGroup(TyperGroup):
    """Maps :class:`PledgetrackError` to a message and an exit code, in one place, and suggests
    a command for a typo."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        # Everything the command prints, Click's own errors included, takes one guarded path.
        from pledgetrack.cli.output import guarded_streams

        with guarded_streams():
            return super().main(*args, **kwargs)

    def make_context(self, info_name: Any, args: list[str], parent: Any = None,
                     **extra: Any) -> Any:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except UsageError as exc:
            raise exc if isinstance(exc, _UsageError) else _UsageError(exc) from None

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        # Common options before the command go after it, where the command reads them (an
        # option the command does not have, such as --color for export, is left out: it
        # would change nothing).
        lead, rest = split_common_options(args)
        if lead and (not rest or rest[0].startswith("-")):
            # Common options with no command after them: say what is missing, rather than
            # that the group has no such option. Before -h or -V they change nothing.
            at = 0
            while at < len(lead):
                name = lead[at].split("=", 1)[0]
                size = 2 if COMMON_OPTIONS[name] and "=" not in lead[at] else 1
                if at + size > len(lead):
                    ctx.fail(f"option '{name}' requires an argument")
                at += size
            if not rest:
                ctx.fail("missing command")
            args = rest
        elif lead and rest:
            command = self.get_command(ctx, rest[0])
            if command is not None:
                known = {o for p in command.params for o in getattr(p, "opts", ())}
                moved: list[str] = []
                at = 0
                while at < len(lead):
                    name = lead[at].split("=", 1)[0]
                    size = 2 if COMMON_OPTIONS[name] and "=" not in lead[at] else 1
                    if name in known or name in ("--dir", "-d"):
                        moved.extend(lead[at:at + size])
                    at += size
                args = [rest[0], *moved, *rest[1:]]
        return super().parse_args(ctx, args)

    def invoke(self, ctx: Any) -> Any:
        # The one error boundary: a command returns its exit code; an error it raises becomes
        # one line on stderr and its exit code.
        try:
            code = super().invoke(ctx)
        except UsageError as exc:
            raise exc if isinstance(exc, _UsageError) else _UsageError(exc) from None
        except BrokenPipeError:
            # The reader went away (`pledgetrack list | head -0`, `| true`): it asked for no
            # more, which is no error. What is left unwritten goes nowhere, quietly.
            _quiet_stdout()
            code = EXIT_OK
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
                ctx.fail(f"no such command '{name}' (did you mean '{close[0]}'?)")
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
    # The common options are read by each command, but may also come before it.
    epilog="Before or after the command: --dir PATH (the tracker's folder, or "
    "PLEDGETRACK_DIR), --color auto|always|never and --no-cache, for the commands that take "
    "them; e.g. pledgetrack --dir ~/tracker report. 'pledgetrack COMMAND --help' lists a "
    "command's options.",
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
    "add": "authoring", "update": "authoring", "edit": "authoring", "changes": "changes",
    "check": "check",
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
        # The reader went away (`pledgetrack list | head`): not an error worth a word.
        _quiet_stdout()
        sys.exit(0)
    except OSError as exc:
        # Outside a command (its help text, say), as inside one: one line, never a traceback.
        PLAIN.error(f"{exc.strerror or exc}")
        sys.exit(EXIT_FINDINGS)
