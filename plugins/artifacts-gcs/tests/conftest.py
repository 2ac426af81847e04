"""A real GCS JSON API for the tests: `gcp-storage-emulator` (in memory) on a free loopback port.

The emulator (from the test kit's `mlplug.testing.emulators`) runs once per session; every test gets
STORAGE_EMULATOR_HOST pointing at it (and none of the caller's Google credentials) through the
environment, exactly as a user would configure mlplug.
"""
from __future__ import annotations

import uuid
from typing import Iterator

import pytest

from mlplug.testing import emulators

BUCKET = "mlplug-test"


@pytest.fixture(scope="session")
def gcs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[emulators.Emulator]:
    try:
        emulators.gcs_emulator_command()
    except emulators.EmulatorUnavailable as err:
        pytest.skip(str(err))
    with emulators.gcs_emulator(tmp_path_factory.mktemp("gcs")) as emulator:
        yield emulator


@pytest.fixture(scope="session")
def gcs_emulator(gcs: emulators.Emulator) -> str:
    return gcs.endpoint


@pytest.fixture(autouse=True)
def google_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Isolate every test from the caller's Google configuration (credentials, project, emulator)."""
    emulators.GOOGLE_ISOLATION.apply(monkeypatch)


@pytest.fixture
def emulator_host(gcs: emulators.Emulator, monkeypatch: pytest.MonkeyPatch) -> str:
    """The emulator, configured through STORAGE_EMULATOR_HOST."""
    gcs.apply(monkeypatch)
    return gcs.endpoint


@pytest.fixture
def bucket(gcs: emulators.Emulator, emulator_host: str) -> str:
    gcs.create_bucket(BUCKET)
    return BUCKET


@pytest.fixture
def root_uri(bucket: str) -> str:
    """A fresh prefix in the test bucket."""
    return f"gs://{bucket}/{uuid.uuid4().hex}/artifacts"
