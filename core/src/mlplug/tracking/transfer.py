"""Many-file artifact transfers: a bounded pool of threads, a progress line on stderr, resumable downloads.

The unit of work stays the repository contract's per-file operation (`log_artifact` up, `download_file`
down), so every backend gets parallel transfers without code of its own and keeps its own per-file
speed-ups (multipart uploads, ranged downloads). Listing stays the backend's too (`iter_files`: one flat
listing on object stores).

- Workers: `MLPLUG_ARTIFACT_TRANSFER_WORKERS` (then `MLFLOW_...`), default 8; at most twice that many
  files are queued at once, so a tree of a million files is never held as a million pending tasks.
  Repositories with `parallel_transfers = False` (the local filesystem) run on the calling thread, and
  take uploads as one `log_files` batch.
- Progress: a line on stderr counting files and bytes. `progress=True` always shows it; `None` (the
  default) shows it on a terminal once a transfer has run for a second, unless
  `MLPLUG_ENABLE_ARTIFACTS_PROGRESS_BAR` (or MLflow's variable) is false; `False` never does.
- Resuming: each file is downloaded to `<name>.part` and renamed when complete, so an interrupted file
  is never taken for a finished one; with `resume` (the default) a tree download skips files that
  already exist locally with the remote size, which makes a re-run fetch only what is missing.

Standard library only: the tracking API imports this module.
"""
from __future__ import annotations

import os
import posixpath
import stat
import sys
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Callable, Iterable, TextIO

from mlplug import config
from mlplug.contracts.artifacts import ArtifactRepository, safe_relpath
from mlplug.entities import FileInfo
from mlplug.errors import InvalidParameter

DEFAULT_WORKERS = 8
PART_SUFFIX = ".part"
_AUTO_DELAY = 1.0  # seconds before an automatic progress line appears: quick transfers stay silent


def transfer_workers() -> int:
    raw = config.setting("ARTIFACT_TRANSFER_WORKERS")
    if raw is None:
        return DEFAULT_WORKERS
    try:
        workers = int(raw)
    except ValueError:
        workers = 0
    if workers < 1:
        raise InvalidParameter(f"MLPLUG_ARTIFACT_TRANSFER_WORKERS must be a whole number of at least 1, got {raw!r}.")
    return workers


@dataclass
class Summary:
    """What a transfer did: files and bytes moved, and files skipped because they were already complete."""

    local_path: str = ""
    files: int = 0
    bytes: int = 0
    skipped: int = 0


# --- uploads ---------------------------------------------------------------------------------------

def upload_directory(repo: ArtifactRepository, local_dir: str, artifact_path: str | None = None,
                     progress: bool | None = None) -> Summary:
    """Log every file under `local_dir` into `artifact_path`, keeping the tree's layout, in parallel."""
    local_dir = os.fspath(local_dir)
    if not os.path.isdir(local_dir):
        raise InvalidParameter(f"Cannot log artifacts from '{local_dir}': it is not a directory.")
    base = safe_relpath(artifact_path)
    plan: list[tuple[str, str | None, int]] = []
    for root, dirs, names in os.walk(local_dir):
        dirs.sort()
        rel = os.path.relpath(root, local_dir)
        sub = "" if rel == "." else rel.replace(os.sep, "/")
        dest = posixpath.join(base, sub) if base and sub else base or sub
        for name in sorted(names):
            full = os.path.join(root, name)
            plan.append((full, dest or None, os.path.getsize(full)))
    summary = Summary(local_dir)
    bar = _progress(progress, "Uploading", len(plan), sum(size for _, _, size in plan))

    def send(local_file: str, dest: str | None, size: int) -> None:
        repo.log_artifact(local_file, dest)
        bar.advance(size)

    with bar:
        if repo.parallel_transfers:
            run_bounded((lambda item=item: send(*item) for item in plan), min(transfer_workers(), len(plan)))
        else:
            repo.log_files(plan, bar.advance)
    summary.files, summary.bytes = len(plan), bar.done_bytes
    return summary


# --- downloads -------------------------------------------------------------------------------------

def download(repo: ArtifactRepository, path: str | None, dst_path: str, progress: bool | None = None,
             resume: bool = True) -> Summary:
    """Download the file or tree `path` into `dst_path`; `Summary.local_path` is where it landed."""
    rel = safe_relpath(path)
    local = _local_path(dst_path, rel)
    if rel and not repo.is_dir(rel):  # a file, or nothing (the backend raises NotFound)
        files = [FileInfo(rel, False, None)]
    else:
        files = list(repo.iter_files(rel))
        os.makedirs(local, exist_ok=True)
    # Every local name is worked out (and checked) before anything is written.
    targets = {info.path: _local_path(dst_path, info.path) for info in files}
    parts = {path: _local_path(dst_path, part) for path, part in _part_names(list(targets)).items()}
    summary = Summary(local)
    sizes = [info.file_size for info in files]
    bar = _progress(progress, "Downloading", len(files), None if None in sizes else sum(sizes))
    lock = threading.Lock()

    def fetch(info: FileInfo) -> None:
        target = targets[info.path]
        if resume and info.file_size is not None and _complete(target, info.file_size):
            with lock:
                summary.skipped += 1
            bar.advance(info.file_size)
            return
        part = parts[info.path]
        os.makedirs(os.path.dirname(target), exist_ok=True)
        bar.watch(part)
        try:
            repo.download_file(info.path, part)
            os.replace(part, target)
        except Exception:
            _remove_quietly(part)
            raise
        finally:
            bar.unwatch(part)
        size = os.path.getsize(target)
        with lock:
            summary.files += 1
            summary.bytes += size
        bar.advance(size)

    with bar:
        workers = min(transfer_workers(), len(files)) if repo.parallel_transfers else 1
        run_bounded((lambda info=info: fetch(info) for info in files), workers)
    return summary


