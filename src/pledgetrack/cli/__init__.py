"""The command-line interface: a thin layer over the core."""

# Set by the executable (pledgetrack.cli.entry) to the command it runs, before the application is
# imported: only that command's module is then registered. None: every command.
ONLY_COMMAND: str | None = None

# Set by the executable: the process ends with the command, so objects that live until then can be
# kept out of the garbage collector's sight (see cli.data.keep_for_good). Not when the application
# runs inside another program (tests, notebooks), whose memory this would hold on to.
STANDALONE = False
