"""Real HTTP(S) servers on 127.0.0.1 for the link checks: each path answers in one documented
way, and every request is recorded (method, path, User-Agent, time, how many at once)."""

from __future__ import annotations

import shutil
import socket
import ssl
import struct
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


@dataclass
class Record:
    method: str
    path: str
    agent: str
    at: float


@dataclass
class Log:
    requests: list[Record] = field(default_factory=list)
    active: int = 0
    most: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def paths(self, method: str | None = None) -> list[str]:
        return [r.path for r in self.requests if method in (None, r.method)]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: LinkServer

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def _send(self, status: int, headers: dict[str, str] | None = None) -> None:
        body = b"" if self.command == "HEAD" else f"<p>{status}</p>".encode()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(f"<p>{status}</p>")))
        self.end_headers()
        self.wfile.write(body)

    def _answer(self) -> None:
        log = self.server.log
        with log.lock:
            log.requests.append(Record(self.command, self.path,
                                       self.headers.get("User-Agent", ""), time.monotonic()))
            log.active += 1
            log.most = max(log.most, log.active)
            asked = sum(r.path == self.path for r in log.requests)
        try:
            self._route(asked)
        finally:
            with log.lock:
                log.active -= 1

    def _route(self, asked: int) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/ok" or path.startswith("/page/"):
            self._send(200)
        elif path.startswith("/slowish/"):
            time.sleep(0.15)
            self._send(200)
        elif path == "/nohead":
            self._send(405 if self.command == "HEAD" else 200, {"Allow": "GET"})
        elif path == "/perm1":
            self._send(301, {"Location": "/perm2"})
        elif path == "/perm2":
            self._send(308, {"Location": f"http://127.0.0.1:{self.server.port}/ok"})
        elif path == "/temp1":
            self._send(302, {"Location": "/temp2"})
        elif path == "/temp2":
            self._send(307, {"Location": "/ok"})
        elif path == "/mixed":
            self._send(301, {"Location": "/temp1"})
        elif path == "/moved-dead":
            self._send(301, {"Location": "/gone404"})
        elif path == "/loop-a":
            self._send(302, {"Location": "/loop-b"})
        elif path == "/loop-b":
            self._send(302, {"Location": "/loop-a"})
        elif path == "/escape":
            # A Location with an escape sequence, a space and a Latin-1 byte in it.
            self._send(301, {"Location": "/ok?\x1b[31mred \xe9"})
        elif path == "/gone404":
            self._send(404)
        elif path == "/gone410":
            self._send(410)
        elif path == "/busy":
            # The first two requests are turned away with Retry-After: 1.
            self._send(429, {"Retry-After": "1"}) if asked <= 2 else self._send(200)
        elif path == "/busy-always":
            self._send(429, {"Retry-After": "0"})
        elif path == "/busy-long":
            self._send(503, {"Retry-After": "3600"})
        elif path == "/busy-huge":
            self._send(503, {"Retry-After": "99999"})
        elif path == "/fail500":
            self._send(500)
        elif path == "/forbidden":
            self._send(403)
        else:
            self._send(404)

    def do_HEAD(self) -> None:
        self._answer()

    def do_GET(self) -> None:
        self._answer()


class LinkServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.log = Log()
        self.port = self.server_address[1]
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.scheme = "http"

    def url(self, path: str) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> LinkServer:
        if not self.thread.is_alive():
            self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()


def serve() -> LinkServer:
    return LinkServer().__enter__()


class SilentServer:
    """Accepts connections (the kernel's backlog does) and never answers a byte."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self.sock.close()


class ResetServer:
    """Accepts each connection, reads the request, and resets it (RST, not a clean close)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            try:
                conn.settimeout(2)
                conn.recv(65536)
            except OSError:
                pass
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self.running = False
        self.sock.close()


def self_signed(folder: Path) -> tuple[Path, Path] | None:
    """A certificate and key for 127.0.0.1, made with the openssl command; None without it."""
    openssl = shutil.which("openssl")
    if openssl is None:
        return None
    cert, key = folder / "cert.pem", folder / "key.pem"
    done = subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
         "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        capture_output=True, check=False,
    )
    return (cert, key) if done.returncode == 0 else None


def tls_server(cert: Path, key: Path) -> LinkServer:
    server = LinkServer()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.scheme = "https"
    return server.__enter__()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def iter_lines(text: str) -> Iterator[str]:
    yield from (line for line in text.splitlines() if line)
