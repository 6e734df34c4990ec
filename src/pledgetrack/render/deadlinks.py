"""Which cited URLs `pledgetrack sources` last found dead, for the renderers that show sources:
where a source has an archived copy, that copy is shown first, and the original is marked.

The command sets them around rendering (:func:`dead_links`); a renderer asks :func:`dead_result`
for a source. Set nowhere, nothing is dead, and the renderers read no file.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Mapping
from contextvars import ContextVar
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pledgetrack.model.records import Pledge, Source
    from pledgetrack.sources.results import LinkResult

_DEAD: ContextVar[Mapping[str, LinkResult] | None] = ContextVar("pledgetrack_dead_links",
                                                                default=None)


@contextlib.contextmanager
def dead_links(found: Mapping[str, LinkResult]) -> Iterator[None]:
    token = _DEAD.set(found)
    try:
        yield
    finally:
        _DEAD.reset(token)


def dead_result(source: Source) -> LinkResult | None:
    """The result that found ``source``'s URL dead, when it has an archived copy to show."""
    if not source.archived:
        return None
    found = _DEAD.get()
    return found.get(source.url) if found else None


def dead_note(result: LinkResult) -> str:
    """``answered 404 when checked on 2025-12-01``."""
    code = f"answered {result.status}" if result.status is not None else "was dead"
    return f"{code} when checked on {result.checked.date().isoformat()}"


def kept_dead(sources: Iterable[Source]) -> Mapping[str, LinkResult]:
    """The kept results of these sources' URLs found dead, for those with an archived copy
    (nothing is read when no source has one)."""
    from pledgetrack.sources.kept import dead_urls

    return dead_urls(s.url for s in sources if s.archived)


def cited_sources(pledges: Iterable[Pledge]) -> Iterator[Source]:
    """Every source of these pledges and of their updates."""
    for p in pledges:
        yield from p.sources
        for u in p.updates:
            yield from u.sources
