"""gunicorn's gthread worker, with one change: a thread that has just answered a keep-alive request
serves the same client's next request itself if it arrives within a couple of milliseconds.

A tracking client logs in a tight loop (log-metric, log-batch, ...), and a scoring client posts one
prediction after another, so the next request is usually on the wire within a fraction of a millisecond.
Plain gthread hands the connection back to the main thread's poller after every response and then to a
pool thread again: two thread switches and a poller round trip per request, about a third of gunicorn's
cost per request. Everything else (parsing, timeouts, keep-alive limits, graceful shutdown) is gthread's
own code.

While no other request of this worker is running, the thread first polls without blocking for a short
moment. Blocking would let its CPU go idle, and waking an idle CPU when the request lands costs far more
than the polling (on a virtual machine measured at 0.2-0.5 ms per wake-up, more than a small model's
whole prediction). With other requests running the thread blocks straight away, so it never takes CPU or
the GIL from them.
"""
from __future__ import annotations

import os
import select
import threading
import time

from gunicorn.workers.gthread import ThreadWorker

# How long a thread waits for the client's next request before giving the connection back.
LINGER_SECONDS = 0.002
# How much of that it polls without blocking when it is the worker's only busy thread.
SPIN_SECONDS = 0.001
# Requests served in a row on one connection before it goes back to the poller, for fairness.
MAX_IN_A_ROW = 100


class KeepAliveThreadWorker(ThreadWorker):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._busy = 0
        self._busy_lock = threading.Lock()

    def handle(self, conn):
        self._count_busy(1)
        try:
            result = super().handle(conn)
            served = 1
            # `True` means "answered, keep the connection" (gunicorn 27); any other answer (including older
            # gunicorns' tuples) goes back to gthread unchanged.
            while result is True and self.alive and served < MAX_IN_A_ROW and self._next_request_soon(conn.sock):
                result = super().handle(conn)
                served += 1
            return result
        finally:
            self._count_busy(-1)

    def _count_busy(self, delta: int) -> None:
        with self._busy_lock:
            self._busy += delta

    def _next_request_soon(self, sock) -> bool:
        try:
            poller = select.poll()
            poller.register(sock, select.POLLIN)
            start = time.perf_counter()
            if self._busy == 1:  # only this thread: poll without blocking for a moment, keeping the CPU awake
                while time.perf_counter() - start < SPIN_SECONDS:
                    if poller.poll(0):
                        return True
                    if self._busy != 1:
                        break
                    os.sched_yield()  # a client on this same CPU runs first
            remaining = LINGER_SECONDS - (time.perf_counter() - start)
            return bool(poller.poll(max(0.0, remaining) * 1000))
        except (OSError, ValueError):  # closed under us: let gthread's bookkeeping deal with it
            return False
