"""The filter options shared by `list`, `report` and `export`, and `--as-of`."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from pledgetrack.errors import PledgetrackError
from pledgetrack.model.config import Config
from pledgetrack.model.dates import PartialDate
from pledgetrack.model.records import Pledge, Source, Update
from pledgetrack.queries.selection import Filter, evaluate, last_activity, parse_as_of
from tests.clirun import cli
from tests.fixture_reports import ALL_IDS, AS_OF, AS_OF_TEXT, make_root


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_root(tmp_path_factory.mktemp("filters"))


def ids(root: Path, *args: str, command: str = "list") -> list[str]:
    result = cli(command, "--dir", str(root), "--as-of", AS_OF_TEXT, "-f", "json", *args)
    assert result.exit_code == 0, result.stderr
    return [row["id"] for row in json.loads(result.stdout)]


@pytest.mark.parametrize(("args", "expected"), [
    ((), ALL_IDS),
    (("--status", "in_progress"), ["b-overdue", "f-old"]),
    # c: Japan stalled, the Philippines in progress.
    (("--status", "mixed"), ["c-stale"]),
    (("--status", "delivered", "--status", "withdrawn"), ["a-delivered", "g-withdrawn"]),
    (("--domain", "cyber"), ["a-delivered", "c-stale", "f-old"]),
    (("--actor", "philippines"), ["c-stale", "d-unrated", "g-withdrawn"]),  # any case
    (("--party", "Philippines"), ["c-stale", "d-unrated", "g-withdrawn"]),
    (("--recipient", "ASEAN"), ["a-delivered"]),
    (("--tag", "t2"), ["d-unrated", "g-withdrawn"]),
    # On or after 2025-01-01: a (2025-01-10), d (2025-11), h (2025-06-30).
    (("--announced-since", "2025"), ["a-delivered", "d-unrated", "h-unrateable"]),
    (("--announced-since", "Jan 2025"), ["a-delivered", "d-unrated", "h-unrateable"]),
    # On or after 2025-06-30: d (2025-11) and h (that very day).
    (("--announced-since", "30 June 2025"), ["d-unrated", "h-unrateable"]),
    # Before 2024-06-01: b (2024-05-01), c (2024-01-15), f (2023), g (2024-02-02).
    (("--announced-before", "2024-06"), ["b-overdue", "c-stale", "f-old", "g-withdrawn"]),
    # Deadlines ending before 2025-10-01: a (2025-06 ends 06-30), b (2025-Q3 ends 09-30).
    (("--due-before", "2025-10"), ["a-delivered", "b-overdue"]),
    # Ending after 2025-09-30: only d (2025-12-15); b ends on 2025-09-30 itself.
    (("--due-after", "2025-09"), ["d-unrated"]),
    (("--overdue",), ["b-overdue", "d-unrated"]),
    (("--stale",), ["c-stale", "f-old"]),
    (("--final",), ["a-delivered", "g-withdrawn", "h-unrateable"]),
    (("--open",), ["b-overdue", "c-stale", "d-unrated", "f-old"]),
    # b's summary says "Harbour", f's update note "HARBOUR".
    (("--search", "harbour"), ["b-overdue", "f-old"]),
    (("--search", "CYBER TRAINING"), ["a-delivered"]),  # title
    (("--domain", "cyber", "--open"), ["c-stale", "f-old"]),  # options combine with "and"
    # A comma separates values, as repeating the option does; statuses and domains, like
    # actors, are matched without regard to case.
    (("--status", "delivered,withdrawn"), ["a-delivered", "g-withdrawn"]),
    (("--status", "Delivered, WITHDRAWN"), ["a-delivered", "g-withdrawn"]),
    (("--domain", "CYBER"), ["a-delivered", "c-stale", "f-old"]),
])
def test_filter(root: Path, args: tuple[str, ...], expected: list[str]) -> None:
    assert ids(root, *args) == expected


def test_filters_are_the_same_on_all_three_commands(root: Path) -> None:
    args = ("--domain", "maritime", "--open")
    assert ids(root, *args) == ["b-overdue", "c-stale"]
    assert ids(root, *args, command="export") == ["b-overdue", "c-stale"]
    result = cli("report", "--dir", str(root), "--as-of", AS_OF_TEXT, "-f", "json", *args)
    assert json.loads(result.stdout)["total"] == 2


def test_as_of_keeps_only_pledges_announced_by_then(root: Path) -> None:
    assert "e-future" not in ids(root)
    result = cli("list", "--dir", str(root), "--as-of", "2026-02-01", "-f", "json")
    rows = {r["id"]: r for r in json.loads(result.stdout)}
    assert "e-future" in rows
    assert rows["f-old"]["status"] == "broken"  # its update of 2026-01-10 now counts
    assert rows["f-old"]["status_date"] == "2026-01-10"


@pytest.mark.parametrize(("args", "message"), [
    (("--status", "done"), "unknown status 'done'; valid: not_yet_rated, in_progress, stalled, "
                           "mixed, partial, delivered, broken, withdrawn, unrateable"),
    (("--status", "deliverd"), "unknown status 'deliverd' (did you mean 'delivered'?)"),
    (("--domain", "space"), "unknown domain 'space'; valid: cyber, maritime, diplomacy"),
    (("--as-of", "2025-02-30"), "--as-of: '2025-02-30' is not a date: February 2025 has 28 days"),
    (("--due-before", "soon"), "--due-before: 'soon' is not a date I can read without guessing; "
     "accepted forms: 2025-10-26, 2025-10"),
])
@pytest.mark.parametrize("command", ["list", "report", "export"])
def test_bad_filter_values_are_one_line_errors(
    root: Path, command: str, args: tuple[str, ...], message: str
) -> None:
    result = cli(command, "--dir", str(root), *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("pledgetrack: error: ")
    assert message in result.stderr
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize("command", ["list", "export"])
def test_domain_without_a_taxonomy_lists_the_domains_in_use(tmp_path: Path,
                                                            command: str) -> None:
    # export keeps no record once it has chosen: the names in use are gathered as they load.
    root = make_root(tmp_path, broken=False)
    (root / "pledgetrack.yaml").write_text("stale_after_days: 100\n", encoding="utf-8")
    result = cli(command, "--dir", str(root), "--domain", "space")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "domains in use: cyber, diplomacy, maritime" in result.stderr


def test_an_export_names_the_closest_actor_in_use(tmp_path: Path) -> None:
    root = make_root(tmp_path, broken=False)
    args = ("--dir", str(root), "--actor", "Philipines", "--tag", "t9")
    result = cli("export", *args)
    assert result.exit_code == 0
    assert result.stdout.count("\n") == 1  # the header alone
    assert result.stderr == (
        "pledgetrack: warning: no pledge has the actor 'Philipines' (did you mean "
        "'Philippines'?)\npledgetrack: warning: no pledge has the tag 't9'\n")
    assert cli("list", *args).stderr == result.stderr


def test_as_of_forms() -> None:
    assert parse_as_of("2025-12-31") == dt.date(2025, 12, 31)
    assert parse_as_of("2025-02") == dt.date(2025, 2, 28)  # the end of the period
    assert parse_as_of("2024-Q1") == dt.date(2024, 3, 31)
    assert parse_as_of("2025") == dt.date(2025, 12, 31)
    assert parse_as_of("today") == dt.date.today()
    assert parse_as_of(None) == dt.date.today()
    # As people write them, as `update --date` and `show --as-of` take them.
    assert parse_as_of("Q4 2025") == dt.date(2025, 12, 31)
    assert parse_as_of("Oct 2025") == dt.date(2025, 10, 31)
    assert parse_as_of("26 Oct 2025") == dt.date(2025, 10, 26)
    assert parse_as_of("yesterday") == dt.date.today() - dt.timedelta(days=1)
    for bad in ("yesterday-ish", "03/04/2025", "Oct"):  # ambiguous, or no year
        with pytest.raises(PledgetrackError):
            parse_as_of(bad)


@pytest.mark.parametrize("command", ["list", "report", "export"])
def test_a_value_no_pledge_has_is_a_warning_with_the_closest(root: Path, command: str) -> None:
    """Actors, recipients, parties and tags are open lists: a typo would be an empty result
    that looks like a finding. It is not an error (exit 0), but it is said."""
    result = cli(
        command, "--dir", str(root), "--as-of", AS_OF_TEXT, "-f", "json", "--actor", "Japn",
        "--party", "Phillipines", "--tag", "nosuch", "--recipient", "asean",
    )
    assert result.exit_code == 0
    warnings = [line for line in result.stderr.splitlines() if "no pledge has" in line]
    assert warnings == [
        "pledgetrack: warning: no pledge has the actor 'Japn' (did you mean 'Japan'?)",
        "pledgetrack: warning: no pledge has the party 'Phillipines' (did you mean "
        "'Philippines'?)",
        "pledgetrack: warning: no pledge has the tag 'nosuch'",
    ]  # `asean` is ASEAN, whatever the case


# -- the stale rule, to the day ----------------------------------------------------------------


def _pledge(announced: str, *updates: tuple[str, str]) -> Pledge:
    return Pledge(
        id="p", title="P", actors=("A",), domains=("d",),
        sources=(Source("https://example.org"),), announced=PartialDate.parse(announced),
        updates=tuple(Update(PartialDate.parse(d), s) for d, s in updates),
    )


def test_stale_boundary_is_more_than_stale_after_days() -> None:
    config = Config(stale_after_days=100)
    p = _pledge("2025-01-01", ("2025-09-22", "in_progress"))
    # 2025-12-31 - 2025-09-22 = 100 days: not more than 100, so not stale.
    assert (AS_OF - dt.date(2025, 9, 22)).days == 100
    assert not evaluate(p, config, AS_OF).stale
    # One day later, 101 days: stale.
    assert evaluate(p, config, dt.date(2026, 1, 1)).stale


def test_stale_counts_a_partial_date_from_the_end_of_its_period() -> None:
    config = Config(stale_after_days=100)
    # An update dated 2025-09 counts as 2025-09-30: 92 days before 2025-12-31.
    p = _pledge("2025-01-01", ("2025-09", "in_progress"))
    assert last_activity(p, AS_OF) == dt.date(2025, 9, 30)
    assert not evaluate(p, config, AS_OF).stale
    # ... but never later than the as-of date: as of 2025-09-15 it counts as 2025-09-15.
    assert last_activity(p, dt.date(2025, 9, 15)) == dt.date(2025, 9, 15)
    # Without updates, the announcement counts: 2025 -> 2025-12-31 as of 2026-04-11 is
    # 101 days -> stale.
    q = _pledge("2025")
    assert evaluate(q, config, dt.date(2026, 4, 11)).stale
    assert not evaluate(q, config, dt.date(2026, 4, 10)).stale


def test_final_pledges_are_never_stale_or_overdue() -> None:
    config = Config(stale_after_days=1)
    p = Pledge(id="p", title="P", actors=("A",), domains=("d",),
               sources=(Source("https://example.org"),),
               announced=PartialDate.parse("2020"), deadline=PartialDate.parse("2021"),
               updates=(Update(PartialDate.parse("2020-06-01"), "broken"),))
    state = evaluate(p, config, AS_OF)
    assert state.final and not state.stale and not state.overdue


def test_filter_accepts_plain_strings_in_python() -> None:
    f = Filter(statuses="delivered", actors=["Japan"])  # type: ignore[arg-type]
    assert f.statuses == ("delivered",) and f.actors == ("Japan",)
