"""Creating a data folder (`pledgetrack init`) and registering the merge driver in git."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from pledgetrack.errors import PledgetrackError
from pledgetrack.model.config import DEFAULT_STALE_AFTER_DAYS
from pledgetrack.model.vocabulary import DEFAULT_VOCABULARY, Vocabulary
from pledgetrack.store.root import CONFIG_FILE, PLEDGES_DIR

MERGE_DRIVER = "pledgetrack"
MERGE_DRIVER_COMMAND = "pledgetrack merge-driver %O %A %B"
MERGE_DRIVER_NAME = "pledgetrack: merge pledge files, keeping the updates of both sides"
ATTRIBUTES_LINE = f"{PLEDGES_DIR}/*.yaml merge={MERGE_DRIVER}"


def config_text(vocabulary: Vocabulary = DEFAULT_VOCABULARY) -> str:
    """A commented ``pledgetrack.yaml`` holding the default settings and vocabulary."""
    from pledgetrack.yamlfile.serialize import dump_mapping

    statuses = [
        {"name": s.name, "label": s.label, "final": s.final, "score": s.score,
         "color": s.color, "description": s.description}
        for s in vocabulary
    ]
    return f"""\
# pledgetrack configuration. The data root is the folder holding this file; each pledge is one
# file, {PLEDGES_DIR}/<id>.yaml. Every setting is optional (see docs/format.md).

# Days without an update after which an open pledge counts as stale in reports.
stale_after_days: {DEFAULT_STALE_AFTER_DAYS}

# true: every update must cite at least one source ('pledgetrack update ID --source URL').
require_update_sources: false

# true: every source must have an archived copy ('archived: URL', or --archived URL).
require_archived: false

# A joint pledge (updates naming a party) as a whole: unanimous (the parties' status when they
# all agree, else mixed) or weakest (the weakest party's status). See docs/reports.md.
joint_status: unanimous

# The allowed policy domains (name: description). Leave out to accept any domain.
# domains:
#   cyber: Cybersecurity capacity building, cyber defence and resilience
#   maritime: Maritime security and coast guard capacity

# The status vocabulary, in order; the first is the status of a pledge with no update.
#   final: true for a verdict (delivered, broken ...), false while things can still move.
#   score: compliance after the G7 Research Group's method: 1 full, 0 partial or in progress,
#          -1 non-compliance, null for not assessed (left out of averages); any number from
#          -1 to 1 for a finer scale (0.5: mostly kept).
#   color: a Rich colour name, used on terminals.
{dump_mapping([("statuses", statuses)])}"""


@dataclass(slots=True)
class InitResult:
    root: Path
    created: list[str] = field(default_factory=list)
    git: list[str] = field(default_factory=list)  # what was registered in git
    git_note: str = ""  # why nothing was registered


def init_data(path: Path) -> InitResult:
    """Create ``path/pledges/`` and ``path/pledgetrack.yaml``; refuse to touch existing data."""
    path = path.expanduser()
    pledges, config = path / PLEDGES_DIR, path / CONFIG_FILE
    if config.exists():
        raise PledgetrackError(f"{config} already exists; nothing was changed")
    if pledges.exists() and (not pledges.is_dir() or any(
        not entry.name.startswith(".") for entry in pledges.iterdir()
    )):
        raise PledgetrackError(f"{pledges} already exists and is not empty; nothing was changed")
    result = InitResult(path)
    path.mkdir(parents=True, exist_ok=True)
    if not pledges.exists():
        pledges.mkdir()
        result.created.append(f"{PLEDGES_DIR}/")
    keep = pledges / ".gitkeep"
    if not keep.exists():
        # git does not record empty folders; a clone needs pledges/ to find its data root.
        keep.write_bytes(b"")
    with open(config, "x", encoding="utf-8") as handle:
        handle.write(config_text())
    result.created.append(CONFIG_FILE)
    return result


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                          check=False)


def git_toplevel(root: Path) -> Path | None:
    try:
        proc = _git(root, "rev-parse", "--show-toplevel")
    except OSError:
        return None
    return Path(proc.stdout.strip()) if proc.returncode == 0 and proc.stdout.strip() else None


def register_merge_driver(root: Path) -> list[str]:
    """Register the pledge merge driver for the git repository holding ``root``: a line in
    ``root/.gitattributes`` (committed, shared) and the driver in the repository's git config
    (per clone). Idempotent; returns what was changed."""
    if git_toplevel(root) is None:
        raise PledgetrackError(f"{root} is not inside a git repository")
    changed = []
    attributes = root / ".gitattributes"
    lines = attributes.read_text("utf-8").splitlines() if attributes.exists() else []
    if ATTRIBUTES_LINE not in (line.strip() for line in lines):
        text = attributes.read_text("utf-8") if attributes.exists() else ""
        if text and not text.endswith("\n"):
            text += "\n"
        attributes.write_text(text + ATTRIBUTES_LINE + "\n", encoding="utf-8")
        changed.append(f".gitattributes: {ATTRIBUTES_LINE}")
    for key, value in ((f"merge.{MERGE_DRIVER}.name", MERGE_DRIVER_NAME),
                       (f"merge.{MERGE_DRIVER}.driver", MERGE_DRIVER_COMMAND)):
        current = _git(root, "config", "--local", "--get", key).stdout.strip()
        if current != value:
            proc = _git(root, "config", "--local", key, value)
            if proc.returncode != 0:
                raise PledgetrackError(f"git config {key} failed: {proc.stderr.strip()}")
            changed.append(f"git config {key} \"{value}\"")
    return changed
