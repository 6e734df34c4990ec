"""Time spent computing, not time on the clock: tests that guard against a hang or a quadratic
algorithm measure the CPU time of the work, which does not grow when the machine is busy with
other things (wall-clock budgets failed whenever it was). Speed itself is measured by
`benchmarks/`, not by tests.

A budget in CPU seconds still fails on the inputs these tests guard against: a quadratic
algorithm spends its time computing, and a hang is caught by a generous wall-clock limit.
"""

from __future__ import annotations

import os
import resource
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Finished:
    returncode: int
    stdout: bytes
    stderr: bytes
    cpu: float  # user + system seconds of the child and of the processes it waited for
    wall: float


class TooLong(AssertionError):
    """The child was still running at the wall-clock limit (it was killed)."""


def run_child(args: Sequence[str], *, env: Mapping[str, str] | None = None,
              cwd: str | os.PathLike[str] | None = None, limit: float = 120.0) -> Finished:
    """Run ``args`` to the end and measure its CPU time (from wait4, this child's own figures,
    whatever else the test process has run). Killed, and :class:`TooLong` raised, after
    ``limit`` seconds on the clock: a limit for a hang, far above any honest run."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.monotonic()
        proc = subprocess.Popen(list(args), stdout=out, stderr=err, cwd=cwd,
                                env=dict(env) if env is not None else None)
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - start > limit:
                proc.kill()
                os.wait4(proc.pid, 0)
                proc.returncode = -9  # reaped here: Popen must not wait for it again
                raise TooLong(f"{args[1:]}: still running after {limit:.0f} s")
            time.sleep(0.01)
        wall = time.monotonic() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Finished(proc.returncode, out.read(), err.read(),
                        usage.ru_utime + usage.ru_stime, wall)


def process_cpu() -> float:
    """CPU seconds this process has used so far, in all its threads."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
