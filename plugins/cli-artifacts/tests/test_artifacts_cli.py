"""`mlplug artifacts ...` through the real CLI entry point.

Tests taking `backend` run twice: on SQLite with the local file repository in-process, and on a real
`mlplug server` whose runs keep their artifacts behind the artifact proxy (`mlflow-artifacts:/`).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import mlplug
from mlplug import known_plugins
from mlplug.errors import MlplugError
from mlplug.tracking import artifacts


def one_line_error(result, *fragments: str) -> str:
    """The result failed with a single `Error: ...` line (no traceback) containing every fragment."""
    assert result.exit_code != 0, result
    assert result.exception is None, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0]
    return lines[0]


def table_rows(stdout: str) -> list[list[str]]:
    header, dashes, *rows = stdout.splitlines()
    assert header.split() == ["Path", "Is", "Dir", "Size"] and set(dashes.replace(" ", "")) == {"-"}
    return [[cell.strip() for cell in row.split("  ") if cell.strip()] for row in rows]


def repository_class(run_id: str):
    return type(artifacts.repository(f"runs:/{run_id}"))


def spy_downloads(monkeypatch, run_id: str) -> list[str]:
    """Record the path of every file the run's repository class fetches (and let the fetch happen)."""
    cls = repository_class(run_id)
    original = cls.download_file
    fetched: list[str] = []
    lock = threading.Lock()

    def counting(self, rel, local_path):
        original(self, rel, local_path)
        with lock:
            fetched.append(rel)

    monkeypatch.setattr(cls, "download_file", counting)
    return fetched


# --- round trips -----------------------------------------------------------------------------------

def test_round_trip_of_a_tree_with_awkward_names(cli_runner, client, run_id, source_tree, tree, read_tree, tmp_path):
    single = source_tree / "nested" / "hash#1.txt"

    up = cli_runner.invoke(["artifacts", "log-artifacts", "-l", str(source_tree), "-r", run_id, "-a", "data"])
    one = cli_runner.invoke(["artifacts", "log-artifact", "-l", str(single), "-r", run_id])

    assert (up.exit_code, up.stdout, up.stderr) == (
        0, "", f"Logged artifact from local dir {source_tree} to artifact_path=data\n")
    assert (one.exit_code, one.stdout, one.stderr) == (
        0, "", f"Logged artifact from local file {single} to artifact_path=None\n")

    part = cli_runner.invoke(["artifacts", "download", "-r", run_id, "-a", "data", "-d", str(tmp_path / "part")])
    assert (part.exit_code, part.stdout) == (0, f"\n{tmp_path / 'part' / 'data'}\n")
    assert read_tree(tmp_path / "part" / "data") == tree

    whole = cli_runner.invoke(["artifacts", "download", "-r", run_id, "-d", str(tmp_path / "whole")])
    assert (whole.exit_code, whole.stdout) == (0, f"\n{tmp_path / 'whole'}\n")
    assert read_tree(tmp_path / "whole") == {**{f"data/{k}": v for k, v in tree.items()}, "hash#1.txt": single.read_bytes()}

    # -u takes any artifact URI and wins over -r/-a. As in MLflow, a runs:/ download keeps the path below the
    # run's root; any other URI lands under its last segment.
    root_uri = client.get_run(run_id).info.artifact_uri
    cases = [(f"runs:/{run_id}/data/ünï/cødé ✓.bin", "data/ünï/cødé ✓.bin", "ünï/cødé ✓.bin"),
             (f"{root_uri}/data/ünï/cødé ✓.bin", "cødé ✓.bin", "ünï/cødé ✓.bin"),
             (f"{root_uri}/data/nested", "nested", "nested")]
    for n, (uri, landed, source) in enumerate(cases):
        dst = tmp_path / f"by-uri-{n}"
        by_uri = cli_runner.invoke(["artifacts", "download", "-u", uri, "-r", "ignored", "-a", "x", "-d", str(dst)])
        local = dst.joinpath(*landed.split("/"))
        assert (by_uri.exit_code, by_uri.stdout) == (0, f"\n{local}\n"), by_uri
        if local.is_dir():
            assert read_tree(local) == {k.removeprefix("nested/"): v for k, v in tree.items() if k.startswith("nested/")}
        else:
            assert local.read_bytes() == tree[source]


