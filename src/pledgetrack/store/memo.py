"""Answers to repeated commands: what `report`, `list`, `check` and `export` wrote, kept so that
the same question is answered again without loading anything.

These commands are functions of their command line, the current folder, the environment, the
date, the terminal they write to, the installed code, and the data files. An answer is kept under
a key made of all of these but the data; it also records what the run saw of the data before
reading it — the data root, the configuration file's time and size, and the listing of
``pledges/`` (names, times, sizes: the test the cache of parsed records trusts; see
:mod:`pledgetrack.store.listing` for what a file's time is) — and the
folders that decided which data root was found. It is given back only when a new look finds
exactly the same. Nothing is kept when a file was modified within ``RACY_NS`` before the look
(an edit in the same tick of the clock could go unseen), when the run failed (exit 2), wrote a
file (``-o``) or was told not to use the cache (``--no-cache``, ``PLEDGETRACK_NO_CACHE``).

Answers live in ``answers/`` under the cache folder, one file per key: a digest, then a marshal
of builtin values (read back into builtin values only). A file that is short, corrupt, of another
layout or of another key is not used; at most :data:`MAX_ENTRIES` are kept (those used least
recently go first), none of more than :data:`MAX_BYTES` of output.

This module is imported by the executable before anything else of pledgetrack: it must stay
light (no Typer, Rich, YAML or pickle).
"""

from __future__ import annotations

import contextlib
import marshal
import os
import sys
import time

from pledgetrack.store import listing
from pledgetrack.store.cachedir import RACY_NS, cache_base, digest, disabled_by_env, hasher

TYPE_CHECKING = False
if TYPE_CHECKING:  # not at run time: see the module doc
    from typing import Any

LAYOUT = 3
FOLDER = "answers"
COMMANDS = frozenset({"report", "list", "check", "export"})
# Options after which the run is never kept: it writes a file, avoids the cache, or shows help.
NOT_KEPT = frozenset({"--no-cache", "--output", "-o", "--help", "-h"})
MAX_ENTRIES = 128
MAX_BYTES = 4 * 1024 * 1024  # of one answer's text
MAX_TOTAL = 64 * 1024 * 1024  # of the folder

# Variables a shell keeps for itself and changes as the user moves about (`cd -`, a subshell, the
# last command): no program's output depends on them, and keying on them would only lose answers.
SHELL_BOOKKEEPING = frozenset({b"OLDPWD", b"SHLVL", b"_"})

# What a run wrote, in order: (stream, text). STDOUT_TEXT is text for people on stdout, which is
# guarded again (with a new token) when written under GitHub Actions (see render.guard).
STDOUT, STDERR, STDOUT_TEXT = 1, 2, 3
Event = tuple[int, str]


def _keepable(argv: list[str]) -> bool:
    if not argv or argv[0] not in COMMANDS:
        return False
    for arg in argv[1:]:
        name = arg.split("=", 1)[0]
        if name in NOT_KEPT or (arg.startswith("-o") and not arg.startswith("--")):
            return False
    return True


