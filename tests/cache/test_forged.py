"""A shard rewritten by hand, with digests that match, is still never believed blindly: every
field read back is of its expected type (anything else: the shard is rebuilt from the files, the
answer the files give, no traceback)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pledgetrack.cache import codec
from pledgetrack.cache import shards as cache
from pledgetrack.model.dates import PartialDate
from pledgetrack.model.records import Pledge, PledgeOutline, Update, UpdateOutline
from tests.cache.test_cache import make_data, shard_files
from tests.clirun import cli

AS_OF = ("--as-of", "2026-06-30")
COMMANDS = [
    ["list", "--sort", "deadline", "-f", "json", *AS_OF],
    ["list", "-f", "tsv", *AS_OF],
    ["report", "-f", "json", *AS_OF],
    ["report", "-f", "json", "--by", "domain", *AS_OF],
    ["export", "-f", "json", *AS_OF],
    ["show", "p03", "-f", "json", *AS_OF],
    ["check", "--strict", "-f", "json"],
]

Edit = Callable[[list[list[Any]], list[Any], list[Any]], int]


def answers(root: Path, cache: bool = True) -> list[tuple[int, str]]:
    found = []
    env = {"SOURCE_DATE_EPOCH": "1767225600", "PLEDGETRACK_NO_CACHE": None if cache else "1"}
    for args in COMMANDS:
        result = cli(*args, "--dir", str(root), env=env)
        assert "Traceback" not in result.stderr, result.stderr
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            args, repr(result.exception))
        found.append((result.exit_code, result.stdout))
    return found


def _rebuilt(record: Any, **changes: Any) -> Any:
    """``record`` with some stored fields changed to any value, as a forged cache file can ask
    the constructors it calls for (set straight into the slots: the constructors check)."""
    view = type(record)
    cls = {PledgeOutline: Pledge, UpdateOutline: Update}.get(view, view)
    made = object.__new__(view)
    for f in dataclasses.fields(cls):
        if f.name in codec._stored(cls, view) or not f.init:
            value = changes.get(f.name, getattr(record, f.name)) if f.init else None
            cls.__dict__[f.name].__set__(made, value)
    return made


class _Forger(codec.Encoder):
    """The encoder, also for values it would never be given (lists, where it shares tuples)."""

    def share(self, value: Any) -> Any:
        try:
            return super().share(value)
        except TypeError:
            return value


def forge(home: Path, edit: Edit) -> int:
    """Rewrite every shard through ``edit(entries, outline records, full records)``, with every
    length and digest right, as someone able to write the cache folder could; how many things
    ``edit`` changed."""
    key = cache.version_key()
    changed = 0
    for path in shard_files(home):
        shard = cache.read_shard(path, key, outline=True, full=True)
        assert shard is not None
        entries = [list(e) for e in shard.entries.values()]
        outline = list(shard.outline or [])
        fulls = [codec.loads(cache.full_of(shard, tuple(e))) if e[cache.E_FULL_LEN] else None
                 for e in entries]
        changed += edit(entries, outline, fulls)
        encoder = _Forger()
        parts: list[bytes] = []
        at = 0
        for entry, record in zip(entries, fulls, strict=True):
            data = encoder.full(record) if record is not None else b""
            if len(entry) > cache.E_FULL_LEN:
                entry[cache.E_FULL_AT], entry[cache.E_FULL_LEN] = at, len(data)
            parts.append(data)
            at += len(data)
        outline_bytes = encoder.outline(outline)
        full = b"".join(parts)
        head, _ = cache.shard_parts(key, [tuple(e) for e in entries], outline_bytes, full)
        path.write_bytes(head + outline_bytes + full)
    return changed


def on_pledge(pid: str, change: Callable[[Any], Any]) -> Edit:
    """An edit replacing the records (outline and full) of pledge ``pid`` by ``change(record)``."""
    def edit(entries: list[list[Any]], outline: list[Any], fulls: list[Any]) -> int:
        done = 0
        for i, entry in enumerate(entries):
            if entry[cache.E_ID] == pid and entry[cache.E_OUTLINE] >= 0:
                at = entry[cache.E_OUTLINE]
                outline[at] = change(outline[at])
                fulls[i] = change(fulls[i])
                done += 1
        return done
    return edit


def last_update(change: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def on(record: Any) -> Any:
        return _rebuilt(record, updates=(*record.updates[:-1], change(record.updates[-1])))
    return on


def bad_date() -> PartialDate:
    date = PartialDate(2026)
    object.__setattr__(date, "month", 13)  # a month no file can hold
    return date


FORGERIES: dict[str, Edit] = {
    "title-int": on_pledge("p03", lambda r: _rebuilt(r, title=5)),
    "title-list": on_pledge("p03", lambda r: _rebuilt(r, title=["a", "list"])),
    "actors-list": on_pledge("p03", lambda r: _rebuilt(r, actors=["Japan"])),
    "actor-int": on_pledge("p03", lambda r: _rebuilt(r, actors=(7,))),
    "deadline-month-13": on_pledge("p03", lambda r: _rebuilt(r, deadline=bad_date())),
    "deadline-text": on_pledge("p03", lambda r: _rebuilt(r, deadline="2026-Q2")),
    "made-by-bytes": on_pledge("p03", lambda r: _rebuilt(r, made_by=b"Japan")),
    "lines-text": on_pledge("p03", lambda r: _rebuilt(r, lines={"id": "one"})),
    "update-status-unknown": on_pledge(
        "p03", last_update(lambda u: _rebuilt(u, status="no-such-status"))),
    "update-status-int": on_pledge("p03", last_update(lambda u: _rebuilt(u, status=3))),
    "update-date-none": on_pledge("p03", last_update(lambda u: _rebuilt(u, date=None))),
    "update-not-an-update": on_pledge(
        "p03", lambda r: _rebuilt(r, updates=(*r.updates[:-1], "in_progress"))),
}


def other_id(pid: str, new_id: str) -> Edit:
    """The records of ``pid`` and its index entry claim ``new_id``, in a file named ``pid``."""
    records = on_pledge(pid, lambda r: _rebuilt(r, id=new_id))

    def edit(entries: list[list[Any]], outline: list[Any], fulls: list[Any]) -> int:
        done = records(entries, outline, fulls)
        for entry in entries:
            if entry[cache.E_ID] == pid:
                entry[cache.E_ID] = new_id
        return done
    return edit


FORGERIES.update({
    # A file whose id differs from its name, or is no slug, has an error and is never listed.
    "id-of-another-pledge": other_id("p03", "p04"),
    "id-of-a-new-pledge": other_id("p03", "p99"),
    "id-a-path-and-a-command": other_id("p03", "../../etc\n::error::x"),
    "record-id-only": on_pledge("p03", lambda r: _rebuilt(r, id="p04")),
    # A file without actors, or with an update by a party not among them, has an error too.
    "actors-none": on_pledge("p03", lambda r: _rebuilt(r, actors=())),
    "update-party-stranger": on_pledge("p03", last_update(lambda u: _rebuilt(u, party="Nobody"))),
})


def _entry_edit(change: Callable[[list[Any]], list[Any]]) -> Edit:
    def edit(entries: list[list[Any]], outline: list[Any], fulls: list[Any]) -> int:
        done = 0
        for i, entry in enumerate(entries):
            if entry[cache.E_ID] == "p03":
                entries[i] = change(entry)
                done += 1
        return done
    return edit


def _set(index: int, value: Any) -> Callable[[list[Any]], list[Any]]:
    def change(entry: list[Any]) -> list[Any]:
        entry[index] = value
        return entry
    return change


ENTRY_FORGERIES: dict[str, Edit] = {
    "entry-truncated": _entry_edit(lambda e: e[:cache.E_ID]),
    "entry-read-time-text": _entry_edit(_set(cache.E_READ_NS, "later")),
    "entry-size-float": _entry_edit(_set(cache.E_SIZE, 1.5)),
    "entry-problem-short": _entry_edit(_set(cache.E_RULE_PROBLEMS, ((1, 1, "error"),))),
    "entry-problem-level": _entry_edit(
        _set(cache.E_RULE_PROBLEMS, ((1, 1, "fatal", "unknown-domain", "x"),))),
    "entry-problem-line-text": _entry_edit(
        _set(cache.E_RULE_PROBLEMS, (("1", 1, "warning", "unknown-field", "x"),))),
    "entry-problems-list": _entry_edit(_set(cache.E_PARSE_PROBLEMS, [])),
    "entry-id-int": _entry_edit(_set(cache.E_ID, 3)),
    "entry-id-of-another-pledge": _entry_edit(_set(cache.E_ID, "p04")),
    "entry-outline-far": _entry_edit(_set(cache.E_OUTLINE, 10**6)),
}


@pytest.fixture
def data(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    make_data(root)
    for name in ("broken", "typo", "dup"):  # every answer clean, so that any change shows
        (root / "pledges" / f"{name}.yaml").unlink()
    return root


@pytest.mark.parametrize("name", sorted({**FORGERIES, **ENTRY_FORGERIES}))
def test_a_forged_field_of_the_wrong_type_gets_the_answer_of_the_files(
    data: Path, cache_home: Path, name: str
) -> None:
    expected = answers(data, cache=False)
    assert all(code == 0 for code, _ in expected)
    assert answers(data) == expected  # fills the cache
    edit = {**FORGERIES, **ENTRY_FORGERIES}[name]
    assert forge(cache_home, edit) == 1
    assert answers(data) == expected
    # The shard was built again from the files: a second run reads a sound cache.
    assert answers(data) == expected


def test_the_date_forged_is_of_the_right_type_but_impossible() -> None:
    """The "month 13" forgery above is not caught by its type alone."""
    date = bad_date()
    assert type(date) is PartialDate and type(date.month) is int
    with pytest.raises(ValueError):
        _ = date.start


def test_a_forged_shard_with_a_status_outside_the_vocabulary_is_not_listed(
    data: Path, cache_home: Path
) -> None:
    expected = cli("list", "-f", "tsv", *AS_OF, "--dir", str(data), "--no-cache").stdout
    assert "no-such-status" not in expected
    cli("list", "-f", "tsv", *AS_OF, "--dir", str(data))
    forge(cache_home, FORGERIES["update-status-unknown"])
    forged = cli("list", "-f", "tsv", *AS_OF, "--dir", str(data))
    assert forged.stdout == expected and "no-such-status" not in forged.stdout


def _dataclass_fields_are_all_known() -> None:
    # The forgeries above name fields by name: a renamed field must fail here, not pass silently.
    names = {f.name for f in dataclasses.fields(Pledge)} | {f.name for f in dataclasses.fields(
        Update)}
    assert {"title", "actors", "deadline", "made_by", "lines", "updates", "status",
            "date"} <= names


def test_the_forgeries_name_real_fields() -> None:
    _dataclass_fields_are_all_known()
def clear_problems(path_name: str) -> Edit:
    def edit(entries: list[list[Any]], outline: list[Any], fulls: list[Any]) -> int:
        done = 0
        for entry in entries:
            if entry[cache.E_REL] == f"pledges/{path_name}":
                assert entry[cache.E_RULE_PROBLEMS] or entry[cache.E_PARSE_PROBLEMS]
                entry[cache.E_RULE_PROBLEMS] = ()
                entry[cache.E_PARSE_PROBLEMS] = ()
                done += 1
        return done
    return edit


def _with_unknown_domain(data: Path) -> Path:
    path = data / "pledges" / "p04.yaml"
    path.write_text(path.read_text("utf-8").replace("  - cyber", "  - not-a-domain"), "utf-8")
    return path


def test_a_forged_shard_with_cleared_problems_does_not_pass_check_after_a_checkout(
    data: Path, cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cache is planted (problems cleared, digests right), then the files are checked out
    afresh, as a CI job does: `check --strict` reads the file again and fails."""
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    path = _with_unknown_domain(data)
    first = cli("check", "--strict", "--dir", str(data))
    assert first.exit_code == 1 and "unknown-domain" in first.stdout
    assert forge(cache_home, clear_problems("p04.yaml")) == 1
    # A fresh checkout: the same bytes, written again after the cache was.
    text = path.read_bytes()
    path.unlink()
    path.write_bytes(text)
    for _ in range(2):
        again = cli("check", "--strict", "--dir", str(data))
        assert again.exit_code == 1 and "unknown-domain" in again.stdout, again.stdout


