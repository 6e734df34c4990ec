"""Through the Python API, a question gets the same answer from the records whatever view of them
was loaded (full records, or the outline ones `list` and `report` load)."""

from __future__ import annotations

from pathlib import Path

from pledgetrack import Filter, load_dataset, select, states, summarise
from tests.fixture_reports import AS_OF, make_root


def test_summaries_selections_and_skipped_files_agree(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    full = load_dataset(root, cache=False)
    lean = load_dataset(root, view="outline")
    assert full.broken == lean.broken == ["pledges/zz-broken.yaml"]
    for chosen in (Filter(), Filter(domains="CYBER"), Filter(statuses=("in_progress", "stalled")),
                   Filter(parties=["Philippines"]), Filter(final=False)):
        a = summarise(full, chosen, AS_OF, by="party", with_matrix=True).to_dict()
        b = summarise(lean, chosen, AS_OF, by="party", with_matrix=True).to_dict()
        assert a == b
        assert a["skipped"] == [{"path": "pledges/zz-broken.yaml", "errors": 2,
                                 "first": "missing required field 'title' [missing-field]"}]
        picked_full = select(full, chosen, AS_OF)
        picked_lean = select(lean, chosen, AS_OF)
        assert [p.id for p in picked_full] == [p.id for p in picked_lean]
        assert [(s.status, s.status_date, s.overdue, s.stale)
                for s in states(full, picked_full, AS_OF)] == [
            (s.status, s.status_date, s.overdue, s.stale)
            for s in states(lean, picked_lean, AS_OF)]
