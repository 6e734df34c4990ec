"""Joint pledges: the status as a whole under both `joint_status` rules, per-party statuses in
every output, `mixed`, scores between -1 and +1, and coverage beside every compliance figure.

Every expected figure is worked out by hand in the comments next to it.

The data (``make_joint_root``), with ``stale_after_days: 100``::

    j-joint  Japan, Philippines, US; announced 2024-01-01; deadline 2024-12-31
        2024-03-01 in_progress  Japan
        2024-04-01 in_progress  Philippines
        2024-09-01 delivered    Japan
        2025-02-01 in_progress  US
        2025-03-01 delivered    Philippines
        2025-05-01 delivered    US
    k-split  Japan, US; announced 2024-01-01; no deadline
        2024-06-01 broken       Japan
        2024-07-01 in_progress  US
    w-whole  Japan; announced 2024-01-01 (assessed as a whole)
        2024-05-01 in_progress
        2025-01-10 delivered

Per-party timeline of j-joint (nyr: not yet rated):

    as of        Japan        Philippines  US           unanimous      weakest
    2024-02-01   nyr          nyr          nyr          not_yet_rated  not_yet_rated
    2024-03-31   in_progress  nyr          nyr          mixed          not_yet_rated
    2024-08-31   in_progress  in_progress  nyr          mixed          not_yet_rated
    2025-02-15   delivered    in_progress  in_progress  mixed          in_progress
    2025-03-15   delivered    delivered    in_progress  mixed          in_progress
    2025-05-31   delivered    delivered    delivered    delivered      delivered
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from pledgetrack import load_dataset
from pledgetrack.model.joint import MIXED, UNANIMOUS, WEAKEST, overall_status
from pledgetrack.model.vocabulary import DEFAULT_VOCABULARY, Status, Vocabulary
from tests.clirun import REPO, cli

SRC = "sources:\n  - url: https://example.org/{id}\n"

JOINT = {
    "j-joint": """\
id: j-joint
title: Joint maritime patrols
actors: [Japan, Philippines, US]
domains: [maritime]
announced: 2024-01-01
deadline: 2024-12-31
{src}updates:
  - date: 2024-03-01
    status: in_progress
    party: Japan
  - date: 2024-04-01
    status: in_progress
    party: Philippines
  - date: 2024-09-01
    status: delivered
    party: Japan
  - date: 2025-02-01
    status: in_progress
    party: US
  - date: 2025-03-01
    status: delivered
    party: Philippines
  - date: 2025-05-01
    status: delivered
    party: US
""",
    "k-split": """\
id: k-split
title: Shared cyber centre
actors: [Japan, US]
domains: [cyber]
announced: 2024-01-01
{src}updates:
  - date: 2024-06-01
    status: broken
    party: Japan
  - date: 2024-07-01
    status: in_progress
    party: US
""",
    "w-whole": """\
id: w-whole
title: Coast guard boats
actors: [Japan]
domains: [maritime]
announced: 2024-01-01
{src}updates:
  - date: 2024-05-01
    status: in_progress
  - date: 2025-01-10
    status: delivered
