"""Fixtures for every test in this repository come from mlplug's own test kit (see docs/plugins.md),
plus the real MLflow client used by the acceptance tests."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest_plugins = ["mlplug.testing.pytest_plugin"]

REPO = Path(__file__).resolve().parent
# ../shared sits beside the repository, on developers' machines and in CI alike.
COMPAT_SCRIPT = REPO.parent / "shared" / "acceptance" / "compat_client.py"
MLFLOW_VENV = Path(os.environ.get("MLFLOW_VENV", "/tmp/mlflow-client"))
MLFLOW_PYTHON = MLFLOW_VENV / "bin" / "python"
MLFLOW_PACKAGES = ["mlflow==3.17.2", "scikit-learn", "pandas", "skops"]


def _missing(what: str) -> None:
    """Locally a missing MLflow client skips; in CI (which installs it) it is a failure."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} — .ci/run should have installed it")
    pytest.skip(what)


def _install_mlflow_client() -> str | None:
    """Build the MLflow client venv with uv (a minute or two, once per machine); None if it cannot."""
    uv = shutil.which("uv") or str(Path(sys.executable).with_name("uv"))
    if not Path(uv).exists():
        return "uv is not installed (pip install uv)"
    for argv in ([uv, "venv", "--quiet", "--python", "3.11", str(MLFLOW_VENV)],
                 [uv, "pip", "install", "--quiet", "--python", str(MLFLOW_PYTHON), *MLFLOW_PACKAGES]):
        done = subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=1200)
        if done.returncode != 0:
            shutil.rmtree(MLFLOW_VENV, ignore_errors=True)  # never leave a half-built client behind
            return f"`{' '.join(argv)}` failed: {done.stderr[-2000:]}"
    return None


@pytest.fixture(scope="session")
def mlflow_python() -> str:
    """The interpreter of a venv with the real MLflow 3.17.2 client, installed on first use."""
    if not MLFLOW_PYTHON.exists():
        problem = _install_mlflow_client()
        if problem:
            _missing(f"the real MLflow client could not be installed at {MLFLOW_VENV}: {problem}")
    return str(MLFLOW_PYTHON)


@pytest.fixture(scope="session")
def compat_script() -> str:
    if not COMPAT_SCRIPT.exists():
        _missing(f"{COMPAT_SCRIPT} is missing (../shared beside the repository)")
    return str(COMPAT_SCRIPT)
