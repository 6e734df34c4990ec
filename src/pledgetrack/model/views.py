"""What a load builds of each record — a module of its own, so that naming a view imports no
record class (`check` builds none)."""

from __future__ import annotations

from typing import Literal

# Every field (:class:`~pledgetrack.model.records.Pledge`); the outline
# (:class:`~pledgetrack.model.records.PledgeOutline`: no full-only field); or no records at all,
# only the problems found (what `check` needs).
View = Literal["full", "outline", "problems"]
FULL: View = "full"
OUTLINE: View = "outline"
PROBLEMS: View = "problems"
VIEWS: tuple[View, ...] = (FULL, OUTLINE, PROBLEMS)
