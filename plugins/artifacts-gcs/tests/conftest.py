"""A real GCS JSON API for the tests: `gcp-storage-emulator` (in memory) on a free loopback port.

The emulator runs once per session; every test gets STORAGE_EMULATOR_HOST pointing at it (and none of
the caller's Google credentials) through the environment, exactly as a user would configure mlplug.
"""
from __future__ import annotations

import shutil
import sys
import uuid
from pathlib import Path
from typing import Iterator

import pytest

from mlplug.testing.servers import free_port, running_server

BUCKET = "mlplug-test"


@pytest.fixture(scope="session")
def gcs_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    script = Path(sys.executable).with_name("gcp-storage-emulator")
    command = str(script) if script.exists() else shutil.which("gcp-storage-emulator")
    if not command:
        pytest.skip("gcp-storage-emulator is not installed (pip install gcp-storage-emulator)")
    port = free_port()
    log = tmp_path_factory.mktemp("gcs") / "gcp-storage-emulator.log"
    with running_server([command, "start", "--host", "127.0.0.1", "--port", str(port), "--in-memory"], port, log):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(autouse=True)
def google_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Isolate every test from the caller's Google configuration (credentials, project, emulator)."""
    for name in ("STORAGE_EMULATOR_HOST", "GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_CLOUD_PROJECT"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def emulator_host(gcs_emulator: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The emulator, configured through STORAGE_EMULATOR_HOST."""
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", gcs_emulator)
    return gcs_emulator


@pytest.fixture
def bucket(emulator_host: str) -> str:
    from mlplug_artifacts_gcs.client import gcs_client

    client = gcs_client()
    if client.lookup_bucket(BUCKET) is None:
        client.create_bucket(BUCKET)
    return BUCKET


@pytest.fixture
def root_uri(bucket: str) -> str:
    """A fresh prefix in the test bucket."""
    return f"gs://{bucket}/{uuid.uuid4().hex}/artifacts"
