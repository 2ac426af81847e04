"""A real Azure Blob API for the tests: Azurite (npm) in memory on a free loopback port.

Azurite is installed on first use into `tests/azurite/node_modules` (pinned by the package-lock.json
beside it; node_modules is git-ignored) and runs once per session. Every test gets
AZURE_STORAGE_CONNECTION_STRING pointing at it (and none of the caller's Azure settings) through the
environment, exactly as a user would configure mlplug.
"""
from __future__ import annotations

import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Iterator

import pytest

from mlplug.testing.servers import free_port, running_server

AZURITE_DIR = Path(__file__).parent / "azurite"
ACCOUNT = "devstoreaccount1"
# Azurite's fixed development account key, published in its documentation (not a secret).
ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
CONTAINER = "mlplug-test"


def azurite_blob_command() -> Path:
    command = AZURITE_DIR / "node_modules" / ".bin" / "azurite-blob"
    if not command.exists():
        npm = shutil.which("npm")
        if not npm:
            pytest.skip("npm is not installed, so Azurite cannot be installed for the Azure tests "
                        "(apt-get install npm, or run .ci/run)")
        done = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--prefix", str(AZURITE_DIR)], text=True,
                              timeout=900, stdin=subprocess.DEVNULL, capture_output=True)
        if done.returncode != 0:
            pytest.fail(f"`npm ci --prefix {AZURITE_DIR}` failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return command


def connection_string(blob_endpoint: str) -> str:
    return (f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={ACCOUNT_KEY};"
            f"BlobEndpoint={blob_endpoint}/{ACCOUNT};")


@pytest.fixture(scope="session")
def connection_string_for():
    """Builds the connection string of Azurite's development account at a blob endpoint."""
    return connection_string


@pytest.fixture(scope="session")
def account() -> str:
    return ACCOUNT


@pytest.fixture(scope="session")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The Azurite blob endpoint, http://127.0.0.1:<port>."""
    command = azurite_blob_command()
    port = free_port()
    workdir = tmp_path_factory.mktemp("azurite")
    argv = [str(command), "--skipApiVersionCheck", "--inMemoryPersistence", "--blobHost", "127.0.0.1",
            "--blobPort", str(port)]
    # Azurite's graceful shutdown waits on idle keep-alive connections for minutes; in memory, a kill loses nothing.
    with running_server(argv, port, workdir / "azurite.log", cwd=str(workdir), stop_timeout=1):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(autouse=True)
def azure_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Isolate every test from the caller's Azure settings."""
    for name in ("AZURE_STORAGE_CONNECTION_STRING", "AZURE_STORAGE_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def azurite_connection(azurite: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Azurite, configured through AZURE_STORAGE_CONNECTION_STRING."""
    value = connection_string(azurite)
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", value)
    return value


@pytest.fixture
def service(azurite_connection: str):
    from azure.storage.blob import BlobServiceClient

    return BlobServiceClient.from_connection_string(azurite_connection)


@pytest.fixture
def container(service) -> str:
    from azure.core.exceptions import ResourceExistsError

    try:
        service.create_container(CONTAINER)
    except ResourceExistsError:
        pass
    return CONTAINER


@pytest.fixture
def root_uri(container: str) -> str:
    """A fresh prefix in the test container."""
    return f"wasbs://{container}@{ACCOUNT}.blob.core.windows.net/{uuid.uuid4().hex}/artifacts"
