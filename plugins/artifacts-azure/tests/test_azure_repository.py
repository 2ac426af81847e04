"""What the contract suite does not cover: URIs, credentials, plugin wiring, blocks, consistency, batching."""
from __future__ import annotations

import importlib.util
import io
import random
import subprocess
import sys

import pytest

from mlplug.errors import InvalidParameter, MlplugError, NotFound
from mlplug.host import get_host
from mlplug.testing.contracts.artifacts import OneWayStream
from mlplug_artifacts_azure.location import BlobLocation, parse_azure_uri
from mlplug_artifacts_azure.repository import AzureBlobArtifactRepository

MIB = 1024 * 1024


@pytest.mark.parametrize(("uri", "expected", "account_url"), [
    ("wasbs://box@acct.blob.core.windows.net/1/abc/artifacts",
     BlobLocation("acct", "box", "core.windows.net", "1/abc/artifacts"), "https://acct.blob.core.windows.net"),
    ("abfss://box@acct.dfs.core.windows.net/p/", BlobLocation("acct", "box", "core.windows.net", "p"),
     "https://acct.blob.core.windows.net"),
    ("wasbs://box@acct.blob.core.chinacloudapi.cn", BlobLocation("acct", "box", "core.chinacloudapi.cn", ""),
     "https://acct.blob.core.chinacloudapi.cn"),
])
def test_parse_azure_uri(uri, expected, account_url):
    location = parse_azure_uri(uri)
    assert location == expected
    assert location.account_url == account_url


@pytest.mark.parametrize("uri", ["wasbs://acct.blob.core.windows.net/p", "wasbs://box@acct/p",
                                 "abfss://box@acct.queue.core.windows.net/p", "s3://bucket/p"])
def test_parse_azure_uri_rejects_other_shapes(uri):
    with pytest.raises(InvalidParameter, match=r"wasbs://<container>@<account>\.blob\.core\.windows\.net"):
        parse_azure_uri(uri)


# --- plugin wiring --------------------------------------------------------------------------------
@pytest.mark.parametrize("form", ["wasbs://{c}@{a}.blob.core.windows.net/{p}", "abfss://{c}@{a}.dfs.core.windows.net/{p}"])
def test_host_builds_azure_repository_for_both_schemes(plugin_host, container, account, service, form):
    repo = get_host().artifact_repository(form.format(c=container, a=account, p="via-host"))
    assert isinstance(repo, AzureBlobArtifactRepository)
    repo.write("f.txt", io.BytesIO(form.encode()))
    assert service.get_blob_client(container, "via-host/f.txt").download_blob().readall() == form.encode()


