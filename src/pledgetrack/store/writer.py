"""Writing pledge files: atomic, locked, verified.

Every write

* is **atomic**: the new text goes to a temporary file in the same folder (named with a leading
  '.', so that `check` never reads it as a pledge), is flushed and fsynced, then renamed over the
  old file, and the folder is fsynced. A crash leaves the old file or the new one, never half of
  one;
* is **locked** per file, so that two processes updating one pledge both succeed, one after the
  other (the lock files live in ``.pledgetrack-cache/locks/``, which ignores itself in git);
* is **verified**: the new text is parsed again and must hold exactly the intended record before
  it replaces anything;
* never goes **through a symbolic link**: a pledge file, temporary file, lock file or cache folder
  that is a link is refused or removed, never followed (a link committed in a pull request
  could otherwise make a write land outside the data folder);
* fails **cleanly**: a full disk or a read-only folder is a one-line error, the old file intact.

`append_update` reads and parses only the one pledge file (and the caller passes the
configuration), so its time does not grow with the size of the repository.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from pledgetrack.checks.rules import check_pledge, check_update, id_error
from pledgetrack.errors import EXIT_FINDINGS, PledgetrackError, all_errors
from pledgetrack.model.config import Config
from pledgetrack.model.problems import Problem
from pledgetrack.model.records import Pledge, Source, Update
from pledgetrack.model.suggest import closest, did_you_mean
from pledgetrack.store.root import PLEDGES_DIR, pledge_files, refuse_linked_data

CACHE_DIR = ".pledgetrack-cache"
LOCK_TIMEOUT_SECONDS = 120.0


# -- paths -----------------------------------------------------------------------------------------

def pledge_path(root: Path, pledge_id: str) -> Path:
    """``root/pledges/<id>.yaml``; an id that is not a plain slug (``../x``, ``/etc/passwd``,
    ``a\\b``, NUL …) is refused before it comes near a path."""
    reason = id_error(pledge_id)
    if reason:
        raise PledgetrackError(reason)
    refuse_linked_data(root)  # the API is given a root without find_root
    return root / PLEDGES_DIR / f"{pledge_id}.yaml"


def known_ids(root: Path) -> list[str]:
    try:
        return [p.stem for p in pledge_files(root)]
    except PledgetrackError:
        return []


def unknown_pledge(root: Path, pledge_id: str) -> PledgetrackError:
    """'no pledge …', with close matches among the file names (nothing is parsed)."""
    ids = known_ids(root)
    # Ids that contain what was typed (a prefix, a word) first, then similar spellings.
    close = [i for i in ids if pledge_id and pledge_id in i][:3]
    close += [c for c in closest(pledge_id, ids, n=3) if c not in close]
    close = close[:3]
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    return PledgetrackError(f"no pledge '{pledge_id}' (no file {PLEDGES_DIR}/{pledge_id}.yaml)"
                            f"{hint}")


def refuse_link(path: Path) -> None:
    """Pledge files are never read or written through a symbolic link."""
    if path.is_symlink():
        raise PledgetrackError(
            f"{PLEDGES_DIR}/{path.name} is a symbolic link; pledgetrack never reads or writes "
            "pledge files through links (replace the link with the file itself)", EXIT_FINDINGS,
        )


def existing_path(root: Path, pledge_id: str) -> Path:
    path = pledge_path(root, pledge_id)
    refuse_link(path)
    if not path.is_file():
        raise unknown_pledge(root, pledge_id)
    return path


# -- locking and atomic replacement -------------------------------------------------------------

def _lock_error(path: Path, reason: str) -> PledgetrackError:
    return PledgetrackError(
        f"cannot write {PLEDGES_DIR}/{path.name}: {reason} (while taking its lock in "
        f"{CACHE_DIR}/locks/); nothing was changed", EXIT_FINDINGS,
    )


def _cache_dir(root: Path, path: Path) -> Path:
    cache = root / CACHE_DIR
    # A link here (say, committed in a pull request) would put lock files, and the truncation
    # some lock implementations do, wherever it points.
    for folder in (cache, cache / "locks"):
        if folder.is_symlink():
            raise _lock_error(path, f"{_relative_name(root, folder)} is a symbolic link; "
                              "remove it")
    try:
        (cache / "locks").mkdir(parents=True, exist_ok=True)
        ignore = cache / ".gitignore"
        if not ignore.exists():
            # "x" (O_EXCL) never follows a link that stands in the way.
            with open(ignore, "x", encoding="utf-8") as handle:
                handle.write("# Created by pledgetrack: locks and caches, never committed.\n*\n")
    except FileExistsError:
        pass
    except OSError as exc:
        raise _lock_error(path, exc.strerror or str(exc)) from None
    return cache


def _relative_name(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


@contextmanager
def locked(root: Path, path: Path, timeout: float = LOCK_TIMEOUT_SECONDS) -> Iterator[None]:
    """Hold the lock of one pledge file (waiting up to ``timeout`` seconds for it)."""
    from filelock import FileLock, Timeout

    lock_path = _cache_dir(root, path) / "locks" / f"{path.name}.lock"
    if lock_path.is_symlink():
        raise _lock_error(path, f"{_relative_name(root, lock_path)} is a symbolic link; "
                          "remove it")
    lock = FileLock(str(lock_path), timeout=timeout)
    try:
        lock.acquire()
    except Timeout:
        raise PledgetrackError(
            f"{PLEDGES_DIR}/{path.name} is locked by another pledgetrack process; try again "
            f"(lock file: {lock.lock_file})", EXIT_FINDINGS,
        ) from None
    except OSError as exc:
        raise _lock_error(path, exc.strerror or str(exc)) from None
    try:
        yield
    finally:
        lock.release()


def temp_path(path: Path) -> Path:
    """The temporary file a write of ``path`` goes through: same folder, hidden, and not named
    ``*.yaml``, so that `check` never reads it. One fixed name per file: writers hold the
    file's lock, and a leftover of a killed writer is simply overwritten by the next one (no
    folder scan, so a write costs the same in a folder of ten files or ten thousand)."""
    return path.with_name(f".{path.name}.tmp")


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _write_error(label: str, exc: OSError) -> PledgetrackError:
    return PledgetrackError(
        f"cannot write {label}: {exc.strerror or exc}; nothing was changed", EXIT_FINDINGS
    )


def atomic_write(path: Path, data: bytes, label: str | None = None) -> None:
    """Replace ``path`` with ``data`` atomically (see the module docstring). The caller holds
    the file's lock (:func:`locked`) or writes a path no one else writes.

    ``path`` itself must not be a symbolic link; any failure (full disk, read-only folder) is a
    :class:`PledgetrackError` naming ``label`` (default: the path), with ``path`` untouched and
    no temporary file left."""
    label = label or str(path)
    if path.is_symlink():
        raise PledgetrackError(f"{label} is a symbolic link; pledgetrack never writes through "
                               "links", EXIT_FINDINGS)
    try:
        mode = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = _default_mode()
    tmp = temp_path(path)
    # O_EXCL (after removing a killed writer's leftover) and O_NOFOLLOW: the temporary name is
    # predictable, so a link planted there must never be opened, only removed.
    # O_BINARY: no newline translation on Windows (the bytes are written as given).
    flags = (os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
             | getattr(os, "O_BINARY", 0))
    try:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
        fd = os.open(tmp, flags, 0o600)
    except OSError as exc:
        raise _write_error(label, exc) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException as exc:
        with suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise _write_error(label, exc) from None
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    # Makes the rename itself durable; not possible on every platform (Windows), hence the guard.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# -- comparing records ----------------------------------------------------------------------------

def _plain_value(value: object) -> object:
    """Extra fields as the loader gives them back: scalars as their YAML text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, Mapping):
        return {str(k): _plain_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain_value(v) for v in value]
    return value


