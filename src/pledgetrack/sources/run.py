"""One link check: the URLs the pledges cite, those due asked over the network, the others taken
from the kept results; what the command line and the Python API both call."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from pledgetrack.model.dates import PartialDate
from pledgetrack.model.records import Pledge
from pledgetrack.sources import kept
from pledgetrack.sources.citations import cited_urls
from pledgetrack.sources.probe import ProbeSettings, check_urls
from pledgetrack.sources.results import CheckedLink, SourcesReport


def check_sources(
    pledges: Iterable[Pledge],
    *,
    since: PartialDate | None = None,
    settings: ProbeSettings | None = None,
    max_age: dt.timedelta = kept.DEFAULT_MAX_AGE,
    keep: bool = True,
    progress: Callable[[int, int], None] | None = None,
    on_keep_error: Callable[[OSError], None] | None = None,
) -> SourcesReport:
    """Check every URL cited by ``pledges`` (with ``since``: by their updates dated or recorded
    since then), each once. A working link whose kept result is younger than ``max_age`` is not
    asked again; ``keep=False`` neither reads nor writes the kept results. A failure to write
    them goes to ``on_keep_error`` (else it is raised): the check itself is done by then."""
    cited = cited_urls(pledges, since)
    now = dt.datetime.now(dt.UTC)
    earlier = kept.load_kept() if cited and keep else {}
    due = [url for url in cited if not kept.reusable(earlier.get(url), max_age, now)]
    if due and progress is not None:
        progress(0, len(due))
    found = check_urls(due, settings or ProbeSettings(), progress=progress)
    if found and keep:
        try:
            kept.save_kept(found.values())
        except OSError as exc:
            if on_keep_error is None:
                raise
            on_keep_error(exc)
    return SourcesReport(tuple(
        CheckedLink(found[url], cites) if url in found
        else CheckedLink(earlier[url], cites, fresh=False)
        for url, cites in cited.items()
    ))
