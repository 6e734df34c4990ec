"""The command-line interface: a thin layer over the core."""

# Set by the executable (pledgetrack.cli.entry) to the command it runs, before the application is
# imported: only that command's module is then registered. None: every command.
ONLY_COMMAND: str | None = None
