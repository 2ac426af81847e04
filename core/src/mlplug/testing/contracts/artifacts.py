"""The ArtifactRepository contract as tests. Every artifact repository passes them: the suite is the spec.

Subclass `ArtifactRepositoryContract` in a test module and provide a `repo` fixture: an empty repository
rooted somewhere fresh (a new temporary directory, a new bucket prefix) for each test::

    from mlplug.testing.contracts.artifacts import ArtifactRepositoryContract

    class TestMyRepository(ArtifactRepositoryContract):
        @pytest.fixture
        def repo(self, my_bucket):
            return MyRepository(f"my://{my_bucket}/{uuid.uuid4().hex}")

Two optional fixtures switch on more checks (the tests that need them skip otherwise):

- `sibling_repo`: a repository whose root URI is `repo`'s root URI plus a suffix (`.../run1` next to
  `.../run10`). Prefix-based stores must not let the two see or delete each other's files.
- `unreachable_repo`: a repository of the same kind whose storage cannot be reached (an endpoint on a
  closed port). Invalid paths must be refused before any request is made, so they raise
  InvalidParameter there too instead of a connection error.

`OneWayStream` (reads like an HTTP request body: short reads, no seek, no tell) helps test uploads, and
Emulator fixtures start their processes with `mlplug.testing.servers` (`free_port`, `running_server`).
Nothing here imports more than pytest and mlplug's kernel.
"""
from __future__ import annotations

import hashlib
import io
import random
from pathlib import Path
from typing import BinaryIO, Callable

import pytest

from mlplug.entities import FileInfo
from mlplug.errors import InvalidParameter, NotFound

LARGE_FILE_SIZE = 20 * 1024 * 1024  # bigger than every backend's single-request threshold, so parts are used

# Names that URL encoding, shells and object stores like to mangle; each must come back byte for byte.
UNUSUAL_NAMES = [
    "with space.txt",
    "dir with space/inner file.txt",
    "50%.txt",
    "%41%20not-decoded.txt",
    "%2e.txt",
    "colon:in:name.txt",
    "a:b.txt",  # a colon second is not a Windows drive here
    "hash#1.txt",
    "plus+sign.txt",
    "question?mark.txt",
    "ünïcødé/日本語 ファイル.txt",
]

# Paths that would escape the root (or name a different one) on some backend; all are refused.
TRAVERSAL_PATHS = [
    "..",
    "../escape.txt",
    "a/../../escape.txt",
    "%2e%2e/escape.txt",
    "a/%2E%2E/%2e%2e/escape.txt",
    "..\\escape.txt",
    "a\\b.txt",
    "/etc/passwd",
    "/abs/file.txt",
    "C:\\Windows\\win.ini",
    "C:/Windows/win.ini",
    "a/\x00.txt",
]


def _local_file(tmp_path: Path) -> str:
    path = tmp_path / "local.txt"
    path.write_bytes(b"payload")
    return str(path)


def _local_dir(tmp_path: Path) -> str:
    (tmp_path / "local_dir" / "sub").mkdir(parents=True, exist_ok=True)
    (tmp_path / "local_dir" / "sub" / "f.txt").write_bytes(b"payload")
    return str(tmp_path / "local_dir")


# Every path-taking operation of the contract, as `operation(repo, path, tmp_path)`.
OPERATIONS: dict[str, Callable[..., object]] = {
    "list_artifacts": lambda repo, path, tmp: repo.list_artifacts(path),
    "open": lambda repo, path, tmp: repo.open(path).close(),
    "write": lambda repo, path, tmp: repo.write(path, io.BytesIO(b"payload")),
    "log_artifact": lambda repo, path, tmp: repo.log_artifact(_local_file(tmp), path),
    "log_artifacts": lambda repo, path, tmp: repo.log_artifacts(_local_dir(tmp), path),
    "download_artifacts": lambda repo, path, tmp: repo.download_artifacts(path, str(tmp / "download")),
    "delete_artifacts": lambda repo, path, tmp: repo.delete_artifacts(path),
    "iter_files": lambda repo, path, tmp: list(repo.iter_files(path)),
}


class OneWayStream(io.RawIOBase):
    """A readable stream that cannot seek or tell its size, like an HTTP request body."""

    def __init__(self, data: bytes, chunk: int = 64 * 1024):
        self._data = memoryview(data)
        self._pos = 0
        self._chunk = chunk

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = min(len(buffer), self._chunk, len(self._data) - self._pos)
        buffer[:n] = self._data[self._pos:self._pos + n]
        self._pos += n
        return n


def sha256_of_stream(stream: BinaryIO) -> str:
    digest = hashlib.sha256()
    while chunk := stream.read(1 << 20):
        digest.update(chunk)
    return digest.hexdigest()


