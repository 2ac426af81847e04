"""Answering 504 for predictions that run past `--timeout`, without moving any prediction to another thread.

A prediction runs on the thread that serves its request (a hand-off to a pool per request would cost two
thread switches, about as much as the prediction of a small model). While it runs, its request is
registered here; a watchdog thread looks at the registered requests a few times a second and, for one
past its deadline, writes the 504 itself to the client's socket and shuts the connection, as MLflow
answers then. The prediction cannot be interrupted: it finishes on its thread, which then learns from
`finish` that the request was answered and sends nothing.
"""
from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field

TIMEOUT_BODY = b"Request processing time exceeded limit"
_RESPONSE = (b"HTTP/1.1 504 Gateway Timeout\r\nContent-Type: application/json\r\nContent-Length: "
             + str(len(TIMEOUT_BODY)).encode() + b"\r\nConnection: close\r\n\r\n" + TIMEOUT_BODY)


@dataclass(eq=False)
class Ticket:
    deadline: float
    sock: socket.socket | None
    answered: bool = field(default=False)


class Deadlines:
    def __init__(self, timeout: float):
        self.timeout = timeout
        self._running: set[Ticket] = set()
        self._lock = threading.Lock()
        self._watchdog: threading.Thread | None = None
        self._interval = max(0.01, min(0.1, timeout / 20))

    def start(self, sock: socket.socket | None) -> Ticket:
        """Register a request whose prediction starts now; `sock` is the client's connection (gunicorn's
        `environ["gunicorn.socket"]`; without one the request simply waits for its prediction)."""
        ticket = Ticket(time.monotonic() + self.timeout, sock)
        with self._lock:
            self._running.add(ticket)
            if self._watchdog is None:  # started lazily: in the worker, after the fork
                self._watchdog = threading.Thread(target=self._watch, name="mlplug-deadlines", daemon=True)
                self._watchdog.start()
        return ticket

    def finish(self, ticket: Ticket) -> bool:
        """True when the request is still this thread's to answer, False when the watchdog answered it."""
        with self._lock:
            self._running.discard(ticket)
            return not ticket.answered

    def _watch(self) -> None:
        while True:
            time.sleep(self._interval)
            now = time.monotonic()
            with self._lock:
                expired = [t for t in self._running if t.deadline <= now and t.sock is not None]
                for ticket in expired:
                    ticket.answered = True
                    self._running.discard(ticket)
            for ticket in expired:
                _answer_timeout(ticket.sock)


def _answer_timeout(sock: socket.socket) -> None:
    try:
        sock.sendall(_RESPONSE)
        sock.shutdown(socket.SHUT_RDWR)  # whatever the request's thread writes later goes nowhere
    except OSError:  # the client is gone already
        pass
