"""Servers for the REST store's tests: a scripted stub on loopback, and a real `mlplug server`."""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator

import pytest
from mlplug.testing.servers import MlplugServer


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    client_port: int


@dataclass
class Scripted:
    status: int = 200
    body: bytes | dict = b"{}"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    close: bool = False  # say "Connection: close" and close after answering
    drop: bool = False  # close after answering without saying so (an idle keep-alive timeout)


class StubServer:
    """Answers queued `Scripted` responses (then `default`) and records every request."""

    def __init__(self) -> None:
        self.script: list[Scripted] = []
        self.default = Scripted()
        self.requests: list[Recorded] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            wbufsize = -1  # one write per response, so Nagle and delayed ACKs do not add 40 ms

            def log_message(self, *args) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                stub.requests.append(Recorded(self.command, self.path, dict(self.headers.items()), body,
                                              self.client_address[1]))
                answer = stub.script.pop(0) if stub.script else stub.default
                if answer.delay:
                    time.sleep(answer.delay)
                payload = answer.body if isinstance(answer.body, bytes) else json.dumps(answer.body).encode()
                self.send_response(answer.status)
                self.send_header("Content-Length", str(len(payload)))
                self.send_header("Content-Type", "application/json")
                for k, v in answer.headers.items():
                    self.send_header(k, v)
                if answer.close:
                    self.send_header("Connection", "close")
                    self.close_connection = True
                self.end_headers()
                self.wfile.write(payload)
                if answer.drop:
                    self.close_connection = True

            do_GET = do_POST = do_PUT = do_DELETE = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def then(self, status: int = 200, body: bytes | dict = b"{}", **kw) -> "StubServer":
        """Queue the next answer."""
        self.script.append(Scripted(status, body, **kw))
        return self

    def __enter__(self) -> "StubServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="session")
def server_url(tmp_path_factory) -> Iterator[str]:
    with MlplugServer(tmp_path_factory.mktemp("server"), workers=2) as server:
        yield server.url


@pytest.fixture
def stub() -> Iterator[StubServer]:
    with StubServer() as server:
        yield server
