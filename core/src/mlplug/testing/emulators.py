"""Local stand-ins for the clouds, for tests and benchmarks: moto (S3), gcp-storage-emulator (GCS) and
Azurite (Azure Blob), each on a free loopback port.

Each context manager yields an `Emulator`: its endpoint, the environment that points mlplug's artifact
plugins at it (exactly the settings a user would set), and the caller's own settings for that cloud,
which a test removes so that it can only ever reach the emulator. No cloud SDK is imported here; only
`create_bucket` imports the one it needs.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Mapping

from mlplug.testing.servers import free_port, running_server


class EmulatorUnavailable(RuntimeError):
    """The emulator is not installed here; the message says how to install it."""


@dataclass(frozen=True)
class Isolation:
    """The environment that shuts out a caller's own configuration of one cloud."""

    unset: tuple[str, ...]
    values: Mapping[str, str] = field(default_factory=dict)

    def apply(self, monkeypatch) -> None:
        """Apply through anything with `setenv`/`delenv` (pytest's MonkeyPatch)."""
        for name in self.unset:
            monkeypatch.delenv(name, raising=False)
        for name, value in self.values.items():
            monkeypatch.setenv(name, value)

    def environ(self, base: Mapping[str, str]) -> dict[str, str]:
        return {**{k: v for k, v in base.items() if k not in self.unset}, **self.values}


AWS_ISOLATION = Isolation(
    unset=("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_S3_ADDRESSING_STYLE", "AWS_CA_BUNDLE",
           "MLPLUG_S3_ENDPOINT_URL", "MLFLOW_S3_ENDPOINT_URL", "MLPLUG_S3_IGNORE_TLS", "MLFLOW_S3_IGNORE_TLS",
           "MLPLUG_S3_UPLOAD_EXTRA_ARGS", "MLFLOW_S3_UPLOAD_EXTRA_ARGS"),
    # moto takes any key; empty config files keep ~/.aws out.
    values={"AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"})
GOOGLE_ISOLATION = Isolation(unset=("STORAGE_EMULATOR_HOST", "GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_CLOUD_PROJECT"))
AZURE_ISOLATION = Isolation(unset=("AZURE_STORAGE_CONNECTION_STRING", "AZURE_STORAGE_ACCESS_KEY"))

AZURITE_ACCOUNT = "devstoreaccount1"
# Azurite's fixed development account key, published in its documentation (not a secret).
AZURITE_ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


