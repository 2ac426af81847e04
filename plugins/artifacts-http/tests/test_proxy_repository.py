"""ProxyArtifactRepository against a real `mlplug server`'s artifact proxy."""
from __future__ import annotations

import hashlib
import io
import os
import tracemalloc
import uuid

import pytest

from mlplug.contracts.artifacts import ArtifactRepository
from mlplug.errors import InvalidParameter, NotFound
from mlplug.host import get_host
from mlplug_artifacts_http.repository import ProxyArtifactRepository, resolve

ODD_NAMES = ["a b.txt", "100%.txt", "x#1.txt", "q?uery&=.txt", "ünï ✓.txt", "plus+sign.txt"]


@pytest.fixture
def root() -> str:
    return f"tests/{uuid.uuid4().hex}"


@pytest.fixture
def repo(server, root) -> ProxyArtifactRepository:
    return ProxyArtifactRepository(f"mlflow-artifacts:/{root}", server.url)


def test_the_plugin_serves_every_claimed_scheme(server, root):
    for uri in (f"mlflow-artifacts:/{root}", f"{server.url}/api/2.0/mlflow-artifacts/artifacts/{root}"):
        repo = get_host().artifact_repository(uri, server.url)
        assert isinstance(repo, ProxyArtifactRepository) and isinstance(repo, ArtifactRepository)


def test_round_trip(repo, server, root, tmp_path):
    (tmp_path / "src" / "sub").mkdir(parents=True)
    (tmp_path / "src" / "top.txt").write_text("top")
    (tmp_path / "src" / "sub" / "inner.bin").write_bytes(b"\x00\x01" * 1000)
    single = tmp_path / "model.pkl"
    single.write_bytes(b"pickle")
    repo.log_artifact(str(single))
    repo.log_artifact(str(single), "nested/deeper")
    repo.log_artifacts(str(tmp_path / "src"), "dir")

    assert (server.destination / root / "nested" / "deeper" / "model.pkl").read_bytes() == b"pickle"
    assert [(f.path, f.is_dir, f.file_size) for f in repo.list_artifacts()] == [
        ("dir", True, None), ("model.pkl", False, 6), ("nested", True, None)]
    assert [f.path for f in repo.list_artifacts("dir")] == ["dir/sub", "dir/top.txt"]
    assert [f.path for f in repo.list_artifacts("nested/deeper")] == ["nested/deeper/model.pkl"]
    assert repo.list_artifacts("model.pkl") == []
    assert repo.list_artifacts("no/such/dir") == []

    with repo.open("dir/top.txt") as f:
        assert f.read() == b"top"
    local = repo.download_artifacts("dir", str(tmp_path / "down"))
    assert open(os.path.join(local, "top.txt")).read() == "top"
    assert open(os.path.join(local, "sub", "inner.bin"), "rb").read() == b"\x00\x01" * 1000
    one = repo.download_artifacts("nested/deeper/model.pkl", str(tmp_path / "one"))
    assert open(one, "rb").read() == b"pickle"

    repo.delete_artifacts("dir/top.txt")
    assert [f.path for f in repo.list_artifacts("dir")] == ["dir/sub"]
    repo.delete_artifacts("nested")
    assert [f.path for f in repo.list_artifacts()] == ["dir", "model.pkl"]


def test_write_from_streams(repo):
    repo.write("streams/seekable.txt", io.BytesIO(b"seekable"))

    class OneWay(io.RawIOBase):  # a stream that cannot tell its length: sent chunked
        def __init__(self, data):
            self._data = io.BytesIO(data)

        def readable(self):
            return True

        def readinto(self, buffer):
            return self._data.readinto(buffer)

    repo.write("streams/one-way.txt", OneWay(b"one way"))
    for name, content in (("seekable.txt", b"seekable"), ("one-way.txt", b"one way")):
        with repo.open(f"streams/{name}") as f:
            assert f.read() == content


