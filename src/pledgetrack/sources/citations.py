"""Which URLs the pledges cite, and where: the sources of each pledge and of its updates."""

from __future__ import annotations

from collections.abc import Iterable

from pledgetrack.model.dates import PartialDate
from pledgetrack.model.records import Pledge, Source
from pledgetrack.sources.results import Citation


def _citation(p: Pledge, s: Source, update: int | None) -> Citation:
    return Citation(s.url, p.path, s.line, p.id, update, s.archived)


def cited_urls(
    pledges: Iterable[Pledge], since: PartialDate | None = None
) -> dict[str, tuple[Citation, ...]]:
    """Each URL once, with every place that cites it, in the order first cited (pledges in the
    order given, a pledge's own sources before its updates').

    With ``since``, only the sources of updates dated, or recorded, on or after the start of
    that period: what a check of recent evidence needs.
    """
    found: dict[str, list[Citation]] = {}
    for p in pledges:
        if since is None:
            for s in p.sources:
                found.setdefault(s.url, []).append(_citation(p, s, None))
        for number, u in enumerate(p.updates, 1):
            if since is not None and u.date.start < since.start and (
                u.recorded is None or u.recorded.start < since.start
            ):
                continue
            for s in u.sources:
                found.setdefault(s.url, []).append(_citation(p, s, number))
    return {url: tuple(cites) for url, cites in found.items() if url}
