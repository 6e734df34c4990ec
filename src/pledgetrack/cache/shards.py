"""The records cache's files: where they live, what makes an entry valid, and their layout.

Internal to :mod:`pledgetrack.cache`, whose :func:`~pledgetrack.cache.load` is the only way in:
the positional layout of entries below is known to this package alone.

Layout: one folder per data root under the user's cache directory (``$PLEDGETRACK_CACHE_DIR``, else
``$XDG_CACHE_HOME/pledgetrack``, else ``~/.cache/pledgetrack``), named after a hash of the data
root's absolute path. It is never inside the data folder, so it cannot be committed, and a cache
file arriving with a pull request cannot feed `check` a forged result.

Files are spread over :data:`SHARDS` shard files by a hash of their path; a shard is the unit that
is read, rebuilt and written (atomically: temporary file and rename). A shard file is::

    MAGIC | three lengths | three digests | index | outline | full

``index`` is a pickle of ``(version key, [entry, ...])`` holding only builtin values (read with an
unpickler that refuses every class): enough for `check`, which needs problems and ids only.
``outline`` is one pickle of the shard's outline records, ``full`` the per-record pickles of full
records
(see :mod:`pledgetrack.cache.codec`); each is read only when asked for. Anything wrong — a bad
magic number, a short file, a digest mismatch, another version key, an exception of any kind while
reading — means the shard is ignored and rebuilt.

An entry is reused without reading the file when the file's size, time (ns; the later of its
modification and status-change times, so that an edit setting the modification time back, as
``touch -d`` does, still shows) and identity (device and inode: a folder swapped for a copy with
the same times and sizes, on a file system with coarse times, still shows) are those recorded,
and the file did not change within :data:`RACY_NS` before it was read (otherwise an edit in the
same clock tick could go unseen, as git's index also guards against); when only the time or the
identity differs (a fresh checkout, a change of permissions, a copy), the file's content hash
decides — except for `check`, which parses and checks such a file again, and takes an entry's
problems only when they were found by checking the file and its shard file was written (by its
status-change time, which no program can set back) after the file took its present form
(:func:`pledgetrack.cache.scheduler.vouched`).
"""

from __future__ import annotations

import contextlib
import io
import os
import pickle
import struct
import sys
import zlib
from pathlib import Path
from typing import Any, BinaryIO

from pledgetrack.cache.folder import (
    CACHE_ENV,
    NO_CACHE_ENV,
    RACY_NS,
    WRITTEN_SLACK_NS,
    cache_base,
    digest,
    disabled_by_env,
    hasher,
    make_private,
    refuse,
    refused,
    unsafe_stat,
)

__all__ = ["CACHE_ENV", "NO_CACHE_ENV", "RACY_NS", "WRITTEN_SLACK_NS", "cache_base", "digest",
           "disabled_by_env"]

SHARDS = 64
LAYOUT = 5
MAGIC = b"PTCACHE\x01"
_HEADER = struct.Struct("<8sQQQ16s16s16s")
HEADER_SIZE = _HEADER.size

# Entry fields (a tuple of builtin values, so that it pickles small and loads fast): the file's
# path, mtime, size and content hash, when it was read; the structural problems; the position of
# the record in the outline part (-1: none), its id and the line of the id; where its full record
# is in the full part; the configuration the rules ran with, and their problems; the file's
# identity (device and inode); whether the problems were found by parsing and checking the file
# as it was when read (False: the entry was kept because the file's content hash matched, which
# says nothing of who found its problems). Made by new_entry alone.
E_REL, E_MTIME, E_SIZE, E_DIGEST, E_READ_NS, E_PARSE_PROBLEMS = 0, 1, 2, 3, 4, 5
E_OUTLINE, E_ID, E_ID_LINE, E_FULL_AT, E_FULL_LEN, E_RULE_KEY, E_RULE_PROBLEMS = (
    6, 7, 8, 9, 10, 11, 12
)
E_IDENT = 13
E_CHECKED = 14
ENTRY_FIELDS = 15
Entry = tuple[Any, ...]

# The type of each entry field, in order: an entry read back is used only when every value is of
# its type (the check is generated from this table once; a problem is (line, col, level, rule,
# message)).
ENTRY_TYPES = ("str", "int", "int", "bytes | None", "int", "problems", "int", "str | None",
               "int", "int", "int", "str", "problems", "int", "bool")
LEVELS = ("error", "warning")