def test_odd_file_names_survive(repo, server, root, tmp_path):
    folder = tmp_path / "odd"
    (folder / "dir with space" / "ü").mkdir(parents=True)
    for name in ODD_NAMES:
        (folder / name).write_text(name)
    (folder / "dir with space" / "ü" / "#hash%.txt").write_text("deep")
    repo.log_artifacts(str(folder), "odd names")

    listed = [f.path for f in repo.list_artifacts("odd names")]
    assert listed == sorted(f"odd names/{n}" for n in ODD_NAMES + ["dir with space"])
    deep = "odd names/dir with space/ü"
    assert [f.path for f in repo.list_artifacts(deep)] == [f"{deep}/#hash%.txt"]
    assert (server.destination / root / "odd names" / "dir with space" / "ü" / "#hash%.txt").read_text() == "deep"
    for name in ODD_NAMES:
        with repo.open(f"odd names/{name}") as f:
            assert f.read().decode() == name
    local = repo.download_artifacts("odd names", str(tmp_path / "down"))
    assert sorted(os.listdir(local)) == sorted(ODD_NAMES + ["dir with space"])
    repo.delete_artifacts("odd names/100%.txt")
    assert "odd names/100%.txt" not in [f.path for f in repo.list_artifacts("odd names")]


def test_large_file_is_streamed_both_ways(repo, server, root, tmp_path):
    big = tmp_path / "big.bin"
    digest = hashlib.sha256()
    with open(big, "wb") as f:
        for _ in range(48):
            chunk = os.urandom(1 << 20)
            digest.update(chunk)
            f.write(chunk)
    tracemalloc.start()
    try:
        repo.log_artifact(str(big), "large")
        _, upload_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        local = repo.download_artifacts("large/big.bin", str(tmp_path / "down"))
        _, download_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (server.destination / root / "large" / "big.bin").stat().st_size == 48 << 20
    with open(local, "rb") as f:
        assert hashlib.file_digest(f, "sha256").hexdigest() == digest.hexdigest()
    assert upload_peak < 8 << 20 and download_peak < 8 << 20, (upload_peak, download_peak)


def test_missing_file_is_not_found(repo):
    with pytest.raises(NotFound):
        repo.open("missing.txt")


def test_paths_may_not_escape_the_root(repo, tmp_path):
    f = tmp_path / "x.txt"
    f.write_text("x")
    with pytest.raises(InvalidParameter):
        repo.log_artifact(str(f), "../elsewhere")
    with pytest.raises(InvalidParameter):
        repo.list_artifacts("a/../../b")
    with pytest.raises(InvalidParameter):
        repo.open("/etc/passwd")


def test_plain_http_uri_and_explicit_host_forms(server, root, tmp_path):
    f = tmp_path / "f.txt"
    f.write_text("via http")
    host = server.url.split("://", 1)[1]
    ProxyArtifactRepository(f"mlflow-artifacts:/{root}", server.url).log_artifact(str(f), "d")
    for uri, tracking in ((f"{server.url}/api/2.0/mlflow-artifacts/artifacts/{root}", None),
                          (f"mlflow-artifacts://{host}/{root}", None),
                          (f"mlflow-artifacts://{host}/{root}", "sqlite:///ignored.db")):
        repo = ProxyArtifactRepository(uri, tracking)
        assert [x.path for x in repo.list_artifacts("d")] == ["d/f.txt"], uri
        with repo.open("d/f.txt") as r:
            assert r.read() == b"via http"


@pytest.mark.parametrize("uri,tracking,expected", [
    ("mlflow-artifacts:/1/abc/artifacts", "http://h:5000", ("http://h:5000", "/api/2.0/mlflow-artifacts/artifacts",
                                                           "1/abc/artifacts")),
    ("mlflow-artifacts:/0", "https://h/prefix/", ("https://h/prefix", "/api/2.0/mlflow-artifacts/artifacts", "0")),
    ("mlflow-artifacts://other:81/x/y", "https://h",
     ("https://other:81", "/api/2.0/mlflow-artifacts/artifacts", "x/y")),
    ("mlflow-artifacts://other:81/x", None, ("http://other:81", "/api/2.0/mlflow-artifacts/artifacts", "x")),
    ("http://h:1/pre/api/2.0/mlflow-artifacts/artifacts/a%20b/c", None,
     ("http://h:1", "/pre/api/2.0/mlflow-artifacts/artifacts", "a b/c")),
    ("https://files.example/some/dir/", None, ("https://files.example", "/some/dir", "")),
])
def test_resolve(uri, tracking, expected):
    assert resolve(uri, tracking) == expected


def test_mlflow_artifacts_without_a_server_says_what_to_set():
    with pytest.raises(InvalidParameter, match="MLFLOW_TRACKING_URI"):
        ProxyArtifactRepository("mlflow-artifacts:/1/x", "sqlite:///mlplug.db")
