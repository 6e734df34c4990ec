"""Where the records cache lives, whether it is on, and the hash it uses."""

from __future__ import annotations

import os

try:  # hashlib would also load OpenSSL, a few ms of start-up for one hash function
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - CPython always has it
    from hashlib import blake2b

CACHE_ENV = "PLEDGETRACK_CACHE_DIR"
NO_CACHE_ENV = "PLEDGETRACK_NO_CACHE"
# A file modified this shortly before it was looked at may change again within the same tick of
# a coarse clock without its time changing: nothing is reused for it (git's index guards alike).
RACY_NS = 3_000_000_000


# The values that leave the cache on, as the --no-cache option reads the same variable.
_OFF = frozenset({"", "0", "false", "f", "no", "n", "off"})


def disabled_by_env() -> bool:
    return os.environ.get(NO_CACHE_ENV, "").strip().lower() not in _OFF


def digest(data: bytes) -> bytes:
    return blake2b(data, digest_size=16).digest()


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
