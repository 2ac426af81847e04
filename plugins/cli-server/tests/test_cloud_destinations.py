"""The artifact proxy in front of each emulated cloud (moto S3, gcp-storage-emulator, Azurite): the real
MLflow client's acceptance run, the proxy's HTTP answers, bounded worker memory for large transfers,
and MLflow's multipart uploads through the proxy."""
from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import textwrap
import uuid
from pathlib import Path
from typing import Iterator

import pytest
import requests
from mlplug.testing import emulators
from mlplug.testing.memory import MIB, peak_growth
from mlplug.testing.servers import MlplugServer

AZURITE_DIR = Path(__file__).resolve().parents[2] / "artifacts-azure" / "tests" / "azurite"
BUCKET = "mlplug-proxy"
PREFIX = "proxy/root"  # the server's destination inside the bucket
TIMEOUT = 120  # seconds for any one HTTP call: a hung worker fails the test instead of stalling it
# The plugin that serves each scheme, a check that its emulator is installed, and the emulator.
CLOUDS = {"s3": ("mlplug_artifacts_s3", emulators.moto_server_command, emulators.moto_s3),
          "gs": ("mlplug_artifacts_gcs", emulators.gcs_emulator_command, emulators.gcs_emulator),
          "wasbs": ("mlplug_artifacts_azure", lambda: emulators.azurite_command(AZURITE_DIR),
                    lambda workdir: emulators.azurite(workdir, AZURITE_DIR))}


@pytest.fixture(scope="module")
def cloud(request, tmp_path_factory) -> Iterator[emulators.Emulator | None]:
    """A running emulator for the scheme `request.param` with the test bucket in it; None for "file"."""
    if request.param == "file":
        yield None
        return
    plugin, check_installed, start = CLOUDS[request.param]
    pytest.importorskip(plugin, reason=f"the {request.param}:// artifact plugin is not installed")
    try:
        check_installed()
    except emulators.EmulatorUnavailable as err:
        pytest.skip(str(err))
    with start(tmp_path_factory.mktemp(request.param)) as emulator:
        emulator.create_bucket(BUCKET)
        yield emulator


