"""The canonical text of new pledge files: layout, quoting, Unicode, yamllint, round trips."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from pledgetrack.model.dates import PartialDate
from pledgetrack.model.records import Pledge, Source, Update
from pledgetrack.store.loader import parse_pledge
from pledgetrack.store.writer import bare_pledge
from pledgetrack.yamlfile.serialize import dump_pledge, dump_update, inline_scalar

REPO = Path(__file__).resolve().parents[2]
BUNDLED = sorted((REPO / "pledges").glob("*.yaml"))


def yamllint_problems(text: str) -> list[str]:
    from yamllint import linter
    from yamllint.config import YamlLintConfig

    conf = YamlLintConfig(file=str(REPO / ".yamllint.yaml"))
    return [f"{p.line}:{p.column} {p.rule}: {p.desc}" for p in linter.run(text, conf)]


def pledge(**fields: object) -> Pledge:
    base: dict[str, object] = dict(
        id="japan-asean-cyber", title="Support cyber capacity building in ASEAN",
        actors=("Japan",), domains=("cyber",), announced=PartialDate(2025, 10, 26),
        sources=(Source("https://example.org/summit", publisher="Example News"),),
    )
    base.update(fields)
    return Pledge(**base)  # type: ignore[arg-type]


def reread(text: str) -> Pledge:
    parsed, problems = parse_pledge(text.encode("utf-8"), "pledges/japan-asean-cyber.yaml")
    assert parsed is not None, problems
    assert [p for p in problems if p.level == "error"] == []
    return parsed


FULL = pledge(
    recipients=("ASEAN",), made_by="Prime Minister Takaichi Sanae",
    deadline=PartialDate(2026, quarter=4), summary="Two lines\nof summary.",
    quote="We will support ASEAN.", criteria="Delivered when training runs.",
    tags=("summit-2025",),
    sources=(Source("https://example.org/summit", title="Summit report", publisher="Example News",
                    published=PartialDate(2025, 10, 27),
                    archived="https://web.archive.org/web/2025/https://example.org/summit"),),
    updates=(Update(PartialDate(2025, 11), "in_progress", party="Japan", note="Budget set.",
                    sources=(Source("https://example.org/budget"),),
                    recorded=PartialDate(2025, 11, 20)),),
    extra={"priority": "high"},
)

FULL_TEXT = """\
id: japan-asean-cyber
title: Support cyber capacity building in ASEAN
actors:
  - Japan
recipients:
  - ASEAN
domains:
  - cyber
made_by: Prime Minister Takaichi Sanae
announced: 2025-10-26
deadline: 2026-Q4
summary: |-
  Two lines
  of summary.
quote: We will support ASEAN.
criteria: Delivered when training runs.
tags:
  - summit-2025
sources:
  - url: https://example.org/summit
    title: Summit report
    publisher: Example News
    published: 2025-10-27
    archived: https://web.archive.org/web/2025/https://example.org/summit
updates:
  - date: 2025-11
    status: in_progress
    party: Japan
    note: Budget set.
    sources:
      - url: https://example.org/budget
    recorded: 2025-11-20
