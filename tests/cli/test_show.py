"""`pledgetrack show`: one pledge, text and JSON."""

from __future__ import annotations

import json
from pathlib import Path

from tests.clirun import cli
from tests.conftest import VALID, WriteFn

JOINT = VALID.replace("{id}", "raa").replace(
    "actors:\n  - Japan\n", "actors:\n  - Japan\n  - Philippines\n"
).replace("announced: 2025-10-26\n", "announced: 2025-10-26\ndeadline: 2026-03\n"
          "criteria: Delivered when it enters into force.\n") + """\
updates:
  - date: 2025-12-16
    status: in_progress
    party: Philippines
    note: Senate concurrence.
    sources:
      - url: https://example.org/senate
        publisher: Daily Tribune
  - date: 2025-11-01
    status: stalled
    note: Talks paused.
"""


def show(root: Path, *args: str) -> tuple[int, str, str]:
    result = cli("show", "--dir", str(root), *args)
    return result.exit_code, result.stdout, result.stderr


def test_text_shows_everything_with_days_left(data_root: Path, write: WriteFn) -> None:
    write("raa", JOINT)
    code, out, err = show(data_root, "raa", "--as-of", "2026-03-01")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "Support cybersecurity human-resource development in ASEAN"
    assert "actors     Japan, Philippines → ASEAN" in lines
    # The deadline 2026-03 means 31 March 2026: from 1 March that is 30 days.
    assert "deadline   2026-03 (due by 2026-03-31; 30 days left)" in lines
    # Japan's latest applicable entry is the party-less stalled of 2025-11-01; the
    # Philippines' is its in_progress of 2025-12-16. They differ: mixed as a whole, since the
    # later of the two.
    assert "status     mixed (Mixed) since 2025-12-16" in lines
    assert "           Japan: stalled (Stalled) since 2025-11-01" in lines
    assert "           Philippines: in_progress (In progress) since 2025-12-16" in lines
    assert "  Delivered when it enters into force." in lines
    assert "  1. https://example.org/summit — Example News" in lines
    timeline = out.split("Timeline (2 updates)\n", 1)[1]
    # Oldest first, whatever the file order.
    assert timeline.index("2025-11-01  stalled") < timeline.index(
        "2025-12-16  in_progress (Philippines)")
    assert "source: https://example.org/senate — Daily Tribune" in timeline
    assert "\x1b[" not in out  # no colour off a terminal


def test_overdue(data_root: Path, write: WriteFn) -> None:
    write("raa", JOINT)
    # 2026-04-10 is 10 days after 31 March, and the status (mixed) is not final.
    code, out, _ = show(data_root, "raa", "--as-of", "2026-04-10")
    assert code == 0
    assert "deadline   2026-03 (due by 2026-03-31; overdue by 10 days)" in out.splitlines()


def test_json(data_root: Path, write: WriteFn) -> None:
    write("raa", JOINT)
    code, out, _ = show(data_root, "raa", "-f", "json", "--as-of", "2026-03-01")
    assert code == 0
    doc = json.loads(out)
    assert doc["id"] == "raa" and doc["path"] == "pledges/raa.yaml"
    assert doc["actors"] == ["Japan", "Philippines"] and doc["recipients"] == ["ASEAN"]
    assert (doc["deadline"], doc["deadline_end"], doc["days_left"], doc["overdue"]) == (
        "2026-03", "2026-03-31", 30, False)
    assert doc["status"] == {"name": "mixed", "label": "Mixed", "final": False,
                             "since": "2025-12-16"}
    assert doc["status_by_party"]["Japan"]["name"] == "stalled"
    assert [u["date"] for u in doc["updates"]] == ["2025-12-16", "2025-11-01"]  # file order
    assert doc["updates"][0]["sources"][0]["publisher"] == "Daily Tribune"