def _problems(found: Any) -> bool:
    return type(found) is tuple and all(
        type(p) is tuple and len(p) == 5 and type(p[0]) is int and type(p[1]) is int
        and p[2] in LEVELS and type(p[3]) is str and type(p[4]) is str for p in found)


def _entry_check() -> Any:
    forms = {
        "str": "_type(e[{0}]) is _str",
        "int": "_type(e[{0}]) is _int",
        "bool": "_type(e[{0}]) is _bool",
        "bytes | None": "(e[{0}] is None or _type(e[{0}]) is _bytes)",
        "str | None": "(e[{0}] is None or _type(e[{0}]) is _str)",
        # Nearly always none: an empty tuple is one comparison.
        "problems": "(e[{0}] == () or _problems(e[{0}]))",
    }
    assert len(ENTRY_TYPES) == ENTRY_FIELDS
    checks = " and ".join(forms[kind].format(i) for i, kind in enumerate(ENTRY_TYPES))
    scope: dict[str, Any] = {"_type": type, "_str": str, "_int": int, "_bytes": bytes,
                             "_bool": bool, "_tuple": tuple, "_problems": _problems,
                             "_fields": ENTRY_FIELDS}
    exec("def valid(e):\n    return (_type(e) is _tuple and len(e) == _fields\n"
         f"            and {checks})\n", scope)
    return scope["valid"]


valid_entry = _entry_check()


def new_entry(
    rel: str, mtime: int, size: int, ident: int, file_digest: bytes | None, read_ns: int,
    parse_problems: tuple[tuple[Any, ...], ...], rule_key: str,
    rule_problems: tuple[tuple[Any, ...], ...] = (), pledge_id: str | None = None,
    id_line: int = 0,
) -> list[Any]:
    """A new entry, as a list: the places of its records are filled in when the shard is
    written. ``file_digest`` None: the file could not be read (never reused)."""
    return [rel, mtime, size, file_digest, read_ns, parse_problems, -1, pledge_id, id_line, 0, 0,
            rule_key, rule_problems, ident, True]


def cache_dir(root: Path) -> Path | None:
    """The cache folder of a data root (it may not exist yet), or None when there is no home."""
    base = cache_base()
    if base is None:
        return None
    name = digest(os.fsencode(os.path.abspath(root))).hex()[:24]
    return Path(base) / name


def shard_of(rel: str) -> int:
    return zlib.crc32(rel.encode("utf-8", "surrogateescape")) % SHARDS


def shard_path(folder: Path, shard: int) -> Path:
    return folder / f"shard-{shard:02d}.bin"


def _loader_name() -> str:
    tree = sys.modules.get("pledgetrack.yamlfile.yamltree")
    if tree is not None:
        name: str = tree.loader_name()
        return name
    # Without importing yaml (30 ms): the C parser is used when its extension module is there.
    if os.environ.get("PLEDGETRACK_PURE_YAML", "") not in ("", "0"):
        return "pure-python"
    for entry in sys.path:
        try:
            names = os.listdir(os.path.join(entry or ".", "yaml"))
        except OSError:
            continue
        return "libyaml" if any(n.startswith("_yaml.") for n in names) else "pure-python"
    return "pure-python"


def _code_fingerprint() -> bytes:
    """A digest of the names, sizes and times of every module of the installed package: an
    edited checkout never reuses what the code before the edit loaded, whichever module changed
    (the records depend on the parser, the builder, the rules, the model and this package)."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    marks: list[tuple[str, int, int, int]] = []
    folders = [package]
    while folders:
        folder = folders.pop()
        try:
            with os.scandir(folder) as found:
                for e in found:
                    if e.name.endswith(".py"):
                        st = e.stat()
                        marks.append((e.path, st.st_size, st.st_mtime_ns, st.st_ino))
                    elif e.is_dir() and not e.name.startswith((".", "__")):
                        folders.append(e.path)
        except OSError:
            marks.append((folder, -1, -1, -1))
    marks.sort()
    return digest(repr(marks).encode("utf-8", "surrogateescape"))


_version_key: tuple[Any, ...] | None = None


def version_key() -> tuple[Any, ...]:
    """Everything besides a file's own content that decides what it loads to."""
    global _version_key
    from pledgetrack.version import FORMAT_VERSION, __version__

    loader = _loader_name()
    if _version_key is None or _version_key[4] != loader:
        _version_key = (LAYOUT, __version__, FORMAT_VERSION, sys.version_info[:2], loader,
                        _code_fingerprint())
    return _version_key


def reset_version_key() -> None:
    """Forget the computed version key (tests that switch loaders or edit code)."""
    global _version_key
    _version_key = None


