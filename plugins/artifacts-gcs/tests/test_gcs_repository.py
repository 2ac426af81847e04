"""What the contract suite does not cover: URIs, settings, plugin wiring, chunked uploads, batching.

Request counts are read off the client's real HTTP session (a response hook), not from a mock.
"""
from __future__ import annotations

import io
import random
import subprocess
import sys
from urllib.parse import unquote

import pytest

from mlplug.errors import InvalidParameter, MlplugError, NotFound
from mlplug.host import get_host
from mlplug_artifacts_gcs.client import EMULATOR_PROJECT, gcs_client
from mlplug_artifacts_gcs.repository import GCSArtifactRepository, parse_gs_uri

MIB = 1024 * 1024


@pytest.fixture
def requests_seen(emulator_host):
    """(method, decoded URL, Range header) of every HTTP request the shared client makes during the test."""
    seen: list[tuple[str, str]] = []
    hooks = gcs_client()._http.hooks["response"]
    hook = lambda response, *args, **kwargs: seen.append(  # noqa: E731
        (response.request.method, unquote(response.request.url), response.request.headers.get("Range")))
    hooks.append(hook)
    yield seen
    hooks.remove(hook)


@pytest.mark.parametrize(("uri", "expected"), [
    ("gs://bucket/1/abc/artifacts", ("bucket", "1/abc/artifacts")),
    ("gs://bucket/prefix/", ("bucket", "prefix")),
    ("gs://bucket", ("bucket", "")),
])
def test_parse_gs_uri(uri, expected):
    assert parse_gs_uri(uri) == expected


@pytest.mark.parametrize("uri", ["gs:///no-bucket", "s3://bucket/x"])
def test_parse_gs_uri_rejects_uris_without_a_bucket(uri):
    with pytest.raises(InvalidParameter, match="gs://<bucket>/<prefix>"):
        parse_gs_uri(uri)


# --- plugin wiring --------------------------------------------------------------------------------
def test_host_builds_gcs_repository(plugin_host, root_uri):
    repo = get_host().artifact_repository(root_uri)
    assert isinstance(repo, GCSArtifactRepository)
    repo.write("f.txt", io.BytesIO(b"through the host"))
    assert repo.bucket.blob(f"{repo.prefix}/f.txt").download_as_bytes() == b"through the host"


def test_loading_the_plugin_does_not_import_the_google_sdk():
    code = ("import sys; from mlplug.host import PluginHost; "
            "PluginHost().load('mlplug.artifact_repository', 'gs'); "
            "print(any(m.startswith('google') for m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


# --- settings ------------------------------------------------------------------------------------
def test_emulator_uses_anonymous_credentials_and_a_placeholder_project(emulator_host, monkeypatch):
    from google.auth.credentials import AnonymousCredentials

    client = gcs_client()
    assert isinstance(client._credentials, AnonymousCredentials)
    assert client.project == EMULATOR_PROJECT
    assert client._connection.API_BASE_URL == emulator_host
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "my-project")
    assert gcs_client().project == "my-project"


def test_missing_credentials_say_how_to_provide_them(monkeypatch, tmp_path):
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "missing-key.json"))
    with pytest.raises(MlplugError, match="GOOGLE_APPLICATION_CREDENTIALS") as raised:
        GCSArtifactRepository("gs://bucket/x")
    assert raised.value.error_code == "UNAUTHENTICATED"


def test_missing_bucket_is_reported(emulator_host):
    with pytest.raises(NotFound, match="bucket 'no-such-bucket-here' does not exist"):
        GCSArtifactRepository("gs://no-such-bucket-here/p").list_artifacts()


def test_content_type_is_guessed_from_the_name(root_uri, tmp_path):
    repo = GCSArtifactRepository(root_uri)
    repo.write("meta.json", io.BytesIO(b"{}"))
    (tmp_path / "notes.txt").write_text("hi")
    repo.log_artifact(str(tmp_path / "notes.txt"))
    assert repo.bucket.get_blob(f"{repo.prefix}/meta.json").content_type == "application/json"
    assert repo.bucket.get_blob(f"{repo.prefix}/notes.txt").content_type == "text/plain"


# --- chunked transfers, paging, batching ----------------------------------------------------------------
def test_large_files_go_up_as_resumable_uploads_in_chunks(root_uri, tmp_path, requests_seen):
    local = tmp_path / "large.bin"
    local.write_bytes(random.Random(3).randbytes(20 * MIB))
    GCSArtifactRepository(root_uri).log_artifact(str(local))
    uploads = [(method, url) for method, url, _ in requests_seen if "/upload/" in url]
    assert "uploadType=resumable" in uploads[0][1]
    assert [method for method, _ in uploads] == ["POST", "PUT", "PUT", "PUT"]  # start, then 8 + 8 + 4 MiB


def test_reads_stream_in_ranges(root_uri, requests_seen):
    repo = GCSArtifactRepository(root_uri)
    repo.chunk_size = 256 * 1024
    data = random.Random(6).randbytes(600 * 1024)
    repo.write("f.bin", io.BytesIO(data))
    requests_seen.clear()
    with repo.open("f.bin") as stream:
        first = stream.read(1000)
        fetched_for_first_read = [rng for _, url, rng in requests_seen if "alt=media" in url]
        rest = stream.read()
    assert first + rest == data
    assert fetched_for_first_read[0] == "bytes=0-262143"  # one 256 KiB range, not the whole object
    assert len([rng for _, url, rng in requests_seen if "alt=media" in url]) >= 3


def test_deleting_a_prefix_goes_in_batches(root_uri, requests_seen):
    repo = GCSArtifactRepository(root_uri)
    repo.page_size, repo.delete_batch_size = 10, 10  # (the emulator answers listings in one page anyway)
    for i in range(25):
        repo.write(f"many/{i:02d}.txt", io.BytesIO(b"x"))
    for i in range(12):
        repo.write(f"many/sub{i:02d}/f.txt", io.BytesIO(b"x"))
    repo.write("kept.txt", io.BytesIO(b"kept"))
    assert [f.path for f in repo.list_artifacts("many")] == sorted(
        [f"many/{i:02d}.txt" for i in range(25)] + [f"many/sub{i:02d}" for i in range(12)])
    assert len(list(repo.iter_files("many"))) == 37
    requests_seen.clear()
    repo.delete_artifacts("many")
    assert sum("/batch/storage/v1" in url for _, url, _ in requests_seen) == 4  # 37 objects, 10 per batch
    assert repo.list_artifacts("many") == []
    assert [f.path for f in repo.list_artifacts()] == ["kept.txt"]
