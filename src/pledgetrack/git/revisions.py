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

    def tree(self, commit: str, prefix: str) -> dict[str, str]:
        """Blob ids of the pledge files and the configuration at ``commit``, by path relative to
        the data root (``prefix`` is the data root's path in the repository, '' or 'a/b/')."""
        pledges = prefix + PLEDGES_DIR + "/"
        listing = self.out("ls-tree", "-r", "-z", "--full-tree", commit, "--",
                           pledges, prefix + CONFIG_FILE)
        entries: dict[str, str] = {}
        for record in listing.split("\0"):
            if not record:
                continue
            meta, _, path = record.partition("\t")
            mode, kind, blob = meta.split(" ")
            # Regular files only: symbolic links and submodules are not pledge files.
            if kind != "blob" or mode not in ("100644", "100755"):
                continue
            rel = path[len(prefix):]
            if rel == CONFIG_FILE or _is_pledge_path(rel):
                entries[rel] = blob
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


def _worktree(root: Path) -> tuple[dict[str, bytes], bytes | None]:
    files: dict[str, bytes] = {}
    for path in pledge_files(root):
        try:
            # A link is read as git stores it (the text of its target), never followed.
            files[relative(root, path)] = (
                os.fsencode(os.readlink(path)) if path.is_symlink() else path.read_bytes()
            )
        except OSError as exc:
            raise PledgetrackError(
                f"cannot read {relative(root, path)}: {exc.strerror}"
            ) from None
    config_path = root / CONFIG_FILE
    config = config_path.read_bytes() if config_path.is_file() else None
    return files, config


def _config(data: bytes | None, where: str) -> tuple[Config, str | None]:
    if data is None:
        return Config(), None
    try:
        return config_from_bytes(data, where), None
    except PledgetrackError as exc:
        return Config(), exc.message


def read_snapshots(root: Path, rng: RevisionRange) -> tuple[Snapshot, Snapshot]:
    """The two sides of ``rng`` for the data root ``root``. Pledge files with the same contents at
    both sides are left out: they cannot have changed."""
    git, prefix = open_repository(root)
    base_commit = git.resolve(rng.base)
    head_commit = git.resolve(rng.head) if rng.head is not None else None
    base_label = rng.base
    if rng.merge_base:
        assert rng.head is not None and head_commit is not None
        base_commit = git.merge_base(base_commit, head_commit, (rng.base, rng.head))
        base_label = f"merge base of {rng.base} and {rng.head}"
    base_tree = git.tree(base_commit, prefix)
    base_config_id = base_tree.pop(CONFIG_FILE, None)

    head_files: dict[str, bytes] = {}
    if head_commit is None:
        head_files, head_config = _worktree(root)
        head_tree = {p: _blob_id(d, len(base_commit)) for p, d in head_files.items()}
        head_config_id = None if head_config is None else _blob_id(head_config, len(base_commit))
    else:
        head_tree = git.tree(head_commit, prefix)
        head_config_id = head_tree.pop(CONFIG_FILE, None)
        head_config = None

    same = {p for p, blob in base_tree.items() if head_tree.get(p) == blob}
    wanted = [b for p, b in base_tree.items() if p not in same]
    if base_config_id:
        wanted.append(base_config_id)
    if head_commit is not None:
        wanted += [b for p, b in head_tree.items() if p not in same]
        if head_config_id:
            wanted.append(head_config_id)
    contents = git.blobs(wanted)
    base_files = {p: contents[b] for p, b in base_tree.items() if p not in same}
    if head_commit is not None:
        head_files = {p: contents[b] for p, b in head_tree.items() if p not in same}
        head_config = contents[head_config_id] if head_config_id else None
    else:
        head_files = {p: d for p, d in head_files.items() if p not in same}
    base_config = contents[base_config_id] if base_config_id else None

    config_name = prefix + CONFIG_FILE
    base_name = base_commit[:12] if rng.merge_base else rng.base
    b_cfg, b_err = _config(base_config, f"{base_name}:{config_name}")
    h_cfg, h_err = _config(head_config, f"{rng.head}:{config_name}" if rng.head else config_name)
    head_label = rng.head if rng.head is not None else WORKING_TREE
    return (
        Snapshot(base_label, base_commit, base_files, b_cfg, base_config, b_err,
                 frozenset(same)),
        Snapshot(head_label, head_commit, head_files, h_cfg, head_config, h_err,
                 frozenset(same)),
    )
