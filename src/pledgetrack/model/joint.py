"""The status of a joint pledge as a whole, derived from its actors' own statuses.

A pledge whose updates name a ``party`` is assessed actor by actor; its status as a whole then
follows the rule ``joint_status`` of ``pledgetrack.yaml`` (docs/reports.md states the rules for
users, with worked examples):

* ``unanimous`` (the default): when every actor has the same status, that status; otherwise the
  derived status ``mixed``, which is not final and has no score.
* ``weakest``: the weakest of the actors' statuses, weakest first by: an actor with no update
  yet (it counts as the vocabulary's first status, ``not_yet_rated``); then an open status
  before a final one, so that the pledge is final only once every actor's status is final; then a
  status without a score before a scored one (it is not known to be any better); then the lower
  score; then the earlier status in the vocabulary.

Every command takes a pledge's status from here (through :meth:`Pledge.standing
<pledgetrack.model.records.Pledge.standing>`), so that they all agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pledgetrack.model.vocabulary import Status, Vocabulary

JointRule = Literal["unanimous", "weakest"]
UNANIMOUS: JointRule = "unanimous"
WEAKEST: JointRule = "weakest"
JOINT_RULES: tuple[JointRule, ...] = (UNANIMOUS, WEAKEST)

MIXED = "mixed"
# Derived, never recorded: a vocabulary may not define it (a configuration error).
MIXED_STATUS = Status(
    MIXED, "Mixed", False, "bright_magenta", None,
    "A joint pledge whose actors differ in status (joint_status: unanimous).",
)


def overall_status(
    statuses: Sequence[str | None], vocabulary: Vocabulary, rule: JointRule = UNANIMOUS
) -> str:
    """The status as a whole of a pledge whose actors stand at ``statuses`` (None: an actor with
    no update yet, which counts as the vocabulary's first status)."""
    initial = vocabulary.initial
    if not statuses:
        return initial
    if rule == WEAKEST:
        if any(s is None for s in statuses):
            return initial
        order = {name: i for i, name in enumerate(vocabulary.names)}

        def strength(name: str | None) -> tuple[bool, bool, float, int]:
            status = vocabulary.get(name or initial)
            if status is None:  # a status the vocabulary does not know: weakest of all
                return (False, False, -2.0, -1)
            return (status.final, status.score is not None,
                    -2.0 if status.score is None else float(status.score),
                    order[status.name])

        return min(statuses, key=strength) or initial
    first = statuses[0] or initial
    if all((s or initial) == first for s in statuses):
        return first
    return MIXED