def test_list_prints_a_table_or_mlflows_json(cli_runner, client, run_id, source_tree):
    client.log_artifacts(run_id, str(source_tree))

    nested = cli_runner.invoke(["artifacts", "list", "-r", run_id, "-a", "nested"])
    assert nested.exit_code == 0, nested
    assert table_rows(nested.stdout) == [["nested/100%.csv", "false", "8"], ["nested/deeper", "true"],
                                         ["nested/hash#1.txt", "false", "17"]]

    as_json = cli_runner.invoke(["artifacts", "list", "-r", run_id, "--output", "json"])
    assert as_json.exit_code == 0, as_json
    assert json.loads(as_json.stdout) == [
        {"path": "empty.txt", "is_dir": False, "file_size": 0}, {"path": "nested", "is_dir": True},
        {"path": "top.txt", "is_dir": False, "file_size": 4}, {"path": "ünï", "is_dir": True}]
    # MLflow's layout: each object indented on its own, joined by ", ".
    assert as_json.stdout.startswith('[{\n  "path": "empty.txt",\n  "is_dir": false,\n  "file_size": 0\n}, {\n')


def test_list_of_a_run_without_artifacts(cli_runner, run_id):
    table = cli_runner.invoke(["artifacts", "list", "-r", run_id])
    as_json = cli_runner.invoke(["artifacts", "list", "-r", run_id, "-o", "json"])
    assert (table.exit_code, table_rows(table.stdout)) == (0, [])
    assert (as_json.exit_code, as_json.stdout) == (0, "[]\n")


# --- resumable and parallel transfers --------------------------------------------------------------

def test_a_rerun_fetches_only_what_is_missing(cli_runner, client, run_id, source_tree, tree, read_tree, tmp_path,
                                              monkeypatch):
    client.log_artifacts(run_id, str(source_tree))
    dst = tmp_path / "dst"
    # What an interrupted earlier download left: one complete file (same size as the remote one, other bytes,
    # so a re-fetch would show) and a half-written `.part`.
    (dst / "ünï").mkdir(parents=True)
    (dst / "top.txt").write_bytes(b"TOP\n")
    (dst / "ünï" / "cødé ✓.bin.part").write_bytes(tree["ünï/cødé ✓.bin"][:1000])
    fetched = spy_downloads(monkeypatch, run_id)

    first = cli_runner.invoke(["artifacts", "download", "-r", run_id, "-d", str(dst)])

    assert first.exit_code == 0, first
    assert sorted(fetched) == sorted(set(tree) - {"top.txt"})
    assert read_tree(dst) == {**tree, "top.txt": b"TOP\n"}  # the complete file was kept, no .part is left

    fetched.clear()
    again = cli_runner.invoke(["artifacts", "download", "-r", run_id, "-d", str(dst)])
    assert (again.exit_code, fetched) == (0, [])

    overwrite = cli_runner.invoke(["artifacts", "download", "-r", run_id, "-d", str(dst), "--overwrite"])
    assert overwrite.exit_code == 0 and sorted(fetched) == sorted(tree)
    assert read_tree(dst) == tree


