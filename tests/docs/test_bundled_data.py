"""The bundled pledges/ are held to the rules of a sourced dataset: every update cites a source with
an absolute http(s) URL and a publisher, updates come in date order from the announcement on, and
the follow-through rests on the gathered facts whose sources they cite."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest

from pledgetrack.model.records import Pledge, Source
from pledgetrack.store.loader import load_dataset
from tests.clirun import REPO, cli

# The facts the dataset was written from live beside the repository, not in it.
FACTS_DIR = REPO.parent / "shared"
FACTS_FILES = ("dataset-facts.md", "dataset-facts-2.md")


@pytest.fixture(scope="module")
def pledges() -> list[Pledge]:
    dataset = load_dataset(REPO)
    assert dataset.errors == []
    return list(dataset.pledges)


def _all_sources(pledge: Pledge) -> list[tuple[str, Source]]:
    found = [(f"{pledge.id} source {n}", s) for n, s in enumerate(pledge.sources, 1)]
    for number, update in enumerate(pledge.updates, 1):
        found += [(f"{pledge.id} update {number} source {n}", s)
                  for n, s in enumerate(update.sources, 1)]
    return found


def test_every_update_cites_a_source(pledges: list[Pledge]) -> None:
    missing = [f"{p.id} update {n}" for p in pledges for n, u in enumerate(p.updates, 1)
               if not u.sources]
    assert missing == []


def test_every_source_is_an_absolute_web_address_with_a_publisher(pledges: list[Pledge]) -> None:
    bad = []
    for pledge in pledges:
        for where, source in _all_sources(pledge):
            parts = urlsplit(source.url)
            if parts.scheme not in ("http", "https") or not parts.netloc or " " in source.url:
                bad.append(f"{where}: url {source.url!r}")
            if not (source.publisher or "").strip():
                bad.append(f"{where}: no publisher")
    assert bad == []


def test_updates_are_in_date_order_from_the_announcement_on(pledges: list[Pledge]) -> None:
    bad = []
    for pledge in pledges:
        assert pledge.announced is not None
        previous = pledge.announced.start
        for number, update in enumerate(pledge.updates, 1):
            if update.date.start < previous:
                bad.append(f"{pledge.id} update {number} ({update.date})")
            previous = update.date.start
    assert bad == []


def test_update_sources_are_among_the_gathered_facts(pledges: list[Pledge]) -> None:
    paths = [FACTS_DIR / name for name in FACTS_FILES]
    if not all(path.is_file() for path in paths):
        pytest.skip(f"the facts files ({', '.join(FACTS_FILES)}) are not in {FACTS_DIR}")
    facts = "\n".join(path.read_text(encoding="utf-8") for path in paths)
    unknown = [f"{p.id} update {n}: {s.url}" for p in pledges
               for n, u in enumerate(p.updates, 1) for s in u.sources if s.url not in facts]
    assert unknown == []


def test_the_report_shows_every_kind_of_follow_through() -> None:
    # Worked out from the files: 4 delivered (the three reciprocal access agreements and the
    # Philippines' FY2023 coastal radars), 1 partial (Malaysia's FY2023 grant), 13 in progress
    # and 10 with no update yet.
    result = cli("report", "--dir", str(REPO), "-f", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["total"] == 28
    counts = {name: n for name, n in report["by_status"].items() if n}
    assert counts == {"delivered": 4, "partial": 1, "in_progress": 13, "not_yet_rated": 10}
    compliance = report["compliance"]
    assert compliance["assessed"] / compliance["cells"] > 0.5


def test_most_pledges_have_recorded_follow_through(pledges: list[Pledge]) -> None:
    assert len(pledges) == 28
    assert sum(1 for p in pledges if p.updates) == 18

