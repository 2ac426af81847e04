"""Start and stop the servers a benchmark compares: mlplug's and MLflow's, on loopback only."""
from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import Mapping

from mlplug.testing.servers import answers_health, free_port, running_process

ROOT = Path(__file__).resolve().parent.parent
MLPLUG = str(ROOT / ".venv" / "bin" / "mlplug")
MLFLOW_VENV = Path(os.environ.get("MLFLOW_VENV", "/tmp/mlflow-client"))
MLFLOW = str(MLFLOW_VENV / "bin" / "mlflow")


@contextlib.contextmanager
def server(kind: str, workdir: Path, workers: int, backend: str | None = None):
    """Yield the base URL of a running `mlplug server` or `mlflow server` with a fresh store."""
    with server_process(kind, workdir, workers, backend) as (url, _proc):
        yield url


@contextlib.contextmanager
def server_process(kind: str, workdir: Path, workers: int, backend: str | None = None,
                   destination: str | None = None, env: Mapping[str, str] | None = None):
    """Like `server`, yielding (base URL, server process); artifacts go to `destination` (default: a
    directory in `workdir`), and `env` is added to the server's environment."""
    port = free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    backend = backend or f"sqlite:///{workdir / (kind + '.db')}"
    exe = MLPLUG if kind == "mlplug" else MLFLOW
    argv = [exe, "server", "--backend-store-uri", backend, "--host", "127.0.0.1", "--port", str(port),
            "--workers", str(workers), "--artifacts-destination",
            destination or str(workdir / f"{kind}-artifacts")]
    url = f"http://127.0.0.1:{port}"
    # MLflow's server takes tens of seconds to import and start its workers here.
    with running_process(argv, lambda: answers_health(url), workdir / f"{kind}-server.log", env=env, cwd=workdir,
                         startup_timeout=180) as proc:
        yield url, proc


def require_mlflow() -> None:
    if not Path(MLFLOW).exists():
        sys.exit(f"MLflow 3.17.2 not found at {MLFLOW}. Create it with:\n  uv venv {MLFLOW_VENV} && "
                 f"VIRTUAL_ENV={MLFLOW_VENV} uv pip install mlflow==3.17.2 scikit-learn pandas skops")
