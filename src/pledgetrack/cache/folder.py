"""Where the records cache lives, whether it is on, and the hash it uses."""

from __future__ import annotations

import contextlib
import os
import stat

try:  # hashlib would also load OpenSSL, a few ms of start-up for one hash function
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - CPython always has it
    from hashlib import blake2b

CACHE_ENV = "PLEDGETRACK_CACHE_DIR"
NO_CACHE_ENV = "PLEDGETRACK_NO_CACHE"
# A file modified this shortly before it was looked at may change again within the same tick of
# a coarse clock without its time changing: nothing is reused for it (git's index guards alike).
RACY_NS = 3_000_000_000
# How much later than the cache file holding it an entry may say it was read (the file system's
# clock may lag the process's by a tick). Below RACY_NS, so that no entry written before a file
# took its present form can pass for one read after (see scheduler.vouched).
WRITTEN_SLACK_NS = 1_000_000_000


# The values that leave the cache on, as the --no-cache option reads the same variable.
_OFF = frozenset({"", "0", "false", "f", "no", "n", "off"})


def disabled_by_env() -> bool:
    """Whether the environment turns the cache off: ``PLEDGETRACK_NO_CACHE``, or a CI job."""
    return os.environ.get(NO_CACHE_ENV, "").strip().lower() not in _OFF or in_ci()


# Set by CI services: GitHub Actions, GitLab CI, CircleCI, Travis, Bitbucket, Buildkite,
# Drone, Woodpecker, AppVeyor and others set CI; the others are set by services that do not.
CI_VARIABLES = ("CI", "GITHUB_ACTIONS", "GITLAB_CI", "TF_BUILD", "JENKINS_URL", "BUILDKITE",
                "TEAMCITY_VERSION")


def in_ci() -> bool:
    """Whether this is a CI job: then no command (nor the Python API) reads or writes the
    records cache, which anything run as the same user could have written, before the checkout
    or after it: every answer comes from the files (docs/reliability.md)."""
    return any(os.environ.get(name, "").strip().lower() not in _OFF for name in CI_VARIABLES)


def digest(data: bytes) -> bytes:
    return blake2b(data, digest_size=16).digest()


def hasher() -> blake2b:
    """A hash of the same kind as :func:`digest`, fed in parts (``update``)."""
    return blake2b(digest_size=16)


def cache_base() -> str | None:
    """``$PLEDGETRACK_CACHE_DIR``, else ``$XDG_CACHE_HOME/pledgetrack``, else
    ``~/.cache/pledgetrack``; None when there is no home folder."""
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return os.path.expanduser(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        return os.path.join(xdg, "pledgetrack")
    home = os.path.expanduser("~")
    if home == "~":
        return None
    return os.path.join(home, ".cache", "pledgetrack")


# -- trust -------------------------------------------------------------------------------------
#
# The cache decides what `check` reports without reading a file: a cache folder or file that
# another user can write (a link planted in a shared folder, a folder writable by a group) could
# feed any answer. Such a place is refused: the run goes on without the cache, with one warning.

_NOTES: list[str] = []
_REFUSED: set[str] = set()


def unsafe(path: str, folder: bool) -> str | None:
    """Why a cache folder (``folder``) or file must not be used; None when it may be, or does
    not exist yet."""
    try:
        st = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None  # not there (yet): nothing to trust; a folder that cannot be made is no cache
    except OSError as exc:
        return f"cannot be examined ({exc.strerror or exc})"
    return unsafe_stat(st, folder)


def unsafe_stat(st: os.stat_result, folder: bool) -> str | None:
    if stat.S_ISLNK(st.st_mode):
        return "is a symbolic link"
    if folder and not stat.S_ISDIR(st.st_mode):
        return "is not a folder"
    if not folder and not stat.S_ISREG(st.st_mode):
        return "is not a regular file"
    owner = getattr(os, "geteuid", None)
    if owner is not None and st.st_uid != owner():
        return "belongs to another user"
    if os.name == "posix" and st.st_mode & 0o022:
        return "can be written by other users"
    return None


def refuse(path: str, why: str) -> None:
    """Stop using the cache folder holding ``path`` for this process, with one note."""
    folder = path if os.path.isdir(path) and not os.path.islink(path) else os.path.dirname(path)
    if folder in _REFUSED:
        return
    _REFUSED.add(folder)
    _NOTES.append(f"not using the records cache: {path} {why}; running without it "
                  "(delete it, or set PLEDGETRACK_CACHE_DIR to a folder of your own)")


def refused(folder: str) -> bool:
    return folder in _REFUSED


def notes() -> list[str]:
    """The notes about refused cache folders not yet handed out (each is given once)."""
    found = list(_NOTES)
    _NOTES.clear()
    return found


def make_private(folder: str) -> None:
    """Create ``folder`` and the user's cache folder above it, readable by the user alone."""
    base = os.path.dirname(folder)
    os.makedirs(os.path.dirname(base), exist_ok=True)
    for path in (base, folder):
        with contextlib.suppress(FileExistsError):
            os.mkdir(path, 0o700)