priority: high
"""


def test_full_record_in_canonical_order_and_layout() -> None:
    text = dump_pledge(FULL)
    assert text == FULL_TEXT
    assert bare_pledge(reread(text)) == bare_pledge(FULL)
    assert yamllint_problems(text) == []


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_bundled_files_are_already_canonical(path: Path) -> None:
    # The bundled dataset is the style reference: dumping a loaded file gives back its text,
    # except the comment lines a person wrote (which the tool never invents).
    data = path.read_bytes()
    parsed, _ = parse_pledge(data, f"pledges/{path.name}")
    assert parsed is not None
    without_comments = "".join(
        line for line in data.decode("utf-8").splitlines(True) if not line.startswith("#")
    )
    assert dump_pledge(parsed) == without_comments


def test_bundled_files_pass_yamllint() -> None:
    for path in BUNDLED:
        assert yamllint_problems(path.read_text("utf-8")) == [], path.name


@pytest.mark.parametrize(("value", "written"), [
    ("Japan", "Japan"),
    ("yes", "'yes'"),
    ("NO", "'NO'"),
    ("off", "'off'"),
    ("null", "'null'"),
    ("~", "'~'"),
    ("y", "'y'"),
    ("012", "'012'"),
    ("1.10", "'1.10'"),
    ("1e3", "'1e3'"),
    ("0o17", "'0o17'"),
    ("2025", "'2025'"),
    ("2025-10-26", "'2025-10-26'"),  # a date in a text field
    ("12:30", "'12:30'"),  # sexagesimal in YAML 1.1
    ("- dash first", "'- dash first'"),
    ("* star", "'* star'"),
    ("&anchor", "'&anchor'"),
    ("!tag", "'!tag'"),
    ("[bracket", "'[bracket'"),
    ("{brace", "'{brace'"),
    ("> folded", "'> folded'"),
    ("| literal", "'| literal'"),
    ("%percent", "'%percent'"),
    ("@at", "'@at'"),
    ("`tick", "'`tick'"),
    ("'quoted'", "'''quoted'''"),
    ('"dq"', "'\"dq\"'"),
    ("key: value", "'key: value'"),
    ("ends with colon:", "'ends with colon:'"),
    ("text # not a comment", "'text # not a comment'"),
    ("https://example.org/a#frag", "https://example.org/a#frag"),
    ("a:b", "a:b"),
    ("trailing ", "'trailing '"),
    (" leading", "' leading'"),
    ("", "''"),
    ("tab\there", '"tab\\there"'),
    ("bell\x07", '"bell\\a"'),
    ("line\u2028separator", '"line\\Lseparator"'),
    ("Japan\u2013Philippines", "Japan\u2013Philippines"),  # an en dash
    ("日本とASEAN", "日本とASEAN"),
    ("ความร่วมมือ", "ความร่วมมือ"),
    ("Hợp tác an ninh", "Hợp tác an ninh"),
])
def test_quotes_only_where_yaml_would_change_the_value(value: str, written: str) -> None:
    assert inline_scalar(value) == written
    text = dump_pledge(pledge(title="T", made_by=value)) if "\n" not in value else ""
    assert f"made_by: {written}\n" in text
    assert reread(text).made_by == value
    assert yamllint_problems(text) == []


def test_unicode_is_written_as_utf8_not_escapes() -> None:
    title = "日本・ASEAN サイバー協力"
    note = "Thỏa thuận đã có hiệu lực; ข้อตกลงมีผลบังคับใช้แล้ว"
    p = pledge(title=title, updates=(Update(PartialDate(2025, 11, 1), "delivered", note=note),))
    text = dump_pledge(p)
    assert f"title: {title}\n" in text
    assert f"note: {note}\n" in text
    assert "\\u" not in text
    again = reread(text)
    assert (again.title, again.updates[0].note) == (title, note)


@pytest.mark.parametrize(("value", "written"), [
    ("first\nsecond", "summary: |-\n  first\n  second\n"),
    ("first\nsecond\n", "summary: |\n  first\n  second\n"),
    ("para one\n\npara two", "summary: |-\n  para one\n\n  para two\n"),
    ("trailing space \nx", 'summary: "trailing space \\nx"\n'),
    ("windows\r\nline", 'summary: "windows\\r\\nline"\n'),
    (" indented first\nx", 'summary: " indented first\\nx"\n'),
    ("two breaks\n\n", 'summary: "two breaks\\n\\n"\n'),
])
def test_multi_line_text(value: str, written: str) -> None:
    text = dump_pledge(pledge(summary=value))
    assert written in text
    assert reread(text).summary == value
    assert yamllint_problems(text) == []


def test_long_text_is_never_wrapped() -> None:
    long = " ".join(["word"] * 200)
    text = dump_pledge(pledge(summary=long))
    assert f"summary: {long}\n" in text


def test_dump_update_at_any_indentation() -> None:
    update = Update(PartialDate(2025, 11, 1), "stalled", note="No budget: yet",
                    sources=(Source("https://example.org/x", publisher="X"),))
    assert dump_update(update, "") == (
        "- date: 2025-11-01\n  status: stalled\n  note: 'No budget: yet'\n  sources:\n"
        "    - url: https://example.org/x\n      publisher: X\n"
    )
    assert dump_update(update, "  ").splitlines()[0] == "  - date: 2025-11-01"


def test_extra_fields_of_any_shape() -> None:
    p = pledge(extra={"review": {"by": "A. Researcher", "done": None}, "links": [], "notes": {},
                      "yes": "a key YAML would read as a boolean"})
    text = dump_pledge(p)
    assert "review:\n  by: A. Researcher\n  done: null\nlinks: []\nnotes: {}\n'yes': a key" in text
    assert reread(text).extra["yes"] == "a key YAML would read as a boolean"
    assert yamllint_problems(text) == []


TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@settings(max_examples=300, deadline=None)
@given(title=TEXT.filter(lambda s: "\n" not in s and "\r" not in s and s.strip() != ""),
       summary=TEXT, actor=TEXT.filter(lambda s: s.strip() != "" and not any(
           c in s for c in "\r\n\x85\u2028\u2029")))
def test_any_text_reads_back_the_same(title: str, summary: str, actor: str) -> None:
    p = pledge(title=title, summary=summary, actors=(actor,))
    text = dump_pledge(p)
    for loader in (yaml.SafeLoader, getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
        data = yaml.load(text, Loader=loader)
        assert (data["title"], data["summary"], data["actors"]) == (title, summary, [actor])
    assert bare_pledge(reread(text)) == bare_pledge(p)
