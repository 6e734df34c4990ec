"""Spreading work over processes: parsing YAML is CPU-bound Python, so threads would not help.

Starting worker processes costs some tens of milliseconds, so the loader uses them only above
:data:`MIN_FILES` files to parse.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

JOBS_ENV = "PLEDGETRACK_JOBS"
# Below this many files to parse, one process is faster than starting others (measured with
# benchmarks/run.py on two cores: a pool costs about as much as parsing 100 files).
MIN_FILES = 300


def default_jobs() -> int:
    """``$PLEDGETRACK_JOBS``, else the number of CPUs this process may run on."""
    explicit = os.environ.get(JOBS_ENV, "")
    if explicit.isdigit() and int(explicit) > 0:
        return int(explicit)
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


@contextmanager
def map_unordered(
    function: Callable[[T], R], tasks: Iterable[T], jobs: int
) -> Iterator[Iterator[R]]:
    """``function`` over ``tasks`` in ``jobs`` processes; the results, as they come.

    The workers start on entering, so the caller can do other work before reading results.
    Processes are forked on Linux (nothing to re-import, nothing to pickle on the way in but the
    task); elsewhere they are started as the platform prefers (forking is unsafe on macOS) and
    import ``function``'s module.
    """
    import multiprocessing

    method = "fork" if sys.platform.startswith("linux") else None
    context = multiprocessing.get_context(method)
    with context.Pool(jobs) as pool:
        yield pool.imap_unordered(function, tasks, chunksize=1)