def _by_path(infos) -> list[FileInfo]:
    return sorted(infos, key=lambda info: info.path)


def _read(repo, path: str) -> bytes:
    with repo.open(path) as stream:
        return stream.read()


TREE_FILES = {"top.txt": b"top", "sub/a.txt": b"a" * 10, "sub/deep/x.bin": bytes(range(256)) + b"\x00" * 44,
              "sub/deep/deeper/y.txt": b"why"}


def _make_tree(base: Path) -> Path:
    """A local directory holding TREE_FILES."""
    for name, data in TREE_FILES.items():
        (base / name).parent.mkdir(parents=True, exist_ok=True)
        (base / name).write_bytes(data)
    return base


def _local_files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


class ArtifactRepositoryContract:
    """Plain pytest tests; subclasses provide the `repo` fixture (and optionally the two others)."""

    @pytest.fixture
    def repo(self):
        raise NotImplementedError("Subclasses provide a `repo` fixture: an empty ArtifactRepository rooted "
                                  "somewhere fresh.")

    @pytest.fixture
    def sibling_repo(self, repo):
        pytest.skip("no `sibling_repo` fixture: a repository rooted at the `repo` root URI plus a suffix")

    @pytest.fixture
    def unreachable_repo(self):
        pytest.skip("no `unreachable_repo` fixture: a repository whose storage cannot be reached")

    # --- logging and listing ---------------------------------------------------------------------
    def test_new_repository_is_empty(self, repo):
        assert repo.list_artifacts() == []
        assert repo.list_artifacts("") == []
        assert list(repo.iter_files()) == []

    def test_log_artifact_at_root_and_under_a_path(self, repo, tmp_path):
        local = tmp_path / "model.pkl"
        local.write_bytes(b"12345")
        repo.log_artifact(str(local))
        repo.log_artifact(str(local), "models/v1")
        assert _by_path(repo.list_artifacts()) == [FileInfo("model.pkl", False, 5), FileInfo("models", True)]
        assert repo.list_artifacts("models") == [FileInfo("models/v1", True)]
        assert repo.list_artifacts("models/v1") == [FileInfo("models/v1/model.pkl", False, 5)]
        assert _read(repo, "models/v1/model.pkl") == b"12345"

    def test_listing_ignores_a_trailing_slash(self, repo):
        repo.write("d/f.txt", io.BytesIO(b"abc"))
        assert repo.list_artifacts("d/") == repo.list_artifacts("d") == [FileInfo("d/f.txt", False, 3)]

    def test_log_artifacts_copies_a_nested_tree(self, repo, tmp_path):
        src = _make_tree(tmp_path / "src")
        repo.log_artifacts(str(src), "dir")
        repo.log_artifacts(str(src))
        assert _by_path(repo.list_artifacts()) == [FileInfo("dir", True), FileInfo("sub", True),
                                                   FileInfo("top.txt", False, 3)]
        assert _by_path(repo.list_artifacts("dir/sub")) == [
            FileInfo("dir/sub/a.txt", False, 10), FileInfo("dir/sub/deep", True)]
        assert _by_path(repo.list_artifacts("dir/sub/deep")) == [
            FileInfo("dir/sub/deep/deeper", True), FileInfo("dir/sub/deep/x.bin", False, 300)]
        expected = {f"dir/{name}": len(data) for name, data in TREE_FILES.items()}
        assert {f.path: f.file_size for f in repo.iter_files("dir")} == expected
        for name, data in TREE_FILES.items():
            assert _read(repo, f"dir/{name}") == data
            assert _read(repo, name) == data

    def test_listing_a_file_or_a_missing_path_is_empty(self, repo):
        repo.write("a.txt", io.BytesIO(b"a"))
        repo.write("d/b.txt", io.BytesIO(b"b"))
        assert repo.list_artifacts("a.txt") == []
        assert repo.list_artifacts("d/b.txt") == []
        assert repo.list_artifacts("missing") == []
        assert repo.list_artifacts("d/missing/deeper") == []

    def test_listing_does_not_match_on_name_prefixes(self, repo):
        for path in ("a/x.txt", "ab.txt", "a2/y.txt", "a/b/z.txt", "a/bc.txt"):
            repo.write(path, io.BytesIO(b"1"))
        assert _by_path(repo.list_artifacts("a")) == [FileInfo("a/b", True), FileInfo("a/bc.txt", False, 1),
                                                      FileInfo("a/x.txt", False, 1)]
        assert repo.list_artifacts("a/b") == [FileInfo("a/b/z.txt", False, 1)]
        assert sorted(f.path for f in repo.iter_files("a")) == ["a/b/z.txt", "a/bc.txt", "a/x.txt"]

    # --- downloading and reading -----------------------------------------------------------------
    def test_download_a_file(self, repo, tmp_path):
        repo.write("dir/f.txt", io.BytesIO(b"content"))
        dst = tmp_path / "dst"
        dst.mkdir()
        local = repo.download_artifacts("dir/f.txt", str(dst))
        assert Path(local) == dst / "dir" / "f.txt"
        assert Path(local).read_bytes() == b"content"

    def test_download_a_tree_and_the_root(self, repo, tmp_path):
        repo.log_artifacts(str(_make_tree(tmp_path / "src")), "dir")
        repo.write("other.txt", io.BytesIO(b"other"))
        local = repo.download_artifacts("dir/sub", str(tmp_path / "one"))
        assert Path(local) == tmp_path / "one" / "dir" / "sub"
        assert _local_files(Path(local)) == {k[len("sub/"):]: v for k, v in TREE_FILES.items()
                                             if k.startswith("sub/")}
        everything = repo.download_artifacts("", str(tmp_path / "all"))
        assert Path(everything) == tmp_path / "all"
        assert _local_files(tmp_path / "all") == {"other.txt": b"other",
                                                  **{f"dir/{k}": v for k, v in TREE_FILES.items()}}

    def test_download_a_missing_path_raises_not_found(self, repo, tmp_path):
        with pytest.raises(NotFound):
            repo.download_artifacts("missing.txt", str(tmp_path))

    def test_open_returns_a_readable_stream(self, repo):
        repo.write("f.bin", io.BytesIO(b"0123456789"))
        with repo.open("f.bin") as stream:
            assert stream.read(3) == b"012"
            assert stream.read(4) == b"3456"
            assert stream.read() == b"789"
            assert stream.read() == b""

    def test_open_a_missing_file_or_a_directory_raises_not_found(self, repo):
        repo.write("d/f.txt", io.BytesIO(b"x"))
        for path in ("missing.txt", "d/missing.txt", "d"):
            with pytest.raises(NotFound):
                repo.open(path).close()

    # --- writing -----------------------------------------------------------------------------------
    def test_write_from_a_stream_that_cannot_seek(self, repo):
        data = random.Random(1).randbytes(300_000)
        repo.write("up/load.bin", OneWayStream(data))
        assert repo.list_artifacts("up") == [FileInfo("up/load.bin", False, len(data))]
        assert _read(repo, "up/load.bin") == data

    def test_write_to_the_root_is_invalid(self, repo):
        with pytest.raises(InvalidParameter):
            repo.write("", io.BytesIO(b"x"))

    def test_overwrite_replaces_content_and_size(self, repo, tmp_path):
        repo.write("f.txt", io.BytesIO(b"a much longer first version"))
        repo.write("f.txt", io.BytesIO(b"short"))
        assert repo.list_artifacts() == [FileInfo("f.txt", False, 5)]
        assert _read(repo, "f.txt") == b"short"
        local = tmp_path / "f.txt"
        local.write_bytes(b"from a file")
        repo.log_artifact(str(local))
        assert repo.list_artifacts() == [FileInfo("f.txt", False, 11)]
        assert _read(repo, "f.txt") == b"from a file"

    def test_empty_files(self, repo, tmp_path):
        local = tmp_path / "empty.txt"
        local.write_bytes(b"")
        repo.log_artifact(str(local), "d")
        repo.write("d/empty2.txt", io.BytesIO(b""))
        assert _by_path(repo.list_artifacts("d")) == [FileInfo("d/empty.txt", False, 0),
                                                      FileInfo("d/empty2.txt", False, 0)]
        assert _read(repo, "d/empty.txt") == b""
        local_copy = repo.download_artifacts("d/empty2.txt", str(tmp_path / "dst"))
        assert Path(local_copy).read_bytes() == b""

    def test_large_file_round_trip(self, repo, tmp_path):
        local = tmp_path / "large.bin"
        local.write_bytes(random.Random(20).randbytes(LARGE_FILE_SIZE))
        expected = hashlib.sha256(local.read_bytes()).hexdigest()
        repo.log_artifact(str(local), "big")
        assert repo.list_artifacts("big") == [FileInfo("big/large.bin", False, LARGE_FILE_SIZE)]
        with repo.open("big/large.bin") as stream:
            assert sha256_of_stream(stream) == expected
        downloaded = repo.download_artifacts("big/large.bin", str(tmp_path / "dst"))
        with open(downloaded, "rb") as stream:
            assert sha256_of_stream(stream) == expected

    def test_large_write_from_a_stream(self, repo):
        data = random.Random(21).randbytes(LARGE_FILE_SIZE)
        repo.write("streamed.bin", OneWayStream(data, chunk=1 << 20))
        assert repo.list_artifacts() == [FileInfo("streamed.bin", False, LARGE_FILE_SIZE)]
        with repo.open("streamed.bin") as stream:
            assert sha256_of_stream(stream) == hashlib.sha256(data).hexdigest()

    @pytest.mark.parametrize("name", UNUSUAL_NAMES)
    def test_unusual_names_round_trip_unchanged(self, repo, tmp_path, name):
        content = name.encode("utf-8")
        repo.write(name, io.BytesIO(content))
        parent = name.rpartition("/")[0]
        assert repo.list_artifacts(parent) == [FileInfo(name, False, len(content))]
        if parent:
            assert repo.list_artifacts() == [FileInfo(parent.split("/")[0], True)]
        assert _read(repo, name) == content
        local = Path(repo.download_artifacts(name, str(tmp_path / "dst")))
        assert local == tmp_path / "dst" / Path(*name.split("/"))
        assert local.read_bytes() == content
        source = tmp_path / "src" / name.rpartition("/")[2]
        source.parent.mkdir()
        source.write_bytes(b"logged")
        repo.log_artifact(str(source), parent or None)
        assert _read(repo, name) == b"logged"
        repo.delete_artifacts(name)
        assert repo.list_artifacts(parent) == []

    # --- deleting ----------------------------------------------------------------------------------
    def test_delete_a_file(self, repo):
        repo.write("d/a.txt", io.BytesIO(b"a"))
        repo.write("d/b.txt", io.BytesIO(b"b"))
        repo.delete_artifacts("d/a.txt")
        assert repo.list_artifacts("d") == [FileInfo("d/b.txt", False, 1)]
        with pytest.raises(NotFound):
            repo.open("d/a.txt")

    def test_delete_a_tree_leaves_names_that_only_share_a_prefix(self, repo, tmp_path):
        repo.log_artifacts(str(_make_tree(tmp_path / "src")), "a")
        for path in ("ab.txt", "a2/y.txt", "a.txt"):
            repo.write(path, io.BytesIO(b"keep"))
        repo.delete_artifacts("a")
        assert _by_path(repo.list_artifacts()) == [FileInfo("a.txt", False, 4), FileInfo("a2", True),
                                                   FileInfo("ab.txt", False, 4)]
        assert list(repo.iter_files("a")) == []

    def test_delete_the_root_removes_everything(self, repo, tmp_path):
        repo.log_artifacts(str(_make_tree(tmp_path / "src")))
        repo.delete_artifacts()
        assert repo.list_artifacts() == []
        assert list(repo.iter_files()) == []

    def test_delete_a_missing_path_is_not_an_error(self, repo):
        repo.delete_artifacts("never/existed.txt")
        repo.delete_artifacts("never")
        assert repo.list_artifacts() == []

    # --- roots and paths ---------------------------------------------------------------------------
    def test_sibling_roots_do_not_see_or_delete_each_other(self, repo, sibling_repo):
        assert sibling_repo.artifact_uri.rstrip("/").startswith(repo.artifact_uri.rstrip("/"))
        sibling_repo.write("s.txt", io.BytesIO(b"sibling"))
        sibling_repo.write("d/t.txt", io.BytesIO(b"sibling"))
        repo.write("r.txt", io.BytesIO(b"mine"))
        assert repo.list_artifacts() == [FileInfo("r.txt", False, 4)]
        assert [f.path for f in repo.iter_files()] == ["r.txt"]
        repo.delete_artifacts()
        assert _by_path(sibling_repo.list_artifacts()) == [FileInfo("d", True), FileInfo("s.txt", False, 7)]
        assert _read(sibling_repo, "d/t.txt") == b"sibling"

    @pytest.mark.parametrize("operation", sorted(OPERATIONS))
    def test_traversal_is_rejected(self, repo, tmp_path, operation):
        assert _accepted_traversals(repo, operation, tmp_path) == []
        assert repo.list_artifacts() == []

    @pytest.mark.parametrize("operation", sorted(OPERATIONS))
    def test_traversal_is_rejected_before_storage_is_contacted(self, unreachable_repo, tmp_path, operation):
        assert _accepted_traversals(unreachable_repo, operation, tmp_path) == []


def _accepted_traversals(repo, operation: str, tmp_path: Path) -> list[str]:
    """The TRAVERSAL_PATHS that `operation` did not refuse with InvalidParameter (other errors propagate)."""
    accepted = []
    for path in TRAVERSAL_PATHS:
        try:
            OPERATIONS[operation](repo, path, tmp_path)
        except InvalidParameter:
            continue
        accepted.append(path)
    return accepted
