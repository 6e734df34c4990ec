"""Convenience functions of the Python API."""

from __future__ import annotations

import os

from pledgetrack.model.problems import Problem
from pledgetrack.store.loader import load_dataset


def check(root: str | os.PathLike[str] | None = None) -> list[Problem]:
    """Every problem in a data root, sorted by file and line (an empty list when clean)."""
    return load_dataset(root, view="problems").problems  # the same problems in every view
