"""Property-based round trips: whatever a pledge holds, writing it and reading it back gives the
same record, and appending updates changes nothing but the appended lines.

Generated records mix arbitrary Unicode (Japanese, Thai, Vietnamese, emoji, control characters,
line separators) with the strings YAML likes to reinterpret: ``NO``, ``yes``, ``012``, ``1.10``,
``~``, ``- x``, ``: ``, `` #``, leading and trailing spaces, quotes, line breaks.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pledgetrack.checks.rules import ID_PATTERN
from pledgetrack.model.config import Config
from pledgetrack.model.dates import PartialDate
from pledgetrack.model.records import Pledge, Source, Update
from pledgetrack.model.vocabulary import DEFAULT_VOCABULARY
from pledgetrack.store import writer
from pledgetrack.store.loader import load_dataset, parse_pledge
from pledgetrack.yamlfile import splice, yamltree
from pledgetrack.yamlfile.build import PLEDGE_FIELDS
from pledgetrack.yamlfile.serialize import dump_pledge, dump_update

pytestmark = pytest.mark.reliability

# Strings that YAML 1.1 / 1.2 readers turn into something else when written plainly.
YAML_HOSTILE = [
    "NO", "no", "Yes", "yes", "on", "OFF", "y", "n", "true", "False", "null", "Null", "~", "",
    "012", "0o17", "0x1F", "1.10", "1e3", "+.5", ".inf", "-.NaN", "2025", "2025-10-26",
    "12:30", "1_000", "<<", "=", "- x", "-", "? x", ": ", "a: b", "a #b", " #", "#", "x:",
    "'", '"', "''", '"quoted"', "it's", "\\", "%TAG", "@at", "`tick`", "!tag", "!!python/object",
    "&anchor", "*alias", "|", ">", "[a, b]", "{a: b}", ",", "---", "...", " leading",
    "trailing ", "  both  ", "\t", "tab\tinside", "line\nbreak", "two\n\nparagraphs\n", "\r\n",
    "cr\rinside", "nul\x00byte", "bell\x07", "\x85nel", "ls\u2028ps\u2029", "\ufeffbom",
    "\u200bzero-width", "e\u0301", "\uff46\uff55\uff4c\uff4cwidth",
]
SCRIPTS = (
    "日本とASEANのサイバーセキュリティ協力 "
    "ญี่ปุ่นและอาเซียนร่วมมือด้านความมั่นคง "
    "Nhật Bản và ASEAN hợp tác an ninh mạng, đã ký "
    "🇯🇵🤝"
)
CHARS = st.one_of(
    st.characters(blacklist_categories=("Cs",)),
    st.sampled_from(SCRIPTS),
    st.sampled_from(":#-'\"\n\r\t ~!&*|>%@`[]{},?"),
)
TEXT = st.one_of(
    st.sampled_from(YAML_HOSTILE),
    st.text(CHARS, max_size=40),
    st.tuples(st.sampled_from(YAML_HOSTILE), st.text(CHARS, max_size=15),
              st.sampled_from(YAML_HOSTILE)).map("".join),
)
# One-line fields (titles, names): line breaks become spaces; never blank.
NAME = TEXT.map(lambda s: s.replace("\n", " ").replace("\r", " ")).map(
    lambda s: s if s.strip() else s + "x")


@st.composite
def partial_dates(draw: st.DrawFn) -> PartialDate:
    year = draw(st.integers(1, 9999))
    kind = draw(st.sampled_from(["year", "quarter", "month", "day"]))
    if kind == "year":
        return PartialDate(year)
    if kind == "quarter":
        return PartialDate(year, quarter=draw(st.integers(1, 4)))
    month = draw(st.integers(1, 12))
    if kind == "month":
        return PartialDate(year, month)
    import calendar

    return PartialDate(year, month, draw(st.integers(1, calendar.monthrange(year, month)[1])))


URL = st.builds(lambda scheme, rest: f"{scheme}://{rest}", st.sampled_from(["http", "https"]),
                st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp")),
                        min_size=1, max_size=30))


@st.composite
def sources(draw: st.DrawFn) -> Source:
    return Source(
        url=draw(URL),
        title=draw(st.none() | NAME),
        publisher=draw(st.none() | NAME),
        published=draw(st.none() | partial_dates()),
        archived=draw(st.none() | URL),
    )


def updates(actors: tuple[str, ...]) -> st.SearchStrategy[Update]:
    return st.builds(
        Update,
        date=partial_dates(),
        status=st.sampled_from(DEFAULT_VOCABULARY.names),
        party=st.none() | st.sampled_from(actors),
        note=st.none() | TEXT,
        sources=st.lists(sources(), max_size=2).map(tuple),
        recorded=st.none() | partial_dates(),
    )


EXTRA_KEY = st.one_of(
    st.sampled_from(["priority", "yes", "NO", "012", "~", "- x", "a: b", "日本", " x ", "<<"]),
    NAME.map(lambda k: k if k not in PLEDGE_FIELDS else k + "_"),
)


@st.composite
def pledges(draw: st.DrawFn) -> Pledge:
    actors = tuple(dict.fromkeys(draw(st.lists(NAME, min_size=1, max_size=3))))
    return Pledge(
        id=draw(st.from_regex(ID_PATTERN, fullmatch=True).map(lambda i: i[:80])),
        title=draw(NAME),
        actors=actors,
        domains=tuple(draw(st.lists(NAME, min_size=1, max_size=2))),
        sources=tuple(draw(st.lists(sources(), min_size=1, max_size=2))),
        announced=draw(partial_dates()),
        recipients=tuple(draw(st.lists(NAME, max_size=2))),
        made_by=draw(st.none() | NAME),
        deadline=draw(st.none() | partial_dates()),
        summary=draw(st.none() | TEXT),
        quote=draw(st.none() | TEXT),
        criteria=draw(st.none() | TEXT),
        tags=tuple(draw(st.lists(NAME, max_size=2))),
        updates=tuple(draw(st.lists(updates(actors), max_size=3))),
        extra=draw(st.dictionaries(EXTRA_KEY, st.one_of(TEXT, st.lists(TEXT, max_size=2)),
                                   max_size=2)),
    )


def single_insertion(old: bytes, new: bytes) -> bytes:
    """The bytes inserted into ``old`` to make ``new``, asserting that nothing else changed:
    ``new`` is ``old`` with one run of bytes put in at one place."""
    assert len(new) > len(old)
    prefix = 0
    while prefix < len(old) and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < len(old) - prefix and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    assert prefix + suffix == len(old), "bytes of the old file were changed or removed"
    return new[prefix: len(new) - suffix]


# Hundreds of small data folders: in memory where the system has a RAM folder (the content is
# what is tested here; durability is tests/reliability/test_crash.py's business).
FAST_TMP = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None

SETTINGS = settings(max_examples=100, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@contextmanager
def loader(pure: bool) -> Iterator[None]:
    """Half the examples read with the pure-Python YAML parser, half with libyaml."""
    yamltree.use_pure_loader(pure)
    try:
        yield
    finally:
        yamltree.use_pure_loader(False)


@SETTINGS
@given(pledge=pledges(), pure=st.booleans())
def test_create_then_load_gives_the_same_record(pledge: Pledge, pure: bool) -> None:
    with loader(pure):
        _create_then_load(pledge)


def _create_then_load(pledge: Pledge) -> None:
    text = dump_pledge(pledge)
    parsed, problems = parse_pledge(text.encode("utf-8"), f"pledges/{pledge.id}.yaml")
    assert [p for p in problems if p.level == "error"] == [], (text, problems)
    assert parsed is not None
    assert writer.bare_pledge(parsed) == writer.bare_pledge(pledge)
    # Through the files: create (atomic, locked, verified), then load the folder like `check`.
    with tempfile.TemporaryDirectory(dir=FAST_TMP) as folder:
        root = Path(folder)
        path = writer.create(root, pledge)
        assert path.read_bytes() == text.encode("utf-8")
        dataset = load_dataset(root)
        assert dataset.errors == [], dataset.errors
        assert [writer.bare_pledge(p) for p in dataset.pledges] == [writer.bare_pledge(pledge)]


@SETTINGS
@given(data=st.data(), pledge=pledges(), crlf=st.booleans(), bom=st.booleans(),
       pure=st.booleans())
def test_appends_keep_every_other_byte(
    data: st.DataObject, pledge: Pledge, crlf: bool, bom: bool, pure: bool
) -> None:
    """Each `append_update` inserts one run of bytes; the file reads back as the old record plus
    the new updates (in date order), also with CRLF line ends and a byte-order mark."""
    new_updates = data.draw(st.lists(updates(pledge.actors), min_size=1, max_size=4))
    with loader(pure):
        _appends(pledge, new_updates, crlf, bom)


def _appends(pledge: Pledge, new_updates: list[Update], crlf: bool, bom: bool) -> None:
    config = Config()
    with tempfile.TemporaryDirectory(dir=FAST_TMP) as folder:
        root = Path(folder)
        path = writer.create(root, pledge)
        if crlf or bom:
            raw = path.read_bytes()
            path.write_bytes((b"\xef\xbb\xbf" if bom else b"")
                             + (raw.replace(b"\n", b"\r\n") if crlf else raw))
        expected = writer.bare_pledge(dataclasses.replace(pledge, path=""))
        for update in new_updates:
            old = path.read_bytes()
            writer.append_update(root, pledge.id, update, config)
            new = path.read_bytes()
            inserted = single_insertion(old, new)
            newline = "\r\n" if crlf else "\n"
            entry = dump_update(update).replace("\n", newline).encode("utf-8")
            # The inserted run is the canonical entry, with "updates:" before the first one when
            # the file had none (the run may start a few equal bytes earlier than the entry).
            assert len(inserted) in (len(entry), len(entry) + len(f"updates:{newline}"))
            assert new.startswith(b"\xef\xbb\xbf") == bom
            # A backdated entry goes among the others, in date order.
            at = splice.date_position(expected.updates, update)
            expected = dataclasses.replace(expected, updates=(
                *expected.updates[:at], writer.bare_update(update), *expected.updates[at:]))
            reread, problems = parse_pledge(new, f"pledges/{pledge.id}.yaml")
            assert reread is not None, problems
            assert writer.bare_pledge(reread) == expected
        dataset = load_dataset(root)
        assert dataset.errors == []
        assert [writer.bare_pledge(p) for p in dataset.pledges] == [expected]
