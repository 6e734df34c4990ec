"""`pledgetrack check`: every problem kind with a real file, exit codes, formats, both loaders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.clirun import cli
from tests.conftest import VALID, WriteFn

CONFIG = """\
require_update_sources: true
domains:
  cyber: Cybersecurity
  ai: Artificial intelligence
"""

UPDATES = VALID + """\
updates:
{updates}"""


def with_updates(block: str) -> str:
    return UPDATES.replace("{updates}", block)


def run_check(root: Path, *args: str) -> tuple[int, str, str]:
    result = cli("check", "--dir", str(root), *args)
    return result.exit_code, result.stdout, result.stderr


# (case name, file text, [(line, level, rule)] expected exactly, in order)
CASES: list[tuple[str, str, list[tuple[int, str, str]]]] = [
    ("clean", VALID, []),
    # VALID has 12 lines, so an appended line is line 13; an unclosed flow list fails at the end.
    ("yaml-syntax", VALID + "title: [unclosed\n", [(14, "error", "yaml-syntax")]),
    ("duplicate-key", VALID.replace("actors:", "title: Second title\nactors:"),
     [(3, "error", "duplicate-key")]),
    ("conflict-marker",
     VALID + "<<<<<<< HEAD\nupdates: []\n=======\nupdates: [x]\n>>>>>>> branch\n",
     [(13, "error", "conflict-marker"), (15, "error", "conflict-marker"),
      (17, "error", "conflict-marker")]),
    ("alias-limit",
     VALID + "x0: &a0 [v, v, v, v, v, v, v, v, v, v]\n"
     + "".join(f"x{i}: &a{i} [*a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1},"
               f" *a{i-1}, *a{i-1}, *a{i-1}]\n" for i in range(1, 9)),
     [(13, "error", "alias-limit")]),  # reported where the expansion overflows: x0's items
    ("yaml-tag", VALID.replace("title: Support", "title: !!python/object:os.system Support"),
     [(2, "error", "yaml-tag")]),
    ("nesting-limit", VALID + "deep: " + "[" * 70 + "]" * 70 + "\n",
     [(13, "error", "nesting-limit")]),
    ("not-mapping", "- id: a\n- title: b\n", [(1, "error", "not-mapping")]),
    ("empty-document", "# only a comment\n", [(1, "error", "empty-file")]),
    ("missing-field", VALID.replace("title: Support cybersecurity human-resource development in "
                                    "ASEAN\n", ""),
     [(1, "error", "missing-field")]),
    ("wrong-type", VALID.replace("actors:\n  - Japan", "actors: Japan"),
     [(3, "error", "wrong-type")]),
    ("implicit-type", VALID.replace("title: Support cybersecurity human-resource development in "
                                    "ASEAN", "title: NO"),
     [(2, "error", "implicit-type")]),
    ("implicit-type-number", VALID.replace("  - ASEAN", "  - 1.10"),
     [(6, "error", "implicit-type")]),
    ("quoted-text-is-fine", VALID.replace("  - ASEAN", '  - "NO"'), []),
    ("invalid-date", VALID.replace("2025-10-26", "2025-02-30"), [(9, "error", "invalid-date")]),
    ("invalid-date-text", VALID.replace("2025-10-26", "last autumn"),
     [(9, "error", "invalid-date")]),
    ("partial-dates", VALID.replace("2025-10-26", "2025-Q4") + "deadline: 2026\n", []),
    ("bad-url", VALID.replace("https://example.org/summit", "example.org/summit"),
     [(11, "error", "wrong-type")]),
    ("no-sources", VALID.replace("sources:\n  - url: https://example.org/summit\n"
                                 "    publisher: Example News\n", "sources: []\n"),
     [(10, "error", "missing-field")]),
    ("unknown-field", VALID + "titel: typo\n", [(13, "warning", "unknown-field")]),
    ("unknown-status", with_updates(
        "  - date: 2025-11-01\n    status: done\n    sources:\n"
        "      - url: https://example.org/a\n"), [(15, "error", "unknown-status")]),
    ("unknown-domain", VALID.replace("  - cyber", "  - space"), [(7, "error", "unknown-domain")]),
    ("unknown-party", with_updates(
        "  - date: 2025-11-01\n    status: in_progress\n    party: China\n    sources:\n"
        "      - url: https://example.org/a\n"), [(16, "error", "unknown-party")]),
    ("missing-source", with_updates(
        "  - date: 2025-11-01\n    status: in_progress\n"), [(14, "error", "missing-source")]),
    ("update-order", with_updates(
        "  - date: 2025-12-01\n    status: in_progress\n    sources:\n"
        "      - url: https://example.org/a\n"
        "  - date: 2025-11-01\n    status: delivered\n    sources:\n"
        "      - url: https://example.org/b\n"), [(18, "warning", "update-order")]),
    ("update-before-announced", with_updates(
        "  - date: 2025-09\n    status: in_progress\n    sources:\n"
        "      - url: https://example.org/a\n"), [(14, "warning", "update-before-announced")]),
    ("deadline-before-announced", VALID + "deadline: 2024\n",
     [(13, "warning", "deadline-before-announced")]),
    ("invalid-id", VALID.replace("id: {id}", "id: Bad_Id"),
     [(1, "error", "id-mismatch"), (1, "error", "invalid-id")]),
]


@pytest.mark.parametrize(("name", "text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_each_problem_kind(
    data_root: Path, write: WriteFn, yaml_loader: str, name: str, text: str,
    expected: list[tuple[int, str, str]],
) -> None:
    (data_root / "pledgetrack.yaml").write_text(CONFIG)
    write("p1", text)
    code, out, err = run_check(data_root, "--format", "json")
    doc = json.loads(out)
    found = [(p["line"], p["level"], p["rule"]) for p in doc["problems"]]
    assert found == expected
    assert all(p["path"] == "pledges/p1.yaml" for p in doc["problems"])
    has_error = any(level == "error" for _, level, _ in expected)
    assert code == (1 if has_error else 0)
    assert "checked 1 file:" in err


@pytest.mark.parametrize(
    ("name", "raw", "rule"),
    [
        ("encoding", VALID.replace("{id}", "p1").encode().replace(b"Japan", b"Jap\xe9n"),
         "encoding"),
        ("empty-file", b"", "empty-file"),
        ("whitespace-only", b"  \n\n", "empty-file"),
        ("file-too-large", VALID.replace("{id}", "p1").encode() + b"# " + b"x" * 1024 * 1024,
         "file-too-large"),
        ("tab-indent", VALID.replace("{id}", "p1").replace("  - Japan", "\t- Japan").encode(),
         "yaml-syntax"),
    ],
)
def test_byte_level_problems(
    data_root: Path, write: WriteFn, yaml_loader: str, name: str, raw: bytes, rule: str
) -> None:
    write("p1", raw=raw)
    code, out, _ = run_check(data_root)
    assert code == 1
    assert f"[{rule}]" in out
    assert out.startswith("pledges/p1.yaml:")


def test_encoding_error_points_at_the_byte(data_root: Path, write: WriteFn) -> None:
    raw = VALID.replace("{id}", "p1").encode().replace(b"Japan", b"Jap\xe9n")
    write("p1", raw=raw)
    _, out, _ = run_check(data_root)
    # "  - Jap\xe9n" is line 4; the bad byte is the 8th character of that line.
    assert out.startswith("pledges/p1.yaml:4:8: error: not valid UTF-8: byte 0xe9")


def test_bom_and_crlf_are_accepted(data_root: Path, write: WriteFn, yaml_loader: str) -> None:
    text = VALID.replace("{id}", "p1").replace("\n", "\r\n")
    write("p1", raw=b"\xef\xbb\xbf" + text.encode())
    code, out, _ = run_check(data_root)
    assert (code, out) == (0, "")


def test_duplicate_ids_across_files(data_root: Path, write: WriteFn) -> None:
    write("a")
    write("b", VALID.replace("{id}", "a"))
    code, out, _ = run_check(data_root)
    assert code == 1
    assert out.splitlines() == [
        "pledges/b.yaml:1:1: error: id 'a' is also declared in pledges/a.yaml [duplicate-id]",
        "pledges/b.yaml:1:1: error: id 'a' differs from the file name 'b' [id-mismatch]",
    ]


def test_a_copy_does_not_take_the_id_from_the_file_named_after_it(
    data_root: Path, write: WriteFn
) -> None:
    write("raa")
    write("a-copy", VALID.replace("{id}", "raa"))  # `cp raa.yaml a-copy.yaml`: sorts first
    code, out, _ = run_check(data_root)
    assert code == 1
    assert out.splitlines() == [
        "pledges/a-copy.yaml:1:1: error: id 'raa' is also declared in pledges/raa.yaml "
        "[duplicate-id]",
        "pledges/a-copy.yaml:1:1: error: id 'raa' differs from the file name 'a-copy' "
        "[id-mismatch]",
    ]
    listed = cli("list", "--format", "json", "--dir", str(data_root))
    assert [p["id"] for p in json.loads(listed.stdout)] == ["raa"]


def test_reports_every_problem_not_only_the_first(data_root: Path, write: WriteFn) -> None:
    write("a", VALID.replace("announced: 2025-10-26", "announced: 2025-13") + "extra: 1\n")
    write("b", raw=b"id: b\n<<<<<<< HEAD\n")
    write("c")
    code, out, err = run_check(data_root)
    lines = out.splitlines()
    assert [line.rsplit(" ", 1)[-1] for line in lines] == [
        "[invalid-date]", "[unknown-field]", "[conflict-marker]",
    ]
    assert lines[0].startswith("pledges/a.yaml:9:12: error: 'announced': '2025-13' is not a date")
    assert err.strip() == "checked 3 files: 2 errors, 1 warning"
    assert code == 1


BAD_DATE_AND_STATUSES = VALID.replace("announced: 2025-10-26", "announced: 2025-13-01") + """\
updates:
  - date: 2025-11-01
    status: done
  - date: 2025-11-02
    status: kept
  - date: 2025-11-03
