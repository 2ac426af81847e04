"""How much a process's memory grows during a piece of work (Linux /proc), for tests and benchmarks
that bound a server worker's memory.

`VmHWM` is a process's peak resident set. Writing `5` to `/proc/<pid>/clear_refs` resets that peak to
the current size, so a peak read afterwards belongs to the work alone; where the reset is refused, the
growth is measured from the current size to the all-time peak, which can only overstate it.
"""
from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from typing import Iterable, Iterator

MIB = 1024 * 1024


def _status_bytes(pid: int, key: str) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024  # reported in kB
    raise LookupError(f"/proc/{pid}/status has no {key}")


def resident(pid: int) -> int:
    """Resident set size in bytes (VmRSS)."""
    return _status_bytes(pid, "VmRSS")


def peak_resident(pid: int) -> int:
    """Peak resident set size in bytes (VmHWM)."""
    return _status_bytes(pid, "VmHWM")


def reset_peak(pid: int) -> bool:
    """Reset VmHWM to the current resident size; False where the kernel refuses it."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
        return True
    except OSError:
        return False


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (children, their children, ...), e.g. a server's workers."""
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        for task in _tasks(parent):
            try:
                with open(f"/proc/{parent}/task/{task}/children") as children:
                    kids = [int(child) for child in children.read().split()]
            except OSError:  # it exited meanwhile
                continue
            found.extend(kids)
            frontier.extend(kids)
    return found


def _tasks(pid: int) -> list[str]:
    try:
        return os.listdir(f"/proc/{pid}/task")
    except OSError:
        return []


@dataclass
class Growth:
    """Filled in when the `peak_growth` block ends, in bytes per process: how far each one's resident
    size rose above where it started (`per_pid`), and its peak (`peaks`)."""

    per_pid: dict[int, int] = field(default_factory=dict)
    peaks: dict[int, int] = field(default_factory=dict)

    @property
    def bytes(self) -> int:
        """The largest growth of any of the processes."""
        return max(self.per_pid.values(), default=0)

    @property
    def mib(self) -> float:
        return self.bytes / MIB

    @property
    def peak_mib(self) -> float:
        """The largest peak resident size of any of the processes."""
        return max(self.peaks.values(), default=0) / MIB


@contextlib.contextmanager
def peak_growth(pids: Iterable[int]) -> Iterator[Growth]:
    """Measure, for each of `pids`, its peak resident size during the block minus its size before it."""
    pids = list(pids)
    if not pids:
        raise ValueError("no process to measure (has the server started its workers?)")
    before = {pid: resident(pid) for pid in pids}
    for pid in pids:
        reset_peak(pid)
    growth = Growth()
    yield growth
    for pid in pids:
        with contextlib.suppress(OSError):  # a process that exited during the block is left out
            growth.peaks[pid] = peak_resident(pid)
            growth.per_pid[pid] = max(0, growth.peaks[pid] - before[pid])