def test_a_failed_file_is_never_left_looking_complete(cli_runner, client, run_id, source_tree, tree, read_tree,
                                                      tmp_path, monkeypatch):
    client.log_artifacts(run_id, str(source_tree))
    cls = repository_class(run_id)
    original = cls.download_file
    completed: list[str] = []

    def flaky(self, rel, local_path):
        if rel == "nested/100%.csv":
            Path(local_path).write_bytes(b"a,")  # half a file, then the connection drops
            raise MlplugError("simulated outage")
        original(self, rel, local_path)
        completed.append(rel)

    monkeypatch.setattr(cls, "download_file", flaky)
    dst = tmp_path / "dst"
    failed = cli_runner.invoke(["artifacts", "download", "-r", run_id, "-d", str(dst)])

    one_line_error(failed, "simulated outage")
    assert not (dst / "nested" / "100%.csv").exists()
    assert not (dst / "nested" / "100%.csv.part").exists()

    monkeypatch.setattr(cls, "download_file", original)
    fetched = spy_downloads(monkeypatch, run_id)
    resumed = cli_runner.invoke(["artifacts", "download", "-r", run_id, "-d", str(dst)])

    assert resumed.exit_code == 0, resumed
    assert "nested/100%.csv" in fetched and not set(fetched) & set(completed)
    assert read_tree(dst) == tree


@pytest.mark.parametrize("workers", [None, "3", "1"])
def test_500_small_files_upload_in_parallel(cli_runner, client, run_id, tmp_path, monkeypatch, read_tree, workers):
    files = {f"part-{i % 10}/file {i:03d}.txt": f"row {i}\n".encode() for i in range(500)}
    src = tmp_path / "many"
    for rel, data in files.items():
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).write_bytes(data)
    if workers:
        monkeypatch.setenv("MLPLUG_ARTIFACT_TRANSFER_WORKERS", workers)
    cls = repository_class(run_id)
    original = cls.log_artifact
    in_flight, peak, lock = [0], [0], threading.Lock()

    def measured(self, local_file, artifact_path=None):
        with lock:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
        try:
            time.sleep(0.002)  # long enough that parallel uploads overlap even on the local filesystem
            original(self, local_file, artifact_path)
        finally:
            with lock:
                in_flight[0] -= 1

    monkeypatch.setattr(cls, "log_artifact", measured)
    # The local filesystem copies on one thread (threads only contend there); object stores, which
    # gain from overlapping round trips, are what this pool is for: pose as one.
    monkeypatch.setattr(cls, "parallel_transfers", True)
    result = cli_runner.invoke(["artifacts", "log-artifacts", "-l", str(src), "-r", run_id, "-a", "many"])

    assert result.exit_code == 0, result
    if workers == "1":
        assert peak[0] == 1
    else:
        assert 1 < peak[0] <= int(workers or 8)
    monkeypatch.setattr(cls, "log_artifact", original)
    client.download_artifacts(run_id, "many", str(tmp_path / "back"))
    assert read_tree(tmp_path / "back" / "many") == files


def test_progress_is_shown_on_request_and_only_then_off_a_terminal(cli_runner, client, run_id, source_tree, tmp_path):
    up = cli_runner.invoke(["artifacts", "log-artifacts", "-l", str(source_tree), "-r", run_id, "--progress"])
    down = cli_runner.invoke(["artifacts", "download", "-r", run_id, "-d", str(tmp_path / "a"), "--progress"])
    quiet = cli_runner.invoke(["artifacts", "download", "-r", run_id, "-d", str(tmp_path / "b")])

    assert up.exit_code == 0 and up.stderr.splitlines()[0].startswith("Uploading 8/8 files, 76.9 kB/76.9 kB, ")
    assert down.exit_code == 0 and down.stderr.startswith("Downloading 8/8 files, 76.9 kB/76.9 kB, ")
    assert (quiet.exit_code, quiet.stderr) == (0, "")


# --- deleting --------------------------------------------------------------------------------------

def test_delete_asks_first_and_prints_what_it_removed(cli_runner, client, run_id, source_tree):
    client.log_artifacts(run_id, str(source_tree))
    args = ["artifacts", "delete", "-r", run_id, "-a", "nested"]

    declined = cli_runner.invoke(args, input="n\n")
    assert declined.exit_code != 0
    assert f"Delete 5 files (52 B) at 'nested' from run {run_id}? [y/N]" in declined.stderr
    assert len(client.list_artifacts(run_id, "nested")) == 3

    no_terminal = cli_runner.invoke(args)  # no answer at all: nothing is deleted
    assert no_terminal.exit_code != 0 and len(client.list_artifacts(run_id, "nested")) == 3

    accepted = cli_runner.invoke(args, input="y\n")
    assert accepted.exit_code == 0, accepted
    assert accepted.stdout.splitlines() == [
        f"Deleted 5 files (52 B) from run {run_id}:", "  nested/100%.csv", "  nested/deeper/a:b.txt",
        "  nested/deeper/q?x&y=1+2.txt", "  nested/deeper/with space.txt", "  nested/hash#1.txt"]
    assert [f.path for f in client.list_artifacts(run_id)] == ["empty.txt", "top.txt", "ünï"]


