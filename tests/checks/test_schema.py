"""The shipped JSON Schema and `check` agree: what passes check validates, and the schema rejects
what check calls a structural error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from pledgetrack.checks.rules import check_pledge
from pledgetrack.model.config import Config
from pledgetrack.store.loader import parse_pledge
from tests.checks.test_check import CASES
from tests.clirun import cli
from tests.conftest import VALID

# Rules that need more than one file, the configuration or the file name: no schema can know them.
NOT_STRUCTURAL = {
    "unknown-status", "unknown-domain", "unknown-party", "missing-source", "id-mismatch",
    "duplicate-id", "unknown-field", "update-order", "update-before-announced",
    "deadline-before-announced",
}
# Rules about the bytes, not the document: a JSON view of the file does not exist.
NOT_A_DOCUMENT = {"yaml-syntax", "conflict-marker", "alias-limit", "nesting-limit", "yaml-tag",
                  "empty-file", "encoding", "file-too-large", "duplicate-key"}


def schema() -> dict[str, Any]:
    result = cli("schema")
    assert result.exit_code == 0
    loaded: dict[str, Any] = json.loads(result.stdout)
    return loaded


class _EditorLoader(yaml.SafeLoader):
    """Reads YAML as an editor's schema validator sees it: timestamps stay text."""


_EditorLoader.add_constructor(
    "tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node)
)


def schema_errors(text: str) -> list[str]:
    doc = yaml.load(text, Loader=_EditorLoader)  # a SafeLoader subclass
    validator = jsonschema.Draft202012Validator(schema())
    return [e.message for e in validator.iter_errors(doc)]


def structural_errors(text: str) -> list[str]:
    pledge, problems = parse_pledge(text.encode(), "pledges/p1.yaml")
    if pledge is not None:
        problems.extend(check_pledge(pledge, Config()))
    return [p.rule for p in problems if p.level == "error" and p.rule not in NOT_STRUCTURAL]


def test_schema_is_valid_draft_2020_12() -> None:
    jsonschema.Draft202012Validator.check_schema(schema())


MORE_CASES = [
    VALID.replace("announced: 2025-10-26", "announced: 2025"),
    VALID.replace("announced: 2025-10-26", "announced: '2025-Q4'"),
    VALID.replace("announced: 2025-10-26", "announced: 2025-04-31"),
    VALID.replace("announced: 2025-10-26", "announced: 25"),
    VALID + "deadline: ~\nsummary: ''\nmade_by: null\n",
    VALID + "updates: []\n",
    VALID + "updates:\n  - date: 2025-11\n    status: in_progress\n    sources: []\n",
    VALID + "updates:\n  - date: 2025-11\n",
    VALID + "updates:\n  - status: delivered\n",
    VALID + "updates:\n  - date: 2025-11\n    status: 1\n",
    VALID + "updates: {date: 2025-11}\n",
    VALID + "tags: [a, '', b]\n",
    VALID + "tags: [a, ~]\n",
    VALID + "tags: [yes]\n",
    VALID.replace("title: Support", "title: |\n  two\n  lines\n  Support"),
    VALID.replace("    publisher: Example News", "    archived: ftp://x"),
    VALID.replace("    publisher: Example News", "    published: 2025-10"),
    VALID.replace("    publisher: Example News", "    published: soon"),
    VALID.replace("id: {id}", "id: ''"),
    VALID.replace("id: {id}", "id: " + "a" * 81),
    VALID.replace("actors:\n  - Japan", "actors: []"),
    VALID.replace("  - url: https://example.org/summit", "  - https://example.org/summit"),
]


@pytest.mark.parametrize(
    "text",
    [c[1] for c in CASES] + MORE_CASES,
    ids=[c[0] for c in CASES] + [f"more-{i}" for i in range(len(MORE_CASES))],
)
def test_schema_and_check_agree(text: str) -> None:
    text = text.replace("{id}", "p1")
    rules = structural_errors(text)
    if set(rules) & NOT_A_DOCUMENT:
        return  # no JSON document to compare
    errors = schema_errors(text)
    if rules:
        assert errors, f"check reports {rules} but the schema accepts the file"
    else:
        assert not errors, f"check accepts the file but the schema says {errors}"


def test_bundled_pledges_validate() -> None:
    pledges = sorted((Path(__file__).resolve().parents[2] / "pledges").glob("*.yaml"))
    assert len(pledges) >= 12
    for path in pledges:
        assert schema_errors(path.read_text("utf-8")) == [], path.name
