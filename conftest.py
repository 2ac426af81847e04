"""Fixtures for every test in this repository come from mlplug's own test kit (see docs/plugins.md),
plus the real MLflow client used by the acceptance tests."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest_plugins = ["mlplug.testing.pytest_plugin"]

REPO = Path(__file__).resolve().parent
# ../shared sits beside the repository, on developers' machines and in CI alike.
COMPAT_SCRIPT = REPO.parent / "shared" / "acceptance" / "compat_client.py"
MLFLOW_PYTHON = Path(os.environ.get("MLFLOW_VENV", "/tmp/mlflow-client")) / "bin" / "python"
MLFLOW_SETUP = ("uv venv /tmp/mlflow-client && VIRTUAL_ENV=/tmp/mlflow-client uv pip install "
                "mlflow==3.17.2 scikit-learn pandas skops")


def _missing(what: str) -> None:
    """Locally a missing MLflow client skips; in CI (which installs it) it is a failure."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} — .ci/run should have installed it")
    pytest.skip(what)


@pytest.fixture(scope="session")
def mlflow_python() -> str:
    """The interpreter of a venv with the real MLflow 3.17.2 client."""
    if not MLFLOW_PYTHON.exists():
        _missing(f"the real MLflow client venv is missing; create it with: {MLFLOW_SETUP}")
    return str(MLFLOW_PYTHON)


@pytest.fixture(scope="session")
def compat_script() -> str:
    if not COMPAT_SCRIPT.exists():
        _missing(f"{COMPAT_SCRIPT} is missing (../shared beside the repository)")
    return str(COMPAT_SCRIPT)
