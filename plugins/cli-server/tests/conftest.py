"""A real `mlplug server` (gunicorn) per test module, on a free port with its own SQLite file."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

MLPLUG = str(Path(sys.executable).with_name("mlplug"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One running server process; `url` is its base URL, `api(path)` a tracking API URL."""

    def __init__(self, workdir: Path, *args: str, workers: int = 1, env: dict | None = None):
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.db = workdir / "mlplug.db"
        self.destination = workdir / "mlartifacts"
        self.log = workdir / "server.log"
        self.args = ["--backend-store-uri", f"sqlite:///{self.db}", "--artifacts-destination", str(self.destination),
                     "--port", str(self.port), "--workers", str(workers), *args]
        self._log_file = open(self.log, "w")
        self.proc = subprocess.Popen([MLPLUG, "server", *self.args], cwd=workdir, stdout=self._log_file,
                                     stderr=subprocess.STDOUT, env={**os.environ, **(env or {})},
                                     start_new_session=True)
        self.prefix = next((args[i + 1] for i, a in enumerate(args) if a == "--static-prefix"), "")
        self._wait_ready()

    def _wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.output()}")
            try:
                if requests.get(f"{self.url}{self.prefix}/health", timeout=1).text == "OK":
                    return
            except requests.RequestException:  # not listening yet, or workers still booting
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server did not answer /health within {timeout}s:\n{self.output()}")

    def api(self, path: str) -> str:
        return f"{self.url}{self.prefix}/api/2.0/mlflow/{path}"

    def proxy(self, path: str = "") -> str:
        return f"{self.url}{self.prefix}/api/2.0/mlflow-artifacts/artifacts" + (f"/{path}" if path else "")

    def output(self) -> str:
        if not self._log_file.closed:
            self._log_file.flush()
        return self.log.read_text()

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        return [int(p) for p in children.read_text().split()] if children.exists() else []

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self._log_file.close()


@pytest.fixture(name="free_port")
def free_port_fixture():
    """A function returning a currently unused local TCP port."""
    return free_port


@pytest.fixture(scope="session")
def mlplug_cli() -> str:
    """Path of the `mlplug` executable of this environment."""
    return MLPLUG


@pytest.fixture(scope="module")
def start_server(tmp_path_factory):
    """Factory: `start_server(*extra_args, workers=1)` -> a running Server, stopped after the module."""
    started: list[Server] = []

    def start(*args: str, workers: int = 1, env: dict | None = None) -> Server:
        server = Server(tmp_path_factory.mktemp("server"), *args, workers=workers, env=env)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="module")
def server(start_server) -> Server:
    return start_server()


@pytest.fixture
def http(server):
    """A keep-alive session that raises on nothing (tests assert statuses themselves)."""
    with requests.Session() as session:
        yield session
