"""A real Azure Blob API for the tests: Azurite (npm) in memory on a free loopback port.

Azurite is installed on first use into `tests/azurite/node_modules` (pinned by the package-lock.json
beside it; node_modules is git-ignored) and runs once per session, started by the test kit's
`mlplug.testing.emulators`. Every test gets AZURE_STORAGE_CONNECTION_STRING pointing at it (and none of
the caller's Azure settings) through the environment, exactly as a user would configure mlplug.
"""
from __future__ import annotations

import uuid
from pathlib import Path
from typing import Iterator

import pytest

from mlplug.testing import emulators

AZURITE_DIR = Path(__file__).parent / "azurite"
CONTAINER = "mlplug-test"


@pytest.fixture(scope="session")
def connection_string_for():
    """Builds the connection string of Azurite's development account at a blob endpoint."""
    return emulators.azurite_connection_string


@pytest.fixture(scope="session")
def account() -> str:
    return emulators.AZURITE_ACCOUNT


@pytest.fixture(scope="session")
def azurite_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[emulators.Emulator]:
    try:
        emulators.azurite_command(AZURITE_DIR)
    except emulators.EmulatorUnavailable as err:
        pytest.skip(f"{err}; the Azure tests need it (or run .ci/run)")
    with emulators.azurite(tmp_path_factory.mktemp("azurite"), AZURITE_DIR) as emulator:
        yield emulator


@pytest.fixture(scope="session")
def azurite(azurite_emulator: emulators.Emulator) -> str:
    """The Azurite blob endpoint, http://127.0.0.1:<port>."""
    return azurite_emulator.endpoint


@pytest.fixture(autouse=True)
def azure_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Isolate every test from the caller's Azure settings."""
    emulators.AZURE_ISOLATION.apply(monkeypatch)


@pytest.fixture
def azurite_connection(azurite_emulator: emulators.Emulator, monkeypatch: pytest.MonkeyPatch) -> str:
    """Azurite, configured through AZURE_STORAGE_CONNECTION_STRING."""
    azurite_emulator.apply(monkeypatch)
    return azurite_emulator.env["AZURE_STORAGE_CONNECTION_STRING"]


@pytest.fixture
def service(azurite_connection: str):
    from azure.storage.blob import BlobServiceClient

    return BlobServiceClient.from_connection_string(azurite_connection)


@pytest.fixture
def container(azurite_emulator: emulators.Emulator, azurite_connection: str) -> str:
    azurite_emulator.create_bucket(CONTAINER)
    return CONTAINER


@pytest.fixture
def root_uri(container: str) -> str:
    """A fresh prefix in the test container."""
    return f"wasbs://{container}@{emulators.AZURITE_ACCOUNT}.blob.core.windows.net/{uuid.uuid4().hex}/artifacts"
