"""The Python examples of docs/api.md run as written, on the bundled pledges."""

from __future__ import annotations

import contextlib
import io
import json
import re

import pytest

from tests.clirun import REPO, cli

API_DOC = (REPO / "docs" / "api.md").read_text(encoding="utf-8")


def _block(heading: str) -> str:
    section = API_DOC.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    found = re.search(r"```python\n(.*?)```", section, re.S)
    assert found is not None, heading
    return found.group(1)


def test_the_changes_example(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)  # "run from a checkout of this repository"
    out = io.StringIO()
    names: dict[str, object] = {}
    with contextlib.redirect_stdout(out):
        exec(compile(_block("What changed between two dates"), "docs/api.md", "exec"), names)
    text = out.getvalue()
    assert text.startswith("2025-11-01 2025-12-31\n")
    # The last thing printed is the JSON of the command line, for the same window.
    printed = json.loads(text[text.index("\n{\n") + 1:])
    result = cli("changes", "--dir", str(REPO), "--since", "2025-11", "--until", "2025-12-31",
                 "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert printed == json.loads(result.stdout)


def test_the_filtering_example_selects_bundled_pledges(capsys: pytest.CaptureFixture[str]) -> None:
    code = _block("Filtering, summarising, exporting")
    code = code.replace('"path/to/tracker"', repr(str(REPO)))
    code = code.split("\nimport pandas", 1)[0]  # pandas is not a dependency of pledgetrack
    names: dict[str, object] = {}
    exec(compile(code, "docs/api.md", "exec"), names)  # a KeyError here is an empty selection
    pledges = names["pledges"]
    assert isinstance(pledges, list) and pledges
    # Every selected pledge is printed by the loop over the states.
    assert len(capsys.readouterr().out.splitlines()) == len(pledges)
    rows = names["rows"]
    assert isinstance(rows, list) and rows
