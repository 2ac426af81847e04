"""Real server processes for tests and benchmarks: emulators, and `mlplug server` itself.

Everything listens on 127.0.0.1 only. Output goes to a log file whose tail is in the error when a
process exits early or does not come up in time.
"""
from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Callable, Iterator, Mapping, Sequence


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def answers_health(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def tail(path: Path, lines: int = 30) -> str:
    return "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])


@contextlib.contextmanager
def running_process(argv: Sequence[str], ready: Callable[[], bool], log_path: Path,
                    env: Mapping[str, str] | None = None, cwd: str | os.PathLike | None = None,
                    startup_timeout: float = 60, stop_timeout: float = 20) -> Iterator[subprocess.Popen]:
    """Run `argv` in its own process group until the block ends, once `ready()` is true.

    Stopping sends SIGTERM to the group and SIGKILL after `stop_timeout` seconds (an in-memory emulator
    has nothing to save, so a short timeout just skips a slow graceful shutdown).
    """
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(list(argv), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env={**os.environ, **(env or {})}, cwd=cwd, start_new_session=True)
        try:
            deadline = time.monotonic() + startup_timeout
            while not ready():
                if proc.poll() is not None:
                    raise RuntimeError(f"{argv[0]} exited with {proc.returncode} before it was ready:\n"
                                       f"{tail(log_path)}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{argv[0]} was not ready within {startup_timeout:.0f}s:\n{tail(log_path)}")
                time.sleep(0.1)
            yield proc
        finally:
            stop(proc, stop_timeout)


def stop(proc: subprocess.Popen, timeout: float = 20) -> None:
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@contextlib.contextmanager
def running_server(argv: Sequence[str], port: int, log_path: Path, env: Mapping[str, str] | None = None,
                   cwd: str | None = None, startup_timeout: float = 60,
                   stop_timeout: float = 10) -> Iterator[subprocess.Popen]:
    """Run a server that listens on 127.0.0.1:`port` (an emulator, say) for the duration of the block."""
    with running_process(argv, lambda: port_open(port), log_path, env, cwd, startup_timeout, stop_timeout) as proc:
        yield proc


def mlplug_executable() -> str:
    return str(Path(sys.executable).with_name("mlplug"))


class MlplugServer:
    """A real `mlplug server` (gunicorn) with its own SQLite file and artifact directory in `workdir`."""

    def __init__(self, workdir: Path, *args: str, workers: int = 2, env: Mapping[str, str] | None = None,
                 backend_store_uri: str | None = None):
        self.workdir = Path(workdir)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.db = self.workdir / "mlplug.db"
        self.destination = self.workdir / "mlartifacts"
        self.log = self.workdir / "server.log"
        self.prefix = next((args[i + 1] for i, a in enumerate(args) if a == "--static-prefix"), "")
        self.argv = [mlplug_executable(), "server", "--backend-store-uri",
                     backend_store_uri or f"sqlite:///{self.db}", "--artifacts-destination", str(self.destination),
                     "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(workers), *args]
        self._env = env
        self._ctx: contextlib.AbstractContextManager | None = None
        self.proc: subprocess.Popen | None = None

    def start(self) -> "MlplugServer":
        self._ctx = running_process(self.argv, lambda: answers_health(self.url + self.prefix), self.log,
                                    env=self._env, cwd=self.workdir)
        self.proc = self._ctx.__enter__()
        return self

    def stop(self) -> None:
        if self._ctx is not None:
            ctx, self._ctx = self._ctx, None
            ctx.__exit__(None, None, None)

    def __enter__(self) -> "MlplugServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def api(self, path: str) -> str:
        return f"{self.url}{self.prefix}/api/2.0/mlflow/{path}"

    def proxy(self, path: str = "") -> str:
        return f"{self.url}{self.prefix}/api/2.0/mlflow-artifacts/artifacts" + (f"/{path}" if path else "")

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children") if self.proc else None
        return [int(p) for p in children.read_text().split()] if children and children.exists() else []
