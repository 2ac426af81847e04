"""What the contract suite does not cover: URIs, settings, plugin wiring, multipart uploads, batching."""
from __future__ import annotations

import hashlib
import io
import json
import random
import subprocess
import sys

import pytest
import requests
from botocore.exceptions import SSLError

from mlplug.errors import InvalidParameter, NotFound, PluginError
from mlplug.host import get_host
from mlplug.testing.contracts.artifacts import OneWayStream
from mlplug.testing.servers import free_port, running_server
from mlplug_artifacts_s3.client import s3_client
from mlplug_artifacts_s3.repository import S3ArtifactRepository, parse_s3_uri

MIB = 1024 * 1024


@pytest.mark.parametrize(("uri", "expected"), [
    ("s3://bucket/1/abc/artifacts", ("bucket", "1/abc/artifacts")),
    ("s3://bucket/prefix/", ("bucket", "prefix")),
    ("s3://bucket", ("bucket", "")),
    ("S3://bucket/p", ("bucket", "p")),
])
def test_parse_s3_uri(uri, expected):
    assert parse_s3_uri(uri) == expected


@pytest.mark.parametrize("uri", ["s3:///no-bucket", "gs://bucket/x", "bucket/x"])
def test_parse_s3_uri_rejects_uris_without_a_bucket(uri):
    with pytest.raises(InvalidParameter, match="s3://<bucket>/<prefix>"):
        parse_s3_uri(uri)


# --- plugin wiring --------------------------------------------------------------------------------
def test_host_builds_s3_repository(plugin_host, root_uri):
    repo = get_host().artifact_repository(root_uri)
    assert isinstance(repo, S3ArtifactRepository)
    repo.write("f.txt", io.BytesIO(b"through the host"))
    assert s3_client().get_object(Bucket=repo.bucket, Key=f"{repo.prefix}/f.txt")["Body"].read() == b"through the host"


def test_unknown_scheme_says_to_install_a_plugin(plugin_host):
    with pytest.raises(PluginError, match=r"No artifact repository for URI scheme 'ftp'.*[Ii]nstall"):
        get_host().artifact_repository("ftp://x/y")


