"""`add` and `update` record an archived copy and a publication date for the first source."""

from __future__ import annotations

from pathlib import Path

import pytest

from pledgetrack.model.dates import PartialDate
from pledgetrack.store.loader import load_dataset
from tests.clirun import cli
from tests.conftest import WriteFn
from tests.yamlfile.test_serialize import yamllint_problems

ARGS = ["--actor", "Japan", "--domain", "cyber", "--announced", "2025-10-26"]
ARCHIVE = "https://web.archive.org/web/20251026000000/https://example.org/summit"


def run(*args: str) -> tuple[int, str, str]:
    result = cli(*args)
    return result.exit_code, result.stdout, result.stderr


def test_add_writes_archived_and_published_for_the_first_source(data_root: Path) -> None:
    code, _, err = run("add", "--dir", str(data_root), "Maritime security support", *ARGS,
                         "--source", "https://example.org/summit", "--source",
                         "https://example.org/second", "--publisher", "Kyodo",
                         "--archived", ARCHIVE, "--published", "26 Oct 2025")
    assert code == 0, err
    text = (data_root / "pledges" / "maritime-security-support.yaml").read_text("utf-8")
    assert text.endswith(f"""\
sources:
  - url: https://example.org/summit
    publisher: Kyodo
    published: 2025-10-26
    archived: {ARCHIVE}
  - url: https://example.org/second
""")
    assert yamllint_problems(text) == []
    dataset = load_dataset(data_root)
    assert dataset.problems == []
    first, second = dataset.pledges[0].sources
    assert first.archived == ARCHIVE and first.published == PartialDate(2025, 10, 26)
    assert second.archived is None and second.published is None


def test_a_partial_published_date_is_kept_partial(data_root: Path) -> None:
    code, _, err = run("add", "--dir", str(data_root), "Cyber defence", *ARGS,
                       "--source", "https://example.org/a", "--published", "Oct 2025")
    assert code == 0, err
    text = (data_root / "pledges" / "cyber-defence.yaml").read_text("utf-8")
    assert "    published: 2025-10\n" in text


def test_update_records_archived_and_published(data_root: Path, write: WriteFn) -> None:
    path = write("p1")
    before = path.read_text("utf-8")
    code, _, err = run("update", "--dir", str(data_root), "p1", "--status", "in_progress",
                       "--date", "2025-11-20", "--source", "https://example.org/news",
                       "--source-title", "Training begins", "--archived", ARCHIVE,
                       "--published", "2025-11-19")
    assert code == 0, err
    after = path.read_text("utf-8")
    assert after.startswith(before)  # only lines added
    assert f"""\
    sources:
      - url: https://example.org/news
        title: Training begins
        published: 2025-11-19
        archived: {ARCHIVE}
""" in after[len(before):]
    (update,) = load_dataset(data_root).pledges[0].updates
    assert update.sources[0].archived == ARCHIVE


@pytest.mark.parametrize(("args", "message"), [
    (["--archived", "web.archive.org/x"], "--archived 'web.archive.org/x' is not a URL"),
    (["--archived", "https://a.example/x y"], "is not a URL"),
    (["--published", "the other day"], "--published:"),
])
def test_bad_values_are_refused_and_nothing_is_written(
    data_root: Path, write: WriteFn, args: list[str], message: str
) -> None:
    path = write("p1")
    before = path.read_bytes()
    code, _, err = run("update", "--dir", str(data_root), "p1", "--status", "in_progress",
                       "--source", "https://example.org/news", *args)
    assert code == 2 and message in err and "Traceback" not in err
    assert path.read_bytes() == before
    code, _, err = run("add", "--dir", str(data_root), "New one", *ARGS,
                       "--source", "https://example.org/news", *args)
    assert code == 2 and message in err
    assert not (data_root / "pledges" / "new-one.yaml").exists()


def test_archived_without_a_source_is_refused(data_root: Path, write: WriteFn) -> None:
    write("p1")
    code, _, err = run("update", "--dir", str(data_root), "p1", "--status", "in_progress",
                       "--archived", ARCHIVE, "--published", "2025")
    assert code == 2
    assert "--archived, --published describe the first --source; give one" in err


# -- the opt-in rule require_archived -----------------------------------------------------------

PLEDGE = f"""\
id: p1
title: A pledge
actors:
  - Japan
domains:
  - cyber
announced: 2025-10-26
sources:
  - url: https://example.org/kept
    archived: {ARCHIVE}
  - url: https://example.org/bare
updates:
  - date: 2025-11-20
    status: in_progress
    sources:
      - url: https://example.org/update-bare
"""


def check(root: Path, *args: str) -> tuple[int, str, str]:
    return run("check", "--dir", str(root), "--format", "text", *args)


def test_sources_without_an_archived_copy_are_errors_when_required(data_root: Path) -> None:
    (data_root / "pledges" / "p1.yaml").write_text(PLEDGE, "utf-8")
    assert check(data_root)[0] == 0  # off by default
    # The cache of parsed records must not hide the new rule's findings.
    (data_root / "pledgetrack.yaml").write_text("require_archived: true\n", "utf-8")
    code, out, _ = check(data_root)
    assert code == 1
    assert out.splitlines() == [
        "pledges/p1.yaml:11:1: error: source https://example.org/bare has no archived copy "
        "(the configuration requires one: add 'archived: URL') [missing-archived]",
        "pledges/p1.yaml:16:1: error: update 1: source https://example.org/update-bare has no "
        "archived copy (the configuration requires one: add 'archived: URL') "
        "[missing-archived]",
    ]
    (data_root / "pledgetrack.yaml").write_text("require_archived: false\n", "utf-8")
    assert check(data_root)[0] == 0


def test_a_bad_require_archived_value_is_a_configuration_error(data_root: Path) -> None:
    (data_root / "pledges" / "p1.yaml").write_text(PLEDGE, "utf-8")
    (data_root / "pledgetrack.yaml").write_text("stale_after_days: 30\nrequire_archived: maybe\n",
                                                "utf-8")
    code, _, err = check(data_root)
    assert code == 2
    assert "pledgetrack.yaml:2: 'require_archived' must be true or false" in err


def test_update_and_add_need_archived_when_required(data_root: Path, write: WriteFn) -> None:
    path = write("p1", VALID_ARCHIVED)
    (data_root / "pledgetrack.yaml").write_text("require_archived: true\n", "utf-8")
    before = path.read_bytes()
    code, _, err = run("update", "--dir", str(data_root), "p1", "--status", "in_progress",
                       "--source", "https://example.org/news")
    assert code == 2 and "require_archived" in err and "--archived URL" in err
    assert path.read_bytes() == before
    code, _, err = run("update", "--dir", str(data_root), "p1", "--status", "in_progress",
                       "--source", "https://example.org/news", "--archived", ARCHIVE)
    assert code == 0, err
    code, _, err = run("add", "--dir", str(data_root), "Other", *ARGS,
                       "--source", "https://example.org/x")
    assert code == 2 and "has no archived copy" in err
    assert not (data_root / "pledges" / "other.yaml").exists()
    code, _, err = run("add", "--dir", str(data_root), "Other", *ARGS,
                       "--source", "https://example.org/x", "--archived", ARCHIVE)
    assert code == 0, err
    assert check(data_root)[0] == 0


VALID_ARCHIVED = f"""\
id: {{id}}
title: A pledge
actors:
  - Japan
domains:
  - cyber
announced: 2025-10-26
sources:
  - url: https://example.org/summit
    archived: {ARCHIVE}
"""