def _local_path(dst_path: str, rel: str) -> str:
    """Where the artifact `rel` goes below `dst_path`; names from a listing are checked like any other path."""
    rel = safe_relpath(rel)
    return os.path.join(dst_path, *rel.split("/")) if rel else dst_path


def _complete(target: str, size: int) -> bool:
    try:
        found = os.stat(target)
    except OSError:
        return False
    return stat.S_ISREG(found.st_mode) and found.st_size == size


def _part_names(paths: list[str]) -> dict[str, str]:
    """`<path>.part` for each path, numbered (`<path>.1.part`) where that names another artifact or temp file."""
    used = set(paths)
    names = {}
    for path in paths:
        candidate, n = path + PART_SUFFIX, 0
        while candidate in used:
            n += 1
            candidate = f"{path}.{n}{PART_SUFFIX}"
        used.add(candidate)
        names[path] = candidate
    return names


def _remove_quietly(path: str) -> None:
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


# --- running tasks ---------------------------------------------------------------------------------

def run_bounded(tasks: Iterable[Callable[[], None]], workers: int) -> None:
    """Run `tasks` on up to `workers` threads with at most 2 x `workers` queued.

    The first failure stops further submissions; it is raised once the tasks already running end.
    """
    if workers <= 1:
        for task in tasks:
            task()
        return
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mlplug-transfer") as pool:
        pending: set[Future] = set()
        try:
            for task in tasks:
                if len(pending) >= 2 * workers:
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for future in done:
                        future.result()
                pending.add(pool.submit(task))
            for future in wait(pending).done:
                future.result()
        except BaseException:
            for future in pending:
                future.cancel()
            raise


# --- progress --------------------------------------------------------------------------------------

def _progress(progress: bool | None, verb: str, total_files: int, total_bytes: int | None) -> "Progress":
    stream = sys.stderr
    tty = _isatty(stream)
    if progress is None:
        shown = tty and config.flag("ENABLE_ARTIFACTS_PROGRESS_BAR", default=True)
        return Progress(verb, total_files, total_bytes, stream if shown else None, tty, delay=_AUTO_DELAY)
    return Progress(verb, total_files, total_bytes, stream if progress else None, tty, delay=0.0)


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class Progress:
    """Files and bytes done so far, redrawn by a background thread; silent when `stream` is None.

    On a terminal the line is rewritten in place a few times a second; elsewhere (a log file, CI) a line
    is printed every few seconds. Bytes of files still being downloaded are read from their `.part`
    files, so one large file shows progress too.
    """

    def __init__(self, verb: str, total_files: int, total_bytes: int | None, stream: TextIO | None,
                 tty: bool, delay: float):
        self.verb, self.total_files, self.total_bytes = verb, total_files, total_bytes
        self.stream, self.tty, self.delay = stream, tty, delay
        self.done_files = self.done_bytes = 0
        self._watched: set[str] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._started = time.monotonic()
        self._drawn = False

    def advance(self, nbytes: int) -> None:
        with self._lock:
            self.done_files += 1
            self.done_bytes += nbytes

    def watch(self, part_file: str) -> None:
        with self._lock:
            self._watched.add(part_file)

    def unwatch(self, part_file: str) -> None:
        with self._lock:
            self._watched.discard(part_file)

    def __enter__(self) -> "Progress":
        self._started = time.monotonic()
        if self.stream is not None:
            self._thread = threading.Thread(target=self._redraw, name="mlplug-progress", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, exc_type, *_exc) -> None:
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join()
        if self._drawn or self.delay == 0:
            self._draw(final=True)

    def _redraw(self) -> None:
        interval = 0.2 if self.tty else 5.0
        # A log gets no "0 files" line: its first line comes after one interval (or the final one).
        if self._stop.wait(self.delay if self.tty else max(self.delay, interval)):
            return
        while True:
            self._draw(final=False)
            if self._stop.wait(interval):
                return

    def _in_flight_bytes(self) -> int:
        total = 0
        for part in list(self._watched):
            try:
                total += os.path.getsize(part)
            except OSError:
                pass
        return total

    def line(self, final: bool = False) -> str:
        with self._lock:
            files, nbytes = self.done_files, self.done_bytes
            if not final:
                nbytes += self._in_flight_bytes()
        elapsed = max(time.monotonic() - self._started, 1e-6)
        size = f"{human_bytes(nbytes)}/{human_bytes(self.total_bytes)}" if self.total_bytes is not None \
            else human_bytes(nbytes)
        text = f"{self.verb} {files}/{self.total_files} files, {size}, {human_bytes(nbytes / elapsed)}/s"
        if self.tty and self.total_files:
            done = (nbytes / self.total_bytes) if self.total_bytes else files / self.total_files
            filled = int(20 * min(done, 1.0))
            text = f"[{'#' * filled}{'.' * (20 - filled)}] {text}"
        return text

    def _draw(self, final: bool) -> None:
        text = self.line(final)
        if self.tty:
            self.stream.write("\r\x1b[K" + text + ("\n" if final else ""))
        else:
            self.stream.write(text + "\n")
        self.stream.flush()
        self._drawn = True


def human_bytes(n: float) -> str:
    """1234567 -> '1.2 MB' (decimal units, as disk and network tools count)."""
    if n < 1000:
        return f"{int(n)} B"
    for unit in ("kB", "MB", "GB"):
        n /= 1000
        if n < 1000:
            return f"{n:.1f} {unit}"
    return f"{n / 1000:.1f} TB"
