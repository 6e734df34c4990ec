"""A headless Chromium for the browser tests, driven over the DevTools protocol.

The protocol runs over ``--remote-debugging-pipe``: Chromium reads commands on its file descriptor
3 and writes replies and events on 4, as JSON messages ended by a NUL byte. No port is opened and
no client library is needed.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import signal
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

# Not a time limit on what is tested: only a guard so that a wedged browser fails the test
# instead of hanging the run.
GUARD_SECONDS = 60

FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--mute-audio", "--hide-scrollbars",
    "--no-default-browser-check", "--remote-debugging-pipe",
)


def find_chromium() -> str | None:
    """``PLEDGETRACK_CHROMIUM``, else ``chromium`` (Debian) or ``chromium-browser`` on PATH."""
    explicit = os.environ.get("PLEDGETRACK_CHROMIUM")
    if explicit:
        return explicit
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


class ProtocolError(RuntimeError):
    pass


class Browser:
    """One Chromium process; :meth:`new_page` opens a tab with its own event log."""

    def __init__(self, binary: str, workdir: Path) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.log_path = workdir / "chromium.log"
        to_browser_r, to_browser_w = os.pipe()
        from_browser_r, from_browser_w = os.pipe()

        def child_fds() -> None:
            # Move the pipe ends to 3 and 4, by way of free numbers so that none is overwritten.
            a, b = os.dup(to_browser_r), os.dup(from_browser_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [binary, *FLAGS, f"--user-data-dir={workdir / 'profile'}", "about:blank"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, pass_fds=(3, 4),
                preexec_fn=child_fds, start_new_session=True,
            )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._out = to_browser_w
        self._in = from_browser_r
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []

    # -- messages ----------------------------------------------------------------------------

    def _receive(self) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            ready, _, _ = select.select([self._in], [], [], GUARD_SECONDS)
            if not ready:
                raise ProtocolError(f"no message from Chromium in {GUARD_SECONDS} s; "
                                    f"log: {self.log_path}")
            chunk = os.read(self._in, 1 << 16)
            if not chunk:
                raise ProtocolError(f"Chromium closed the pipe; log: {self.log_path}")
            self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        result: dict[str, Any] = json.loads(message)
        return result

    def call(self, method: str, params: dict[str, Any] | None = None,
             session: str | None = None) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method,
                                   "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._out, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._receive()
            if reply.get("id") == message["id"]:
                if "error" in reply:
                    raise ProtocolError(f"{method}: {reply['error']}")
                result: dict[str, Any] = reply.get("result", {})
                return result
            self.events.append(reply)

    def wait_for(self, predicate: Callable[[dict[str, Any]], bool],
                 since: int = 0) -> dict[str, Any]:
        """The first event from index ``since`` on that matches, waiting for it if need be."""
        for event in self.events[since:]:
            if predicate(event):
                return event
        while True:
            event = self._receive()
            self.events.append(event)
            if predicate(event):
                return event

    # -- pages -------------------------------------------------------------------------------

    def new_page(self, width: int = 1200, height: int = 900) -> Page:
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget",
                            {"targetId": target, "flatten": True})["sessionId"]
        page = Page(self, target, session)
        for domain in ("Page", "Runtime", "Network", "Log"):
            page.call(f"{domain}.enable")
        page.resize(width, height)
        return page

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.call("Browser.close")
        try:
            self.process.wait(timeout=GUARD_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)  # our own child's group only
            self.process.wait()
        for fd in (self._out, self._in):
            with contextlib.suppress(OSError):
                os.close(fd)


class Page:
    """A tab: navigation, script evaluation, input events, screenshots, and what it logged."""

    def __init__(self, browser: Browser, target: str, session: str) -> None:
        self.browser = browser
        self.target = target
        self.session = session
        self._first_event = len(browser.events)

    def call(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.browser.call(method, params, self.session)

    def _events(self, *methods: str) -> Iterator[dict[str, Any]]:
        for event in self.browser.events[self._first_event:]:
            if event.get("sessionId") == self.session and event.get("method") in methods:
                yield event["params"]

    def resize(self, width: int, height: int) -> None:
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})

    def goto(self, url: str) -> None:
        """Load ``url`` and wait for its load event."""
        since = len(self.browser.events)
        frame = self.call("Page.navigate", {"url": url})
        if frame.get("errorText"):
            raise ProtocolError(f"cannot load {url}: {frame['errorText']}")
        self.browser.wait_for(
            lambda e: e.get("sessionId") == self.session
            and e.get("method") == "Page.loadEventFired",
            since,
        )

    def eval(self, expression: str) -> Any:
        reply = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                               "awaitPromise": True})
        if "exceptionDetails" in reply:
            raise ProtocolError(f"{expression!r}: {reply['exceptionDetails']}")
        return reply["result"].get("value")

    def center_of(self, selector: str) -> tuple[float, float]:
        box = self.eval(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
            " e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect();"
            " return [r.x + r.width / 2, r.y + r.height / 2]; })()"
        )
        return box[0], box[1]

    def click(self, selector: str) -> None:
        """A real mouse click (press and release) in the middle of the element."""
        x, y = self.center_of(selector)
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y,
                                                   "button": "left", "clickCount": 1})

    def press(self, key: str, code: int) -> None:
        """A key press (down and up) on the focused element, e.g. ("ArrowDown", 40)."""
        for kind in ("keyDown", "keyUp"):
            self.call("Input.dispatchKeyEvent", {"type": kind, "key": key, "code": key,
                                                 "windowsVirtualKeyCode": code})

    def screenshot(self, full_page: bool = False) -> bytes:
        import base64

        params: dict[str, Any] = {"format": "png"}
        if full_page:
            params["captureBeyondViewport"] = True
            width, height = self.eval("[document.documentElement.scrollWidth,"
                                      " document.documentElement.scrollHeight]")
            params["clip"] = {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}
        return base64.b64decode(self.call("Page.captureScreenshot", params)["data"])

    # -- what happened -----------------------------------------------------------------------

    def requests(self) -> list[str]:
        """URLs of every request the page made (Network.requestWillBeSent)."""
        return [e["request"]["url"] for e in self._events("Network.requestWillBeSent")]

    def errors(self) -> list[str]:
        """Console errors, uncaught exceptions and browser log errors (CSP violations …)."""
        out = []
        for e in self._events("Runtime.consoleAPICalled"):
            if e.get("type") in ("error", "assert"):
                out.append("console: " + " ".join(str(a.get("value", a.get("description")))
                                                  for a in e.get("args", [])))
        for e in self._events("Runtime.exceptionThrown"):
            out.append("exception: " + json.dumps(e.get("exceptionDetails", {}))[:500])
        for e in self._events("Log.entryAdded"):
            entry = e.get("entry", {})
            if entry.get("level") == "error":
                out.append(f"log: {entry.get('text')} ({entry.get('url', '')})")
        return out

    def close(self) -> None:
        with contextlib.suppress(ProtocolError):
            self.browser.call("Target.closeTarget", {"targetId": self.target})