def _bare_source(source: Source) -> Source:
    return dataclasses.replace(source, line=0)


def bare_update(update: Update) -> Update:
    """An update without the positions it was read from, for comparing content."""
    return dataclasses.replace(update, line=0, lines={},
                               sources=tuple(_bare_source(s) for s in update.sources))


def bare_pledge(pledge: Pledge) -> Pledge:
    """A pledge without path and positions, extra fields as text, for comparing content."""
    return dataclasses.replace(
        pledge, path="", lines={}, extra=_plain_value(pledge.extra),  # type: ignore[arg-type]
        sources=tuple(_bare_source(s) for s in pledge.sources),
        updates=tuple(bare_update(u) for u in pledge.updates),
    )


# -- reading one file for writing ---------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class PledgeText:
    path: Path
    rel: str
    data: bytes
    text: str  # decoded, without a byte-order mark
    bom: bool
    pledge: Pledge

    def encode(self, text: str) -> bytes:
        return (("\ufeff" if self.bom else "") + text).encode("utf-8")


def _first_error(problems: list[Problem]) -> Problem | None:
    return next((p for p in problems if p.level == "error"), None)


def read_pledge(root: Path, pledge_id: str, config: Config | None = None) -> PledgeText:
    """Read and parse one pledge file, refusing one with errors (it must be fixed first): with
    ``config``, every rule of `check` on one file counts, else the file's structure only. The
    refusal lists every error in `check`'s format."""
    from pledgetrack.yamlfile.pledgefile import MAX_FILE_BYTES, parse_with_salvage, rule_problems

    path = existing_path(root, pledge_id)
    rel = f"{PLEDGES_DIR}/{path.name}"
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PledgetrackError(f"cannot read {rel}: {exc.strerror}", EXIT_FINDINGS) from None
    pledge, problems, salvage = parse_with_salvage(data[: MAX_FILE_BYTES + 1], rel)
    if config is not None:
        problems.extend(rule_problems(pledge, salvage, config))
    errors = sorted((p for p in problems if p.level == "error"), key=Problem.sort_key)
    if pledge is None or errors:
        raise file_has_errors(rel, pledge_id, errors)
    bom = data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8")
    return PledgeText(path, rel, data, text[1:] if bom else text, bom, pledge)