@dataclass(frozen=True)
class Emulator:
    """A running emulator. `env` points clients at it; `isolation` shuts out the caller's own settings."""

    kind: str  # "s3", "gs" or "wasbs": the URI scheme it serves
    endpoint: str
    env: Mapping[str, str]
    isolation: Isolation

    def apply(self, monkeypatch) -> None:
        """Configure this process for the emulator (pytest's MonkeyPatch, or anything with setenv/delenv)."""
        self.isolation.apply(monkeypatch)
        for name, value in self.env.items():
            monkeypatch.setenv(name, value)

    def environ(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """A whole environment for a child process: `base` (default os.environ) configured for the emulator."""
        return {**self.isolation.environ(os.environ if base is None else base), **self.env}

    def uri(self, bucket: str, prefix: str = "") -> str:
        """The artifact URI of `prefix` in `bucket` (a container, for Azure)."""
        path = f"/{prefix.strip('/')}" if prefix.strip("/") else ""
        if self.kind == "wasbs":
            return f"wasbs://{bucket}@{AZURITE_ACCOUNT}.blob.core.windows.net{path}"
        return f"{self.kind}://{bucket}{path}"

    def create_bucket(self, name: str) -> None:
        """Create a bucket (container) unless it exists, with the cloud's own SDK."""
        _CREATORS[self.kind](self, name)


def _create_s3_bucket(emulator: Emulator, name: str) -> None:
    import boto3

    client = boto3.session.Session().client(
        "s3", endpoint_url=emulator.endpoint, region_name=AWS_ISOLATION.values["AWS_DEFAULT_REGION"],
        aws_access_key_id=AWS_ISOLATION.values["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=AWS_ISOLATION.values["AWS_SECRET_ACCESS_KEY"])
    if name not in {bucket["Name"] for bucket in client.list_buckets()["Buckets"]}:
        client.create_bucket(Bucket=name)


def _create_gcs_bucket(emulator: Emulator, name: str) -> None:
    # The emulator takes anonymous JSON API calls, so no SDK is needed.
    body = json.dumps({"name": name}).encode()
    request = urllib.request.Request(f"{emulator.endpoint}/storage/v1/b?project=mlplug-emulator", data=body,
                                     method="POST", headers={"Content-Type": "application/json"})
    try:
        urllib.request.urlopen(request, timeout=30).close()
    except urllib.error.HTTPError as err:
        if err.code != 409:  # 409: it exists
            raise


def _create_azure_container(emulator: Emulator, name: str) -> None:
    from azure.core.exceptions import ResourceExistsError
    from azure.storage.blob import BlobServiceClient

    service = BlobServiceClient.from_connection_string(emulator.env["AZURE_STORAGE_CONNECTION_STRING"])
    with contextlib.suppress(ResourceExistsError):
        service.create_container(name)


_CREATORS = {"s3": _create_s3_bucket, "gs": _create_gcs_bucket, "wasbs": _create_azure_container}


def _console_script(name: str, install_hint: str) -> str:
    """A console script next to this interpreter (the venv's), else on PATH."""
    beside = Path(sys.executable).with_name(name)
    found = str(beside) if beside.exists() else shutil.which(name)
    if not found:
        raise EmulatorUnavailable(f"{name} is not installed ({install_hint})")
    return found


def moto_server_command() -> list[str]:
    """The command that starts moto's S3 server on 127.0.0.1 (add `-p PORT`)."""
    return [_console_script("moto_server", "pip install 'moto[server]'"), "-H", "127.0.0.1"]


def gcs_emulator_command() -> list[str]:
    """The command that starts gcp-storage-emulator (add `--port PORT` and options)."""
    return [_console_script("gcp-storage-emulator", "pip install gcp-storage-emulator"), "start",
            "--host", "127.0.0.1"]


@contextlib.contextmanager
def moto_s3(workdir: Path) -> Iterator[Emulator]:
    """moto's standalone S3 server (in memory), configured through MLPLUG_S3_ENDPOINT_URL."""
    port = free_port()
    with running_server([*moto_server_command(), "-p", str(port)], port, Path(workdir) / "moto_server.log"):
        endpoint = f"http://127.0.0.1:{port}"
        yield Emulator("s3", endpoint, {"MLPLUG_S3_ENDPOINT_URL": endpoint}, AWS_ISOLATION)


@contextlib.contextmanager
def gcs_emulator(workdir: Path) -> Iterator[Emulator]:
    """gcp-storage-emulator (in memory), configured through STORAGE_EMULATOR_HOST."""
    port = free_port()
    argv = [*gcs_emulator_command(), "--port", str(port), "--in-memory"]
    with running_server(argv, port, Path(workdir) / "gcp-storage-emulator.log"):
        endpoint = f"http://127.0.0.1:{port}"
        yield Emulator("gs", endpoint, {"STORAGE_EMULATOR_HOST": endpoint}, GOOGLE_ISOLATION)


def azurite_connection_string(blob_endpoint: str) -> str:
    """The connection string of Azurite's development account at `blob_endpoint` (http://host:port)."""
    return (f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};AccountKey={AZURITE_ACCOUNT_KEY};"
            f"BlobEndpoint={blob_endpoint}/{AZURITE_ACCOUNT};")


def azurite_command(install_dir: Path) -> Path:
    """`azurite-blob` from the npm project in `install_dir` (package.json + lock), installed on first use."""
    command = Path(install_dir).resolve() / "node_modules" / ".bin" / "azurite-blob"
    if command.exists():
        return command
    npm = shutil.which("npm")
    if not npm:
        raise EmulatorUnavailable("npm is not installed, so Azurite cannot be installed (apt-get install npm)")
    done = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--prefix", str(install_dir)], text=True,
                          timeout=900, stdin=subprocess.DEVNULL, capture_output=True)
    if done.returncode != 0:
        raise RuntimeError(f"`npm ci --prefix {install_dir}` failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return command


@contextlib.contextmanager
def azurite(workdir: Path, install_dir: Path) -> Iterator[Emulator]:
    """Azurite's blob service (in memory), configured through AZURE_STORAGE_CONNECTION_STRING."""
    command = azurite_command(install_dir)
    port = free_port()
    argv = [str(command), "--skipApiVersionCheck", "--inMemoryPersistence", "--blobHost", "127.0.0.1",
            "--blobPort", str(port)]
    # Azurite's graceful shutdown waits on idle keep-alive connections for minutes; in memory, a kill loses nothing.
    with running_server(argv, port, Path(workdir) / "azurite.log", cwd=str(workdir), stop_timeout=1):
        endpoint = f"http://127.0.0.1:{port}"
        yield Emulator("wasbs", endpoint, {"AZURE_STORAGE_CONNECTION_STRING": azurite_connection_string(endpoint)},
                       AZURE_ISOLATION)

