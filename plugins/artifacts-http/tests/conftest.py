"""A real `mlplug server` (gunicorn, SQLite, local artifact destination) shared by this folder's tests."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest


@dataclass
class Server:
    url: str
    destination: Path  # where the proxy writes `mlflow-artifacts:/<path>`


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Iterator[Server]:
    workdir = tmp_path_factory.mktemp("server")
    port = _free_port()
    log = open(workdir / "server.log", "wb")
    cmd = [str(Path(sys.executable).with_name("mlplug")), "server", "--backend-store-uri",
           f"sqlite:///{workdir / 'mlplug.db'}", "--artifacts-destination", str(workdir / "mlartifacts"),
           "--host", "127.0.0.1", "--port", str(port), "--workers", "2"]
    proc = subprocess.Popen(cmd, cwd=workdir, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"mlplug server exited: {(workdir / 'server.log').read_text()}")
            try:
                with urllib.request.urlopen(url + "/health", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("mlplug server did not become healthy within 60 s") from None
                time.sleep(0.1)
        yield Server(url, workdir / "mlartifacts")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()
