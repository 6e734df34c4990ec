"""The shipped CI files: the GitHub Actions workflow, the pre-commit hook, and their docs.

Every `pledgetrack …` command line they contain is parsed against the real Typer application, so
a renamed command, option or format choice breaks this test, not a user's CI.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer.main
import yaml

from pledgetrack.cli.app import app
from pledgetrack.git.revisions import parse_range

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / "docs" / "examples" / "pledgetrack.yml"
HOOKS = ROOT / ".pre-commit-hooks.yaml"
CI_DOC = ROOT / "docs" / "ci.md"

_OPERATORS = {"|", "||", "&&", ";", "&", "(", ")"}
_REDIRECTS = {">", ">>", "<", "2>", "2>>"}


def shell_commands(script: str) -> list[list[str]]:
    """The simple commands of a shell script, as argument lists (quotes removed, operators and
    redirections with their targets dropped)."""
    script = script.replace("\\\n", " ")
    commands: list[list[str]] = []
    for line in script.splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        current: list[str] = []
        skip_next = False
        for token in lexer:
            if skip_next:
                skip_next = False
            elif token in _REDIRECTS:
                skip_next = True
            elif token in _OPERATORS:
                if current:
                    commands.append(current)
                current = []
            else:
                current.append(token)
        if current:
            commands.append(current)
    return commands


def pledgetrack_lines(script: str) -> list[list[str]]:
    return [c[1:] for c in shell_commands(script) if c and c[0] == "pledgetrack"]


def resolve(args: list[str]) -> Any:
    """Parse ``pledgetrack ARGS`` as the CLI would, without running it: unknown commands,
    unknown options, bad choices and extra arguments all fail here."""
    group = typer.main.get_command(app)
    names = sorted(group.commands)  # type: ignore[attr-defined]
    if not args:
        pytest.fail("a bare 'pledgetrack' with no command")
    command = group.commands.get(args[0])  # type: ignore[attr-defined]
    if command is None:
        pytest.fail(f"'pledgetrack {args[0]}' is not a command (registered: {', '.join(names)})")
    try:
        return command.make_context(f"pledgetrack {args[0]}", list(args[1:]))
    except Exception as exc:  # Click's usage errors: an unknown option, a bad --format choice …
        pytest.fail(f"'pledgetrack {shlex.join(args)}' does not parse: {exc}")


def test_shell_command_splitting() -> None:
    script = 'pledgetrack report --format markdown >> "$GITHUB_STEP_SUMMARY"\n' \
             "echo hi && pledgetrack check \\\n  --strict | tee out.txt  # note\n"
    assert pledgetrack_lines(script) == [["report", "--format", "markdown"],
                                         ["check", "--strict"]]


def test_resolve_rejects_what_does_not_exist() -> None:
    with pytest.raises(pytest.fail.Exception, match="is not a command"):
        resolve(["reprot"])
    with pytest.raises(pytest.fail.Exception, match="does not parse"):
        resolve(["check", "--no-such-flag"])
    with pytest.raises(pytest.fail.Exception, match="does not parse"):
        resolve(["diff", "--format", "html"])
    assert resolve(["diff", "a...b", "--format", "markdown"]).params["fmt"] == "markdown"


# -- the GitHub Actions workflow ---------------------------------------------------------------


def workflow() -> dict[Any, Any]:
    doc = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    assert isinstance(doc, dict)
    return doc


def steps() -> list[dict[str, Any]]:
    return [step for job in workflow()["jobs"].values() for step in job["steps"]]


def test_workflow_is_valid_yaml_with_triggers_and_jobs() -> None:
    doc = workflow()
    # YAML 1.1 reads the key `on` as true; GitHub reads it as "on".
    triggers = doc.get("on", doc.get(True))
    assert set(triggers) == {"push", "pull_request"}
    assert doc["permissions"] == {"contents": "read"}
    for job in doc["jobs"].values():
        assert job["runs-on"]
        for step in job["steps"]:
            assert ("uses" in step) != ("run" in step), step


def test_workflow_fetches_the_whole_history() -> None:
    (checkout,) = [s for s in steps() if str(s.get("uses", "")).startswith("actions/checkout@")]
    assert checkout["with"]["fetch-depth"] == 0


def test_workflow_calls_only_commands_and_flags_that_exist() -> None:
    lines = [args for s in steps() if "run" in s for args in pledgetrack_lines(s["run"])]
    assert [args[0] for args in lines] == ["check", "report", "report", "diff"]
    for args in lines:
        resolve(args)


def test_workflow_keeps_the_html_report_as_an_artifact() -> None:
    all_steps = steps()
    (html_step,) = [s for s in all_steps if s.get("name") == "HTML report"]
    (args,) = pledgetrack_lines(html_step["run"])
    assert args == ["report", "-o", "pledge-report.html"]
    upload = all_steps[all_steps.index(html_step) + 1]
    assert str(upload["uses"]).startswith("actions/upload-artifact@")
    assert upload["with"]["path"] == "pledge-report.html"


def test_workflow_writes_markdown_to_the_job_summary() -> None:
    runs = {s["name"]: s["run"] for s in steps() if "run" in s}
    for name in ("Report in the job summary", "What this pull request changes"):
        assert runs[name].endswith('--format markdown >> "$GITHUB_STEP_SUMMARY"')
    diff_step = next(s for s in steps() if s.get("name") == "What this pull request changes")
    assert "github.event_name == 'pull_request'" in diff_step["if"]
    # On a pull request into main the range is origin/main...HEAD: from the merge base.
    (args,) = pledgetrack_lines(diff_step["run"].replace("$GITHUB_BASE_REF", "main"))
    rng = parse_range(args[1], None)
    assert (rng.base, rng.head, rng.merge_base) == ("origin/main", "HEAD", True)


def test_ci_doc_shows_the_shipped_workflow_verbatim() -> None:
    doc = CI_DOC.read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", doc, flags=re.S)
    assert WORKFLOW.read_text(encoding="utf-8") in blocks
    assert "(examples/pledgetrack.yml)" in doc


def test_ci_doc_commands_exist() -> None:
    """Every pledgetrack command line in docs/ci.md's code blocks parses too."""
    doc = CI_DOC.read_text(encoding="utf-8")
    found = 0
    for block in re.findall(r"```(?:yaml|sh|console)\n(.*?)```", doc, flags=re.S):
        for line in block.splitlines():
            match = re.search(r"(?:run: |^\s*)(pledgetrack .*)$", line)
            if match and "entry:" not in line:
                for args in pledgetrack_lines(match.group(1)):
                    resolve(args)
                    found += 1
    assert found >= 4