@pytest.fixture(scope="module")
def server(cloud: emulators.Emulator | None, tmp_path_factory) -> Iterator[MlplugServer]:
    """One `mlplug server` per destination: `PREFIX` in the emulator's bucket, or its own directory."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        args: tuple[str, ...] = ()
        if cloud is not None:
            cloud.apply(monkeypatch)  # this process too, to look at the bucket directly
            args = ("--artifacts-destination", cloud.uri(BUCKET, PREFIX))
        workdir = tmp_path_factory.mktemp(f"server-{cloud.kind if cloud else 'file'}")
        with MlplugServer(workdir, *args, workers=2, env=dict(cloud.env) if cloud else None) as running:
            yield running


def run_mlflow(mlflow_python: str, args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([mlflow_python, *args], capture_output=True, text=True, timeout=600, cwd=cwd,
                          env={**os.environ, **env})


@pytest.mark.parametrize("cloud", ["s3", "gs", "wasbs"], indirect=True)
def test_real_mlflow_client_against_cloud_destination(server, tmp_path, mlflow_python, compat_script):
    result = run_mlflow(mlflow_python, [compat_script, server.url, "--sections", "tracking,artifacts"], tmp_path)
    print(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr[-3000:] + server.output()[-3000:]
    assert "compat: 17/17 checks passed" in result.stdout


@pytest.mark.parametrize("cloud", ["file", "s3", "gs", "wasbs"], indirect=True)
def test_proxy_answers_the_same_for_every_destination(server):
    top = uuid.uuid4().hex  # this test's own directory in the shared destination
    http = requests.Session()

    def file(method: str, path: str, **kwargs) -> requests.Response:
        return http.request(method, server.proxy(f"{top}/{path}"), timeout=TIMEOUT, **kwargs)

    def listing(path: str = "") -> dict:
        return http.get(server.proxy(), params={"path": f"{top}/{path}".rstrip("/")}, timeout=TIMEOUT).json()

    body = os.urandom(3 * MIB + 17)  # larger than what the proxy reads whole: streamed to the destination
    assert file("PUT", "d/big.bin", data=body).json() == {}
    assert file("PUT", "d/note.txt", data="héllo".encode()).json() == {}
    assert file("PUT", "d/empty.txt", data=b"").json() == {}  # Azure's SDK once waited forever on this

    got = file("GET", "d/big.bin")
    assert (got.status_code, got.content) == (200, body)
    assert got.headers["Content-Disposition"] == "attachment; filename=big.bin"
    assert got.headers["Content-Length"] == str(len(body))  # every backend tells the length
    assert file("GET", "d/note.txt").content == "héllo".encode()
    empty = file("GET", "d/empty.txt")
    assert (empty.status_code, empty.content) == (200, b"")

    assert listing("d") == {"files": [{"path": "big.bin", "is_dir": False, "file_size": len(body)},
                                      {"path": "empty.txt", "is_dir": False, "file_size": 0},
                                      {"path": "note.txt", "is_dir": False, "file_size": 6}]}
    assert listing() == {"files": [{"path": "d", "is_dir": True}]}
    assert listing("d/note.txt") == {}  # a file lists as nothing, as does a missing path
    assert listing("nowhere") == {}
    assert {"path": top, "is_dir": True} in http.get(server.proxy(), timeout=TIMEOUT).json()["files"]

    for missing in ("d/missing.bin", "d"):  # no such file; a directory is not a file
        r = file("GET", missing)
        assert (r.status_code, r.json()["error_code"]) == (404, "RESOURCE_DOES_NOT_EXIST"), missing

    assert file("DELETE", "d/note.txt").json() == {}
    assert file("GET", "d/note.txt").status_code == 404
    assert file("DELETE", "d/note.txt").json() == {}  # already gone is fine
    assert [f["path"] for f in listing("d")["files"]] == ["big.bin", "empty.txt"]
    http.close()


def _cut_short_put(server: MlplugServer, path: str, length: int, sent: int) -> bytes:
    """PUT with a Content-Length of `length` but only `sent` bytes, then stop sending; the raw answer."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT) as sock:
        sock.sendall(f"PUT {server.proxy(path)[len(server.url):]} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     f"Content-Length: {length}\r\nConnection: close\r\n\r\n".encode() + b"x" * sent)
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


@pytest.mark.parametrize("cloud", ["file", "s3", "gs", "wasbs"], indirect=True)
def test_an_upload_cut_short_stores_nothing(server):
    top = uuid.uuid4().hex
    for name, length, sent in (("small.bin", 1000, 10), ("large.bin", 3 * MIB, 2 * MIB)):
        answer = _cut_short_put(server, f"{top}/{name}", length, sent)
        assert answer.startswith(b"HTTP/1.1 400"), answer[:300]
        assert b"Send the file again" in answer
        assert requests.get(server.proxy(f"{top}/{name}"), timeout=TIMEOUT).status_code == 404
    assert requests.get(server.proxy(), params={"path": top}, timeout=TIMEOUT).json() == {}


def _write_file(path: Path, size_mib: int) -> str:
    """A file of `size_mib` MiB of random-looking bytes; returns its SHA-256."""
    digest, block = hashlib.sha256(), os.urandom(MIB)
    with open(path, "wb") as f:
        for i in range(size_mib):
            piece = block[i % 251:] + block[:i % 251]  # no two MiB alike
            digest.update(piece)
            f.write(piece)
    return digest.hexdigest()


def _upload_and_download(server: MlplugServer, source: Path, name: str) -> tuple[float, float, str]:
    """PUT `source` through the proxy, then GET it back: (upload growth MiB, download growth MiB, SHA-256)."""
    with peak_growth(server.worker_pids()) as upload, open(source, "rb") as f:
        requests.put(server.proxy(name), data=f, timeout=600).raise_for_status()
    digest = hashlib.sha256()
    with peak_growth(server.worker_pids()) as download, \
            requests.get(server.proxy(name), stream=True, timeout=600) as response:
        response.raise_for_status()
        for chunk in response.iter_content(MIB):
            digest.update(chunk)
    return upload.mib, download.mib, digest.hexdigest()


@pytest.mark.parametrize("cloud", ["file", "s3"], indirect=True)
def test_large_transfers_keep_the_worker_memory_bounded(cloud, server, tmp_path):
    size_mib, limit_mib = 300, 100  # the file is three times the limit: memory cannot follow its size
    source = tmp_path / "big.bin"
    expected = _write_file(source, size_mib)
    warm = tmp_path / "warm.bin"  # first use loads the SDK's transfer machinery: not what is measured
    _write_file(warm, 20)
    for _ in range(2):
        _upload_and_download(server, warm, "big/warm.bin")
    upload_mib, download_mib, digest = _upload_and_download(server, source, "big/big.bin")
    assert digest == expected
    print(f"{cloud.kind if cloud else 'file'}: {size_mib} MiB up +{upload_mib:.0f} MiB, down +{download_mib:.0f} MiB")
    assert upload_mib < limit_mib
    assert download_mib < limit_mib


MULTIPART_CLIENT = textwrap.dedent("""
    import sys, mlflow
    mlflow.set_tracking_uri(sys.argv[1])
    with mlflow.start_run() as run:
        mlflow.log_artifact(sys.argv[2], "data")
    print(run.info.artifact_uri)
""")
MULTIPART_ENV = {"MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD": "true",
                 "MLFLOW_MULTIPART_UPLOAD_MINIMUM_FILE_SIZE": str(10 * MIB),
                 "MLFLOW_MULTIPART_UPLOAD_CHUNK_SIZE": str(5 * MIB)}  # S3's smallest part


def _log_with_mlflow(mlflow_python: str, server: MlplugServer, source: Path, workdir: Path) -> str:
    """Log `source` with the real MLflow client, multipart enabled; returns its path in the destination."""
    script = workdir / "log_big.py"
    script.write_text(MULTIPART_CLIENT)
    result = run_mlflow(mlflow_python, [str(script), server.url, str(source)], workdir, **MULTIPART_ENV)
    assert result.returncode == 0, result.stderr[-3000:] + server.output()[-3000:]
    artifact_uri = result.stdout.strip().splitlines()[-1]
    assert artifact_uri.startswith("mlflow-artifacts:/")
    return artifact_uri.split(":", 1)[1].strip("/") + "/data/" + source.name


def _proxy_sha256(server: MlplugServer, path: str) -> str:
    response = requests.get(server.proxy(path), timeout=TIMEOUT)
    response.raise_for_status()
    return hashlib.sha256(response.content).hexdigest()


@pytest.mark.parametrize("cloud", ["s3"], indirect=True)
def test_mlflow_multipart_upload_through_the_proxy_to_s3(cloud, server, tmp_path, mlflow_python):
    import boto3

    source = tmp_path / "big.bin"
    expected = _write_file(source, 12)
    info = requests.get(f"{server.url}/api/3.0/mlflow/server-info", timeout=TIMEOUT).json()
    assert info["multipart_uploads_enabled"] is True
    path = _log_with_mlflow(mlflow_python, server, source, tmp_path)
    assert _proxy_sha256(server, path) == expected
    s3 = boto3.session.Session().client("s3", endpoint_url=cloud.endpoint)
    head = s3.head_object(Bucket=BUCKET, Key=f"{PREFIX}/{path}")
    # A multipart object's ETag is the digest of its parts' digests, suffixed with the number of parts.
    assert head["ETag"].strip('"').endswith("-3"), head["ETag"]
    assert head["ContentLength"] == 12 * MIB
    assert s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []


@pytest.mark.parametrize("cloud", ["file"], indirect=True)
def test_mlflow_multipart_upload_falls_back_to_one_put_on_a_file_destination(server, tmp_path, mlflow_python):
    source = tmp_path / "big.bin"
    expected = _write_file(source, 12)
    refused = requests.post(f"{server.url}/api/2.0/mlflow-artifacts/mpu/create/x", timeout=TIMEOUT,
                            json={"path": str(source), "num_parts": 3})
    assert refused.status_code == 501
    assert refused.json()["message"].startswith("Multipart upload is not supported")
    info = requests.get(f"{server.url}/api/3.0/mlflow/server-info", timeout=TIMEOUT).json()
    assert info["multipart_uploads_enabled"] is False
    path = _log_with_mlflow(mlflow_python, server, source, tmp_path)
    assert _proxy_sha256(server, path) == expected
    assert (server.destination / path).stat().st_size == 12 * MIB
