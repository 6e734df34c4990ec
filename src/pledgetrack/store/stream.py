"""Full records one at a time, in a given order: what an export writes as it goes, instead of
holding every record's texts and sources at once (about 10 KB a full record in memory: 100,000
would take a gigabyte)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from pledgetrack.model.config import Config
from pledgetrack.model.records import Pledge


def full_records(root: Path, config: Config, paths: Iterable[str],
                 skipped: list[str] | None = None, *, cache: bool = True) -> Iterator[Pledge]:
    """The full record of each file (paths relative to ``root``), in the order given: decoded
    from the records cache where it holds the file as it is (``cache`` False, or
    ``PLEDGETRACK_NO_CACHE``: every file parsed). A file that no longer reads as a pledge
    without errors (edited since it was chosen) is left out and its path added to
    ``skipped``."""
    from pledgetrack import cache as records_cache

    folder = records_cache.folder_of(root, cache)
    for rel, record in records_cache.full_records(root, paths, config, folder=folder):
        if record is None:
            if skipped is not None:
                skipped.append(rel)
            continue
        yield record