def file_has_errors(rel: str, pledge_id: str, errors: list[Problem]) -> PledgetrackError:
    """The refusal to write into a file that `check` fails: its errors, then what to do."""
    n = len(errors)
    return PledgetrackError(
        f"{rel} has {n} error{'s' if n != 1 else ''}; nothing was written: fix "
        f"{'it' if n == 1 else 'them'} first with 'pledgetrack edit {pledge_id}'", EXIT_FINDINGS,
        lines=[f"{p.path}:{p.line}:{p.col}: error: {p.message} [{p.rule}]" for p in errors],
    )


# -- appending an update ------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class AppendResult:
    path: Path
    pledge: Pledge  # as written
    number: int  # 1-based position of the new update
    warnings: list[str] = field(default_factory=list)
    total: int = 0  # updates in the file now
    # The file's bytes as read under the lock and as written: what an import that fails later
    # needs to put the file back, and to tell whether someone else has changed it since.
    old_data: bytes = b""
    new_data: bytes = b""


# The checks an update passes before it is written, by `update` and by `import --updates` alike
# (tests run each through both): the rule ids of :class:`UpdateFinding`.
UPDATE_CHECKS = (
    "status-word", "party-line", "source-url", "unknown-status", "unknown-party",
    "missing-source", "missing-archived", "update-before-announced", "update-order",
    "future-date",
)


@dataclass(frozen=True, slots=True)
class UpdateFinding:
    """One reason an update cannot be written (``error``) or deserves a second look
    (``warning``). ``field`` is the part of the update it is about (``status``, ``party``,
    ``source``, ``archived``, ``date``): an option of `update`, a column of an import."""

    level: str
    rule: str
    field: str
    message: str


