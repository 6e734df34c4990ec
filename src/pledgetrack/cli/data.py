"""Loading the data for commands that read it: skipped files are named on stderr, and a large
load shows a progress bar when stderr is a terminal."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from pledgetrack.cli.app import warn

if TYPE_CHECKING:
    from pledgetrack.queries.selection import Filter
    from pledgetrack.store.loader import Dataset

# "More than a few hundred files": below this a load is quick enough not to need a bar.
PROGRESS_MIN_FILES = 300


def load(dir: str | None, *, color: str = "auto", filter: Filter | None = None) -> Dataset:
    """Load the data root (``--dir``, else found upwards) and warn about every broken file.

    Broken files are left out of the records: ``pledgetrack check`` tells why. A ``filter`` is
    checked against the configuration first, so that a typo fails before any warning.
    """
    from pledgetrack.render.console import is_terminal
    from pledgetrack.store.loader import load_dataset
    from pledgetrack.store.root import find_root, pledge_files

    root = find_root(dir)
    files = pledge_files(root)
    if len(files) > PROGRESS_MIN_FILES and is_terminal(sys.stderr):
        dataset = _load_with_progress(root, files, color)
    else:
        dataset = load_dataset(root, files=files)
    if filter is not None:
        filter.validate(dataset.config, dataset.pledges)
    warn_broken(dataset)
    return dataset


def warn_broken(dataset: Dataset) -> None:
    errors = Counter(p.path for p in dataset.problems if p.level == "error")
    for path in dataset.broken:
        n = errors[path]
        warn(f"skipping {path} ({n} error{'s' if n != 1 else ''}; run pledgetrack check)")


def _load_with_progress(root: Path, files: list[Path], color: str) -> Dataset:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from pledgetrack.render.console import make_console
    from pledgetrack.store.loader import load_dataset

    step = max(1, len(files) // 200)
    with Progress(
        TextColumn("loading pledges"), BarColumn(), MofNCompleteColumn(),
        console=make_console(color, stderr=True), transient=True,
    ) as progress:
        task = progress.add_task("load", total=len(files))

        def advance(done: int, total: int) -> None:
            if done % step == 0 or done == total:
                progress.update(task, completed=done)

        return load_dataset(root, files=files, progress=advance)
