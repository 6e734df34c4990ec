"""Full records one at a time, in a given order, read from their files: what an export of a
large data root writes as it goes, instead of holding every record's texts and sources at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from pledgetrack.model.config import Config
from pledgetrack.model.records import Pledge

# Up to this many pledges, their full records are loaded together (through the records cache,
# the fastest way); above it they are read one by one, so that memory does not grow with the
# data (about 10 KB a full record in memory: 100,000 would take a gigabyte).
IN_MEMORY_MAX = 15_000


def full_records(root: Path, config: Config, paths: Iterable[str],
                 skipped: list[str] | None = None) -> Iterator[Pledge]:
    """The full record of each file (paths relative to ``root``), in the order given. A file
    that no longer reads as a pledge without errors (edited since it was listed) is left out
    and its path added to ``skipped``."""
    from pledgetrack.store.loader import load_file

    for rel in paths:
        result = load_file(root / rel, root, config)
        if result.pledge is None or result.has_errors:
            if skipped is not None:
                skipped.append(rel)
            continue
        yield result.pledge
