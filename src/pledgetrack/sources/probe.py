"""Checking links over HTTP(S), with urllib3.

urllib3 (the connection layer under requests) gives thread-safe connection pools per host,
timeouts for connecting and reading, certificate checks against the system's store, and the
parsing of ``Retry-After``; redirects and retries are followed here, one hop at a time, so that
each hop can be reported, a loop detected and a host's request for a pause shared by every
thread asking it.

Politeness: at most ``per_host`` requests at a time to one host (name and port), ``jobs`` in
all; a host that answers 429 or 503 with ``Retry-After`` is left alone for that long by every
thread; HEAD first (no body), GET only where HEAD is refused.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from pledgetrack import __version__
from pledgetrack.sources.results import LinkResult, LinkState

# Some sites turn away clients that do not look like a browser; the last word names the tool,
# so that a site's owner can tell what is asking.
USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    f"Chrome/131.0 Safari/537.36 pledgetrack/{__version__} (source link check)"
)
HEADERS = {
    "User-Agent": USER_AGENT,
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "en;q=0.9,*;q=0.5",
}
MAX_REDIRECTS = 10
PERMANENT = frozenset({301, 308})
REDIRECTS = frozenset({301, 302, 303, 307, 308})
DEAD = frozenset({404, 410})
# Statuses that ask the client to come back later: retried (after Retry-After when given).
BUSY = frozenset({429, 503})


@dataclass(frozen=True, slots=True)
class ProbeSettings:
    timeout: float = 10.0  # seconds to connect, and to wait for each read
    jobs: int = 8  # requests at a time, in all
    per_host: int = 2  # requests at a time to one host
    retries: int = 2  # further tries after 429 or 503
    backoff: float = 1.0  # first wait when no Retry-After is given; doubles each try
    max_wait: float = 60.0  # a longer Retry-After is not waited for: the link is reported


@dataclass(frozen=True, slots=True)
class _Answer:
    status: int
    location: str | None
    retry_after: str | None
    note: str = ""  # why a 429 or 503 was not asked again


class _Hosts:
    """Slots per host, and the time before which a host asked not to be asked again."""

    def __init__(self, per_host: int) -> None:
        self._per_host = per_host
        self._lock = threading.Lock()
        self._slots: dict[str, threading.BoundedSemaphore] = {}
        self._not_before: dict[str, float] = {}

    @contextlib.contextmanager
    def slot(self, host: str) -> Iterator[None]:
        with self._lock:
            semaphore = self._slots.get(host)
            if semaphore is None:
                semaphore = self._slots[host] = threading.BoundedSemaphore(self._per_host)
        with semaphore:
            while True:
                wait = self._not_before.get(host, 0.0) - time.monotonic()
                if wait <= 0:
                    break
                time.sleep(wait)
            yield

    def pause(self, host: str, seconds: float) -> None:
        with self._lock:
            until = time.monotonic() + seconds
            self._not_before[host] = max(self._not_before.get(host, 0.0), until)


def host_of(url: str) -> str:
    try:
        parts = urlsplit(url)
        return f"{(parts.hostname or '').lower()}:{parts.port or ''}"
    except ValueError:
        return ""


class Prober:
    """Checks URLs; one instance shares its connection pools and host slots across threads."""

    def __init__(self, settings: ProbeSettings) -> None:
        import urllib3

        self.settings = settings
        self._hosts = _Hosts(settings.per_host)
        self._pool = urllib3.PoolManager(
            num_pools=max(32, settings.jobs * 4), maxsize=settings.per_host, block=False,
            headers=HEADERS, retries=False,
            timeout=urllib3.Timeout(connect=settings.timeout, read=settings.timeout),
        )

    def close(self) -> None:
        self._pool.clear()

    # -- one request -----------------------------------------------------------------------------

    def _send(self, method: str, url: str) -> _Answer:
        with self._hosts.slot(host_of(url)):
            response = self._pool.request(method, url, redirect=False, retries=False,
                                          preload_content=False)
        try:
            return _Answer(response.status, response.headers.get("Location"),
                           response.headers.get("Retry-After"))
        finally:
            if method != "HEAD":
                # The body is not needed: drop the connection rather than read it.
                response.close()
            response.release_conn()

    def _retry_wait(self, answer: _Answer, attempt: int) -> float:
        import urllib3

        if answer.retry_after:
            # Seconds are read here: urllib3 caps them (at 6 hours), and the message about a
            # wait too long to keep must name the wait the server asked for.
            if answer.retry_after.strip().isdigit():
                return float(answer.retry_after.strip())
            try:
                return max(0.0, urllib3.util.Retry().parse_retry_after(answer.retry_after))
            except urllib3.exceptions.InvalidHeader:
                pass
        return float(self.settings.backoff * 2 ** attempt)

    def _ask(self, method: str, url: str) -> _Answer:
        """One request, tried again after 429/503 (waiting as asked) and once after a dropped
        connection (a kept-alive connection the server had closed)."""
        import urllib3

        attempt = 0
        dropped = False
        while True:
            try:
                answer = self._send(method, url)
            except urllib3.exceptions.ProtocolError:
                if dropped:
                    raise
                dropped = True
                continue
            if answer.status not in BUSY:
                return answer
            if attempt >= self.settings.retries:
                tries = f"{attempt + 1} tr{'ies' if attempt else 'y'}"
                return dataclasses.replace(answer, note=f"still after {tries}")
            wait = self._retry_wait(answer, attempt)
            if wait > self.settings.max_wait:
                return dataclasses.replace(
                    answer, note=f"Retry-After asks for {wait:.0f} s, more than "
                    f"{self.settings.max_wait:.0f} s")
            self._hosts.pause(host_of(url), wait)
            attempt += 1

    def _answer(self, url: str, tried: list[str]) -> _Answer:
        """HEAD, then GET where HEAD is refused: many servers answer HEAD with 405, 403, 404 or
        501, or drop the connection, while the page itself is there. ``tried`` gets the
        methods asked, in order."""
        import urllib3

        tried.append("HEAD")
        try:
            head = self._ask("HEAD", url)
        except urllib3.exceptions.ProtocolError:
            tried.append("GET")
            return self._ask("GET", url)
        if head.status < 400 or head.status in BUSY:
            return head
        tried.append("GET")
        return self._ask("GET", url)

    # -- one link --------------------------------------------------------------------------------

    def check(self, url: str) -> LinkResult:
        """Follow ``url`` through its redirects and classify where it ends."""
        import urllib3

        hops: list[tuple[int, str]] = []
        seen = {url}
        current = url
        tried: list[str] = []

        def result(state: LinkState, status: int | None, message: str) -> LinkResult:
            moved_to = None
            if state == "moved":
                moved_to = next(target for code, target in reversed(hops) if code in PERMANENT)
            return LinkResult(url, state, status, current, message, _now(), tuple(hops),
                              moved_to, tried[-1] if tried else "HEAD")

        try:
            for _ in range(MAX_REDIRECTS + 1):
                tried.clear()
                answer = self._answer(current, tried)
                status = answer.status
                if status in REDIRECTS and answer.location:
                    target = urljoin(current, _url_text(answer.location.strip()))
                    hops.append((status, target))
                    if target in seen:
                        return result("error", status, f"redirect loop back to {target}")
                    if not target.startswith(("http://", "https://")):
                        return result("error", status, f"redirect to a non-web URL {target}")
                    seen.add(target)
                    current = target
                    continue
                return _classify(status, hops, result, answer.note)
            return result("error", hops[-1][0], f"more than {MAX_REDIRECTS} redirects")
        except urllib3.exceptions.HTTPError as exc:
            state, message = describe_failure(exc)
            return result(state, None, message)
        except ValueError as exc:  # a URL urllib3 cannot parse
            return result("error", None, f"bad URL: {exc}")


def _classify(
    status: int, hops: list[tuple[int, str]], result: Callable[[LinkState, int | None, str],
                                                                 LinkResult], note: str = "",
) -> LinkResult:
    from http import HTTPStatus

    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "status"
    said = f"{status} {phrase}" + (f" ({note})" if note else "")
    if 200 <= status < 300:
        if any(code in PERMANENT for code, _ in hops):
            return result("moved", status, "moved permanently")
        return result("ok", status, said if not hops else f"{said} after redirects")
    if status in DEAD:
        return result("dead", status, said)
    if status in REDIRECTS:
        return result("error", status, f"{said} without a Location")
    return result("error", status, said)


def describe_failure(exc: Exception) -> tuple[LinkState, str]:
    """The state and a short reason for a request that got no HTTP answer."""
    import ssl

    import urllib3.exceptions as e

    # Order matters: NameResolutionError is a NewConnectionError, which urllib3 derives from
    # ConnectTimeoutError for backwards compatibility, though neither is a timeout.
    if isinstance(exc, e.NameResolutionError):
        return "error", "DNS: the host name does not resolve"
    if isinstance(exc, e.NewConnectionError):
        reason = exc.__cause__ or exc.__context__
        detail = getattr(reason, "strerror", None) or "cannot connect"
        return "error", f"connection failed: {str(detail).lower()}"
    if isinstance(exc, e.TimeoutError):
        return "timeout", "no answer in time"
    if isinstance(exc, e.SSLError):
        inner = exc.args[0] if exc.args else exc
        if isinstance(inner, ssl.SSLCertVerificationError):
            return "error", f"TLS: {inner.verify_message or 'certificate not trusted'}"
        return "error", f"TLS: {_short(inner)}"
    if isinstance(exc, e.ProtocolError):
        reason = exc.args[1] if len(exc.args) > 1 else exc
        if isinstance(reason, ConnectionResetError):
            return "error", "connection reset by the server"
        return "error", f"connection broken: {_short(reason)}"
    if isinstance(exc, e.LocationValueError):
        return "error", f"bad URL: {_short(exc)}"
    return "error", _short(exc)


def _url_text(location: str) -> str:
    """A Location header as a URL that can be shown anywhere: control characters, spaces and
    non-ASCII characters percent-encoded, as browsers do. The header comes from any server, and
    a raw escape sequence in it would reach the terminal, the Markdown and the annotations."""
    out: list[str] = []
    for char in location:
        code = ord(char)
        if code <= 0x20 or code >= 0x7F:
            # Header text is decoded as Latin-1, one character a byte; anything wider is UTF-8.
            raw = bytes([code]) if code <= 0xFF else char.encode("utf-8")
            out.append("".join(f"%{b:02X}" for b in raw))
        else:
            out.append(char)
    return "".join(out)


def _short(value: object) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= 160 else text[:159] + "…"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _fair_order(urls: Iterable[str]) -> list[str]:
    """One URL of each host in turn, so that the workers spread over hosts instead of queueing
    for one host's slots while the others wait."""
    queues: dict[str, list[str]] = {}
    for url in urls:
        queues.setdefault(host_of(url), []).append(url)
    order: list[str] = []
    lists = list(queues.values())
    for i in range(max((len(q) for q in lists), default=0)):
        order.extend(q[i] for q in lists if i < len(q))
    return order


def check_urls(
    urls: Iterable[str], settings: ProbeSettings,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, LinkResult]:
    """Check each URL once, ``settings.jobs`` at a time; ``progress(done, total)`` after each."""
    from concurrent.futures import ThreadPoolExecutor, as_completed

    order = _fair_order(dict.fromkeys(urls))
    results: dict[str, LinkResult] = {}
    if not order:
        return results
    prober = Prober(settings)
    pool = ThreadPoolExecutor(max_workers=max(1, settings.jobs),
                              thread_name_prefix="pledgetrack-link")
    try:
        futures = {pool.submit(prober.check, url): url for url in order}
        for done, future in enumerate(as_completed(futures), 1):
            results[futures[future]] = future.result()
            if progress is not None:
                progress(done, len(order))
    finally:
        # An interrupt: requests not yet started are dropped, those running end by timeout.
        pool.shutdown(wait=False, cancel_futures=True)
        prober.close()
    return results
