"""LocalArtifactRepository against a real temporary directory."""
from __future__ import annotations

import io
import os

import pytest
from mlplug.entities import FileInfo
from mlplug.errors import InvalidParameter, NotFound
from mlplug.host import PluginHost
from mlplug.uri import file_uri
from mlplug_artifacts_file.repository import LocalArtifactRepository


@pytest.fixture
def root(tmp_path):
    return tmp_path / "root"


@pytest.fixture
def repo(root):
    return LocalArtifactRepository(str(root))


def _tree(tmp_path, name="src"):
    src = tmp_path / name
    (src / "sub" / "deep").mkdir(parents=True)
    (src / "empty").mkdir()
    (src / "top.txt").write_text("top")
    (src / "sub" / "deep" / "x.bin").write_bytes(b"\x00" * 300)
    return src


def test_hook_builds_repository_for_file_scheme_only(tmp_path):
    host = PluginHost()
    repo = host.artifact_repository(file_uri(str(tmp_path)))
    assert isinstance(repo, LocalArtifactRepository)
    assert repo.root == str(tmp_path)
    assert isinstance(host.artifact_repository(str(tmp_path / "plain")), LocalArtifactRepository)


def test_file_uri_with_escaped_characters(tmp_path):
    target = tmp_path / "a dir%"
    repo = LocalArtifactRepository(file_uri(str(target)))
    assert repo.root == str(target)
    repo.write("f.txt", io.BytesIO(b"ok"))
    assert (target / "f.txt").read_bytes() == b"ok"


def test_log_artifact_and_list(repo, root, tmp_path):
    local = tmp_path / "model.pkl"
    local.write_bytes(b"12345")
    repo.log_artifact(str(local))
    repo.log_artifact(str(local), "models/v1")
    assert (root / "model.pkl").read_bytes() == b"12345"
    assert repo.list_artifacts() == [FileInfo("model.pkl", False, 5), FileInfo("models", True)]
    assert repo.list_artifacts("models") == [FileInfo("models/v1", True)]
    assert repo.list_artifacts("models/v1/") == [FileInfo("models/v1/model.pkl", False, 5)]


def test_log_artifacts_copies_tree_including_empty_dirs(repo, root, tmp_path):
    repo.log_artifacts(str(_tree(tmp_path)), "dir")
    assert (root / "dir" / "sub" / "deep" / "x.bin").stat().st_size == 300
    assert (root / "dir" / "empty").is_dir()
    assert [f.path for f in repo.list_artifacts("dir")] == ["dir/empty", "dir/sub", "dir/top.txt"]
    repo.log_artifacts(str(_tree(tmp_path, "again")))
    assert (root / "top.txt").read_text() == "top"


def test_list_of_file_or_missing_path_is_empty(repo, tmp_path):
    repo.write("a.txt", io.BytesIO(b"a"))
    assert repo.list_artifacts("a.txt") == []
    assert repo.list_artifacts("missing") == []
    assert LocalArtifactRepository(str(tmp_path / "never")).list_artifacts() == []


def test_open_and_write_round_trip_unusual_names(repo):
    names = ["with space.txt", "50%.txt", "hash#1.txt", "colon:x.txt", "ünïcødé/日本.txt", "%2e.txt"]
    for i, name in enumerate(names):
        repo.write(name, io.BytesIO(f"v{i}".encode()))
    for i, name in enumerate(names):
        with repo.open(name) as f:
            assert f.read() == f"v{i}".encode()


def test_write_replaces_atomically_and_leaves_no_temp_files(repo, root):
    repo.write("d/f.bin", io.BytesIO(b"old"))
    repo.write("d/f.bin", io.BytesIO(b"new" * 1000))
    assert (root / "d" / "f.bin").read_bytes() == b"new" * 1000
    assert os.listdir(root / "d") == ["f.bin"]


def test_failed_write_keeps_old_file_and_cleans_up(repo, root):
    repo.write("f.bin", io.BytesIO(b"old"))

    class Broken(io.RawIOBase):
        def readinto(self, buf):
            raise OSError("connection reset")

    with pytest.raises(OSError):
        repo.write("f.bin", Broken())
    assert (root / "f.bin").read_bytes() == b"old"
    assert os.listdir(root) == ["f.bin"]


def test_in_flight_uploads_are_not_listed(repo, root):
    repo.write("a.txt", io.BytesIO(b"a"))
    (root / ".mlplug-upload-abc").write_bytes(b"partial")
    assert [f.path for f in repo.list_artifacts()] == ["a.txt"]


def test_open_missing_or_directory_is_not_found(repo):
    repo.write("d/f.txt", io.BytesIO(b"x"))
    with pytest.raises(NotFound, match="No such artifact: 'nope.txt'"):
        repo.open("nope.txt")
    with pytest.raises(NotFound):
        repo.open("d")
    with pytest.raises(InvalidParameter):
        repo.write("d", io.BytesIO(b"x"))


@pytest.mark.parametrize("bad", ["../x", "a/../../x", "%2e%2e/x", "a/%2E%2E/x", "/etc/passwd", "a\\b",
                                 "C:/x", "a\x00b"])
