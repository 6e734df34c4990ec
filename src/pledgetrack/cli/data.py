"""Loading the data for commands that read it: skipped files are named on stderr, and a large
load shows a progress bar when stderr is a terminal."""

from __future__ import annotations

import sys
from collections import Counter
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pledgetrack.cli.output import Output
    from pledgetrack.model.views import View
    from pledgetrack.queries.selection import Chooser, Filter
    from pledgetrack.store.loader import Dataset
    from pledgetrack.store.workspace import Workspace

# "More than a few hundred files": below this a load is quick enough not to need a bar.
PROGRESS_MIN_FILES = 300


def load(
    workspace: Workspace, out: Output, *, color: str = "auto", filter: Filter | None = None,
    outline: bool = False, each: Chooser | None = None,
) -> Dataset:
    """The workspace's records, warning (through ``out``) about every broken file.

    Broken files are left out of the records: ``pledgetrack check`` tells why. A ``filter`` is
    checked against the configuration first, so that a typo fails before any warning.
    ``outline`` loads the outline view of the records (without their long texts and sources; see
    load_dataset's ``view``), for commands that only count, group and list; a ``--search``
    filter reads those texts, so it gets full records. ``each`` is handed every record instead
    of the data set keeping them (see load_dataset), and holds the names the filter is checked
    against.
    """
    from pledgetrack.render.console import is_terminal

    searching = filter is not None and filter.search is not None
    view: View = "outline" if outline and not searching else "full"
    progress = _Progress(color) if is_terminal(sys.stderr) else None
    try:
        dataset = workspace.dataset(view, progress=progress, each=each)
    finally:
        if progress is not None:
            progress.close()
    keep_for_good(dataset)
    if filter is not None:
        names = each.names if each is not None else dataset.pledges
        filter.validate(dataset.config, names)
        for message in filter.unmatched(names):
            out.warn(message)
    for note in dataset.notes:
        out.warn(note)
    warn_broken(dataset, out)
    return dataset


# What the executable keeps until its process ends: a list that holds itself, frozen with the
# records, so that neither the end of the command's function nor the interpreter's teardown
# frees 100,000 objects one by one (10-20 ms at 10,000 pledges); the system takes the memory
# back at once when the process exits.
_KEPT: list[object] = []


def keep_for_good(dataset: Dataset | None = None) -> None:
    """The records live until the command ends and hold no reference cycles: moved out of the
    garbage collector's sight, they are not rescanned (a tenth of a second at 10,000 pledges),
    nor freed one by one at the end. The rest of the command makes tens of thousands of
    short-lived objects (states, rows) and hardly any cycle, so the collector is turned off for
    it too (another 15-25 ms of passes over them). Only in the executable, whose process ends
    with the command."""
    import gc

    import pledgetrack.cli

    if pledgetrack.cli.STANDALONE:
        if dataset is not None:
            if not _KEPT:
                _KEPT.append(_KEPT)
            _KEPT.append(dataset)
        gc.freeze()
        gc.disable()


def skipped_code(dataset: Dataset, out: Output, strict: bool) -> int:
    """The exit code of a command that leaves broken files out of its answer: with
    ``--strict``, such a file fails the command (exit 1), after the output is written, so that a
    CI job cannot publish an incomplete report as a complete one."""
    from pledgetrack.errors import EXIT_FINDINGS, EXIT_OK

    if strict and dataset.broken:
        n = len(dataset.broken)
        out.warn(f"--strict: {n} file{'s' if n != 1 else ''} failed the check and "
                 f"{'were' if n != 1 else 'was'} left out")
        return EXIT_FINDINGS
    return EXIT_OK


def warn_broken(dataset: Dataset, out: Output) -> None:
    errors = Counter(p.path for p in dataset.problems if p.level == "error")
    for path in dataset.broken:
        n = errors[path]
        out.warn(f"skipping {path} ({n} error{'s' if n != 1 else ''}; run pledgetrack check)")


class _Progress:
    """A progress callback that shows a bar only once a load turns out to be long: more than
    PROGRESS_MIN_FILES files and still files to parse (a load answered by the cache reports
    only its end, so Rich is not even imported)."""

    def __init__(self, color: str) -> None:
        self.color = color
        self.bar: Any = None
        self.task: Any = None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            if total <= PROGRESS_MIN_FILES or done >= total:
                return
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            from pledgetrack.render.console import make_console

            self.bar = Progress(
                TextColumn("loading pledges"), BarColumn(), MofNCompleteColumn(),
                console=make_console(self.color, stderr=True), transient=True,
            )
            self.task = self.bar.add_task("load", total=total)
            self.bar.start()
        self.bar.update(self.task, completed=done)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
