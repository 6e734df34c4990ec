"""Records of a link check: where a URL is cited, what checking it found. No files, no network."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any, Literal

LinkState = Literal["ok", "moved", "dead", "error", "timeout"]
# Worst first: the order of tables and of the summary line.
STATES: tuple[LinkState, ...] = ("dead", "error", "timeout", "moved", "ok")
FAILING: frozenset[str] = frozenset({"dead", "error", "timeout"})


@dataclass(frozen=True, slots=True)
class Citation:
    """One place a URL is cited: a pledge's own source, or a source of its update ``update``
    (1-based, in file order, as `check` numbers them)."""

    url: str
    path: str
    line: int
    pledge_id: str
    update: int | None = None
    archived: str | None = None

    @property
    def where(self) -> str:
        return f"{self.pledge_id} (update {self.update})" if self.update else self.pledge_id

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "pledge": self.pledge_id,
                "update": self.update, "archived": self.archived}


@dataclass(frozen=True, slots=True)
class LinkResult:
    """What checking one URL found.

    ``status`` is the HTTP status of the last answer (None when there was none: a timeout, a
    refused connection, a TLS or DNS failure); ``final_url`` is where the redirects ended;
    ``moved_to`` is the target of the last permanent redirect (301, 308) for a moved link;
    ``redirects`` lists each hop as (status, target).
    """

    url: str
    state: LinkState
    status: int | None
    final_url: str
    message: str
    checked: dt.datetime  # UTC
    redirects: tuple[tuple[int, str], ...] = ()
    moved_to: str | None = None
    method: str = "HEAD"

    def to_dict(self) -> dict[str, Any]:
        return {
            "url": self.url, "state": self.state, "status": self.status,
            "final_url": self.final_url, "moved_to": self.moved_to, "message": self.message,
            "redirects": [{"status": s, "url": u} for s, u in self.redirects],
            "method": self.method,
            "checked": self.checked.astimezone(dt.UTC).isoformat(timespec="seconds"),
        }

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> LinkResult:
        """The inverse of :meth:`to_dict`; raises KeyError, TypeError or ValueError on a
        document it did not write."""
        state = doc["state"]
        if state not in STATES:
            raise ValueError(state)
        status = doc.get("status")
        checked = dt.datetime.fromisoformat(doc["checked"])
        if checked.tzinfo is None:
            checked = checked.replace(tzinfo=dt.UTC)
        return cls(
            url=str(doc["url"]), state=state,
            status=int(status) if status is not None else None,
            final_url=str(doc.get("final_url") or doc["url"]),
            message=str(doc.get("message") or ""), checked=checked,
            redirects=tuple((int(r["status"]), str(r["url"])) for r in doc.get("redirects", [])),
            moved_to=doc.get("moved_to"), method=str(doc.get("method") or "HEAD"),
        )


@dataclass(frozen=True, slots=True)
class CheckedLink:
    """A URL, the places citing it, and its result; ``fresh`` is False for a result kept from
    an earlier run (younger than ``--max-age``)."""

    result: LinkResult
    citations: tuple[Citation, ...]
    fresh: bool = True

    @property
    def url(self) -> str:
        return self.result.url


@dataclass(frozen=True, slots=True)
class SourcesReport:
    links: tuple[CheckedLink, ...]

    def counts(self) -> dict[str, int]:
        found = Counter(link.result.state for link in self.links)
        return {state: found[state] for state in STATES}

    @property
    def checked(self) -> int:
        return sum(link.fresh for link in self.links)

    def summary(self) -> str:
        """``12 links (3 checked now, 9 kept from earlier runs): 10 ok, 1 moved, 1 dead``."""
        total = len(self.links)
        kept = total - self.checked
        counts = ", ".join(f"{n} {state}" for state, n in self.counts().items() if n)
        when = f" ({self.checked} checked now, {kept} kept from earlier runs)" if kept else ""
        return f"{total} link{'s' if total != 1 else ''}{when}" + (f": {counts}" if counts else "")

    def failing(self, fail_on: str) -> list[CheckedLink]:
        """The links that fail the run: ``dead`` ones, ``any`` failing one, or none."""
        if fail_on == "none":
            return []
        states = {"dead"} if fail_on == "dead" else FAILING
        return [link for link in self.links if link.result.state in states]
