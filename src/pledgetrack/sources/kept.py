"""Link results kept between runs, in the user's cache folder (``links.json``).

A result is a fact about a URL, not about one data folder, so one file serves them all. Writers
take a lock, read the file again and merge (the newer result of a URL wins), then replace it
atomically: two runs at once lose nothing, and a reader never sees half a file. A file that
cannot be read is treated as empty: the cache only saves time.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from pledgetrack.sources.results import LinkResult

FILE_NAME = "links.json"
VERSION = 1
# Results that may be reused while young enough; a failure is always checked again, so that a
# passing outage is not reported for days.
REUSABLE = frozenset({"ok", "moved"})
DEFAULT_MAX_AGE = dt.timedelta(days=7)

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$", re.IGNORECASE)


def parse_max_age(text: str) -> dt.timedelta:
    """``30m``, ``12h``, ``7d``, ``2w`` or seconds; ``0`` re-checks everything."""
    from pledgetrack.errors import PledgetrackError

    match = _DURATION.match(text)
    if match is None:
        raise PledgetrackError(
            f"--max-age {text!r}: give a number with a unit, such as 30m, 12h, 7d or 2w "
            "(0 checks every link again)"
        )
    number, unit = match.groups()
    return dt.timedelta(seconds=float(number) * _UNITS[(unit or "s").lower()])


def kept_path() -> Path | None:
    from pledgetrack.cache import user_folder

    base = user_folder()
    return Path(base) / FILE_NAME if base else None


def load_kept(path: Path | None = None) -> dict[str, LinkResult]:
    """The kept results by URL; empty when there is no file or it cannot be read."""
    path = path or kept_path()
    if path is None:
        return {}
    try:
        doc = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(doc, dict) or doc.get("version") != VERSION:
        return {}
    found: dict[str, LinkResult] = {}
    for entry in doc.get("links", []):
        try:
            result = LinkResult.from_dict(entry)
        except (KeyError, TypeError, ValueError, AttributeError):
            continue
        found[result.url] = result
    return found


def reusable(result: LinkResult | None, max_age: dt.timedelta, now: dt.datetime) -> bool:
    return (result is not None and result.state in REUSABLE
            and dt.timedelta(0) <= now - result.checked < max_age)


def save_kept(results: Iterable[LinkResult], path: Path | None = None) -> None:
    """Merge ``results`` into the kept file (the newer result of a URL wins). Raises OSError
    when the folder cannot be written."""
    from filelock import FileLock

    path = path or kept_path()
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(path) + ".lock", timeout=30):
        merged = load_kept(path)
        for result in results:
            old = merged.get(result.url)
            if old is None or old.checked <= result.checked:
                merged[result.url] = result
        _write(path, merged)


def _write(path: Path, results: Mapping[str, LinkResult]) -> None:
    doc = {"version": VERSION,
           "links": [results[url].to_dict() for url in sorted(results)]}
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(doc, handle, ensure_ascii=False, separators=(",", ":"))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def dead_urls(urls: Iterable[str]) -> dict[str, LinkResult]:
    """The kept results of those ``urls`` last found dead: what `show` and the reports need to
    put an archived copy first. Reads the file only when there is a URL to ask about."""
    wanted = set(urls)
    if not wanted:
        return {}
    return {url: r for url, r in load_kept().items() if url in wanted and r.state == "dead"}
