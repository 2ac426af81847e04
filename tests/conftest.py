"""Fixtures for the cross-plugin tests: throwaway environments built from this workspace with uv."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _uv() -> str:
    beside = Path(sys.executable).with_name("uv")
    found = str(beside) if beside.exists() else shutil.which("uv")
    if not found:
        pytest.fail("uv is needed to build throwaway environments: pip install uv")
    return found


def _run(*cmd: str) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, stdin=subprocess.DEVNULL, timeout=600)
    if done.returncode:
        pytest.fail(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")


@pytest.fixture(scope="session")
def workspace_venv(tmp_path_factory):
    """Factory: ``workspace_venv("core", "plugins/cli-runs", ...)`` -> the Python of a new venv with those
    projects installed editable, their dependencies pinned to uv.lock's versions."""
    uv = _uv()
    root = tmp_path_factory.mktemp("venvs")
    constraints = root / "constraints.txt"
    _run(uv, "export", "--frozen", "--all-packages", "--no-hashes", "--no-emit-workspace", "--no-header",
         "--no-dev", "-o", str(constraints))

    def build(*projects: str) -> str:
        venv = root / f"venv{len(list(root.glob('venv*')))}"
        _run(uv, "venv", "--quiet", "--python", sys.executable, str(venv))
        python = str(venv / "bin" / "python")
        editables = [arg for project in projects for arg in ("-e", str(REPO / project))]
        _run(uv, "pip", "install", "--quiet", "--python", python, "-c", str(constraints), *editables)
        return python

    return build


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers_health(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=1) as response:
            return response.read() == b"OK"
    except OSError:
        return False


@pytest.fixture(scope="module")
def tracking_server(tmp_path_factory):
    """A real `mlplug server` (gunicorn, 2 workers) on SQLite with the artifact proxy; yields its URL."""
    workdir = tmp_path_factory.mktemp("server")
    url = f"http://127.0.0.1:{_free_port()}"
    log = open(workdir / "server.log", "w")
    proc = subprocess.Popen([str(Path(sys.executable).with_name("mlplug")), "server", "--port", url.rsplit(":", 1)[1],
                             "--workers", "2", "--backend-store-uri", f"sqlite:///{workdir / 'mlplug.db'}",
                             "--artifacts-destination", str(workdir / "mlartifacts")],
                            cwd=workdir, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not _answers_health(url):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"mlplug server did not start:\n{(workdir / 'server.log').read_text()}")
            time.sleep(0.1)
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()
