"""The faster paths of a warm `report` / `list`: each one is held to the plain definition it
replaces, so that no output can change."""

from __future__ import annotations

import dataclasses
import datetime as dt
import inspect
import json
import math
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from pledgetrack.cache import codec
from pledgetrack.cache import shards as cache
from pledgetrack.model.config import Config
from pledgetrack.model.dates import PartialDate
from pledgetrack.model.records import Pledge, PledgeOutline, Update, UpdateOutline, full_only
from pledgetrack.model.vocabulary import UNRATED
from pledgetrack.queries.selection import evaluate, last_activity
from pledgetrack.render import jsontext
from pledgetrack.render.tabular import tsv_text
from tests.clirun import cli

# -- the timeline: as-of questions against their definitions -------------------------------------

dates = st.builds(
    lambda y, kind, m, d, q: (
        PartialDate(y) if kind == 0 else PartialDate(y, quarter=q) if kind == 1
        else PartialDate(y, m) if kind == 2 else PartialDate(y, m, d)
    ),
    st.integers(2019, 2022), st.integers(0, 3), st.integers(1, 12), st.integers(1, 28),
    st.integers(1, 4),
)
updates = st.builds(
    lambda date, status, party: Update(date, status, party),
    dates, st.sampled_from(["in_progress", "stalled", "delivered", "broken"]),
    st.sampled_from([None, None, "A", "B", ""]),
)

# Days on which periods begin and end too: the edges are where a cut could be off by one.
as_of_days = st.one_of(st.none(), st.dates(dt.date(2018, 6, 1), dt.date(2023, 6, 1)),
                       dates.map(lambda d: d.start), dates.map(lambda d: d.end))


def _until(p: Pledge, as_of: dt.date | None) -> list[Update]:
    # The definition: updates dated up to as_of, by date, same dates in file order.
    return sorted((u for u in p.updates if as_of is None or u.date.start <= as_of),
                  key=lambda u: u.date.start)


@settings(max_examples=300, deadline=None)
@given(st.lists(updates, max_size=7), as_of_days, st.one_of(st.none(), dates))
def test_as_of_questions_follow_their_definitions(
    ups: list[Update], as_of: dt.date | None, announced: PartialDate | None
) -> None:
    p = Pledge("p", "t", ("A", "B"), ("d",), (), announced=announced, updates=tuple(ups))
    until = _until(p, as_of)
    assert p.updates_until(as_of) == until
    for party in (None, "A", "B"):
        named = [u for u in until if party is None or u.party is None or u.party == party]
        expected = named[-1] if named else None
        assert p.latest_update(as_of, party) is expected
        if party is not None or not p.assessed_parties:
            assert p.status(as_of, party) == (expected.status if expected else UNRATED)
    assert p.assessed_parties == (("A", "B") if any(u.party for u in ups) else ())
    if p.assessed_parties:
        # A joint pledge as a whole (unanimous): its parties' status when they agree.
        a, b = p.status(as_of, "A"), p.status(as_of, "B")
        assert p.status(as_of) == (a if a == b else "mixed")
    if as_of is not None:
        # The latest activity: each update counts from the last day of its period (never
        # after as_of); with none, the announcement.
        days = [min(u.date.end, as_of) for u in until]
        if not days and announced is not None:
            days = [min(announced.end, as_of)]
        assert last_activity(p, as_of) == (max(days) if days else None)
        state = evaluate(p, Config(), as_of)
        assert state.last_activity == (max(days) if days else None)


def test_updates_until_is_a_fresh_list_each_time() -> None:
    p = Pledge("p", "t", ("A",), ("d",), (), updates=(Update(PartialDate(2020), "stalled"),))
    first = p.updates_until()
    first.clear()
    assert len(p.updates_until()) == 1


def test_the_timeline_is_not_part_of_a_records_value() -> None:
    ups = (Update(PartialDate(2021, 3), "stalled"), Update(PartialDate(2020), "in_progress"))
    a = Pledge("p", "t", ("A",), ("d",), (), updates=ups)
    b = Pledge("p", "t", ("A",), ("d",), (), updates=ups)
    a.status()  # a works its timeline out, b does not
    assert a == b and repr(a) == repr(b)
    assert a.status() == "stalled"  # 2021-03 is later than 2020, whatever the file order
    assert dataclasses.replace(a, title="u").status() == "stalled"


