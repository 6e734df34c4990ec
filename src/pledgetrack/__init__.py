"""pledgetrack: track policy commitments and their follow-through.

The Python API (the CLI is a thin layer over it)::

    import datetime
    from pledgetrack import load_dataset
    ds = load_dataset("path/to/data")        # the folder holding pledges/
    today = datetime.date.today()
    for pledge in ds.pledges:
        print(pledge.id, ds.config.standing(pledge, today).status)  # derived status
    for problem in ds.problems:
        print(problem.path, problem.line, problem.rule, problem.message)

    from pledgetrack import Filter, changes, select, summarise, export_rows
    cyber = select(ds, Filter(domains=["cyber"]))          # filter, as of today
    summary = summarise(ds, Filter(domains=["cyber"]), by="party")
    print(summary.to_dict())                             # the JSON shape of `report`
    moved = changes(ds, "2025-11", "2025-12")            # what `changes` shows, as a record
"""

from __future__ import annotations

# Not `from typing import ...`: `pledgetrack --version` imports this module and nothing else, and
# typing alone would double its start-up time. mypy reads TYPE_CHECKING as true by its name.
TYPE_CHECKING = False

from pledgetrack.version import FORMAT_VERSION, __version__  # noqa: E402 - after the note above

__all__ = [
    "FORMAT_VERSION",
    "Changes",
    "Config",
    "Dataset",
    "Filter",
    "PartialDate",
    "Pledge",
    "PledgeState",
    "PledgetrackError",
    "Problem",
    "Source",
    "Status",
    "Summary",
    "Transition",
    "Update",
    "Vocabulary",
    "__version__",
    "changes",
    "check",
    "export_rows",
    "find_root",
    "load_config",
    "load_dataset",
    "select",
    "states",
    "summarise",
]

if TYPE_CHECKING:
    from typing import Any

    from pledgetrack.api import changes, check
    from pledgetrack.errors import PledgetrackError
    from pledgetrack.model.config import Config
    from pledgetrack.model.dates import PartialDate
    from pledgetrack.model.problems import Problem
    from pledgetrack.model.records import Pledge, Source, Update
    from pledgetrack.model.vocabulary import Status, Vocabulary
    from pledgetrack.queries.changes import Changes, Transition
    from pledgetrack.queries.exports import export_rows
    from pledgetrack.queries.reports import Summary, summarise
    from pledgetrack.queries.selection import Filter, PledgeState, select, states
    from pledgetrack.store.configfile import load_config
    from pledgetrack.store.loader import Dataset, load_dataset
    from pledgetrack.store.root import find_root

_LAZY = {
    "check": "pledgetrack.api",
    "changes": "pledgetrack.api",
    "PledgetrackError": "pledgetrack.errors",
    "Config": "pledgetrack.model.config",
    "PartialDate": "pledgetrack.model.dates",
    "Problem": "pledgetrack.model.problems",
    "Pledge": "pledgetrack.model.records",
    "Source": "pledgetrack.model.records",
    "Update": "pledgetrack.model.records",
    "Status": "pledgetrack.model.vocabulary",
    "Vocabulary": "pledgetrack.model.vocabulary",
    "load_config": "pledgetrack.store.configfile",
    "Dataset": "pledgetrack.store.loader",
    "load_dataset": "pledgetrack.store.loader",
    "find_root": "pledgetrack.store.root",
    "Filter": "pledgetrack.queries.selection",
    "PledgeState": "pledgetrack.queries.selection",
    "select": "pledgetrack.queries.selection",
    "states": "pledgetrack.queries.selection",
    "Summary": "pledgetrack.queries.reports",
    "summarise": "pledgetrack.queries.reports",
    "export_rows": "pledgetrack.queries.exports",
    "Changes": "pledgetrack.queries.changes",
    "Transition": "pledgetrack.queries.changes",
}


def __getattr__(name: str) -> Any:
    # Lazy, so that `pledgetrack --version` does not pay for the whole package.
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'pledgetrack' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