def test_loading_the_plugin_does_not_import_the_azure_sdk():
    code = ("import sys; from mlplug.host import PluginHost; "
            "PluginHost().load('mlplug.artifact_repository', 'wasbs'); "
            "print(any(m.startswith('azure') for m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


# --- credentials -----------------------------------------------------------------------------------
def test_access_key_is_used_for_the_account_in_the_uri(monkeypatch):
    monkeypatch.setenv("AZURE_STORAGE_ACCESS_KEY", "a2V5")
    repo = AzureBlobArtifactRepository("abfss://box@myacct.dfs.core.windows.net/p")
    assert repo.container.url == "https://myacct.blob.core.windows.net/box"
    assert repo.container.credential.account_name == "myacct"
    assert repo.container.credential.account_key == "a2V5"


def test_connection_string_wins_over_access_key(azurite_connection, azurite, monkeypatch):
    monkeypatch.setenv("AZURE_STORAGE_ACCESS_KEY", "a2V5")
    repo = AzureBlobArtifactRepository("wasbs://box@devstoreaccount1.blob.core.windows.net/p")
    assert repo.container.url.startswith(azurite)


def test_invalid_connection_string_is_reported(monkeypatch):
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", "not a connection string")
    with pytest.raises(MlplugError, match="AZURE_STORAGE_CONNECTION_STRING is not a valid connection string"):
        AzureBlobArtifactRepository("wasbs://box@acct.blob.core.windows.net/p")


@pytest.mark.skipif(importlib.util.find_spec("azure.identity") is not None, reason="azure-identity is installed")
def test_without_credentials_says_what_to_set():
    with pytest.raises(MlplugError, match="AZURE_STORAGE_CONNECTION_STRING.*AZURE_STORAGE_ACCESS_KEY.*azure-identity"
                       ) as raised:
        AzureBlobArtifactRepository("wasbs://box@acct.blob.core.windows.net/p")
    assert raised.value.error_code == "UNAUTHENTICATED"


def test_missing_container_is_reported(azurite_connection):
    repo = AzureBlobArtifactRepository("wasbs://no-such-container@devstoreaccount1.blob.core.windows.net/p")
    with pytest.raises(NotFound, match="container 'no-such-container' does not exist"):
        repo.list_artifacts()


# --- transfers -------------------------------------------------------------------------------------
def _blocks(repo, path: str) -> list[int]:
    committed, _uncommitted = repo.container.get_blob_client(f"{repo.prefix}/{path}").get_block_list()
    return [block.size for block in committed]


def test_large_files_and_streams_go_up_in_blocks(root_uri, tmp_path):
    repo = AzureBlobArtifactRepository(root_uri)
    data = random.Random(3).randbytes(20 * MIB)
    (tmp_path / "large.bin").write_bytes(data)
    repo.log_artifact(str(tmp_path / "large.bin"))
    repo.write("streamed.bin", OneWayStream(data, chunk=64 * 1024))
    assert _blocks(repo, "large.bin") == [4 * MIB] * 5
    assert _blocks(repo, "streamed.bin") == [4 * MIB] * 5
    repo.write("small.txt", io.BytesIO(b"one request"))
    assert _blocks(repo, "small.txt") == []  # below 8 MiB: a single Put Blob, no blocks


def test_content_type_is_guessed_from_the_name(root_uri):
    repo = AzureBlobArtifactRepository(root_uri)
    repo.write("meta.json", io.BytesIO(b"{}"))
    properties = repo.container.get_blob_client(f"{repo.prefix}/meta.json").get_blob_properties()
    assert properties.content_settings.content_type == "application/json"


def test_open_streams_one_version_and_fails_if_it_changes(root_uri):
    repo = AzureBlobArtifactRepository(root_uri)
    data = random.Random(4).randbytes(10 * MIB)
    repo.write("f.bin", io.BytesIO(data))
    with repo.open("f.bin") as stream:
        assert stream.read(1000) == data[:1000]  # only the first 4 MiB range has been fetched
        repo.write("f.bin", io.BytesIO(b"replaced"))
        with pytest.raises(MlplugError, match="changed while it was read"):
            stream.read()
    with repo.open("f.bin") as stream:
        assert stream.read() == b"replaced"


def test_deleting_a_prefix_goes_in_batches(root_uri, azurite_connection):
    from azure.storage.blob import BlobServiceClient

    repo = AzureBlobArtifactRepository(root_uri)
    for i in range(25):
        repo.write(f"many/{i:02d}.txt", io.BytesIO(b"x"))
    for i in range(12):
        repo.write(f"many/sub{i:02d}/f.txt", io.BytesIO(b"x"))
    repo.write("kept.txt", io.BytesIO(b"kept"))
    requests = []
    observed = BlobServiceClient.from_connection_string(
        azurite_connection, raw_response_hook=lambda response: requests.append(response.http_request))
    repo.container = observed.get_container_client(repo.location.container)
    repo.page_size, repo.delete_batch_size = 10, 10
    assert len(repo.list_artifacts("many")) == 37
    repo.delete_artifacts("many")
    assert sum("comp=batch" in request.url for request in requests) == 4  # 37 blobs, 10 per batch
    assert repo.list_artifacts("many") == []
    assert [f.path for f in repo.list_artifacts()] == ["kept.txt"]