# -- the pre-commit hook -----------------------------------------------------------------------


def test_pre_commit_hook() -> None:
    hooks = yaml.safe_load(HOOKS.read_text(encoding="utf-8"))
    hook, fmt = hooks
    assert hook["id"] == "pledgetrack-check"
    assert fmt["id"] == "pledgetrack-fmt" and fmt["pass_filenames"] is False
    (fmt_args,) = pledgetrack_lines(fmt["entry"])
    assert fmt_args == ["fmt", "--check"]
    resolve(fmt_args)
    assert re.compile(fmt["files"]).search("pledges/japan-uk-raa.yaml")
    assert not re.compile(fmt["files"]).search("pledgetrack.yaml")
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is False
    (args,) = pledgetrack_lines(hook["entry"])
    assert args == ["check"]
    resolve(args)
    pattern = re.compile(hook["files"])
    # pre-commit matches the pattern against paths relative to the repository.
    for path in ("pledges/japan-uk-raa.yaml", "pledgetrack.yaml"):
        assert pattern.search(path), path
    for path in ("README.md", "pledges/notes.txt", "docs/pledgetrack.yaml", "src/pledges.py"):
        assert not pattern.search(path), path


def test_pre_commit_config_snippets_use_the_hook_id() -> None:
    doc = CI_DOC.read_text(encoding="utf-8")
    configs = [yaml.safe_load(b) for b in re.findall(r"```yaml\n(repos:.*?)```", doc, flags=re.S)]
    assert len(configs) == 2
    ids = {h["id"] for c in configs for r in c["repos"] for h in r["hooks"]}
    assert ids == {"pledgetrack-check", "pledgetrack-fmt"}
    local = next(r for c in configs for r in c["repos"] if r["repo"] == "local")
    (args,) = pledgetrack_lines(local["hooks"][0]["entry"])
    resolve(args)