def test_no_updates_and_unicode(data_root: Path, write: WriteFn) -> None:
    write("jp", VALID.replace("{id}", "jp").replace(
        "title: Support cybersecurity human-resource development in ASEAN",
        "title: 日本・ASEAN サイバー協力"))
    code, out, _ = show(data_root, "jp")
    assert code == 0
    assert out.startswith("日本・ASEAN サイバー協力\n")
    assert "status     not_yet_rated (Not yet rated)" in out
    assert "no updates yet" in out
    doc = json.loads(show(data_root, "jp", "-f", "json")[1])
    assert doc["title"] == "日本・ASEAN サイバー協力"


def test_unknown_id_suggests(data_root: Path, write: WriteFn) -> None:
    write("japan-asean-cyber")
    write("japan-asean-maritime")
    code, out, err = show(data_root, "japan-asean")
    assert code == 2 and out == ""
    assert "did you mean 'japan-asean-cyber', 'japan-asean-maritime'?" in err
    code, _, err = show(data_root, "japan-asean-cybre")
    assert "did you mean 'japan-asean-cyber'" in err  # the closest first


def test_broken_file_is_reported_not_shown(data_root: Path, write: WriteFn) -> None:
    write("p", VALID.replace("{id}", "p").replace("announced: 2025-10-26", "announced: soon"))
    code, out, err = show(data_root, "p")
    assert code == 1 and out == ""
    assert "pledges/p.yaml:9:12:" in err and "[invalid-date]" in err


def test_colour_on_request(data_root: Path, write: WriteFn) -> None:
    write("raa", JOINT)
    code, out, _ = show(data_root, "raa", "--color", "always")
    assert code == 0 and "\x1b[" in out


def test_as_of_shows_only_the_updates_dated_up_to_it(data_root: Path, write: WriteFn) -> None:
    write("raa", JOINT)
    # On 2025-11-30 only the stalled update of 2025-11-01 had happened.
    code, out, err = show(data_root, "raa", "--as-of", "2025-11-30")
    assert code == 0, err
    lines = out.splitlines()
    assert "status     stalled (Stalled) since 2025-11-01" in lines
    # The deadline as of that day: 2026-03-31 is 121 days after 2025-11-30.
    assert "deadline   2026-03 (due by 2026-03-31; 121 days left)" in lines
    assert "Timeline to 2025-11-30 (1 update; 1 later update hidden)" in lines
    assert "Senate concurrence." not in out
    assert "Talks paused." in out
    doc = json.loads(show(data_root, "raa", "-f", "json", "--as-of", "2025-11-30")[1])
    assert [u["date"] for u in doc["updates"]] == ["2025-11-01"]
    assert doc["later_updates"] == 1
    assert doc["status"]["name"] == "stalled"
    assert doc["days_left"] == 121
    assert doc["not_yet_announced"] is False
    # A partial date means the end of its period: 2025-12 is 31 December, after both updates.
    doc = json.loads(show(data_root, "raa", "-f", "json", "--as-of", "2025-12")[1])
    assert (len(doc["updates"]), doc["later_updates"]) == (2, 0)


def test_as_of_before_the_announcement(data_root: Path, write: WriteFn) -> None:
    write("raa", JOINT)  # announced 2025-10-26
    code, out, _ = show(data_root, "raa", "--as-of", "2025-10-25")
    assert code == 0
    assert "status     not yet announced on 2025-10-25" in out.splitlines()
    assert "no updates by 2025-10-25; 2 later updates hidden" in out
    doc = json.loads(show(data_root, "raa", "-f", "json", "--as-of", "2025-10-25")[1])
    assert doc["not_yet_announced"] is True
    assert doc["status"] is None and doc["status_by_party"] == {}
    assert doc["updates"] == [] and doc["later_updates"] == 2
    assert doc["overdue"] is False


def test_without_as_of_every_update_is_shown(data_root: Path, write: WriteFn) -> None:
    write("raa", JOINT)
    doc = json.loads(show(data_root, "raa", "-f", "json")[1])
    assert [u["date"] for u in doc["updates"]] == ["2025-12-16", "2025-11-01"]  # file order
    assert doc["later_updates"] == 0
