"""Configuration of a data root (``pledgetrack.yaml``), as plain values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from pledgetrack.model.vocabulary import DEFAULT_VOCABULARY, Vocabulary

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

    def domain_allowed(self, name: str) -> bool:
        return not self.domains or name in self.domains