def test_traversal_is_refused_everywhere(repo, root, bad):
    repo.write("ok.txt", io.BytesIO(b"x"))
    for call in (lambda: repo.open(bad), lambda: repo.write(bad, io.BytesIO(b"x")),
                 lambda: repo.list_artifacts(bad), lambda: repo.delete_artifacts(bad)):
        with pytest.raises(InvalidParameter):
            call()
    assert os.listdir(root) == ["ok.txt"]


def test_symlinks_pointing_outside_the_root_are_refused(repo, root, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("secret")
    repo.write("inside.txt", io.BytesIO(b"in"))
    os.symlink(outside, root / "escape_dir")
    os.symlink(outside / "secret.txt", root / "escape_file")
    os.symlink(root / "inside.txt", root / "alias.txt")
    with pytest.raises(InvalidParameter):
        repo.open("escape_file")
    with pytest.raises(InvalidParameter):
        repo.open("escape_dir/secret.txt")
    with pytest.raises(InvalidParameter):
        repo.write("escape_dir/new.txt", io.BytesIO(b"x"))
    with pytest.raises(InvalidParameter):
        repo.list_artifacts("escape_dir")
    assert sorted(os.listdir(outside)) == ["secret.txt"]
    with repo.open("alias.txt") as f:
        assert f.read() == b"in"
    assert [f.path for f in repo.list_artifacts()] == ["alias.txt", "inside.txt"]


def test_delete_file_tree_and_missing(repo, root):
    repo.write("a/b/c.txt", io.BytesIO(b"c"))
    repo.write("a/d.txt", io.BytesIO(b"d"))
    repo.delete_artifacts("a/d.txt")
    assert not (root / "a" / "d.txt").exists()
    repo.delete_artifacts("a")
    assert not (root / "a").exists()
    repo.delete_artifacts("a")
    repo.write("z.txt", io.BytesIO(b"z"))
    repo.delete_artifacts()
    assert not root.exists()


def test_download_file_and_tree(repo, tmp_path):
    repo.log_artifacts(str(_tree(tmp_path)), "dir")
    dst = tmp_path / "dst"
    got = repo.download_artifacts("dir", str(dst))
    assert got == str(dst / "dir")
    assert (dst / "dir" / "sub" / "deep" / "x.bin").stat().st_size == 300
    assert (dst / "dir" / "top.txt").read_text() == "top"
    one = repo.download_artifacts("dir/top.txt", str(tmp_path / "one"))
    assert open(one).read() == "top"
    everything = repo.download_artifacts("", str(tmp_path / "all"))
    assert os.path.isfile(os.path.join(everything, "dir", "top.txt"))
    with pytest.raises(NotFound):
        repo.download_artifacts("nope", str(tmp_path / "x"))


def test_tree_uploads_never_write_through_a_planted_symlink(repo, root, tmp_path):
    from mlplug.tracking import transfer

    outside = tmp_path / "outside"
    outside.mkdir()
    root.mkdir()
    os.symlink(outside, root / "sub")  # the tree's `sub/` directory, redirected elsewhere
    (outside / "victim.txt").write_text("keep")
    os.symlink(outside / "victim.txt", root / "top.txt")  # and a file link at a name being uploaded
    with pytest.raises(InvalidParameter):
        transfer.upload_directory(repo, str(_tree(tmp_path)))
    assert sorted(os.listdir(outside)) == ["victim.txt"]
    assert (outside / "victim.txt").read_text() == "keep"
    # A file symlink at the target name is replaced by the upload, never followed.
    repo.log_artifact(str(_tree(tmp_path, "other") / "top.txt"))
    assert not (root / "top.txt").is_symlink() and (root / "top.txt").read_text() == "top"
    assert (outside / "victim.txt").read_text() == "keep"


def test_tree_uploads_run_as_one_sequential_batch_with_progress(repo, root, tmp_path, monkeypatch):
    from mlplug.tracking import transfer

    batches, threads = [], set()
    original = LocalArtifactRepository.log_files

    def spy(self, files, done):
        import threading

        files = list(files)
        batches.append(len(files))
        threads.add(threading.current_thread().name)
        return original(self, files, done)

    monkeypatch.setattr(LocalArtifactRepository, "log_files", spy)
    summary = transfer.upload_directory(repo, str(_tree(tmp_path)), "a")
    assert batches == [2] and threads == {"MainThread"}
    assert (summary.files, summary.bytes) == (2, 303)
    assert (root / "a" / "sub" / "deep" / "x.bin").read_bytes() == b"\x00" * 300


def test_large_files_are_copied_whole(repo, root, tmp_path):
    big = tmp_path / "big.bin"
    data = os.urandom(3 * (1 << 20) + 17)  # above the one-write size, not a whole number of blocks
    big.write_bytes(data)
    repo.log_artifact(str(big), "d")
    assert (root / "d" / "big.bin").read_bytes() == data
    assert os.stat(root / "d" / "big.bin").st_mode & 0o777 == 0o644 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