"""


def test_errors_after_parsing_come_together(
    data_root: Path, write: WriteFn, yaml_loader: str
) -> None:
    # A bad date no longer hides the statuses: the rules that need the configuration run over
    # what could be read.
    write("a", BAD_DATE_AND_STATUSES.replace("{id}", "other"))
    code, out, err = run_check(data_root)
    assert code == 1
    assert [line.split(": error: ")[0] + " " + line.rsplit(" ", 1)[-1]
            for line in out.splitlines()] == [
        "pledges/a.yaml:1:1 [id-mismatch]",
        "pledges/a.yaml:9:12 [invalid-date]",
        "pledges/a.yaml:15:1 [unknown-status]",
        "pledges/a.yaml:17:1 [unknown-status]",
        "pledges/a.yaml:18:5 [missing-field]",  # update 3 has no status: said once
    ]
    assert err.strip() == "checked 1 file: 5 errors, 0 warnings"
    # With the statuses in the vocabulary (a change to the configuration, the file as it was
    # in the cache), they are no longer reported.
    (data_root / "pledgetrack.yaml").write_text(
        "statuses:\n  - name: not_yet_rated\n  - name: done\n    final: true\n    score: 1\n"
        "  - name: kept\n    final: true\n    score: 1\n")
    out = run_check(data_root)[1]
    assert "[unknown-status]" not in out and "[invalid-date]" in out


def test_text_format_is_exact(data_root: Path, write: WriteFn) -> None:
    write("p1", VALID + "colour: blue\n")
    code, out, _ = run_check(data_root, "--format", "text")
    assert out == "pledges/p1.yaml:13:1: warning: unknown field 'colour' [unknown-field]\n"
    assert code == 0


def test_strict_fails_on_warnings(data_root: Path, write: WriteFn) -> None:
    write("p1", VALID + "titel: typo\n")
    assert run_check(data_root)[0] == 0
    code, out, _ = run_check(data_root, "--strict")
    assert code == 1
    assert "did you mean 'title'?" in out


def test_clean_folder_exits_zero_with_summary_on_stderr(data_root: Path, write: WriteFn) -> None:
    write("p1")
    code, out, err = run_check(data_root)
    assert (code, out, err) == (0, "", "checked 1 file: 0 errors, 0 warnings\n")


def test_github_format_escapes_injected_commands(data_root: Path, write: WriteFn) -> None:
    # Text from a pull request that tries to end the annotation and start a new command: a
    # pre-encoded newline in a status, and a real one in a field name.
    write("p1", with_updates(
        '  - date: 2025-11-01\n    status: "done%0A::error::pwned"\n    sources:\n'
        "      - url: https://example.org/a\n") + '"x\\n::set-output name=y::z": 1\n')
    code, out, _ = run_check(data_root, "--format", "github")
    assert code == 1
    assert out.splitlines() == [
        "::error file=pledges/p1.yaml,line=15,col=1,title=pledgetrack unknown-status"
        "::update 1: unknown status 'done%250A::error::pwned'; valid: not_yet_rated, "
        "in_progress, stalled, partial, delivered, broken, withdrawn, unrateable",
        "::warning file=pledges/p1.yaml,line=18,col=1,title=pledgetrack unknown-field"
        "::unknown field 'x%0A::set-output name=y::z'",
    ]


def test_github_is_automatic_under_actions(
    data_root: Path, write: WriteFn, monkeypatch: pytest.MonkeyPatch
) -> None:
    write("p1", VALID + "titel: x\n")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_WORKSPACE", str(data_root.parent))
    _, out, _ = run_check(data_root)
    prefix = data_root.name + "/"
    assert out == (f"::warning file={prefix}pledges/p1.yaml,line=13,col=1,"
                   "title=pledgetrack unknown-field::unknown field 'titel' "
                   "(did you mean 'title'?)\n")


def test_github_property_escaping() -> None:
    from pledgetrack.model.problems import Problem
    from pledgetrack.render.problems import github

    problem = Problem("pledges/a,b:c.yaml", 2, 3, "error", "yaml-syntax", "50% off\r\nnext")
    assert github([problem]) == (
        "::error file=pledges/a%2Cb%3Ac.yaml,line=2,col=3,title=pledgetrack yaml-syntax"
        "::50%25 off%0D%0Anext\n"
    )


def test_json_format_summary(data_root: Path, write: WriteFn) -> None:
    write("p1", VALID + "titel: x\n")
    write("p2", raw=b"[]\n")
    code, out, _ = run_check(data_root, "-f", "json")
    doc = json.loads(out)
    assert (doc["files"], doc["errors"], doc["warnings"]) == (2, 1, 1)
    assert doc["problems"][1] == {
        "path": "pledges/p2.yaml", "line": 1, "col": 1, "level": "error", "rule": "not-mapping",
        "message": "the file must hold a mapping of fields (id, title, …), not a list",
    }
    assert code == 1


def test_no_data_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PLEDGETRACK_DIR", raising=False)
    result = cli("check")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("pledgetrack: error: no 'pledges/' folder here")
    assert len(result.stderr.splitlines()) == 1


def test_bad_config_is_a_usage_error(data_root: Path, write: WriteFn) -> None:
    write("p1")
    (data_root / "pledgetrack.yaml").write_text("stale_after_days: soon\n")
    code, out, err = run_check(data_root)
    assert (code, out) == (2, "")
    assert err == ("pledgetrack: error: pledgetrack.yaml:1: 'stale_after_days' must be a "
                   "positive whole number\n")


def test_unknown_format_is_a_usage_error(data_root: Path) -> None:
    code, _, err = run_check(data_root, "--format", "jsn")
    assert code == 2
    assert "did you mean 'json'?" in err


def test_hidden_and_other_files_are_not_pledges(data_root: Path, write: WriteFn) -> None:
    write("p1")
    (data_root / "pledges" / ".p1.yaml.tmp123").write_text("garbage: [")
    (data_root / "pledges" / ".hidden.yaml").write_text("garbage: [")
    (data_root / "pledges" / "README.md").write_text("# notes")
    code, out, err = run_check(data_root)
    assert (code, out) == (0, "")
    assert "checked 1 file" in err


def test_bundled_dataset_passes_strict() -> None:
    root = Path(__file__).resolve().parents[2]
    result = cli("check", "--dir", str(root), "--strict")
    assert result.exit_code == 0, result.stdout
    assert result.stdout == ""
