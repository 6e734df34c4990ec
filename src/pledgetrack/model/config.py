"""Configuration of a data root (``pledgetrack.yaml``), as plain values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pledgetrack.model.joint import MIXED_STATUS, UNANIMOUS, JointRule
from pledgetrack.model.vocabulary import DEFAULT_VOCABULARY, Vocabulary

if TYPE_CHECKING:
    from pledgetrack.model.records import Pledge, Standing

DEFAULT_STALE_AFTER_DAYS = 180


@dataclass(frozen=True, slots=True)
class Config:
    vocabulary: Vocabulary = DEFAULT_VOCABULARY
    # Allowed domains, name -> description. Empty: any domain is accepted.
    domains: Mapping[str, str] = field(default_factory=dict)
    stale_after_days: int = DEFAULT_STALE_AFTER_DAYS
    require_update_sources: bool = False
    # Every source must have an archived copy (opt-in: rule missing-archived).
    require_archived: bool = False
    # How a joint pledge's status as a whole follows from its actors' (model.joint).
    joint_status: JointRule = UNANIMOUS

    @property
    def statuses(self) -> Vocabulary:
        """Every status a pledge can have: the vocabulary's, then the derived ``mixed``. Reports
        count and filters accept these."""
        return reported_vocabulary(self.vocabulary)

    def standing(self, pledge: Pledge, as_of: dt.date | None = None) -> Standing:
        """Where ``pledge`` stands as of a date (all its updates when None) under this
        configuration: its status as a whole (by ``joint_status``) and each actor's."""
        return pledge.standing(as_of, self.vocabulary, self.joint_status)

    def domain_allowed(self, name: str) -> bool:
        return not self.domains or name in self.domains


_REPORTED: dict[int, tuple[Vocabulary, Vocabulary]] = {}


def reported_vocabulary(vocabulary: Vocabulary) -> Vocabulary:
    """``vocabulary`` with the derived ``mixed`` before its first final status (never first:
    the first status is the one a pledge has with no update), made once per vocabulary."""
    known = _REPORTED.get(id(vocabulary))
    if known is not None and known[0] is vocabulary:
        return known[1]
    statuses = list(vocabulary.statuses)
    place = next((i for i, s in enumerate(statuses) if s.final), len(statuses))
    statuses.insert(max(place, 1), MIXED_STATUS)
    reported = Vocabulary(tuple(statuses))
    if len(_REPORTED) > 64:
        _REPORTED.clear()
    _REPORTED[id(vocabulary)] = (vocabulary, reported)
    return reported
