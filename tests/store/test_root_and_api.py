"""Finding the data root, the Python API, and the basic commands."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import pledgetrack
from pledgetrack.errors import PledgetrackError
from pledgetrack.store.root import find_root
from tests.clirun import cli
from tests.conftest import VALID, WriteFn


def test_root_is_found_from_a_subfolder(data_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nested = data_root / "notes" / "deep"
    nested.mkdir(parents=True)
    monkeypatch.delenv("PLEDGETRACK_DIR", raising=False)
    assert find_root(start=nested) == data_root
    assert find_root(start=data_root / "pledges") == data_root


def test_dir_may_name_the_pledges_folder(data_root: Path) -> None:
    assert find_root(data_root / "pledges") == data_root
    assert find_root(str(data_root)) == data_root


def test_env_var_names_the_root(
    data_root: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch,
    write: WriteFn,
) -> None:
    write("p1")
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    monkeypatch.chdir(elsewhere)
    monkeypatch.setenv("PLEDGETRACK_DIR", str(data_root))
    result = cli("check")
    assert result.exit_code == 0
    assert "checked 1 file" in result.stderr


def test_missing_dir_and_dir_without_pledges(tmp_path: Path) -> None:
    with pytest.raises(PledgetrackError, match="does not exist"):
        find_root(tmp_path / "nope")
    with pytest.raises(PledgetrackError, match="run 'pledgetrack init"):
        find_root(tmp_path)


def test_api_load_dataset(data_root: Path, write: WriteFn) -> None:
    write("b", VALID + "updates:\n  - date: 2025-11\n    status: in_progress\n")
    write("a")
    write("broken", "id: broken\n")
    ds = pledgetrack.load_dataset(data_root)
    assert [p.id for p in ds.pledges] == ["a", "b"]
    assert ds.broken == ["pledges/broken.yaml"]
    assert ds.files == 3
    b = ds.get("b")
    assert b is not None and b.status() == "in_progress"
    assert str(b.updates[0].date) == "2025-11"
    assert b.actors == ("Japan",) and b.recipients == ("ASEAN",)
    assert {p.rule for p in pledgetrack.check(data_root)} == {"missing-field"}


def test_api_keeps_unknown_fields(data_root: Path, write: WriteFn) -> None:
    write("a", VALID + "local_ref: ABC-12\n")
    ds = pledgetrack.load_dataset(data_root)
    assert ds.pledges[0].extra == {"local_ref": "ABC-12"}


def test_configured_vocabulary(data_root: Path, write: WriteFn) -> None:
    (data_root / "pledgetrack.yaml").write_text(
        "statuses:\n"
        "  - name: not_yet_rated\n"
        "  - name: kept\n    label: Promise kept\n    final: true\n    score: 1\n"
        "  - name: broken\n    final: true\n    score: -1\n"
    )
    write("a", VALID + "updates:\n  - date: 2025-11\n    status: kept\n")
    ds = pledgetrack.load_dataset(data_root)
    assert ds.problems == []
    assert ds.config.vocabulary["kept"].label == "Promise kept"
    result = cli("statuses", "--dir", str(data_root), "-f", "json")
    assert [s["name"] for s in json.loads(result.stdout)] == ["not_yet_rated", "kept", "broken"]


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("statuses: []\n", "'statuses' must be a non-empty list"),
        ("statuses:\n  - name: a\n    score: 2\n", "score must be a number from -1 to 1"),
        ("statuses:\n  - name: a\n  - name: a\n", "listed twice"),
        # A trailing line break would split rows of Markdown and tab-separated output.
        ('statuses:\n  - name: "rated\\n"\n', "status 'rated\\n' must be a lowercase name"),
        ('domains:\n  "cyber\\n": Cyber\n', "domain 'cyber\\n' must be a lowercase slug"),
        ("domains: 5\n", "'domains' must be a mapping"),
        ("require_update_sources: maybe\n", "must be true or false"),
        ("colour: red\n", "unknown setting 'colour'"),
        ("a: 1\na: 2\n", "duplicate key 'a'"),
        ("- a\n", "must be a mapping"),
        ("x: [\n", "invalid YAML"),
    ],
)
def test_bad_configuration(data_root: Path, config: str, message: str) -> None:
    (data_root / "pledgetrack.yaml").write_text(config)
    result = cli("check", "--dir", str(data_root))
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize(("bad", "line", "message"), [
    ("    score: 2\n", 6, "status 'b': score must be a number"),
    ("    final: maybe\n", 6, "status 'b': final must be true or false"),
    ("    colour: red\n", 6, "status 'b': unknown key 'colour'"),
    ("  - name: a\n", 6, "status 'a' is listed twice"),
])
def test_a_bad_status_is_reported_at_its_own_line(
    data_root: Path, bad: str, line: int, message: str,
) -> None:
    config = ("stale_after_days: 90\nstatuses:\n  - name: a\n    score: 1\n"
              "  - name: b\n" + bad)
    (data_root / "pledgetrack.yaml").write_text(config)
    result = cli("check", "--dir", str(data_root))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"pledgetrack: error: pledgetrack.yaml:{line}: {message}"), \
        result.stderr


def test_statuses_text_and_json() -> None:
    result = cli("statuses", "-f", "text")
    lines = result.stdout.splitlines()
    assert lines[0] == "name\tlabel\tfinal\tscore\tdescription"
    assert lines[5].startswith("delivered\tDelivered\tyes\t+1\t")
    doc = json.loads(cli("statuses", "-f", "json").stdout)
    assert doc[0] == {"name": "not_yet_rated", "label": "Not yet rated", "final": False,
                      "color": "grey62", "score": None,
                      "description": "Recorded, not yet assessed."}


def test_statuses_table_respects_color_flag() -> None:
    coloured = cli("statuses", "-f", "table", "--color", "always").stdout
    plain = cli("statuses", "-f", "table", "--color", "never").stdout
    assert "\x1b[" in coloured
    assert "\x1b[" not in plain
    assert "not_yet_rated" in plain


def test_no_color_env(monkeypatch: pytest.MonkeyPatch) -> None:
    from pledgetrack.render.console import use_color

    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    assert not use_color("auto")
    assert use_color("always")
    monkeypatch.setenv("NO_COLOR", "")
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert use_color("auto")


def test_version_and_module_entry_point() -> None:
    result = subprocess.run([sys.executable, "-m", "pledgetrack", "--version"],
                            capture_output=True, text=True, check=True)
    assert result.stdout == f"pledgetrack {pledgetrack.__version__}\n"
    assert cli("--version").stdout == result.stdout


def test_unknown_command_suggests() -> None:
    result = cli("chek")
    assert result.exit_code == 2
    assert "did you mean 'check'?" in result.stderr


def test_console_script_reports_errors_without_traceback(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "pledgetrack", "check", "--dir",
                             str(tmp_path / "missing")], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr == (f"pledgetrack: error: data folder '{tmp_path / 'missing'}' "
                             "does not exist\n")
    assert "Traceback" not in result.stderr