def test_loading_the_plugin_does_not_import_boto3():
    code = ("import sys; from mlplug.host import PluginHost; "
            "PluginHost().load('mlplug.artifact_repository', 's3'); print('boto3' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


# --- settings ------------------------------------------------------------------------------------
def test_endpoint_from_mlflow_variable(moto_endpoint, monkeypatch):
    monkeypatch.setenv("MLFLOW_S3_ENDPOINT_URL", moto_endpoint)
    client = s3_client()
    assert client.meta.endpoint_url == moto_endpoint
    client.create_bucket(Bucket="from-mlflow-variable")
    S3ArtifactRepository("s3://from-mlflow-variable/x").write("f.txt", io.BytesIO(b"ok"))
    assert client.get_object(Bucket="from-mlflow-variable", Key="x/f.txt")["Body"].read() == b"ok"


def test_mlplug_variable_wins_over_mlflow_variable(moto_endpoint, monkeypatch):
    monkeypatch.setenv("MLFLOW_S3_ENDPOINT_URL", "http://127.0.0.1:1")
    monkeypatch.setenv("MLPLUG_S3_ENDPOINT_URL", moto_endpoint)
    assert s3_client().meta.endpoint_url == moto_endpoint


def test_clients_are_shared_until_the_settings_change(s3_endpoint, monkeypatch):
    first = s3_client()
    assert s3_client() is first
    monkeypatch.setenv("AWS_REGION", "eu-west-2")
    regional = s3_client()
    assert regional is not first
    assert regional.meta.region_name == "eu-west-2"


# Addressing styles are checked on presigned URLs: built by the configured client, without a request.
GATEWAY = "http://s3-gateway.internal:9000"


@pytest.mark.parametrize(("style", "url_start"), [
    ("path", f"{GATEWAY}/some-bucket/k.txt?"),
    ("virtual", "http://some-bucket.s3-gateway.internal:9000/k.txt?"),
])
def test_addressing_style_from_aws_variable(monkeypatch, style, url_start):
    monkeypatch.setenv("MLPLUG_S3_ENDPOINT_URL", GATEWAY)
    monkeypatch.setenv("AWS_S3_ADDRESSING_STYLE", style)
    client = s3_client()
    assert client.meta.config.s3 == {"addressing_style": style}
    assert client.generate_presigned_url("get_object", Params={"Bucket": "some-bucket", "Key": "k.txt"}
                                         ).startswith(url_start)


def test_addressing_style_from_the_aws_config_file(monkeypatch, tmp_path):
    config_file = tmp_path / "aws_config"
    config_file.write_text("[default]\ns3 =\n    addressing_style = virtual\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config_file))
    monkeypatch.setenv("MLPLUG_S3_ENDPOINT_URL", GATEWAY)
    url = s3_client().generate_presigned_url("get_object", Params={"Bucket": "cfg-bucket", "Key": "k"})
    assert url.startswith("http://cfg-bucket.s3-gateway.internal:9000/k?")


def test_invalid_addressing_style_is_refused(s3_endpoint, monkeypatch):
    monkeypatch.setenv("AWS_S3_ADDRESSING_STYLE", "sideways")
    with pytest.raises(InvalidParameter, match="auto, path, virtual"):
        s3_client()


@pytest.fixture(scope="module")
def tls_moto_endpoint(moto_server, tmp_path_factory):
    """A second moto server speaking HTTPS with a self-signed certificate."""
    port = free_port()
    log = tmp_path_factory.mktemp("moto-tls") / "moto_server.log"
    with running_server([*moto_server, "-p", str(port), "--ssl"], port, log):
        yield f"https://127.0.0.1:{port}"


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_ignore_tls_accepts_a_self_signed_endpoint(tls_moto_endpoint, monkeypatch):
    monkeypatch.setenv("MLPLUG_S3_ENDPOINT_URL", tls_moto_endpoint)
    with pytest.raises(SSLError):
        s3_client().list_buckets()
    monkeypatch.setenv("MLFLOW_S3_IGNORE_TLS", "true")
    client = s3_client()
    client.create_bucket(Bucket="tls-bucket")
    repo = S3ArtifactRepository("s3://tls-bucket/p")
    repo.write("f.txt", io.BytesIO(b"over tls"))
    assert repo.open("f.txt").read() == b"over tls"


def test_upload_extra_args_and_content_type(root_uri, monkeypatch):
    monkeypatch.setenv("MLFLOW_S3_UPLOAD_EXTRA_ARGS", json.dumps({"ServerSideEncryption": "AES256"}))
    repo = S3ArtifactRepository(root_uri)
    repo.write("meta.json", io.BytesIO(b"{}"))
    head = repo.client.head_object(Bucket=repo.bucket, Key=f"{repo.prefix}/meta.json")
    assert head["ServerSideEncryption"] == "AES256"
    assert head["ContentType"] == "application/json"


def test_invalid_upload_extra_args_are_refused(s3_endpoint, monkeypatch):
    monkeypatch.setenv("MLPLUG_S3_UPLOAD_EXTRA_ARGS", "{not json")
    with pytest.raises(InvalidParameter, match="not valid JSON"):
        S3ArtifactRepository("s3://b/p")


def test_missing_bucket_is_reported(s3_endpoint):
    repo = S3ArtifactRepository("s3://no-such-bucket-here/p")
    with pytest.raises(NotFound, match="bucket 'no-such-bucket-here' does not exist"):
        repo.list_artifacts()


# --- large files and many files ------------------------------------------------------------------------
def test_large_files_are_uploaded_in_parts(root_uri, tmp_path):
    local = tmp_path / "large.bin"
    local.write_bytes(random.Random(3).randbytes(20 * MIB))
    repo = S3ArtifactRepository(root_uri)
    repo.log_artifact(str(local))
    head = repo.client.head_object(Bucket=repo.bucket, Key=f"{repo.prefix}/large.bin")
    assert head["ETag"].strip('"').endswith("-3")  # a multipart ETag names its part count (8 + 8 + 4 MiB)


def test_large_streams_are_uploaded_in_parts_despite_short_reads(root_uri):
    data = random.Random(5).randbytes(20 * MIB)
    repo = S3ArtifactRepository(root_uri)
    repo.write("streamed.bin", OneWayStream(data, chunk=64 * 1024))  # reads return 64 KiB, like a socket
    head = repo.client.head_object(Bucket=repo.bucket, Key=f"{repo.prefix}/streamed.bin")
    assert head["ETag"].strip('"').endswith("-3")
    with repo.open("streamed.bin") as stream:
        assert hashlib.sha256(stream.read()).digest() == hashlib.sha256(data).digest()


def test_listing_and_deleting_span_several_pages(root_uri):
    repo = S3ArtifactRepository(root_uri)
    repo.page_size = 10  # S3 pages hold 1000 keys; small pages make 25 files span three of them
    for i in range(25):
        repo.write(f"many/{i:02d}.txt", io.BytesIO(b"x"))
    for i in range(12):
        repo.write(f"many/sub{i:02d}/f.txt", io.BytesIO(b"x"))
    repo.write("kept.txt", io.BytesIO(b"kept"))
    listed = repo.list_artifacts("many")
    assert [f.path for f in listed] == sorted([f"many/{i:02d}.txt" for i in range(25)]
                                              + [f"many/sub{i:02d}" for i in range(12)])
    assert len(list(repo.iter_files("many"))) == 37
    repo.delete_artifacts("many")
    assert repo.list_artifacts("many") == []
    assert [f.path for f in repo.list_artifacts()] == ["kept.txt"]


# --- multipart uploads through presigned URLs -------------------------------------------------------------
def _put_parts(upload: dict, data: bytes, part_size: int) -> list[dict]:
    parts = []
    for credential in upload["credentials"]:
        start = (credential["part_number"] - 1) * part_size
        response = requests.put(credential["url"], data=data[start:start + part_size],
                                headers=credential["headers"], timeout=60)
        response.raise_for_status()
        parts.append({"part_number": credential["part_number"], "etag": response.headers["ETag"]})
    return parts


def test_multipart_upload_through_presigned_urls(root_uri):
    repo = S3ArtifactRepository(root_uri)
    data = random.Random(4).randbytes(5 * MIB + 1234)
    upload = repo.create_multipart_upload("models/big.bin", 2)
    assert [c["part_number"] for c in upload["credentials"]] == [1, 2]
    assert all(c["url"].startswith("http://127.0.0.1:") for c in upload["credentials"])
    parts = _put_parts(upload, data, 5 * MIB)
    repo.complete_multipart_upload("models/big.bin", upload["upload_id"], list(reversed(parts)))
    assert [(f.path, f.file_size) for f in repo.list_artifacts("models")] == [("models/big.bin", len(data))]
    with repo.open("models/big.bin") as stream:
        assert hashlib.sha256(stream.read()).digest() == hashlib.sha256(data).digest()


def test_aborted_multipart_upload_is_gone(root_uri):
    repo = S3ArtifactRepository(root_uri)
    upload = repo.create_multipart_upload("f.bin", 1)
    _put_parts(upload, b"small", 5 * MIB)
    repo.abort_multipart_upload("f.bin", upload["upload_id"])
    pending = repo.client.list_multipart_uploads(Bucket=repo.bucket, Prefix=repo.prefix + "/")
    assert pending.get("Uploads", []) == []
    # (Completing it would be the natural check, but moto answers that with a 500, not NoSuchUpload.)
    with pytest.raises(NotFound, match="no such upload"):
        repo.abort_multipart_upload("f.bin", upload["upload_id"])
    assert repo.list_artifacts() == []


def test_multipart_upload_checks_its_arguments(root_uri):
    repo = S3ArtifactRepository(root_uri)
    for path in ("../escape.bin", "", "/abs.bin"):
        with pytest.raises(InvalidParameter):
            repo.create_multipart_upload(path, 1)
    with pytest.raises(InvalidParameter, match="between 1 and 10000"):
        repo.create_multipart_upload("f.bin", 0)
    upload = repo.create_multipart_upload("f.bin", 1)
    with pytest.raises(InvalidParameter, match="part_number"):
        repo.complete_multipart_upload("f.bin", upload["upload_id"], [{"etag": "x"}])
    repo.abort_multipart_upload("f.bin", upload["upload_id"])