def _code_marks(add: Any) -> None:
    """The installed code: every file of the package (an edited checkout is new code, whatever
    its version number says) and the folders on the import path (installing or upgrading a
    dependency, such as the table renderer, changes its folder)."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    marks: list[tuple[str, int, int]] = []
    folders = [package]
    while folders:
        with os.scandir(folders.pop()) as entries:
            for e in entries:
                if e.name == "__pycache__":
                    continue
                if e.is_dir(follow_symlinks=False):
                    folders.append(e.path)
                else:
                    st = e.stat(follow_symlinks=False)
                    marks.append((e.path, st.st_mtime_ns, st.st_size))
    for entry in sys.path:
        try:
            st = os.stat(entry or ".")
        except OSError:
            continue
        marks.append((entry, st.st_mtime_ns, st.st_size))
    marks.sort()
    add(marshal.dumps(marks))


def _terminal() -> tuple[Any, ...]:
    """Which of stdin, stdout and stderr are terminals, and how big: output for a terminal is
    laid out for its width, with colours for its kind (the kind is in the environment)."""
    marks: list[Any] = []
    for fd in (0, 1, 2):
        tty = os.isatty(fd)
        size = None
        if tty:
            with contextlib.suppress(OSError):
                size = tuple(os.get_terminal_size(fd))
        marks.append((tty, size))
    return tuple(marks)


def key(argv: list[str]) -> bytes | None:
    """The key of a command line run here and now, or None when it cannot have one."""
    from pledgetrack import __version__

    try:
        cwd = os.getcwd()
    except OSError:
        return None
    h = hasher(20)

    def add(data: bytes) -> None:
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)

    add(repr((LAYOUT, __version__, sys.version, sys.executable, sys.platform,
              time.localtime()[:3], _terminal())).encode())
    add(os.fsencode(cwd))
    for arg in argv:
        add(arg.encode("utf-8", "surrogateescape"))
    environ: Any = getattr(os, "environb", None)
    if environ is None:  # Windows
        environ = {k.encode("utf-8", "surrogatepass"): v.encode("utf-8", "surrogatepass")
                   for k, v in os.environ.items()}
    for name in sorted(environ):
        if name not in SHELL_BOOKKEEPING:
            add(name)
            add(environ[name])
    _code_marks(add)
    answer_key: bytes = h.digest()
    return answer_key


def _discovery(cwd: str) -> list[tuple[str, bool]]:
    """Whether each folder from here up has a ``pledges/`` folder, up to the first that has
    one: what finding the data root from here depends on."""
    facts = []
    here = os.path.realpath(cwd)
    while True:
        found = os.path.isdir(os.path.join(here, listing.PLEDGES_DIR))
        facts.append((here, found))
        parent = os.path.dirname(here)
        if found or parent == here:
            return facts
        here = parent


def _path(answer_key: bytes) -> str | None:
    base = cache_base()
    return None if base is None else os.path.join(base, FOLDER, answer_key.hex() + ".bin")


class Probe:
    """A command line that may have a kept answer (see :func:`probe`)."""

    __slots__ = ("key", "path")

    def __init__(self, answer_key: bytes, path: str) -> None:
        self.key = answer_key
        self.path = path

    def answer(self) -> tuple[list[Event], int] | None:
        """What the last run wrote and its exit code, when it still holds; else None."""
        try:
            with open(self.path, "rb") as handle:
                data = handle.read(MAX_BYTES * 4 + 4096)
            if len(data) < 16 or digest(data[16:]) != data[:16]:
                return None
            value = marshal.loads(data[16:])
            layout, stored_key, root, real_root, facts, config, signature, events, code = value
            if layout != LAYOUT or stored_key != self.key or type(code) is not int:
                return None
            if type(root) is not str or type(events) is not list:
                return None
            # The same path may lead elsewhere now (a link retargeted): where it leads decides
            # paths written relative to another folder (annotations under GitHub Actions).
            if os.path.realpath(root) != real_root:
                return None
            for path, found in facts:
                if os.path.isdir(os.path.join(path, listing.PLEDGES_DIR)) != found:
                    return None
            if listing.config_mark(root) != config:
                return None
            if listing.signature(listing.scan(root)) != signature:
                return None
            for stream, text in events:
                if stream not in (STDOUT, STDERR, STDOUT_TEXT) or type(text) is not str:
                    return None
            with contextlib.suppress(OSError):
                os.utime(self.path)  # used: the last to go when answers are pruned
            return events, code
        except Exception:  # a kept answer that cannot be read is no answer, never an error
            return None


def probe(argv: list[str]) -> Probe | None:
    """The probe of a command line whose answer can be kept, or None."""
    if not _keepable(argv) or disabled_by_env():
        return None
    try:
        answer_key = key(argv)
    except Exception:  # whatever prevents a key prevents keeping, never the command
        return None
    if answer_key is None:
        return None
    path = _path(answer_key)
    return None if path is None else Probe(answer_key, path)


# -- recording a run -----------------------------------------------------------------------------

class _Recording:
    __slots__ = ("events", "facts", "marks", "probe", "size", "spoiled")

    def __init__(self, probe: Probe, facts: list[tuple[str, bool]]) -> None:
        self.probe = probe
        self.facts = facts
        self.events: list[Event] = []
        self.size = 0
        self.marks: listing.Marks | None = None
        self.spoiled = False


_recording: _Recording | None = None


def recording() -> bool:
    """Whether this process records its answer (the loader then notes what it saw)."""
    return _recording is not None


def start(probe: Probe) -> None:
    """Record what this process writes, to keep it as the answer of ``probe``."""
    global _recording
    try:
        facts = _discovery(os.getcwd())
    except OSError:
        return
    _recording = _Recording(probe, facts)


def wrote(stream: int, text: str) -> None:
    """The command wrote ``text`` to a stream (a no-op unless recording)."""
    rec = _recording
    if rec is not None:
        rec.events.append((stream, text))
        rec.size += len(text)


def loaded(marks: listing.Marks | None) -> None:
    """The command's answer comes from the data as ``marks`` saw it."""
    rec = _recording
    if rec is None:
        return
    if marks is None or rec.marks is not None:
        rec.spoiled = True  # part of a data root, or two loads: not a kept answer's shape
    else:
        rec.marks = marks


def spoil() -> None:
    """This run's answer must not be kept (it failed, or wrote somewhere else)."""
    if _recording is not None:
        _recording.spoiled = True


def finish(code: object) -> bool:
    """Keep the recorded answer when it may be given again; True when it was kept."""
    global _recording
    rec, _recording = _recording, None
    if code is None:
        code = 0
    if (rec is None or rec.spoiled or rec.marks is None or type(code) is not int
            or code not in (0, 1) or rec.size > MAX_BYTES
            or not rec.marks.settled(RACY_NS)):
        return False
    try:
        seen = rec.marks
        payload = marshal.dumps((
            LAYOUT, rec.probe.key, seen.root, os.path.realpath(seen.root), rec.facts, seen.config,
            seen.signature, rec.events, code,
        ))
        from pathlib import Path

        from pledgetrack.store.cache import write_atomic

        path = Path(rec.probe.path)
        if not write_atomic(path, digest(payload), payload):
            return False
        _prune(path.parent)
        return True
    except Exception:  # never an error: not keeping an answer is the worst case
        return False


def _prune(folder: os.PathLike[str]) -> None:
    """Keep the answers used last (a replay touches its file): at most MAX_ENTRIES of them and
    MAX_TOTAL bytes."""
    dated = []
    for name in os.listdir(folder):
        if name.endswith(".bin"):
            with contextlib.suppress(OSError):
                st = os.stat(os.path.join(folder, name))
                dated.append((st.st_mtime_ns, st.st_size, name))
    dated.sort(reverse=True)
    total = 0
    for count, (_, size, name) in enumerate(dated, 1):
        total += size
        if count > MAX_ENTRIES or total > MAX_TOTAL:
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(folder, name))