def test_a_forged_shard_with_cleared_problems_does_not_pass_check_in_ci(
    data: Path, cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In CI, however the cache came to hold its answers (planted after the checkout, restored by
    a cache action), `check` answers from the files."""
    from pledgetrack.cache import folder

    monkeypatch.setattr(folder, "RACY_NS", 0)
    monkeypatch.setattr(cache, "RACY_NS", 0)
    _with_unknown_domain(data)
    first = cli("check", "--strict", "--dir", str(data))
    assert first.exit_code == 1
    assert forge(cache_home, clear_problems("p04.yaml")) == 1
    for env in ({"CI": "true"}, {"GITHUB_ACTIONS": "true"}):
        again = cli("check", "--strict", "-f", "text", "--dir", str(data), env=env)
        assert again.exit_code == 1 and "unknown-domain" in again.stdout, again.stdout


def test_problems_kept_by_their_content_hash_alone_do_not_pass_check(
    data: Path, cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cache is planted, the files checked out afresh, then `list` runs: it keeps the planted
    entry because the file's content hash matches, with the file's new time. `check` still parses
    the file: problems kept that way were never found by checking the file."""
    monkeypatch.setattr(cache, "RACY_NS", 0)  # every entry is old enough to be trusted
    path = _with_unknown_domain(data)
    assert cli("check", "--strict", "--dir", str(data)).exit_code == 1
    assert forge(cache_home, clear_problems("p04.yaml")) == 1
    text = path.read_bytes()
    path.unlink()
    path.write_bytes(text)
    listed = cli("list", "-f", "tsv", *AS_OF, "--dir", str(data))
    assert listed.exit_code == 0
    for _ in range(2):
        again = cli("check", "--strict", "--dir", str(data))
        assert again.exit_code == 1 and "unknown-domain" in again.stdout, again.stdout


def test_a_planted_configuration_does_not_pass_check_after_a_checkout(
    data: Path, cache_home: Path
) -> None:
    """The cached configuration is planted with one more domain, then `pledgetrack.yaml` is
    checked out afresh (the same bytes): the configuration is read from the file again."""
    from pledgetrack.cache.codec import decode_config, encode_config

    _with_unknown_domain(data)
    assert cli("check", "--strict", "--dir", str(data)).exit_code == 1
    (folder,) = [p.parent for p in cache_home.glob("*/config.bin")]
    key, mark, encoded = cache.loads((folder / "config.bin").read_bytes())
    config = decode_config(encoded)
    forged = encode_config(dataclasses.replace(
        config, domains={**config.domains, "not-a-domain": "planted"}))
    cache.write_config(folder, key, mark, forged)
    assert cli("check", "--strict", "--dir", str(data)).exit_code == 0  # the plant is in use
    config_file = data / "pledgetrack.yaml"
    text = config_file.read_bytes()
    config_file.unlink()
    config_file.write_bytes(text)
    for _ in range(2):
        again = cli("check", "--strict", "--dir", str(data))
        assert again.exit_code == 1 and "unknown-domain" in again.stdout, again.stdout


@pytest.mark.parametrize("gate", [
    ["report", "--strict", "-f", "markdown", *AS_OF],
    ["list", "--strict", "-f", "tsv", *AS_OF],
])
def test_a_planted_shard_does_not_pass_a_strict_report_or_list_in_ci(
    data: Path, cache_home: Path, monkeypatch: pytest.MonkeyPatch, gate: list[str]
) -> None:
    """`report --strict` (the gate docs/ci.md suggests) and `list --strict` keep a cached entry
    whenever the file's content hash matches, also after a fresh checkout; in CI no command uses
    the cache, so the file with an unknown domain fails them."""
    monkeypatch.setattr(cache, "RACY_NS", 0)  # every entry is old enough to be trusted
    path = _with_unknown_domain(data)
    expected = cli(*gate, "--dir", str(data), "--no-cache")
    assert expected.exit_code == 1 and "pledges/p04.yaml" in expected.stderr, expected.stderr
    assert cli(*gate, "--dir", str(data)).exit_code == 1  # fills the cache
    assert forge(cache_home, clear_problems("p04.yaml")) == 1
    text = path.read_bytes()  # a fresh checkout: the same bytes, written again
    path.unlink()
    path.write_bytes(text)
    # Outside CI the planted entry is kept (its content hash matches): that is what CI must not do.
    assert cli(*gate, "--dir", str(data)).exit_code == 0
    for env in ({"CI": "true"}, {"GITHUB_ACTIONS": "true"}):
        again = cli(*gate, "--dir", str(data), env=env)
        assert again.exit_code == 1, (env, again.stderr)
        assert "pledges/p04.yaml" in again.stderr and again.stdout == expected.stdout, again.stderr


def test_the_api_answers_from_the_files_in_ci(
    data: Path, cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`load_dataset`'s default (cache=True) follows the same rule as the commands."""
    from pledgetrack import load_dataset

    monkeypatch.setattr(cache, "RACY_NS", 0)
    path = _with_unknown_domain(data)
    assert load_dataset(data).broken == ["pledges/p04.yaml"]
    assert forge(cache_home, clear_problems("p04.yaml")) == 1
    text = path.read_bytes()
    path.unlink()
    path.write_bytes(text)
    assert load_dataset(data).broken == []  # the plant is in use outside CI
    monkeypatch.setenv("CI", "true")
    assert load_dataset(data).broken == ["pledges/p04.yaml"]
