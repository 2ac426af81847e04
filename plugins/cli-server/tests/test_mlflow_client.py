"""The acceptance test: the real MLflow 3.17 client (its own venv) drives this server."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

MLFLOW_PYTHON = Path("/tmp/mlflow-client/bin/python")
COMPAT = Path("/work/shared/acceptance/compat_client.py")


@pytest.mark.skipif(not MLFLOW_PYTHON.exists(), reason="the real MLflow client venv /tmp/mlflow-client is missing "
                    "(see /work/shared/acceptance/README.md to create it)")
@pytest.mark.skipif(not COMPAT.exists(), reason=f"{COMPAT} is missing")
def test_real_mlflow_client_tracking_and_artifacts(server):
    result = subprocess.run([str(MLFLOW_PYTHON), str(COMPAT), server.url, "--sections", "tracking,artifacts"],
                            capture_output=True, text=True, timeout=600, cwd=server.workdir)
    print(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    assert "FAIL" not in result.stdout
