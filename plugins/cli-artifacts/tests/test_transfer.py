"""`mlplug.tracking.transfer` on the real local file repository: the pieces the CLI tests do not pin down."""
from __future__ import annotations

import io
import threading

import pytest

from mlplug.entities import FileInfo
from mlplug.errors import InvalidParameter, MlplugError
from mlplug.host import get_host
from mlplug.tracking import transfer


@pytest.fixture
def repo(tmp_path):
    return get_host().artifact_repository(str(tmp_path / "store"))


@pytest.fixture(autouse=True)
def default_settings(monkeypatch):
    for name in ("ARTIFACT_TRANSFER_WORKERS", "ENABLE_ARTIFACTS_PROGRESS_BAR"):
        monkeypatch.delenv("MLPLUG_" + name, raising=False)
        monkeypatch.delenv("MLFLOW_" + name, raising=False)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_upload_then_download_reports_what_moved(repo, source_tree, tree, read_tree, tmp_path):
    up = transfer.upload_directory(repo, str(source_tree), "in")
    down = transfer.download(repo, "in", str(tmp_path / "dst"))
    again = transfer.download(repo, "in", str(tmp_path / "dst"))

    assert (up.files, up.bytes) == (len(tree), sum(map(len, tree.values())))
    assert (down.local_path, down.files, down.bytes, down.skipped) == (
        str(tmp_path / "dst" / "in"), len(tree), up.bytes, 0)
    assert (again.files, again.bytes, again.skipped) == (0, 0, len(tree))
    assert read_tree(tmp_path / "dst" / "in") == tree


def test_a_file_and_its_namesake_dot_part_download_side_by_side(repo, tmp_path, write_tree, read_tree):
    files = {f"d/x{suffix}": f"content of x{suffix}".encode() * 500 for suffix in ("", ".part", ".part.part")}
    transfer.upload_directory(repo, str(write_tree(tmp_path / "src", files)))

    transfer.download(repo, "", str(tmp_path / "dst"))

    assert read_tree(tmp_path / "dst") == files


def test_a_listed_name_that_escapes_the_destination_is_refused(repo, tmp_path):
    repo.write("ok.txt", io.BytesIO(b"ok"))

    class Hostile(type(repo)):
        def iter_files(self, path=None):
            yield FileInfo("ok.txt", False, 2)
            yield FileInfo("../../outside.txt", False, 2)

    hostile = Hostile(repo.artifact_uri)
    with pytest.raises(InvalidParameter, match="'..' is not allowed"):
        transfer.download(hostile, "", str(tmp_path / "dst"))
    assert not (tmp_path / "outside.txt").exists()
    assert not (tmp_path / "dst" / "ok.txt").exists()  # refused before anything was fetched


def test_the_first_failure_stops_new_work_and_is_raised():
    started: list[int] = []
    lock = threading.Lock()

    def task(i: int) -> None:
        with lock:
            started.append(i)
        if i == 3:
            raise MlplugError("task 3 failed")

    with pytest.raises(MlplugError, match="task 3 failed"):
        transfer.run_bounded((lambda i=i: task(i) for i in range(10_000)), workers=4)
    assert 3 in started and len(started) < 100  # at most 2 x workers were queued when it failed


def test_workers_come_from_the_environment(monkeypatch):
    assert transfer.transfer_workers() == 8
    monkeypatch.setenv("MLFLOW_ARTIFACT_TRANSFER_WORKERS", "2")
    assert transfer.transfer_workers() == 2
    monkeypatch.setenv("MLPLUG_ARTIFACT_TRANSFER_WORKERS", "16")
    assert transfer.transfer_workers() == 16
    for bad in ("0", "-1", "many"):
        monkeypatch.setenv("MLPLUG_ARTIFACT_TRANSFER_WORKERS", bad)
        with pytest.raises(InvalidParameter, match="MLPLUG_ARTIFACT_TRANSFER_WORKERS must be a whole number"):
            transfer.transfer_workers()


def test_on_a_terminal_the_line_is_redrawn_in_place(repo, source_tree, tmp_path, monkeypatch):
    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    monkeypatch.setattr(transfer, "_AUTO_DELAY", 0.0)

    transfer.upload_directory(repo, str(source_tree))

    out = terminal.getvalue()
    assert out.startswith("\r\x1b[K[") and out.endswith("\n")
    assert out.rsplit("\r\x1b[K", 1)[1].startswith("[####################] Uploading 8/8 files, 76.9 kB/76.9 kB, ")


def test_automatic_progress_stays_silent_for_quick_transfers_and_when_disabled(repo, source_tree, monkeypatch):
    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    transfer.upload_directory(repo, str(source_tree))  # well under the one-second delay
    monkeypatch.setattr(transfer, "_AUTO_DELAY", 0.0)
    monkeypatch.setenv("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    transfer.upload_directory(repo, str(source_tree))
    assert terminal.getvalue() == ""
    transfer.upload_directory(repo, str(source_tree), progress=True)  # asked for: shown all the same
    assert "Uploading 8/8 files" in terminal.getvalue()


def test_progress_counts_bytes_of_files_still_downloading(tmp_path):
    part = tmp_path / "big.bin.part"
    part.write_bytes(b"x" * 2500)
    bar = transfer.Progress("Downloading", 2, 10_000, None, tty=False, delay=0)
    bar.advance(1000)
    bar.watch(str(part))
    assert bar.line().startswith("Downloading 1/2 files, 3.5 kB/10.0 kB, ")
    bar.unwatch(str(part))
    assert bar.line().startswith("Downloading 1/2 files, 1.0 kB/10.0 kB, ")


@pytest.mark.parametrize("n, text", [(0, "0 B"), (999, "999 B"), (1000, "1.0 kB"), (76_856, "76.9 kB"),
                                     (5_300_000, "5.3 MB"), (2 * 10**9, "2.0 GB"), (3 * 10**12, "3.0 TB")])
def test_human_bytes(n, text):
    assert transfer.human_bytes(n) == text


def test_uploading_something_that_is_not_a_directory_says_so(repo, tmp_path):
    with pytest.raises(InvalidParameter, match="it is not a directory"):
        transfer.upload_directory(repo, str(tmp_path / "missing"))
