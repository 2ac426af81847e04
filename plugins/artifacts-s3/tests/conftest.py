"""A real S3 API for the tests: moto's standalone server (`moto_server`) on a free loopback port.

The server (from the test kit's `mlplug.testing.emulators`) runs once per session; every test gets the
AWS settings pointing at it (and none of the caller's AWS profile or keys) through the environment,
exactly as a user would configure mlplug.
"""
from __future__ import annotations

import uuid
from typing import Iterator

import pytest

from mlplug.testing import emulators

BUCKET = "mlplug-test"


@pytest.fixture(scope="session")
def moto_server() -> list[str]:
    """The command that starts moto's server (for tests that start one with other options)."""
    try:
        return emulators.moto_server_command()
    except emulators.EmulatorUnavailable as err:
        pytest.skip(str(err))


@pytest.fixture(scope="session")
def moto(moto_server: list[str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[emulators.Emulator]:
    with emulators.moto_s3(tmp_path_factory.mktemp("moto")) as emulator:
        yield emulator


@pytest.fixture(scope="session")
def moto_endpoint(moto: emulators.Emulator) -> str:
    return moto.endpoint


@pytest.fixture(autouse=True)
def aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Isolate every test from the caller's AWS configuration (files, profiles, keys, endpoints)."""
    emulators.AWS_ISOLATION.apply(monkeypatch)


@pytest.fixture
def s3_endpoint(moto: emulators.Emulator, monkeypatch: pytest.MonkeyPatch) -> str:
    """The moto endpoint, configured through MLPLUG_S3_ENDPOINT_URL."""
    moto.apply(monkeypatch)
    return moto.endpoint


@pytest.fixture
def bucket(moto: emulators.Emulator, s3_endpoint: str) -> str:
    moto.create_bucket(BUCKET)
    return BUCKET


@pytest.fixture
def root_uri(bucket: str) -> str:
    """A fresh prefix in the test bucket."""
    return f"s3://{bucket}/{uuid.uuid4().hex}/artifacts"
