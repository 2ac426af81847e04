"""One writer at a time on a SQLite file, queued in the kernel rather than in SQLite's busy handler.

SQLite lets one transaction write at a time. A writer that finds the lock taken sleeps in its busy
handler (1, 2, 5, 10, ... up to 100 ms between tries) although the holder is usually done within a
fraction of a millisecond, so with many concurrent loggers (gunicorn workers and their threads) those
sleeps, not the work, bound the write rate, and worse when the CPU is busy. The store's hot writes
therefore first take an exclusive `flock` on a file beside the database (`<database>-writers`): a
waiter blocks in the kernel and wakes as soon as the holder lets go. SQLite's own locking still guards
the data (other programs writing the file are not queued, only waited for as before); the queue merely
replaces sleeping with waking. Threads of one process share the file's lock, so a thread lock orders
them first. Where flock is unavailable, or the file cannot be made, writers simply are not queued.
"""
from __future__ import annotations

import contextlib
import os
import threading
import weakref
from typing import Iterator

try:
    import fcntl
except ImportError:  # Windows: no flock, SQLite's busy handler alone
    fcntl = None  # type: ignore[assignment]

_queues: "weakref.WeakSet[WriterQueue]" = weakref.WeakSet()


class WriterQueue:
    def __init__(self, database_path: str):
        self.path = database_path + "-writers"
        self._reset()
        _queues.add(self)

    def _reset(self) -> None:
        self._thread_lock = threading.Lock()
        self._fd: int | None = None
        self._unavailable = fcntl is None

    @contextlib.contextmanager
    def turn(self) -> Iterator[None]:
        """Wait for this process's and then every other process's writers to be done, then write."""
        with self._thread_lock:
            fd = self._file()
            if fd is None:
                yield
                return
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)

    def _file(self) -> int | None:
        if self._fd is None and not self._unavailable:
            try:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o666)
            except OSError:  # a read-only directory, say: SQLite will report what matters
                self._unavailable = True
        return self._fd

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _fresh_after_fork() -> None:
    # A child must not share its parent's open lock file (flock locks belong to it), nor inherit a thread
    # lock that another thread of the parent happened to hold.
    for queue in list(_queues):
        queue.close()  # the child's copy only: the parent's descriptor keeps the parent's lock
        queue._reset()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_fresh_after_fork)
