"""The status vocabulary: which statuses exist, their labels, colours and compliance scores."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Status:
    """One status of the vocabulary.

    ``score`` follows the G7 Research Group's compliance method: +1 full compliance, 0 partial or
    work in progress, -1 non-compliance, ``None`` for not assessed; a custom status may take any
    score between -1 and +1 (0.5 for "mostly kept").
    """

    name: str
    label: str
    final: bool = False
    color: str = "default"
    score: float | None = None
    description: str = ""


DEFAULT_STATUSES: tuple[Status, ...] = (
    Status("not_yet_rated", "Not yet rated", False, "grey62", None,
           "Recorded, not yet assessed."),
    Status("in_progress", "In progress", False, "cyan", 0,
           "Steps are being taken towards delivery."),
    Status("stalled", "Stalled", False, "yellow", -1,
           "No progress, or progress has stopped."),
    Status("partial", "Partially delivered", True, "blue", 0,
           "Delivered in part, or in a weaker form."),
    Status("delivered", "Delivered", True, "green", 1,
           "Delivered as pledged."),
    Status("broken", "Broken", True, "red", -1,
           "Not delivered, and no longer will be (or the deadline passed)."),
    Status("withdrawn", "Withdrawn", True, "magenta", -1,
           "Formally abandoned or retracted by whoever made it."),
    Status("unrateable", "Unrateable", True, "grey50", None,
           "Too vague, or too little information, to assess."),
)

UNRATED = "not_yet_rated"


class Vocabulary:
    """An ordered set of statuses. The first status is the one a pledge has with no updates."""

    __slots__ = ("_by_name", "statuses")

    def __init__(self, statuses: tuple[Status, ...] = DEFAULT_STATUSES) -> None:
        if not statuses:
            raise ValueError("a vocabulary needs at least one status")
        self.statuses = statuses
        self._by_name = {s.name: s for s in statuses}

    def __iter__(self) -> Iterator[Status]:
        return iter(self.statuses)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __len__(self) -> int:
        return len(self.statuses)

    def __getitem__(self, name: str) -> Status:
        return self._by_name[name]

    def get(self, name: str) -> Status | None:
        return self._by_name.get(name)

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.statuses]

    def spelled(self, name: str) -> str:
        """``name`` as the vocabulary spells it when they differ only in case (people type
        `Delivered`); unchanged when no status matches."""
        if name in self._by_name:
            return name
        folded = {n.casefold(): n for n in self._by_name}
        return folded.get(name.casefold(), name)

    @property
    def initial(self) -> str:
        """The status of a pledge that has no update yet."""
        return UNRATED if UNRATED in self._by_name else self.statuses[0].name

    def is_final(self, name: str) -> bool:
        status = self._by_name.get(name)
        return bool(status and status.final)

    def score(self, name: str) -> float | None:
        status = self._by_name.get(name)
        return status.score if status else None


DEFAULT_VOCABULARY = Vocabulary()


def score_text(score: float | None) -> str:
    """A score as people read it: ``+1``, ``0``, ``-1``, ``+0.5``; ``n/a`` for none."""
    if score is None:
        return "n/a"
    return "0" if score == 0 else f"{score:+g}"
