"""The acceptance test: the real MLflow 3.17 client (its own venv) drives this server, on each backend:
tracking, artifacts, and the registry (an sklearn model logged, registered, aliased and loaded back through
`models:/name@champion`)."""
from __future__ import annotations

import subprocess

import pytest
from mlplug.testing.servers import MlplugServer


@pytest.mark.parametrize("backend", ["sqlite", "postgresql", "mysql"])
def test_real_mlflow_client_tracking_artifacts_and_registry(backend, request, tmp_path, mlflow_python,
                                                            compat_script):
    uri = None if backend == "sqlite" else request.getfixturevalue(
        "postgres_uri" if backend == "postgresql" else "mysql_uri")
    with MlplugServer(tmp_path, workers=2, backend_store_uri=uri) as server:
        result = subprocess.run([mlflow_python, compat_script, server.url, "--sections",
                                 "tracking,artifacts,registry"], capture_output=True, text=True, timeout=600,
                                cwd=tmp_path)
    print(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    assert "compat: 20/20 checks passed" in result.stdout