# -- reading -----------------------------------------------------------------------------------

class _PlainUnpickler(pickle.Unpickler):
    """Builtin values only: the index never gets to name a class or a function to call."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"refused {module}.{name}")


def loads(data: bytes | memoryview) -> Any:
    return _PlainUnpickler(io.BytesIO(data)).load()


def dumps(value: Any) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


class Shard:
    """One shard: its entries by path, its outline records and full part when they were read,
    and when its file was last written (its status-change time, ns: no program can set it back,
    whatever the file says)."""

    __slots__ = ("entries", "full", "number", "outline", "written")

    def __init__(self, entries: dict[str, Entry], outline: list[Any] | None,
                 full: bytes | None, written: int = 0) -> None:
        self.entries = entries
        self.outline = outline
        self.full = full
        self.number = -1
        self.written = written


def _open_own(path: Path) -> Any:
    """The cache file opened for reading, never through a link; a file that is not the user's
    own regular file, or that others can write, is refused (None) and its folder no longer used.
    Raises OSError (FileNotFoundError when missing)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0))
    except OSError:
        if not os.path.islink(path):
            raise
        refuse(os.fspath(path), "is a symbolic link")
        return contextlib.nullcontext(None)
    handle = open(fd, "rb")  # noqa: SIM115 - closed by the caller's with, or just below
    why = unsafe_stat(os.fstat(fd), folder=False)
    if why is None:
        return handle
    handle.close()
    refuse(os.fspath(path), why)
    return contextlib.nullcontext(None)


def _read_top(handle: BinaryIO) -> tuple[bytes, tuple[int, int, bytes, bytes]] | None:
    """A shard's index bytes, checked against their digest, and the lengths and digests of its
    outline and full parts; None when the file is not a shard of this format."""
    magic, index_len, outline_len, full_len, index_sum, outline_sum, full_sum = (
        _HEADER.unpack(handle.read(_HEADER.size))
    )
    if magic != MAGIC:
        return None
    index = handle.read(index_len)
    if len(index) != index_len or digest(index) != index_sum:
        return None
    return index, (outline_len, full_len, outline_sum, full_sum)


def read_shard(path: Path, key: tuple[Any, ...], *, outline: bool, full: bool) -> Shard | None:
    """The shard, or None when it is missing, unreadable, corrupt or of another version."""
    from pledgetrack.cache.codec import loads as load_records

    try:
        with _open_own(path) as handle:
            if handle is None:
                return None
            written = os.fstat(handle.fileno()).st_ctime_ns
            top = _read_top(handle)
            if top is None:
                return None
            index, (outline_len, full_len, outline_sum, full_sum) = top
            outline_records = None
            if outline:
                outline_bytes = handle.read(outline_len)
                if len(outline_bytes) != outline_len or digest(outline_bytes) != outline_sum:
                    return None
                outline_records = load_records(outline_bytes)
            full_bytes = None
            if full:
                if not outline:
                    handle.seek(outline_len, os.SEEK_CUR)
                full_bytes = handle.read(full_len)
                if len(full_bytes) != full_len or digest(full_bytes) != full_sum:
                    return None
        stored_key, entries = loads(index)
        if stored_key != key:
            return None
        # The type of every value is checked here; what does not fit together (a record of
        # another file, a place past the end) shows when it is used, and the loader then builds
        # the shard again (never trusting it).
        by_path = _by_path(entries)
        if by_path is None:
            return None
        if outline_records is not None and type(outline_records) is not list:
            return None
        return Shard(by_path, outline_records, full_bytes, written)
    except Exception:  # a cache that cannot be read is no cache, never an error
        return None


def _by_path(entries: Any) -> dict[str, Entry] | None:
    """A shard's entries by path, or None when one of them is not what an entry holds."""
    by_path = {}
    valid = valid_entry
    for e in entries:
        if not valid(e):
            return None
        by_path[e[E_REL]] = e
    return by_path


class OpenShard:
    """A shard file kept open to read single full records from (``pread``): its entries by
    path, and where its full part starts. The full part was read through once, to check its
    digest, and not kept; the cache replaces its files by renaming, so the open file stays the
    one checked."""

    __slots__ = ("entries", "fd", "full_start")

    def __init__(self, fd: int, entries: dict[str, Entry], full_start: int) -> None:
        self.fd = fd
        self.entries = entries
        self.full_start = full_start

    def full_record_at(self, at: int, length: int) -> bytes:
        """The pickled full record at ``at`` in the full part (an entry's E_FULL_AT and
        E_FULL_LEN); short when the file is (then it does not load)."""
        return os.pread(self.fd, length, self.full_start + at)

    def close(self) -> None:
        os.close(self.fd)


