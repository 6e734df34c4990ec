"""The workspace of a command: its data root, the root's configuration, and its records.

Commands never find the data root or read the configuration themselves: they ask a
:class:`Workspace`, which finds or reads each part once, when it is first needed (so that a
command fails on the first thing it lacks, in the order it needs them).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from pledgetrack.store.root import find_root

if TYPE_CHECKING:
    from collections.abc import Callable

    from pledgetrack.model.config import Config
    from pledgetrack.model.records import Pledge
    from pledgetrack.model.views import View
    from pledgetrack.store.loader import Dataset


class Workspace:
    """The data a command works on.

    ``dir`` is ``--dir`` (None: ``$PLEDGETRACK_DIR``, else the nearest folder upwards holding
    ``pledges/``); ``cache=False`` is ``--no-cache``.
    """

    def __init__(self, dir: str | os.PathLike[str] | None = None, *, cache: bool = True) -> None:
        self.dir = dir
        self.cache = cache
        self._root: Path | None = None
        self._config: Config | None = None

    @property
    def root(self) -> Path:
        """The data root (the folder holding ``pledges/``)."""
        if self._root is None:
            self._root = find_root(self.dir)
        return self._root

    @property
    def config(self) -> Config:
        """The configuration (``pledgetrack.yaml``; the defaults without one)."""
        if self._config is None:
            from pledgetrack.store.configfile import load_config

            self._config = load_config(self.root)
        return self._config

    def cached_config(self) -> Config:
        """The configuration as a load reads it: through the records cache, which answers
        without parsing an unchanged ``pledgetrack.yaml``."""
        if self._config is None:
            from pledgetrack import cache as records_cache

            self._config = records_cache.load_config(
                self.root, records_cache.folder_of(self.root, self.cache))
        return self._config

    def dataset(self, view: View = "full", *,
                progress: Callable[[int, int], None] | None = None,
                each: Callable[[Pledge], None] | None = None) -> Dataset:
        """Every pledge of the data root, in the ``view`` asked for (see
        :func:`pledgetrack.store.loader.load_dataset`, also for ``each``)."""
        from pledgetrack.store.loader import load_dataset

        dataset = load_dataset(self.root, config=self._config, cache=self.cache, view=view,
                               progress=progress, each=each)
        self._config = dataset.config
        return dataset