def test_delete_a_file_then_everything_then_nothing(cli_runner, client, run_id, source_tree, backend, request):
    client.log_artifacts(run_id, str(source_tree))
    on_server = backend.startswith("http")
    if on_server:  # files stored by the proxy in the server's destination
        destination = request.getfixturevalue("server").destination

        def stored() -> list[str]:
            return sorted(p.name for p in destination.rglob("*") if run_id in p.parts and p.is_file())

        assert len(stored()) == 8

    one = cli_runner.invoke(["artifacts", "delete", "-r", run_id, "-a", "top.txt", "--yes"])
    assert (one.exit_code, one.stdout) == (0, f"Deleted 1 file (4 B) from run {run_id}:\n  top.txt\n")

    everything = cli_runner.invoke(["artifacts", "delete", "-r", run_id, "-y"])
    assert everything.exit_code == 0 and everything.stdout.startswith(f"Deleted 7 files (76.9 kB) from run {run_id}:")
    assert client.list_artifacts(run_id) == []
    if on_server:
        assert stored() == []

    nothing = cli_runner.invoke(["artifacts", "delete", "-r", run_id, "-y"])
    assert (nothing.exit_code, nothing.stdout) == (0, f"Nothing to delete: run {run_id} has no artifacts.\n")


def test_delete_lists_at_most_twenty_files(cli_runner, client, run_id, tmp_path):
    for i in range(25):
        (tmp_path / "logs").mkdir(exist_ok=True)
        (tmp_path / "logs" / f"{i:02d}.log").write_text("x")
    client.log_artifacts(run_id, str(tmp_path / "logs"), "logs")

    result = cli_runner.invoke(["artifacts", "delete", "-r", run_id, "-a", "logs", "-y"])

    lines = result.stdout.splitlines()
    assert lines[0] == f"Deleted 25 files (25 B) from run {run_id}:"
    assert lines[1:21] == [f"  logs/{i:02d}.log" for i in range(20)] and lines[21:] == ["  ... and 5 more"]


def test_delete_works_on_a_deleted_run(cli_runner, client, run_id, source_tree):
    client.log_artifacts(run_id, str(source_tree))
    client.delete_run(run_id)

    result = cli_runner.invoke(["artifacts", "delete", "-r", run_id, "-a", "ünï", "-y"])

    assert result.exit_code == 0 and result.stdout.startswith(f"Deleted 1 file (76.8 kB) from run {run_id}:")
    assert [f.path for f in client.list_artifacts(run_id)] == ["empty.txt", "nested", "top.txt"]


def test_delete_through_the_python_api(client, run_id, source_tree, backend):
    client.log_artifacts(run_id, str(source_tree))

    client.delete_artifacts(run_id, "nested/deeper")
    assert [f.path for f in client.list_artifacts(run_id, "nested")] == ["nested/100%.csv", "nested/hash#1.txt"]
    client.delete_artifacts(run_id, "nested/hash#1.txt")
    assert [f.path for f in client.list_artifacts(run_id, "nested")] == ["nested/100%.csv"]
    client.delete_artifacts(run_id, "no/such/path")  # already gone: not an error

    mlplug.delete_artifacts("ünï", run_id=run_id)
    assert [f.path for f in client.list_artifacts(run_id)] == ["empty.txt", "nested", "top.txt"]
    client.delete_artifacts(run_id)
    assert client.list_artifacts(run_id) == []