_CHUNK = 1 << 20


def open_shard(path: Path, key: tuple[Any, ...]) -> OpenShard | None:
    """The shard, open to read single full records, or None when it is missing, unreadable,
    corrupt or of another version (as :func:`read_shard`)."""
    try:
        handle = _open_own(path)
        with handle as opened:
            if opened is None:
                return None
            top = _read_top(opened)
            if top is None:
                return None
            index, (outline_len, full_len, _, full_sum) = top
            full_start = _HEADER.size + len(index) + outline_len
            opened.seek(full_start)
            hashed = hasher()
            left = full_len
            while left > 0:
                chunk = opened.read(min(left, _CHUNK))
                if not chunk:
                    return None
                hashed.update(chunk)
                left -= len(chunk)
            if hashed.digest() != full_sum:
                return None
            stored_key, entries = loads(index)
            if stored_key != key:
                return None
            by_path = _by_path(entries)
            if by_path is None:
                return None
            # Its own descriptor, kept once the file object closes.
            return OpenShard(os.dup(opened.fileno()), by_path, full_start)
    except Exception:  # a cache that cannot be read is no cache, never an error
        return None


def full_of(shard: Shard, entry: Entry) -> bytes:
    """The pickled full record of one entry (copied as is when a shard is rebuilt)."""
    assert shard.full is not None
    at = entry[E_FULL_AT]
    return shard.full[at:at + entry[E_FULL_LEN]]


# -- writing -----------------------------------------------------------------------------------

def shard_parts(
    key: tuple[Any, ...], entries: list[Entry], outline: bytes, full: bytes
) -> tuple[bytes, bytes]:
    """(header + index, outline records): with the full part, the three parts of a shard
    file."""
    index = dumps((key, entries))
    head = _HEADER.pack(MAGIC, len(index), len(outline), len(full), digest(index),
                        digest(outline), digest(full))
    return head + index, outline


def split_parts(data: bytes) -> tuple[memoryview, memoryview, memoryview]:
    """The index, outline and full parts of a shard file's bytes (as sent by a worker)."""
    _, index_len, outline_len, full_len, *_ = _HEADER.unpack_from(data)
    view = memoryview(data)
    at = _HEADER.size
    end = at + index_len + outline_len
    return (view[at:at + index_len], view[at + index_len:end], view[end:end + full_len])


def write_atomic(path: Path, *parts: bytes) -> bool:
    """Write a cache file whole or not at all. Never raises: no cache is better than a failure."""
    if refused(os.fspath(path.parent)):
        return False
    tmp = path.with_name(f".tmp-{os.getpid()}-{os.urandom(4).hex()}")
    try:
        make_private(os.fspath(path.parent))
        with open(tmp, "xb") as handle:
            for part in parts:
                handle.write(part)
        os.replace(tmp, path)
        return True
    except Exception:  # never an error: no cache is the worst case
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        return False


# -- the configuration -------------------------------------------------------------------------

CONFIG_CACHE = "config.bin"


def read_config(folder: Path, config_path: Path, key: tuple[Any, ...]) -> Any:
    """The encoded configuration cached for ``config_path`` as it is now, or None."""
    # One small file: its content decides, whatever its times say (an edit that keeps the size
    # and sets the time back, as `cp -p`, `rsync -a` or `touch -r` can, is seen). And only what
    # was written after the configuration took its present form is used: a cache file planted
    # before a checkout never stands in for the file checked out.
    try:
        with _open_own(folder / CONFIG_CACHE) as handle:
            if handle is None:
                return None
            written = os.fstat(handle.fileno()).st_ctime_ns
            st = os.stat(config_path)
            if max(st.st_mtime_ns, st.st_ctime_ns) >= written:
                return None
            data = handle.read()
        stored_key, mark, encoded = loads(data)
        if stored_key != key:
            return None
        size, file_digest = mark
        content = config_path.read_bytes()
        if len(content) != size or digest(content) != file_digest:
            return None
        return encoded
    except Exception:  # never an error: no cache is the worst case
        return None


def write_config(
    folder: Path, key: tuple[Any, ...], mark: tuple[int, bytes], encoded: Any
) -> None:
    write_atomic(folder / CONFIG_CACHE, dumps((key, mark, encoded)))