""",
}


def make_joint_root(tmp_path: Path, rule: str | None = None) -> Path:
    (tmp_path / "pledges").mkdir(parents=True)
    config = "stale_after_days: 100\n"
    if rule is not None:
        config += f"joint_status: {rule}\n"
    (tmp_path / "pledgetrack.yaml").write_text(config, encoding="utf-8")
    for pledge_id, text in JOINT.items():
        (tmp_path / "pledges" / f"{pledge_id}.yaml").write_text(
            text.replace("{src}", SRC.replace("{id}", pledge_id)), encoding="utf-8")
    return tmp_path


def invoke(*args: str) -> Any:
    return cli(*args)


def run_ok(*args: str) -> str:
    result = invoke(*args)
    assert result.exit_code == 0, result.stderr
    out: str = result.stdout
    return out


def report(root: Path, as_of: str, *args: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(run_ok("report", "--dir", str(root), "--as-of", as_of,
                                            "-f", "json", *args))
    return doc


def listed(root: Path, as_of: str, *args: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(run_ok("list", "--dir", str(root), "--as-of", as_of,
                                                   "-f", "json", *args))
    return rows


@pytest.fixture(params=["unanimous-default", "weakest"])
def rule(request: pytest.FixtureRequest) -> str:
    return str(request.param)


# -- the rule itself ----------------------------------------------------------------------------

TIMELINE = [
    # as of, Japan, Philippines, US, unanimous, weakest
    ("2024-02-01", "not_yet_rated", "not_yet_rated", "not_yet_rated", "not_yet_rated",
     "not_yet_rated"),
    ("2024-03-31", "in_progress", "not_yet_rated", "not_yet_rated", MIXED, "not_yet_rated"),
    ("2024-08-31", "in_progress", "in_progress", "not_yet_rated", MIXED, "not_yet_rated"),
    ("2025-02-15", "delivered", "in_progress", "in_progress", MIXED, "in_progress"),
    ("2025-03-15", "delivered", "delivered", "in_progress", MIXED, "in_progress"),
    ("2025-05-31", "delivered", "delivered", "delivered", "delivered", "delivered"),
]


@pytest.mark.parametrize(("as_of", "japan", "phil", "us", "unanimous", "weakest"), TIMELINE)
def test_joint_status_over_time_both_rules(
    tmp_path: Path, yaml_loader: str, as_of: str, japan: str, phil: str, us: str,
    unanimous: str, weakest: str,
) -> None:
    parties = {"Japan": japan, "Philippines": phil, "US": us}
    # The default rule is unanimous; the rule written out gives the same.
    for folder, config_rule, expected in (("default", None, unanimous),
                                          ("unanimous", "unanimous", unanimous),
                                          ("weakest", "weakest", weakest)):
        root = make_joint_root(tmp_path / folder, config_rule)
        rows = {r["id"]: r for r in listed(root, as_of)}
        assert rows["j-joint"]["status"] == expected, (folder, as_of)
        assert rows["j-joint"]["parties"] == parties
        assert rows["j-joint"]["final"] == (expected == "delivered")
        # A pledge assessed as a whole: its own status, no parties, under either rule.
        assert rows["w-whole"]["parties"] == {}
        # Python API: the same answer from the model.
        data = load_dataset(root)
        pledge = next(p for p in data.pledges if p.id == "j-joint")
        when = dt.date.fromisoformat(as_of)
        assert data.config.standing(pledge, when).status == expected
        assert pledge.status(when, vocabulary=data.config.vocabulary,
                             rule=data.config.joint_status) == expected
        assert pledge.status_by_party(when) == parties


def test_overall_status_orders_weakest() -> None:
    v = DEFAULT_VOCABULARY
    # All agree -> that status, under both rules.
    assert overall_status(["partial", "partial"], v, UNANIMOUS) == "partial"
    assert overall_status(["partial", "partial"], v, WEAKEST) == "partial"
    # An actor without an update (None) -> not yet rated under weakest; mixed under unanimous.
    assert overall_status(["delivered", None], v, WEAKEST) == "not_yet_rated"
    assert overall_status(["delivered", None], v, UNANIMOUS) == MIXED
    assert overall_status([None, None], v, UNANIMOUS) == "not_yet_rated"
    # Lowest score among statuses of the same finality.
    assert overall_status(["delivered", "partial"], v, WEAKEST) == "partial"          # 1 > 0
    assert overall_status(["in_progress", "stalled"], v, WEAKEST) == "stalled"        # 0 > -1
    # Open before final, whatever the scores: broken (-1, final) vs in progress (0, open).
    assert overall_status(["broken", "in_progress"], v, WEAKEST) == "in_progress"
    # A tie in score: the open one (in progress 0) before the final one (partial 0).
    assert overall_status(["partial", "in_progress"], v, WEAKEST) == "in_progress"
    # Without a score before a scored one of the same finality: unrateable before broken.
    assert overall_status(["broken", "unrateable"], v, WEAKEST) == "unrateable"
    assert overall_status(["stalled", "not_yet_rated"], v, WEAKEST) == "not_yet_rated"
    # A tie in finality and score: the earlier in the vocabulary (broken before withdrawn).
    assert overall_status(["withdrawn", "broken"], v, WEAKEST) == "broken"


# -- report figures -----------------------------------------------------------------------------


def test_report_as_of_2025_02_15_both_rules(tmp_path: Path, yaml_loader: str) -> None:
    # unanimous: j mixed (delivered/in_progress/in_progress), k mixed (broken/in_progress),
    # w delivered.  weakest: j in_progress, k in_progress (open before final), w delivered.
    for config_rule, counts in ((None, {"mixed": 2, "delivered": 1}),
                                ("weakest", {"in_progress": 2, "delivered": 1})):
        root = make_joint_root(tmp_path / str(config_rule), config_rule)
        doc = report(root, "2025-02-15")
        assert doc["total"] == 3
        expected = dict.fromkeys(doc["by_status"], 0) | counts
        assert doc["by_status"] == expected
        assert "mixed" in doc["by_status"]  # present under either rule, zero or not
        # One final pledge (w); final_rate covers final statuses only, never mixed.
        assert doc["final"] == 1
        assert "mixed" not in doc["final_rate"]
        assert doc["final_rate"]["delivered"] == 100.0
        # j's deadline 2024-12-31 has passed and it is not final (mixed / in progress).
        assert doc["overdue"] == ["j-joint"]
        # k's last update 2024-07-01 is 229 days before 2025-02-15 (> 100); j's 2025-02-01 is
        # 14 days, w is final.
        assert doc["stale"] == ["k-split"]
        # Compliance is one cell per actor, whatever the rule: j +1, 0, 0; k -1, 0; w +1.
        # Mean 1/6 = 0.1667; percent (1/6 + 1) / 2 * 100 = 58.33; 6 of 6 assessed.
        assert doc["compliance"] == {"mean": 0.1667, "percent": 58.33, "assessed": 6,
                                     "cells": 6, "coverage": 100.0}


def test_percent_of_mixed(tmp_path: Path) -> None:
    doc = report(make_joint_root(tmp_path), "2025-02-15")
    # 2 of 3 mixed, 1 of 3 delivered.
    assert doc["percent"]["mixed"] == 66.67
    assert doc["percent"]["delivered"] == 33.33


def test_report_all_agree_then_delivered(tmp_path: Path) -> None:
    doc = report(make_joint_root(tmp_path), "2025-05-31")
    # j all delivered -> delivered (final, no longer overdue); k still mixed; w delivered.
    assert doc["by_status"]["delivered"] == 2
    assert doc["by_status"]["mixed"] == 1
    assert doc["final"] == 2
    assert doc["overdue"] == []
    assert doc["final_rate"]["delivered"] == 100.0


def test_status_mixed_filter(tmp_path: Path) -> None:
    root = make_joint_root(tmp_path)
    assert [r["id"] for r in listed(root, "2025-02-15", "--status", "mixed")] == [
        "j-joint", "k-split"]
    # Open and overdue: mixed counts as any open status.
    assert [r["id"] for r in listed(root, "2025-02-15", "--open", "--overdue")] == ["j-joint"]
    assert [r["id"] for r in listed(root, "2025-02-15", "--stale")] == ["k-split"]
    assert [r["id"] for r in listed(root, "2025-02-15", "--final")] == ["w-whole"]
    doc = report(root, "2025-02-15", "--status", "mixed")
    assert doc["total"] == 2
    # Under weakest nothing is mixed; the filter is still valid.
    weakest = make_joint_root(tmp_path / "w", "weakest")
    assert listed(weakest, "2025-02-15", "--status", "mixed") == []


def test_stale_mixed(tmp_path: Path) -> None:
    # As of 2024-08-31 j is mixed (Japan and the Philippines in progress, US not rated) and its
    # latest update, 2024-04-01, is 152 days old (> 100): stale. k (2024-07-01, 61 days) is not;
    # w (in progress since 2024-05-01, 122 days) is.
    doc = report(make_joint_root(tmp_path), "2024-08-31")
    assert doc["by_status"]["mixed"] == 2  # j; k: Japan broken, US in progress
    assert doc["stale"] == ["j-joint", "w-whole"]


def test_unknown_status_lists_mixed(tmp_path: Path) -> None:
    result = invoke("list", "--dir", str(make_joint_root(tmp_path)), "--status", "mixd")
    assert result.exit_code == 2
    assert "did you mean 'mixed'" in result.stderr
    assert "\n" not in result.stderr.strip()


# -- configuration -------------------------------------------------------------------------------


@pytest.mark.parametrize(("config", "message"), [
    ("joint_status: strictest\n", "'joint_status' must be one of: unanimous, weakest"),
    ("statuses:\n  - name: not_yet_rated\n  - name: mixed\n", "status 'mixed' is reserved"),
    ("statuses:\n  - name: kept\n    score: 2\n", "score must be a number from -1 to 1"),
    ("statuses:\n  - name: kept\n    score: lots\n", "score must be a number from -1 to 1"),
])
def test_bad_configuration_exits_2(tmp_path: Path, config: str, message: str) -> None:
    root = make_joint_root(tmp_path)
    (root / "pledgetrack.yaml").write_text(config, encoding="utf-8")
    result = invoke("report", "--dir", str(root))
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


# -- per-party statuses where people look --------------------------------------------------------


def test_list_formats_show_parties(tmp_path: Path) -> None:
    root = make_joint_root(tmp_path)
    base = ("list", "--dir", str(root), "--as-of", "2025-02-15")
    tsv = run_ok(*base, "-f", "tsv").splitlines()
    header = tsv[0].split("\t")
    assert header[-1] == "parties"
    rows = {line.split("\t")[0]: line.split("\t") for line in tsv[1:]}
    assert rows["j-joint"][-1] == "Japan=delivered;Philippines=in_progress;US=in_progress"
    assert rows["j-joint"][header.index("status")] == "mixed"
    assert rows["w-whole"][-1] == ""
    csv_rows = list(csv.DictReader(io.StringIO(run_ok(*base, "-f", "csv"))))
    assert csv_rows[1]["parties"] == "Japan=broken;US=in_progress"
    table = run_ok(*base, "-f", "table")
    assert "Japan delivered · Philippines in_progress · US in_progress" in table
    markdown = run_ok(*base, "-f", "markdown")
    assert "Japan delivered · Philippines in\\_progress · US in\\_progress" in markdown


def test_export_rows_have_parties(tmp_path: Path) -> None:
    root = make_joint_root(tmp_path)
    base = ("export", "--dir", str(root), "--as-of", "2025-02-15")
    rows = {r["id"]: r for r in json.loads(run_ok(*base, "-f", "json"))}
    assert rows["k-split"]["parties"] == {"Japan": "broken", "US": "in_progress"}
    assert rows["k-split"]["status"] == "mixed"
    assert rows["w-whole"]["parties"] == {}
    csv_rows = {r["id"]: r for r in csv.DictReader(io.StringIO(run_ok(*base, "-f", "csv")))}
    assert csv_rows["k-split"]["parties"] == "Japan=broken;US=in_progress"
    assert csv_rows["w-whole"]["parties"] == ""


def test_export_import_keeps_party_statuses(tmp_path: Path) -> None:
    root = make_joint_root(tmp_path / "a")
    exported = tmp_path / "rows.csv"
    run_ok("export", "--dir", str(root), "--as-of", "2025-02-15", "-o", str(exported))
    other = tmp_path / "b"
    (other / "pledges").mkdir(parents=True)
    run_ok("import", "--dir", str(other), str(exported))
    rows = {r["id"]: r for r in listed(other, "2025-02-15")}
    assert rows["k-split"]["status"] == "mixed"
    assert rows["k-split"]["parties"] == {"Japan": "broken", "US": "in_progress"}
    assert rows["w-whole"]["status"] == "delivered"


def test_show_states_overall_and_parties(tmp_path: Path) -> None:
    root = make_joint_root(tmp_path)
    doc = json.loads(run_ok("show", "j-joint", "--dir", str(root), "--as-of", "2025-02-15",
                            "-f", "json"))
    assert doc["status"]["name"] == "mixed"
    assert doc["status"]["final"] is False
    assert doc["status"]["since"] == "2025-02-01"  # the latest update that set a party
    assert {k: v["name"] for k, v in doc["status_by_party"].items()} == {
        "Japan": "delivered", "Philippines": "in_progress", "US": "in_progress"}
    assert doc["overdue"] is True
    weakest = make_joint_root(tmp_path / "w", "weakest")
    doc = json.loads(run_ok("show", "j-joint", "--dir", str(weakest), "--as-of",
                            "2025-02-15", "-f", "json"))
    assert doc["status"]["name"] == "in_progress"


def test_html_timeline_and_status_row(tmp_path: Path) -> None:
    root = make_joint_root(tmp_path)
    page = run_ok("report", "--dir", str(root), "--as-of", "2025-02-15", "-f", "html")
    assert 'data-status="mixed"' in page
    # The per-party list of j's card (the page keeps cards as data until opened).
    from tests.render.test_html_report import card_html, parse

    assert any(re.search(r"Philippines: <span[^>]*>In progress</span>", card)
               for card in card_html(parse(page)).values())
    # The row of mixed in the status table: 2 pledges.
    assert re.search(r">Mixed</span></th><td>2</td>", page)


def test_text_markdown_csv_have_a_mixed_row(tmp_path: Path) -> None:
    root = make_joint_root(tmp_path)
    base = ("report", "--dir", str(root), "--as-of", "2025-02-15")
    markdown = run_ok(*base, "-f", "markdown")
    # 2 of 3: 66.7 %; not final: no final rate.
    assert "| Mixed (`mixed`) | 2 | 66.7 | \u2013 |" in markdown
    table = run_ok(*base, "-f", "table")
    assert re.search(r"mixed\s+2\s+66\.7\s+\u2013", table)
    rows = list(csv.DictReader(io.StringIO(run_ok(*base, "-f", "csv"))))
    mixed = next(r for r in rows if r["group"] == "all" and r["status"] == "mixed")
    assert (mixed["final"], mixed["count"], mixed["percent"], mixed["final_percent"]) == (
        "no", "2", "66.67", "")


def test_diff_reports_overall_and_party_changes(tmp_path: Path) -> None:
    import subprocess

    root = make_joint_root(tmp_path)

    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)

    git("init", "-q")
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "base")
    path = root / "pledges" / "k-split.yaml"
    path.write_text(path.read_text() + "  - date: 2024-08-01\n    status: broken\n"
                    "    party: US\n", encoding="utf-8")
    doc = json.loads(run_ok("diff", "--dir", str(root), "HEAD", "-f", "json"))
    change = next(c for c in doc["changes"] if c["id"] == "k-split")
    got = {(s["party"], s["old"], s["new"]) for s in change["status_changes"]}
    # As a whole mixed -> broken (both parties broken); US in progress -> broken.
    assert got == {(None, "mixed", "broken"), ("US", "in_progress", "broken")}


# -- the G20-style data set ---------------------------------------------------------------------

STATUS_OF_SCORE = {1: "delivered", 0: "partial", -1: "broken"}
# commitment -> the members it lists in `actors` (the others of the group are absent from it)
# with their scores; None: listed, but not scored.
COMMITMENTS: dict[str, dict[str, int | None]] = {
    "c1": {"Argentina": 1, "Brazil": 1, "Canada": 1, "EU": 1},  # all +1 -> delivered
    "c2": {"Brazil": -1, "India": -1, "Japan": -1},            # all -1 -> broken
    "c3": {"Argentina": 0, "EU": 0},                           # all 0 -> partial
    "c4": {"Argentina": 1, "Brazil": 0, "Canada": 1},          # -> mixed
    "c5": {"Canada": 1, "EU": 1, "India": None},               # one not scored -> mixed
    "c6": {"Japan": 1},                                        # a single member +1 -> delivered
    "c7": {"Brazil": -1, "EU": 1, "India": -1, "Japan": -1},   # -> mixed
}


def test_g20_style_data_set(tmp_path: Path, yaml_loader: str) -> None:
    (tmp_path / "pledges").mkdir()
    for cid, scores in COMMITMENTS.items():
        lines = [f"id: {cid}", f"title: Commitment {cid}", f"actors: [{', '.join(scores)}]",
                 "domains: [economy]", "announced: 2024-09-01",
                 "sources:", "  - url: https://example.org/g20", "updates:"]
        for member, score in scores.items():
            if score is not None:
                lines += ["  - date: 2025-06-30", f"    status: {STATUS_OF_SCORE[score]}",
                          f"    party: {member}"]
        (tmp_path / "pledges" / f"{cid}.yaml").write_text("\n".join(lines) + "\n")
    for rule in (None, "unanimous"):
        if rule is not None:
            (tmp_path / "pledgetrack.yaml").write_text(f"joint_status: {rule}\n")
        doc = report(tmp_path, "2025-12-31")
        assert doc["total"] == 7
        assert doc["by_status"]["delivered"] == 2  # c1, c6
        assert doc["by_status"]["broken"] == 1     # c2
        assert doc["by_status"]["partial"] == 1    # c3
        assert doc["by_status"]["mixed"] == 3      # c4, c5, c7
        assert sum(doc["by_status"].values()) == 7
        # Cells: 4 + 3 + 2 + 3 + 3 + 1 + 4 = 20, 19 assessed (c5's India is not). Sum of the
        # scores: c1 4, c2 -3, c3 0, c4 2, c5 2, c6 1, c7 -2 = 4; mean 4/19 = 0.2105; percent
        # (4/19 + 1) / 2 * 100 = 60.53; coverage 19/20 = 95 %.
        assert doc["compliance"] == {"mean": 0.2105, "percent": 60.53, "assessed": 19,
                                     "cells": 20, "coverage": 95.0}


# -- scores between -1 and +1 -------------------------------------------------------------------

FRACTIONAL_CONFIG = """\
statuses:
  - name: not_yet_rated
  - name: in_progress
    score: 0
  - name: mostly_kept
    label: Mostly kept
    final: true
    score: 0.5
  - name: kept
    final: true
    score: 1
  - name: broken
    final: true
    score: -1
