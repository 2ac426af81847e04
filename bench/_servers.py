"""Start and stop the servers a benchmark compares: mlplug's and MLflow's, on loopback only."""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MLPLUG = str(ROOT / ".venv" / "bin" / "mlplug")
MLFLOW_VENV = Path(os.environ.get("MLFLOW_VENV", "/tmp/mlflow-client"))
MLFLOW = str(MLFLOW_VENV / "bin" / "mlflow")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 120.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before becoming healthy ({url})")
        try:
            with urllib.request.urlopen(url + "/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server at {url} not healthy after {timeout}s")


@contextlib.contextmanager
def server(kind: str, workdir: Path, workers: int, backend: str | None = None):
    """Yield the base URL of a running `mlplug server` or `mlflow server` with a fresh store."""
    port = free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    backend = backend or f"sqlite:///{workdir / (kind + '.db')}"
    exe = MLPLUG if kind == "mlplug" else MLFLOW
    cmd = [exe, "server", "--backend-store-uri", backend, "--host", "127.0.0.1", "--port", str(port),
           "--workers", str(workers), "--artifacts-destination", str(workdir / f"{kind}-artifacts")]
    log = open(workdir / f"{kind}-server.log", "wb")
    proc = subprocess.Popen(cmd, cwd=workdir, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, 15)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
        log.close()


def require_mlflow() -> None:
    if not Path(MLFLOW).exists():
        sys.exit(f"MLflow 3.17.2 not found at {MLFLOW}. Create it with:\n  uv venv {MLFLOW_VENV} && "
                 f"VIRTUAL_ENV={MLFLOW_VENV} uv pip install mlflow==3.17.2 scikit-learn pandas skops")
