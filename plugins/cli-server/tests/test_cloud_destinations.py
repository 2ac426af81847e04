"""The artifact proxy in front of each emulated cloud (moto S3, gcp-storage-emulator, Azurite): the real
MLflow client's acceptance run, bounded worker memory for large transfers, and multipart uploads."""
from __future__ import annotations

import hashlib
import subprocess
import textwrap
import uuid
from pathlib import Path
from typing import Iterator

import pytest
import requests
from mlplug.testing import emulators
from mlplug.testing.servers import MlplugServer

REPO = Path(__file__).resolve().parents[3]
AZURITE_DIR = REPO / "plugins" / "artifacts-azure" / "tests" / "azurite"
BUCKET = "mlplug-proxy"
_MIB = 1024 * 1024
# The plugin that serves each scheme, a check that its emulator is installed, and the emulator.
CLOUDS = {"s3": ("mlplug_artifacts_s3", emulators.moto_server_command, emulators.moto_s3),
          "gs": ("mlplug_artifacts_gcs", emulators.gcs_emulator_command, emulators.gcs_emulator),
          "wasbs": ("mlplug_artifacts_azure", lambda: emulators.azurite_command(AZURITE_DIR),
                    lambda workdir: emulators.azurite(workdir, AZURITE_DIR))}


@pytest.fixture(scope="module")
def cloud(request, tmp_path_factory) -> Iterator[emulators.Emulator]:
    """A running emulator for the scheme `request.param`, with the test bucket in it."""
    plugin, check_installed, start = CLOUDS[request.param]
    pytest.importorskip(plugin, reason=f"the {request.param}:// artifact plugin is not installed")
    try:
        check_installed()
    except emulators.EmulatorUnavailable as err:
        pytest.skip(str(err))
    with start(tmp_path_factory.mktemp(request.param)) as emulator:
        emulator.create_bucket(BUCKET)
        yield emulator


@pytest.fixture
def cloud_env(cloud: emulators.Emulator, monkeypatch) -> dict[str, str]:
    """Point this process (and so the servers it starts) at the emulator only."""
    cloud.apply(monkeypatch)
    return dict(cloud.env)


def destination(cloud: emulators.Emulator) -> str:
    return cloud.uri(BUCKET, f"{uuid.uuid4().hex}/root")


def run_mlflow(mlflow_python: str, args: list[str], cwd: Path, env: dict | None = None,
               timeout: int = 600) -> subprocess.CompletedProcess:
    import os

    return subprocess.run([mlflow_python, *args], capture_output=True, text=True, timeout=timeout, cwd=cwd,
                          env={**os.environ, **(env or {})})


@pytest.mark.parametrize("cloud", ["s3", "gs", "wasbs"], indirect=True)
def test_real_mlflow_client_against_cloud_destination(cloud, cloud_env, tmp_path, mlflow_python, compat_script):
    with MlplugServer(tmp_path, "--artifacts-destination", destination(cloud), workers=2, env=cloud_env) as server:
        result = run_mlflow(mlflow_python, [compat_script, server.url, "--sections", "tracking,artifacts"], tmp_path)
        log = server.output()
    print(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr[-3000:] + log[-3000:]
    assert "compat: 17/17 checks passed" in result.stdout
