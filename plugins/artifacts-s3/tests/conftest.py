"""A real S3 API for the tests: moto's standalone server (`moto_server`) on a free loopback port.

The server runs once per session; every test gets the AWS settings pointing at it (and none of the
caller's AWS profile or keys) through the environment, exactly as a user would configure mlplug.
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
def moto_server() -> list[str]:
    """The command that starts moto's server: the one next to this interpreter, else on PATH."""
    script = Path(sys.executable).with_name("moto_server")
    found = str(script) if script.exists() else shutil.which("moto_server")
    if not found:
        pytest.skip("moto_server is not installed (pip install 'moto[server]')")
    return [found, "-H", "127.0.0.1"]


@pytest.fixture(scope="session")
def moto_endpoint(moto_server: list[str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    log = tmp_path_factory.mktemp("moto") / "moto_server.log"
    with running_server([*moto_server, "-p", str(port)], port, log):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(autouse=True)
def aws_environment(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Isolate every test from the caller's AWS configuration (files, profiles, keys, endpoints)."""
    empty = tmp_path_factory.getbasetemp() / "no-aws-config"
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_S3_ADDRESSING_STYLE", "AWS_CA_BUNDLE",
                 "MLPLUG_S3_ENDPOINT_URL", "MLFLOW_S3_ENDPOINT_URL", "MLPLUG_S3_IGNORE_TLS",
                 "MLFLOW_S3_IGNORE_TLS", "MLPLUG_S3_UPLOAD_EXTRA_ARGS", "MLFLOW_S3_UPLOAD_EXTRA_ARGS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


@pytest.fixture
def s3_endpoint(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The moto endpoint, configured through MLPLUG_S3_ENDPOINT_URL."""
    monkeypatch.setenv("MLPLUG_S3_ENDPOINT_URL", moto_endpoint)
    return moto_endpoint


@pytest.fixture
def bucket(s3_endpoint: str) -> str:
    from mlplug_artifacts_s3.client import s3_client

    client = s3_client()
    if BUCKET not in {b["Name"] for b in client.list_buckets()["Buckets"]}:
        client.create_bucket(Bucket=BUCKET)
    return BUCKET


@pytest.fixture
def root_uri(bucket: str) -> str:
    """A fresh prefix in the test bucket."""
    return f"s3://{bucket}/{uuid.uuid4().hex}/artifacts"