def update_findings(pledge: Pledge, update: Update, config: Config, index: int | None = None,
                    today: dt.date | None = None) -> list[UpdateFinding]:
    """Everything wrong or worth a warning about adding ``update`` to ``pledge`` at ``index``
    (0-based; default: last), errors first. ``today`` (default: the real date) for an update
    dated in the future."""
    from pledgetrack.model.dates import today as real_today

    errors: list[UpdateFinding] = []

    def error(rule: str, field: str, message: str) -> None:
        errors.append(UpdateFinding("error", rule, field, message))

    bad_word = not update.status or "\n" in update.status
    if bad_word:
        error("status-word", "status", "the status must be one word, such as in_progress")
    if update.party is not None and (not update.party.strip() or "\n" in update.party):
        error("party-line", "party", "the party must be one line naming one of the actors")
    for source in update.sources:
        if not source.url.startswith(("http://", "https://")) or any(
            ch in source.url for ch in "\r\n"
        ):
            error("source-url", "source",
                  f"source {source.url!r} must be a URL starting with http:// or https://")
    at = len(pledge.updates) if index is None else index
    previous = pledge.updates[at - 1].date if at else None
    warnings = []
    for problem in check_update(pledge, update, at + 1, previous, config):
        if problem.level == "warning":
            warnings.append(UpdateFinding("warning", problem.rule, "date", problem.message))
        elif problem.rule == "unknown-status":
            if bad_word:
                continue
            names = config.vocabulary.names
            error("unknown-status", "status",
                  f"unknown status '{update.status}'{did_you_mean(update.status, names)}; "
                  f"valid: {', '.join(names)} (see 'pledgetrack statuses')")
        elif problem.rule == "unknown-party":
            assert update.party is not None
            error("unknown-party", "party",
                  f"party '{update.party}' is not among the actors of '{pledge.id}' "
                  f"({', '.join(pledge.actors)})"
                  f"{did_you_mean(update.party, list(pledge.actors))}")
        elif problem.rule == "missing-source":
            error("missing-source", "source",
                  "this repository requires a source for every update "
                  "(require_update_sources in pledgetrack.yaml)")
        elif problem.rule == "missing-archived":
            error("missing-archived", "archived",
                  "this repository requires an archived copy of every source "
                  "(require_archived in pledgetrack.yaml)")
        else:
            error(problem.rule, "", problem.message)
    if update.date.start > (today or real_today()):
        warnings.append(UpdateFinding("warning", "future-date", "date",
                                      f"the update is dated in the future ({update.date})"))
    return [*errors, *warnings]


# What `update` adds to a finding: the option that supplies what is missing.
_OPTION_HINTS = {"missing-source": "; add --source URL", "missing-archived": "; add --archived URL"}


def validate_update(pledge: Pledge, update: Update, config: Config,
                    index: int | None = None, today: dt.date | None = None) -> list[str]:
    """:func:`update_findings` for `update`: every error raises, all together, as one
    :class:`PledgetrackError`; warnings (such as a date before the pledge was announced) are
    returned."""
    findings = update_findings(pledge, update, config, index, today)
    errors = [f.message + _OPTION_HINTS.get(f.rule, "") for f in findings if f.level == "error"]
    if errors:
        raise all_errors(errors)
    return [f.message for f in findings if f.level == "warning"]


def append_update(root: Path, pledge_id: str, update: Update, config: Config,
                  today: dt.date | None = None) -> AppendResult:
    """Add ``update`` to the pledge's ``updates`` in date order (a backdated entry goes among
    the others), keeping every existing byte of the file. A file with errors is refused."""
    from pledgetrack.yamlfile import splice
    from pledgetrack.yamlfile.pledgefile import parse_pledge

    path = existing_path(root, pledge_id)
    with locked(root, path):
        # Read under the lock: a concurrent writer's entry is already in the file.
        current = read_pledge(root, pledge_id, config)
        index = splice.date_position(current.pledge.updates, update)
        warnings = validate_update(current.pledge, update, config, index, today)
        try:
            new_text = splice.insert_update(current.text, update, index)
        except (splice.SpliceError, ValueError) as exc:
            raise PledgetrackError(
                f"{current.rel}: cannot add the update to this file's layout ({exc}); "
                "use 'pledgetrack edit'", EXIT_FINDINGS,
            ) from None
        new_data = current.encode(new_text)
        written, _ = parse_pledge(new_data, current.rel)
        before = bare_update_list(current.pledge)
        expected = dataclasses.replace(
            bare_pledge(current.pledge),
            updates=(*before[:index], bare_update(update), *before[index:]),
        )
        if written is None or bare_pledge(written) != expected:
            raise PledgetrackError(
                f"{current.rel}: the update could not be added without changing other content; "
                "nothing was written (use 'pledgetrack edit')", EXIT_FINDINGS,
            )
        atomic_write(path, new_data, current.rel)
    return AppendResult(path, written, index + 1, warnings, len(written.updates),
                        current.data, new_data)


def bare_update_list(pledge: Pledge) -> tuple[Update, ...]:
    return tuple(bare_update(u) for u in pledge.updates)


# -- whole files ----------------------------------------------------------------------------------

def check_new_pledge(pledge: Pledge, config: Config) -> list[Problem]:
    """The problems of a record about to be written as ``pledges/<id>.yaml``."""
    rel = f"{PLEDGES_DIR}/{pledge.id}.yaml"
    return list(check_pledge(dataclasses.replace(pledge, path=rel), config))


