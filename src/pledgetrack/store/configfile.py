"""Reading ``pledgetrack.yaml``. A broken configuration is a usage error (exit 2), not a finding."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path

from pledgetrack.errors import PledgetrackError
from pledgetrack.model.config import DEFAULT_STALE_AFTER_DAYS, Config
from pledgetrack.model.joint import JOINT_RULES, MIXED, UNANIMOUS, JointRule
from pledgetrack.model.vocabulary import DEFAULT_VOCABULARY, Status, Vocabulary
from pledgetrack.store.root import CONFIG_FILE
from pledgetrack.yamlfile.build import plain
from pledgetrack.yamlfile.pledgefile import MAX_FILE_BYTES
from pledgetrack.yamlfile.yamltree import YamlProblem, YMap, YNode, YScalar, YSeq, decode, parse

CONFIG_KEYS = ("statuses", "domains", "stale_after_days", "require_update_sources",
               "require_archived", "joint_status")
STATUS_KEYS = ("name", "label", "final", "color", "score", "description")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_Fail = Callable[[str, int], PledgetrackError]


def load_config(root: Path) -> Config:
    path = root / CONFIG_FILE
    if not path.is_file():
        return Config()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PledgetrackError(f"cannot read {CONFIG_FILE}: {exc.strerror}") from None
    return config_from_bytes(data)


def config_from_bytes(data: bytes, where: str = CONFIG_FILE) -> Config:
    """The configuration held in ``data`` (the bytes of a ``pledgetrack.yaml``, from disk or from
    a git revision); ``where`` names it in error messages."""

    def fail(message: str, line: int = 1) -> PledgetrackError:
        return PledgetrackError(f"{where}:{line}: {message}")

    if len(data) > MAX_FILE_BYTES:
        raise fail("the file is larger than 1 MiB")
    try:
        result = parse(decode(data))
    except YamlProblem as exc:
        raise fail(exc.message, exc.line) from None
    if result.duplicates:
        dup = result.duplicates[0]
        raise fail(f"duplicate key '{dup.key}' (first on line {dup.first_line})", dup.line)
    tree = result.tree
    if tree is None:
        return Config()
    if not isinstance(tree, YMap):
        raise fail("the configuration must be a mapping")
    for key in tree:
        if key not in CONFIG_KEYS:
            raise fail(f"unknown setting '{key}'{_did_you_mean(key, CONFIG_KEYS)}; known: "
                       f"{', '.join(CONFIG_KEYS)}", tree.key_line(key))
    raw = {k: plain(v) for k, (_, v) in tree.entries.items()}

    stale = raw.get("stale_after_days")
    if stale is None:
        # Absent or empty: the default (as text, like every value read from the file).
        stale = str(DEFAULT_STALE_AFTER_DAYS)
    if not (isinstance(stale, str) and stale.isdigit() and int(stale) > 0):
        raise fail("'stale_after_days' must be a positive whole number",
                   tree.key_line("stale_after_days"))

    def flag(name: str) -> bool:
        node = tree.get(name)
        if node is None:
            return False
        if not (isinstance(node, YScalar) and node.kind == "bool"):
            raise fail(f"'{name}' must be true or false", tree.key_line(name))
        return node.value.lower() in ("true", "yes", "on", "y")

    require_sources = flag("require_update_sources")
    require_archived = flag("require_archived")

    joint = raw.get("joint_status")
    rule: JointRule = UNANIMOUS
    if joint is not None:
        if joint not in JOINT_RULES:
            raise fail(f"'joint_status' must be one of: {', '.join(JOINT_RULES)}",
                       tree.key_line("joint_status"))
        rule = next(r for r in JOINT_RULES if r == joint)

    domains = _domains(raw.get("domains"), fail, tree.key_line("domains"))
    vocabulary = _vocabulary(raw.get("statuses"), fail, tree.key_line("statuses"),
                             tree.get("statuses"))
    return Config(vocabulary, domains, int(stale), require_sources, require_archived, rule)


def _score(raw: object) -> float | None:
    """A score from -1 to 1 (a whole number stays an int, as it was written); None if not."""
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    try:
        value = float(text)
    except ValueError:
        return None
    if not -1 <= value <= 1 or value != value:  # NaN is no score
        return None
    return int(value) if value.is_integer() and "." not in text and "e" not in text.lower() \
        else value


def _domains(raw: object, fail: _Fail, line: int) -> dict[str, str]:
    if raw is None:
        return {}
    if isinstance(raw, list):
        items = {str(name): "" for name in raw if isinstance(name, str)}
        if len(items) != len(raw):
            raise fail("'domains' must list domain names", line)
    elif isinstance(raw, dict):
        items = {}
        for name, description in raw.items():
            if description is not None and not isinstance(description, str):
                raise fail(f"domain '{name}': the description must be text", line)
            items[name] = description or ""
    else:
        raise fail("'domains' must be a mapping of name: description, or a list of names", line)
    for name in items:
        if not _NAME.fullmatch(name):
            raise fail(f"domain {name!r} must be a lowercase slug", line)
    return items


def _did_you_mean(key: str, known: Iterable[str]) -> str:
    import difflib

    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _entry_line(node: YNode | None, index: int, key: str | None, default: int) -> int:
    """The line of status number ``index`` in the file (of its ``key`` when it has one), so
    that an error points at the status that is wrong rather than at `statuses:`."""
    if not isinstance(node, YSeq) or index >= len(node.items):
        return default
    item = node.items[index]
    if isinstance(item, YMap) and key is not None and key in item.entries:
        return item.key_line(key)
    return item.line


def _vocabulary(raw: object, fail: _Fail, statuses_line: int,
                node: YNode | None = None) -> Vocabulary:
    if raw is None:
        return DEFAULT_VOCABULARY
    if not isinstance(raw, list) or not raw:
        raise fail("'statuses' must be a non-empty list of statuses", statuses_line)
    statuses: list[Status] = []
    for index, entry in enumerate(raw):
        def line(key: str | None = None, index: int = index) -> int:
            return _entry_line(node, index, key, statuses_line)

        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise fail("each status needs at least a 'name'", line())
        name = entry["name"]
        unknown = [k for k in entry if k not in STATUS_KEYS]
        if unknown:
            raise fail(f"status '{name}': unknown key '{unknown[0]}'"
                       f"{_did_you_mean(str(unknown[0]), STATUS_KEYS)}; known: "
                       f"{', '.join(STATUS_KEYS)}", line(str(unknown[0])))
        # fullmatch: with match, "$" would also accept a trailing line break ("rated\n").
        if not _NAME.fullmatch(name):
            raise fail(f"status {name!r} must be a lowercase name (a-z, 0-9, _ and -)",
                       line("name"))
        if name == MIXED:
            raise fail(f"status '{MIXED}' is reserved: it is the derived status of a joint "
                       "pledge whose actors differ", line("name"))
        if any(s.name == name for s in statuses):
            raise fail(f"status '{name}' is listed twice", line("name"))
        score_raw = entry.get("score")
        score = _score(score_raw)
        if score_raw is not None and score is None:
            raise fail(f"status '{name}': score must be a number from -1 to 1 (such as 1, "
                       "0.5, 0, -1) or null", line("score"))
        final_raw = entry.get("final", "false")
        if final_raw not in ("true", "false", "True", "False", "yes", "no"):
            raise fail(f"status '{name}': final must be true or false", line("final"))
        statuses.append(Status(
            name=name,
            label=str(entry.get("label") or name.replace("_", " ").capitalize()),
            final=final_raw in ("true", "True", "yes"),
            color=str(entry.get("color") or "default"),
            score=score,
            description=str(entry.get("description") or ""),
        ))
    return Vocabulary(tuple(statuses))
