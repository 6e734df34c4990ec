"""Pledge data at a git revision, read through git without a checkout.

Only ``git`` itself is used (``rev-parse``, ``merge-base``, ``ls-tree``, ``cat-file --batch``), so
any clone works, including the detached, shallow checkouts of CI jobs, as long as the revisions
asked for are in it.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pledgetrack.errors import PledgetrackError
from pledgetrack.model.config import Config
from pledgetrack.store.configfile import config_from_bytes
from pledgetrack.store.root import CONFIG_FILE, PLEDGES_DIR, pledge_files, relative

WORKING_TREE = "working tree"
# Files above this size are reported by their size and never read (the same limit as check's):
# a pull request with a few huge files must not cost memory in proportion.
MAX_FILE_BYTES = 1024 * 1024
SHALLOW_HINT = "fetch the full history (with actions/checkout: fetch-depth: 0)"


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The pledge data at one side of a comparison.

    ``files`` maps paths relative to the data root (``pledges/<id>.yaml``) to their bytes; files
    known to be identical at both sides may be left out.
    """

    label: str  # as the user named it ("HEAD", "origin/main"), or "working tree"
    commit: str | None  # the full commit id; None for the working tree
    files: Mapping[str, bytes] = field(default_factory=dict)
    config: Config = field(default_factory=Config)
    config_bytes: bytes | None = None
    config_error: str | None = None  # the configuration did not load; defaults were used
    # Pledge files left out of ``files`` because they are the same at both sides: they exist,
    # so asking for one of them by id is not a typo.
    unchanged: frozenset[str] = frozenset()
    # Pledge files over MAX_FILE_BYTES, never read: path -> (size in bytes, git blob id).
    too_large: Mapping[str, tuple[int, str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RevisionRange:
    """What to compare: ``base`` and ``head`` (None: the working tree). With ``merge_base``, the
    base is the merge base of the two, as in ``git diff A...B``."""

    base: str
    head: str | None
    merge_base: bool = False


def parse_range(base: str | None, head: str | None) -> RevisionRange:
    """Read ``[BASE [HEAD]]`` as git does: ``A...B`` (from the merge base), ``A..B``, ``A B``."""
    if base is None or base == "":
        if head:
            raise PledgetrackError("HEAD was given without BASE")
        return RevisionRange("HEAD", None)
    for separator, merge_base in (("...", True), ("..", False)):
        if separator in base:
            if head is not None:
                raise PledgetrackError(
                    f"give either a range ('{base}') or BASE and HEAD, not both"
                )
            left, _, right = base.partition(separator)
            rng = RevisionRange(left or "HEAD", right or "HEAD", merge_base)
            break
    else:
        rng = RevisionRange(base, head or None)
    for rev in (rng.base, rng.head):
        if rev is not None and (rev.startswith("-") or "\0" in rev or not rev.strip()):
            raise PledgetrackError(f"'{rev}' is not a revision")
    return rng


class Git:
    """Runs git in one repository."""

    def __init__(self, top: Path) -> None:
        self.top = top
        env = dict(os.environ)
        # Paths below the data root are names, never patterns; messages stay untranslated.
        env["GIT_LITERAL_PATHSPECS"] = "1"
        env["LC_ALL"] = "C"
        self.env = env
        self._shallow: bool | None = None

    def run(self, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
        return _git(args, self.top, self.env, stdin)

    def out(self, *args: str) -> str:
        result = self.run(*args)
        if result.returncode != 0:
            message = result.stderr.decode("utf-8", "replace").strip().splitlines()
            raise PledgetrackError(f"git {args[0]} failed: {message[0] if message else '?'}")
        return result.stdout.decode("utf-8", "surrogateescape")

    @property
    def shallow(self) -> bool:
        if self._shallow is None:
            result = self.run("rev-parse", "--is-shallow-repository")
            self._shallow = result.stdout.strip() == b"true"
        return self._shallow

    def resolve(self, rev: str) -> str:
        """The commit id ``rev`` names, or a clear error."""
        result = self.run("rev-parse", "--verify", "--quiet", "--end-of-options", rev + "^{commit}")
        if result.returncode == 0:
            return result.stdout.decode("ascii").strip()
        if self.shallow:
            raise PledgetrackError(
                f"revision '{rev}' is not in this shallow clone; {SHALLOW_HINT}"
            )
        if rev == "HEAD" and self.run("rev-parse", "--verify", "--quiet", "HEAD").returncode:
            raise PledgetrackError("revision 'HEAD' does not exist yet: nothing is committed")
        raise PledgetrackError(
            f"revision '{rev}' not found (not a branch, tag or commit of this repository)"
        )

    def merge_base(self, a: str, b: str, names: tuple[str, str]) -> str:
        result = self.run("merge-base", a, b)
        if result.returncode == 0:
            return result.stdout.decode("ascii").strip()
        if self.shallow:
            raise PledgetrackError(
                f"no merge base of '{names[0]}' and '{names[1]}' in this shallow clone; "
                f"{SHALLOW_HINT}"
            )
        raise PledgetrackError(
            f"'{names[0]}' and '{names[1]}' have no common history (no merge base)"
        )

    def tree(self, commit: str, prefix: str) -> dict[str, tuple[str, int]]:
        """Blob ids and sizes of the pledge files and the configuration at ``commit``, by path
        relative to the data root (``prefix`` is the data root's path in the repository, '' or
        'a/b/')."""
        pledges = prefix + PLEDGES_DIR + "/"
        listing = self.out("ls-tree", "-r", "-l", "-z", "--full-tree", commit, "--",
                           pledges, prefix + CONFIG_FILE)
        entries: dict[str, tuple[str, int]] = {}
        for record in listing.split("\0"):
            if not record:
                continue
            meta, _, path = record.partition("\t")
            mode, kind, blob, size = meta.split()
            # Regular files only: symbolic links and submodules are not pledge files.
            if kind != "blob" or mode not in ("100644", "100755"):
                continue
            rel = path[len(prefix):]
            if rel == CONFIG_FILE or _is_pledge_path(rel):
                entries[rel] = (blob, int(size))
        return entries

    def blobs(self, ids: Iterable[str]) -> dict[str, bytes]:
        """The contents of blobs, all through one ``git cat-file --batch``."""
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return {}
        result = self.run("cat-file", "--batch", stdin="".join(i + "\n" for i in wanted).encode())
        if result.returncode != 0:
            raise PledgetrackError("git cat-file failed: "
                                   + result.stderr.decode("utf-8", "replace").strip())
        data = result.stdout
        found: dict[str, bytes] = {}
        pos = 0
        for blob in wanted:
            end = data.index(b"\n", pos)
            header = data[pos:end].split(b" ")
            if len(header) != 3:  # "<id> missing": a partial clone without the blob
                raise PledgetrackError(f"git object {blob} is missing from this clone")
            size = int(header[2])
            found[blob] = data[end + 1:end + 1 + size]
            pos = end + 1 + size + 1
        return found


def _git(
    args: Iterable[str], cwd: Path, env: Mapping[str, str] | None = None, stdin: bytes | None = None
) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["git", *args], cwd=cwd, env=env, input=stdin, capture_output=True, check=False,
        )
    except FileNotFoundError:
        raise PledgetrackError("git is not installed (or not on PATH)") from None
    except OSError as exc:
        raise PledgetrackError(f"cannot run git: {exc.strerror}") from None


def _is_pledge_path(rel: str) -> bool:
    # The same files pledge_files() finds: pledges/*.yaml, not hidden, not in subfolders.
    folder, _, name = rel.rpartition("/")
    return folder == PLEDGES_DIR and name.endswith(".yaml") and not name.startswith(".")


def open_repository(root: Path) -> tuple[Git, str]:
    """The repository holding the data root, and the data root's path in it ('' at the top,
    else ending with '/')."""
    if not root.is_dir():
        raise PledgetrackError(f"data folder '{root}' does not exist")
    result = _git(("rev-parse", "--show-toplevel"), root)
    if result.returncode != 0:
        raise PledgetrackError(
            f"'{root}' is not in a git repository; pledgetrack diff compares git revisions"
        )
    top = Path(result.stdout.decode("utf-8", "surrogateescape").strip())
    try:
        rel = root.resolve().relative_to(top.resolve()).as_posix()
    except ValueError:
        raise PledgetrackError(f"'{root}' is not inside the repository at '{top}'") from None
    return Git(top), "" if rel == "." else rel + "/"


def _blob_id(data: bytes, length: int) -> str:
    """The id git gives ``data`` as a blob (SHA-1, or SHA-256 in repositories that use it)."""
    algorithm = hashlib.sha256 if length == 64 else hashlib.sha1
    return algorithm(b"blob %d\0" % len(data) + data).hexdigest()


def _blob_id_of_file(path: Path, size: int, length: int) -> str:
    """The blob id of a file too large to read whole, hashed piece by piece."""
    digest = (hashlib.sha256 if length == 64 else hashlib.sha1)(b"blob %d\0" % size)
    with path.open("rb") as handle:
        for piece in iter(lambda: handle.read(1 << 20), b""):
            digest.update(piece)
    return digest.hexdigest()


def _worktree(
    root: Path, length: int
) -> tuple[dict[str, bytes], dict[str, tuple[int, str]], bytes | None, tuple[int, str] | None]:
    """The working tree's pledge files (bytes), those over the size limit (size and blob id, not
    read whole), and the configuration (bytes, or size and blob id when too large)."""
    files: dict[str, bytes] = {}
    large: dict[str, tuple[int, str]] = {}
    for path in pledge_files(root):
        rel = relative(root, path)
        try:
            if path.is_symlink():
                # A link is read as git stores it (the text of its target), never followed.
                files[rel] = os.fsencode(os.readlink(path))
                continue
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                large[rel] = (size, _blob_id_of_file(path, size, length))
            else:
                files[rel] = path.read_bytes()
        except OSError as exc:
            raise PledgetrackError(f"cannot read {rel}: {exc.strerror}") from None
    config_path = root / CONFIG_FILE
    config: bytes | None = None
    config_large: tuple[int, str] | None = None
    if config_path.is_file():
        size = config_path.stat().st_size
        if size > MAX_FILE_BYTES:
            config_large = (size, _blob_id_of_file(config_path, size, length))
        else:
            config = config_path.read_bytes()
    return files, large, config, config_large


def _config(
    data: bytes | None, where: str, large: tuple[int, str] | None = None
) -> tuple[Config, bytes | None, str | None]:
    """The configuration, its bytes (for comparing the two sides) and the error that made the
    default configuration stand in."""
    if large is not None:
        size, blob = large
        # Not read: compared by blob id, which no file's bytes can equal.
        return (Config(), b"\0" + blob.encode(),
                f"{where}:1: the file is larger than 1 MiB ({size:,} bytes)")
    if data is None:
        return Config(), None, None
    try:
        return config_from_bytes(data, where), data, None
    except PledgetrackError as exc:
        return Config(), data, exc.message


def read_snapshots(root: Path, rng: RevisionRange) -> tuple[Snapshot, Snapshot]:
    """The two sides of ``rng`` for the data root ``root``. Pledge files with the same contents at
    both sides are left out: they cannot have changed. Files over the size limit are not read:
    they are listed in ``too_large`` with their sizes."""
    git, prefix = open_repository(root)
    base_commit = git.resolve(rng.base)
    head_commit = git.resolve(rng.head) if rng.head is not None else None
    base_label = rng.base
    if rng.merge_base:
        assert rng.head is not None and head_commit is not None
        base_commit = git.merge_base(base_commit, head_commit, (rng.base, rng.head))
        base_label = f"merge base of {rng.base} and {rng.head}"
    base_tree = git.tree(base_commit, prefix)
    base_config_entry = base_tree.pop(CONFIG_FILE, None)

    head_files: dict[str, bytes] = {}
    head_large: dict[str, tuple[int, str]] = {}
    head_config: bytes | None = None
    head_config_large: tuple[int, str] | None = None
    if head_commit is None:
        head_files, worktree_large, head_config, head_config_large = _worktree(
            root, len(base_commit))
        head_tree = {p: (_blob_id(d, len(base_commit)), len(d)) for p, d in head_files.items()}
        head_tree |= {p: (blob, size) for p, (size, blob) in worktree_large.items()}
        head_config_entry = None
    else:
        head_tree = git.tree(head_commit, prefix)
        head_config_entry = head_tree.pop(CONFIG_FILE, None)

    same = {p for p, (blob, _) in base_tree.items()
            if p in head_tree and head_tree[p][0] == blob}

    def readable(entry: tuple[str, int] | None) -> bool:
        return entry is not None and entry[1] <= MAX_FILE_BYTES

    wanted = [b for p, (b, size) in base_tree.items() if p not in same and size <= MAX_FILE_BYTES]
    if readable(base_config_entry):
        assert base_config_entry is not None
        wanted.append(base_config_entry[0])
    if head_commit is not None:
        wanted += [b for p, (b, size) in head_tree.items()
                   if p not in same and size <= MAX_FILE_BYTES]
        if readable(head_config_entry):
            assert head_config_entry is not None
            wanted.append(head_config_entry[0])
    contents = git.blobs(wanted)

    def split(tree: Mapping[str, tuple[str, int]]) -> tuple[dict[str, bytes],
                                                           dict[str, tuple[int, str]]]:
        files = {p: contents[b] for p, (b, size) in tree.items()
                 if p not in same and size <= MAX_FILE_BYTES}
        large = {p: (size, b) for p, (b, size) in tree.items()
                 if p not in same and size > MAX_FILE_BYTES}
        return files, large

    base_files, base_large = split(base_tree)
    if head_commit is not None:
        head_files, head_large = split(head_tree)
        if head_config_entry is not None:
            blob, size = head_config_entry
            if size > MAX_FILE_BYTES:
                head_config_large = (size, blob)
            else:
                head_config = contents[blob]
    else:
        head_files = {p: d for p, d in head_files.items() if p not in same}
        head_large = {p: v for p, v in worktree_large.items() if p not in same}
    base_config: bytes | None = None
    base_config_large: tuple[int, str] | None = None
    if base_config_entry is not None:
        blob, size = base_config_entry
        if size > MAX_FILE_BYTES:
            base_config_large = (size, blob)
        else:
            base_config = contents[blob]

    config_name = prefix + CONFIG_FILE
    base_name = base_commit[:12] if rng.merge_base else rng.base
    b_cfg, b_bytes, b_err = _config(base_config, f"{base_name}:{config_name}", base_config_large)
    h_cfg, h_bytes, h_err = _config(
        head_config, f"{rng.head}:{config_name}" if rng.head else config_name, head_config_large)
    head_label = rng.head if rng.head is not None else WORKING_TREE
    return (
        Snapshot(base_label, base_commit, base_files, b_cfg, b_bytes, b_err,
                 frozenset(same), base_large),
        Snapshot(head_label, head_commit, head_files, h_cfg, h_bytes, h_err,
                 frozenset(same), head_large),
    )
