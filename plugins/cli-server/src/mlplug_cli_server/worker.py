"""gunicorn's gthread worker, with one change: a thread that has just answered a keep-alive request
serves the same client's next request itself if it arrives within a couple of milliseconds.

A tracking client logs in a tight loop (log-metric, log-batch, ...), so its next request is usually
already on the wire. Plain gthread hands the connection back to the main thread's poller after every
response and then to a pool thread again: two thread switches and a poller round trip per request,
about a third of gunicorn's cost per request. Everything else (parsing, timeouts, keep-alive limits,
graceful shutdown) is gthread's own code.
"""
from __future__ import annotations

import select

from gunicorn.workers.gthread import ThreadWorker

# How long a thread waits for the client's next request before giving the connection back.
LINGER_SECONDS = 0.002
# Requests served in a row on one connection before it goes back to the poller, for fairness.
MAX_IN_A_ROW = 100


class KeepAliveThreadWorker(ThreadWorker):
    def handle(self, conn):
        result = super().handle(conn)
        served = 1
        # `True` means "answered, keep the connection" (gunicorn 27); any other answer (including older
        # gunicorns' tuples) goes back to gthread unchanged.
        while result is True and self.alive and served < MAX_IN_A_ROW and _readable_soon(conn.sock):
            result = super().handle(conn)
            served += 1
        return result


def _readable_soon(sock) -> bool:
    try:
        readable, _, _ = select.select([sock], [], [], LINGER_SECONDS)
    except (OSError, ValueError):  # closed under us: let gthread's bookkeeping deal with it
        return False
    return bool(readable)