def render_new(pledge: Pledge) -> bytes:
    """The canonical text of ``pledge``, verified to read back as the same record."""
    from pledgetrack.yamlfile.pledgefile import parse_pledge
    from pledgetrack.yamlfile.serialize import dump_pledge

    pledge_path(Path("."), pledge.id)  # the id must be a slug
    rel = f"{PLEDGES_DIR}/{pledge.id}.yaml"
    data = dump_pledge(pledge).encode("utf-8")
    parsed, problems = parse_pledge(data, rel)
    error = _first_error(problems)
    if error is not None:
        raise PledgetrackError(f"pledge '{pledge.id}': {error.message}")
    if parsed is None or bare_pledge(parsed) != bare_pledge(pledge):
        raise PledgetrackError(
            f"pledge '{pledge.id}': the record cannot be written so that it reads back the same"
        )
    return data


def create(root: Path, pledge: Pledge, *, overwrite: bool = False,
           replaced: Callable[[bytes], None] | None = None) -> Path:
    """Write a new pledge file in the canonical layout (``overwrite`` replaces an existing one;
    ``replaced`` is then given its bytes as read under the lock, so that they can be put back).

    The record must be structurally valid; rules that need the configuration are the caller's
    business (see :func:`check_new_pledge`)."""
    path = pledge_path(root, pledge.id)
    refuse_link(path)
    data = render_new(pledge)
    rel = f"{PLEDGES_DIR}/{path.name}"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _write_error(rel, exc) from None
    with locked(root, path):
        refuse_link(path)
        if path.exists() and not overwrite:
            raise PledgetrackError(
                f"pledge '{pledge.id}' already exists ({PLEDGES_DIR}/{path.name})"
            )
        if replaced is not None and path.exists():
            try:
                old = path.read_bytes()
            except OSError as exc:
                raise PledgetrackError(f"cannot read {rel}: {exc.strerror or exc}; nothing was "
                                       "changed", EXIT_FINDINGS) from None
            replaced(old)
        atomic_write(path, data, rel)
    return path


def replace_text(root: Path, pledge_id: str, data: bytes, expected_old: bytes) -> Path:
    """Replace a pledge file with ``data`` if it still holds ``expected_old`` (an edit made
    while another process wrote the file is refused, not lost)."""
    path = existing_path(root, pledge_id)
    with locked(root, path):
        refuse_link(path)
        if path.read_bytes() != expected_old:
            raise PledgetrackError(
                f"{PLEDGES_DIR}/{path.name} changed while you were editing it", EXIT_FINDINGS
            )
        atomic_write(path, data, f"{PLEDGES_DIR}/{path.name}")
    return path


def digest(data: bytes) -> bytes:
    """What :func:`restore` compares a file with: a file's bytes need not be kept for that."""
    import hashlib

    return hashlib.sha256(data).digest()


def restore(root: Path, path: Path, written: bytes, old: bytes | None) -> bool:
    """Put ``path`` back as it was (``old``; None: it did not exist, so remove it), under its
    lock, if it still holds what this process wrote (``written``: its :func:`digest`): a change
    someone else made since is never undone. True when the file was put back; False when it
    had changed (it is then left as it is); a :class:`PledgetrackError` when it could not be
    written."""
    rel = f"{PLEDGES_DIR}/{path.name}"
    with locked(root, path):
        refuse_link(path)
        try:
            current = path.read_bytes()
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise PledgetrackError(f"cannot read {rel}: {exc.strerror or exc}",
                                   EXIT_FINDINGS) from None
        if digest(current) != written:
            return False
        if old is None:
            try:
                path.unlink()
            except OSError as exc:
                raise _write_error(rel, exc) from None
            _fsync_dir(path.parent)
        else:
            atomic_write(path, old, rel)
    return True


def check_text(data: bytes, rel: str, config: Config) -> list[Problem]:
    """Everything `check` would report about ``data`` as the file ``rel`` (one file only)."""
    from pledgetrack.yamlfile.pledgefile import parse_with_salvage, rule_problems

    pledge, problems, salvage = parse_with_salvage(data, rel)
    problems.extend(rule_problems(pledge, salvage, config))
    return sorted(problems, key=Problem.sort_key)