# -- the cache's constructors -------------------------------------------------------------------


def _init_fields(cls: type) -> list[str]:
    return [f.name for f in dataclasses.fields(cls) if f.init]


def test_the_cache_constructors_take_the_classes_fields_in_order() -> None:
    """The constructors are made from the record classes' fields: the full ones take every init
    field, the outline ones every field but the full-only ones, in the class's order."""
    built = codec._built()
    for build, cls, withheld in (
        (built.pledge, Pledge, ()), (built.update, Update, ()),
        (built.pledge_outline, Pledge, full_only(Pledge)),
        (built.update_outline, Update, full_only(Update)),
    ):
        params = list(inspect.signature(build).parameters)
        assert params == [n for n in _init_fields(cls) if n not in withheld]
    assert full_only(Pledge) == ("sources", "summary", "quote", "criteria", "extra")
    assert full_only(Update) == ("note", "sources", "lines")


def test_the_cache_constructors_build_equal_records() -> None:
    built = codec._built()
    lines = codec.LineMap(("id",), (1,))
    u_args = (PartialDate(2025, 10), "stalled", "A", "a note", (), PartialDate(2025, 11), 7,
              lines)
    u = built.update(*u_args)
    assert type(u) is Update and u == Update(*u_args)
    p_args: tuple[Any, ...] = (
        "p", "title", ("A", "B"), ("cyber",), (), PartialDate(2025), ("ASEAN",), "PM",
        PartialDate(2026, quarter=2), "summary", "quote", "criteria", ("t",), (u,), {"x": 1},
        "pledges/p.yaml", lines,
    )
    p = built.pledge(*p_args)
    assert type(p) is Pledge and p == Pledge(*p_args)
    # Every slot is set (a slot left unset would raise on reading).
    assert [getattr(p, n) for n in Pledge.__slots__][-1] is None  # type: ignore[attr-defined]
    assert p.status(party="A") == "stalled" and p.assessed_parties == ("A", "B")
    assert p.status() == "mixed"  # A stalled, B not yet rated
    outline = codec.Encoder().outline_copy(p)
    assert type(outline) is PledgeOutline and type(outline.updates[0]) is UpdateOutline
    assert codec.loads(codec.Encoder().outline([p]))[0] == outline
    assert (outline.id, outline.updates[0].party, outline.status()) == ("p", "A", "mixed")


def test_states_are_built_with_every_field_of_the_class() -> None:
    from pledgetrack.model.records import NO_PARTIES
    from pledgetrack.queries.selection import PledgeState, _new_state

    params = [n for n in inspect.signature(_new_state).parameters if not n.startswith("_")]
    assert params == _init_fields(PledgeState) == list(PledgeState.__slots__)
    p = Pledge("p", "t", ("A",), ("d",), (), deadline=PartialDate(2020),
               updates=(Update(PartialDate(2021, 3), "stalled", "A"),))
    args = (p, dt.date(2022, 1, 1), "stalled", PartialDate(2021, 3), False, True, True,
            dt.date(2021, 3, 31), "A", NO_PARTIES)
    assert _new_state(*args) == PledgeState(*args)
    # evaluate builds the same state as the class would, field by field.
    assert evaluate(p, Config(), dt.date(2022, 1, 1), "A") == PledgeState(*args)


def test_dates_read_back_are_shared_and_equal() -> None:
    encoder = codec.Encoder()
    p = Pledge("p", "t", ("A",), ("d",), (), announced=PartialDate(2025, 10, 26),
               updates=(Update(PartialDate(2025, 10, 26), "stalled"),), path="pledges/p.yaml")
    again = codec.loads(encoder.outline([p]))[0]
    other = codec.loads(codec.Encoder().full(p))
    assert again.announced == p.announced and again.announced is other.announced
    assert again.updates[0].date is again.announced