"""


def make_fractional_root(tmp_path: Path) -> Path:
    """p1 X mostly_kept (domain a), p2 X kept (a), p3 X in_progress (b), p4 X mostly_kept and
    Y broken, party by party (b)."""
    (tmp_path / "pledges").mkdir()
    (tmp_path / "pledgetrack.yaml").write_text(FRACTIONAL_CONFIG, encoding="utf-8")
    whole = {"p1": ("a", "mostly_kept"), "p2": ("a", "kept"), "p3": ("b", "in_progress")}
    for pid, (domain, status) in whole.items():
        (tmp_path / "pledges" / f"{pid}.yaml").write_text(
            f"id: {pid}\ntitle: Pledge {pid}\nactors: [X]\ndomains: [{domain}]\n"
            "announced: 2025-01-01\nsources:\n  - url: https://example.org/s\nupdates:\n"
            f"  - date: 2025-02-01\n    status: {status}\n")
    (tmp_path / "pledges" / "p4.yaml").write_text(
        "id: p4\ntitle: Pledge p4\nactors: [X, Y]\ndomains: [b]\nannounced: 2025-01-01\n"
        "sources:\n  - url: https://example.org/s\nupdates:\n"
        "  - date: 2025-02-01\n    status: mostly_kept\n    party: X\n"
        "  - date: 2025-02-01\n    status: broken\n    party: Y\n")
    return tmp_path


def test_fractional_scores(tmp_path: Path, yaml_loader: str) -> None:
    root = make_fractional_root(tmp_path)
    doc = report(root, "2025-12-31", "--by", "domain", "--matrix")
    # Cells: p1 0.5, p2 1, p3 0, p4 X 0.5, Y -1: sum 1.0 over 5 -> mean 0.2, percent 60.0.
    assert doc["compliance"] == {"mean": 0.2, "percent": 60.0, "assessed": 5, "cells": 5,
                                 "coverage": 100.0}
    # a: 0.5, 1 -> mean 0.75, percent 87.5. b: 0, 0.5, -1 -> mean -0.5/3 = -0.1667,
    # percent (1 - 1/6) / 2 * 100 = 41.67.
    assert doc["groups"]["a"]["compliance"]["mean"] == 0.75
    assert doc["groups"]["a"]["compliance"]["percent"] == 87.5
    assert doc["groups"]["b"]["compliance"]["mean"] == -0.1667
    assert doc["groups"]["b"]["compliance"]["percent"] == 41.67
    # Matrix: X 0.5, 1, 0, 0.5 -> 0.5 (75 %); Y -1 -> -1 (0 %); p4's row (0.5 - 1)/2 = -0.25.
    m = doc["matrix"]
    assert m["by_party"]["X"]["mean"] == 0.5
    assert m["by_party"]["X"]["percent"] == 75.0
    assert m["by_party"]["Y"]["mean"] == -1.0
    assert m["by_pledge"]["p4"]["mean"] == -0.25
    p4 = next(r for r in m["pledges"] if r["id"] == "p4")
    assert p4["scores"] == {"X": 0.5, "Y": -1}
    # p4 is mixed (mostly kept / broken); the others have their one status.
    assert doc["by_status"] == {"not_yet_rated": 0, "in_progress": 1, MIXED: 1,
                                "mostly_kept": 1, "kept": 1, "broken": 0}
    markdown = run_ok("report", "--dir", str(root), "--as-of", "2025-12-31", "--matrix",
                      "-f", "markdown")
    assert re.search(r"\| `p1` \| \+0\.5 \|", markdown)
    assert "60.0 % (mean +0.20)" in markdown


def test_statuses_shows_fractional_score(tmp_path: Path) -> None:
    root = make_fractional_root(tmp_path)
    text = run_ok("statuses", "--dir", str(root), "-f", "text")
    assert "mostly_kept\tMostly kept\tyes\t+0.5\t" in text
    doc = json.loads(run_ok("statuses", "--dir", str(root), "-f", "json"))
    assert next(s for s in doc if s["name"] == "mostly_kept")["score"] == 0.5
    assert next(s for s in doc if s["name"] == "kept")["score"] == 1


def test_default_vocabulary_scores_unchanged() -> None:
    assert [s.score for s in DEFAULT_VOCABULARY] == [None, 0, -1, 0, 1, -1, -1, None]
    assert Vocabulary((Status("a", "A", score=0.25),)).score("a") == 0.25


# -- coverage beside every compliance figure ---------------------------------------------------
# As of 2024-03-31: j Japan in progress (0), Philippines and US not rated; k both not rated;
# w not rated (its first update is 2024-05-01). 6 cells, 1 assessed: mean 0, 50.0 %, coverage
# 1/6 = 16.67 %. By party: Japan j 0, w n/a, k n/a -> 1 of 3 (33.3 %); Philippines 0 of 1;
# US 0 of 2.


def test_coverage_json(tmp_path: Path) -> None:
    doc = report(make_joint_root(tmp_path), "2024-03-31", "--by", "party", "--matrix")
    assert doc["compliance"] == {"mean": 0.0, "percent": 50.0, "assessed": 1, "cells": 6,
                                 "coverage": 16.67}
    assert doc["groups"]["Japan"]["compliance"]["coverage"] == 33.33
    assert doc["groups"]["Philippines"]["compliance"]["coverage"] == 0.0
    assert doc["groups"]["US"]["compliance"] == {"mean": None, "percent": None, "assessed": 0,
                                                 "cells": 2, "coverage": 0.0}
    assert doc["matrix"]["by_party"]["Japan"]["coverage"] == 33.33
    assert doc["matrix"]["by_pledge"]["j-joint"]["coverage"] == 33.33


def test_coverage_text_markdown_html_csv(tmp_path: Path) -> None:
    root = make_joint_root(tmp_path)
    base = ("report", "--dir", str(root), "--as-of", "2024-03-31")
    headline = "50.0 % (mean 0.00) \u2014 1 of 6 cells assessed (16.7 %)"
    assert f"Compliance: {headline}" in run_ok(*base, "-f", "table")
    markdown = run_ok(*base, "-f", "markdown", "--by", "party", "--matrix")
    assert f"Compliance: **{headline}**" in markdown
    # Groups: the percentage and, beside it, the cells assessed.
    assert re.search(r"\| Japan \| 3 \|.*\| 50\.0 % \| 1/3 \(33\.3 %\) \|", markdown)
    assert re.search(r"\| US \| 2 \|.*\| n/a \| 0/2 \(0 %\) \|", markdown)
    # Matrix totals: the average row and a row of cells assessed per party.
    assert "| **Average** |" in markdown and "**1/6 (16.7 %)**" in markdown
    assert re.search(r"\| \*\*Cells assessed\*\* \| 1/3 \(33\.3 %\) \| 0/1 \(0 %\) \| "
                     r"0/2 \(0 %\) \|", markdown)
    table = run_ok(*base, "-f", "table", "--by", "party", "--matrix")
    assert re.search(r"Japan\s+3\s.*50\.0 %\s+1/3 \(33\.3 %\)", table)
    page = run_ok(*base, "-f", "html", "--by", "party", "--matrix")
    card = re.search(r'<div class="card compliance">.*?</div>', page, re.S)
    assert card is not None
    assert '<dd class="value">50.0 %</dd>' in card.group(0)
    assert "1 of 6 cells assessed (16.7 %)" in card.group(0)
    assert "<td>1/3 (33.3 %)</td>" in page  # the groups and matrix tables
    rows = list(csv.reader(io.StringIO(run_ok(*base, "-f", "csv", "--matrix"))))
    header = rows[0]
    assert header[-1] == "coverage"
    average = next(r for r in rows if r[0] == "(average)")
    assert average[-5:] == ["0.0", "50.0", "1", "6", "16.67"]
    coverage = next(r for r in rows if r[0] == "(coverage)")
    assert coverage[2:5] == ["33.33", "0.0", "0.0"]  # Japan, Philippines, US


def test_bundled_data_states_coverage_next_to_the_percentage() -> None:
    root = REPO
    markdown = run_ok("report", "--dir", str(root), "-f", "markdown")
    line = next(x for x in markdown.splitlines() if x.startswith("Compliance:"))
    assert re.search(r"Compliance: \*\*(\d+\.\d %|not assessed).* \u2014 \d+ of \d+ cells? "
                     r"assessed \(\d+(\.\d)? %\)\*\*", line), line
    page = run_ok("report", "--dir", str(root), "-f", "html")
    card = re.search(r'<div class="card compliance">.*?</div>', page, re.S)
    assert card is not None
    assert re.search(r'class="value">(\d+\.\d %|n/a)</dd><dd class="note">\d+ of \d+ cells? '
                     r"assessed \(\d+(\.\d)? %\)", card.group(0)), card.group(0)


def test_compliance_model_coverage() -> None:
    from pledgetrack.queries.reports import Compliance

    c = Compliance.of([1, None, None, 0.5])
    assert (c.mean, c.assessed, c.cells, c.coverage) == (0.75, 2, 4, 50.0)
    assert Compliance.of([]).coverage is None


def test_narrow_terminal_table_shows_parties_under_the_title(tmp_path: Path) -> None:
    from pledgetrack.queries.selection import select, states
    from pledgetrack.render import listing

    root = make_joint_root(tmp_path)
    ds = load_dataset(root)
    when = dt.date(2025, 2, 15)
    rows = states(ds, select(ds, None, when), when)
    text = listing.table(rows, vocabulary=ds.config.statuses, color=False, width=80)
    assert max(len(line) for line in text.splitlines()) <= 80
    # Folded at spaces within the pledge's cell, never cut.
    words = " ".join(text.split())
    for part in ("Japan delivered", "Philippines in_progress", "US in_progress",
                 "Japan broken", "US in_progress"):
        assert part in words
    wide = listing.table(rows, vocabulary=ds.config.statuses, color=False, width=200)
    assert "Japan broken · US in_progress" in wide
    assert "parties" in wide.splitlines()[0]