# --- errors ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("command", [["list"], ["download"], ["log-artifact", "-l", "file.txt"],
                                     ["log-artifacts", "-l", "."], ["delete", "-y"]])
def test_an_unknown_run_is_one_line(cli_runner, backend, command, tmp_path):
    (tmp_path / "file.txt").write_text("x")
    result = cli_runner.invoke(["artifacts", *command, "-r", "0123456789abcdef0123456789abcdef"])
    one_line_error(result, "0123456789abcdef0123456789abcdef", "not found")


def test_local_mistakes_are_one_line(cli_runner, run_id, tmp_path):
    (tmp_path / "adir").mkdir()
    (tmp_path / "afile").write_text("x")
    one_line_error(cli_runner.invoke(["artifacts", "log-artifact", "-l", "missing.txt", "-r", run_id]),
                   "Local file 'missing.txt' does not exist.")
    one_line_error(cli_runner.invoke(["artifacts", "log-artifact", "-l", "adir", "-r", run_id]),
                   "'adir' is a directory", "log-artifacts")
    one_line_error(cli_runner.invoke(["artifacts", "log-artifacts", "-l", "missing", "-r", run_id]),
                   "Local directory 'missing' does not exist.")
    one_line_error(cli_runner.invoke(["artifacts", "log-artifacts", "-l", "afile", "-r", run_id]),
                   "Local directory 'afile' is not a directory.")


def test_missing_artifacts_and_paths_are_one_line(cli_runner, run_id, tmp_path):
    one_line_error(cli_runner.invoke(["artifacts", "download", "-r", run_id, "-a", "nope.txt", "-d", "dst"]), "nope.txt")
    one_line_error(cli_runner.invoke(["artifacts", "list", "-r", run_id, "-a", "../up"]), "'..' is not allowed")
    assert not (tmp_path / "dst" / "nope.txt").exists() and not (tmp_path / "dst" / "nope.txt.part").exists()


def test_download_needs_a_run_or_a_uri(cli_runner, backend):
    result = cli_runner.invoke(["artifacts", "download"])
    assert result.exit_code == 2 and "Give --run-id (and optionally --artifact-path), or --artifact-uri." in result.stderr


def test_a_missing_storage_plugin_names_the_package(cli_runner, client, monkeypatch, tmp_path):
    monkeypatch.setitem(known_plugins.DISTRIBUTIONS["mlplug.artifact_repository"], "nfs", "mlplug-artifacts-nfs")
    experiment_id = client.create_experiment(f"on-nfs-{os.urandom(4).hex()}", artifact_location="nfs://filer/mlplug")
    run_id = client.create_run(experiment_id).info.run_id
    (tmp_path / "f.txt").write_text("x")

    for command in (["log-artifact", "-l", "f.txt"], ["log-artifacts", "-l", "."], ["list"], ["download"],
                    ["delete", "-y"]):
        result = cli_runner.invoke(["artifacts", *command, "-r", run_id])
        one_line_error(result, "Cannot open artifact URI 'nfs://filer/mlplug/", "pip install mlplug-artifacts-nfs")


# --- start-up ----------------------------------------------------------------------------------------

HELP_PROBE = """
import contextlib, io, json, sys
from mlplug.cli.root import main
sys.argv = ["mlplug", *json.loads(sys.argv[1])]
with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
    main()
print(json.dumps(sorted(sys.modules)))
"""


@pytest.mark.parametrize("args", [["artifacts", "--help"], ["artifacts", "download", "--help"]])
def test_help_imports_no_heavy_library(args):
    done = subprocess.run([sys.executable, "-c", HELP_PROBE, json.dumps(args)], capture_output=True, text=True,
                          timeout=60, check=True)
    imported = {name.split(".", 1)[0] for name in json.loads(done.stdout)}
    assert "mlplug_cli_artifacts" in imported
    assert imported & {"sqlalchemy", "flask", "boto3", "botocore", "requests", "google", "azure", "urllib3"} == set()
    assert imported & {"mlplug_store_sql", "mlplug_artifacts_file", "mlplug_artifacts_http"} == set()