def test_a_cache_of_the_old_layout_is_rebuilt(tmp_path: Path) -> None:
    """A shard written under another layout number is never read: the command still answers
    the same, from the files."""
    from tests.cache.test_cache import make_data

    make_data(tmp_path)
    env = {"PLEDGETRACK_CACHE_DIR": str(tmp_path / "cache")}
    first = cli("report", "-f", "json", "--dir", str(tmp_path), env=env)
    assert first.exit_code == 0
    shards = list((tmp_path / "cache").rglob("shard-*.bin"))
    assert shards
    key = cache.version_key()
    old_key = (key[0] - 1, *key[1:])
    # Each shard, rewritten as an older layout would have had it.
    for path in shards:
        shard = cache.read_shard(path, key, outline=True, full=True)
        assert shard is not None
        data = path.read_bytes()
        index, lean, full = cache.split_parts(data)
        _, entries = cache.loads(index)
        head_index, _ = cache.shard_parts(old_key, entries, bytes(lean), bytes(full))
        path.write_bytes(head_index + bytes(lean) + bytes(full))
        assert cache.read_shard(path, key, outline=True, full=True) is None
    again = cli("report", "-f", "json", "--dir", str(tmp_path), env=env)
    assert again.exit_code == 0 and again.stdout == first.stdout
    assert all(cache.read_shard(p, key, outline=True, full=True) is not None for p in shards)


def test_the_collector_stays_on_inside_another_program(tmp_path: Path) -> None:
    """The executable turns the garbage collector off once the records are loaded; run inside
    another program (here, pytest), a command must leave it as it found it."""
    import gc

    from tests.cache.test_cache import make_data

    make_data(tmp_path)
    assert gc.isenabled()
    result = cli("report", "-f", "json", "--dir", str(tmp_path))
    assert result.exit_code == 0
    assert gc.isenabled()


def test_a_warm_report_imports_neither_the_parser_nor_rich(tmp_path: Path) -> None:
    from tests.cli.test_startup import imported, make_clean_data

    make_clean_data(tmp_path)
    args = ("report", "-f", "json", "--by", "party", "--matrix", "--dir", str(tmp_path))
    env = {"PLEDGETRACK_CACHE_DIR": str(tmp_path / "cache")}
    imported(*args, env=env)  # fills the cache
    # Another question: the records are read and summarised.
    modules = imported(*args, "--as-of", "today", env=env)
    assert "pledgetrack.queries.reports" in modules and "pledgetrack.render.jsontext" in modules
    for unwanted in ("yaml", "rich", "dateutil", "multiprocessing", "pledgetrack.yamlfile.yamltree",
                     "pledgetrack.checks.rules", "pledgetrack.cli.listing"):
        assert unwanted not in modules, unwanted


# -- text --------------------------------------------------------------------------------------

scalars = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True)
           | st.text())
keys = st.text() | st.integers() | st.floats() | st.booleans() | st.none()
documents = st.recursive(
    scalars,
    lambda inner: st.lists(inner) | st.tuples(inner, inner) | st.dictionaries(keys, inner),
    max_leaves=30,
)


@settings(max_examples=500, deadline=None)
@given(documents)
def test_indented_json_is_the_standard_librarys(doc: Any) -> None:
    assert jsontext.dumps(doc) == json.dumps(doc, ensure_ascii=False, indent=2)


def test_indented_json_hands_other_values_to_the_standard_library() -> None:
    class Name(str):
        pass

    doc = {"a": Name("x"), "b": [math.inf, -0.0, 10**30], "c": {}}
    assert jsontext.dumps(doc) == json.dumps(doc, ensure_ascii=False, indent=2)


def test_tsv_cells_with_breaks_are_one_line_and_others_untouched() -> None:
    rows = [["a", "b\tc", "d"], ["e\r\nf", "g", "h"], ["plain", "row", "ü"], ["x\n\ny", "", ""]]
    # Every run of tabs and line breaks in a cell becomes one space.
    assert tsv_text(["h1", "h2", "h3"], rows) == (
        "h1\th2\th3\na\tb c\td\ne f\tg\th\nplain\trow\tü\nx y\t\t\n"
    )
