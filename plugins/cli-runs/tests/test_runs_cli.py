"""`mlplug runs ...` through the real CLI entry point, against a fresh SQLite tracking store."""
from __future__ import annotations

import json
import time

import pytest

JAN_2024 = 1_704_103_200_000  # 2024-01-01 10:00:00 UTC


@pytest.fixture
def client(tracking_uri):
    from mlplug.tracking.client import MlplugClient

    return MlplugClient(tracking_uri)


@pytest.fixture
def experiment_id(client) -> str:
    return client.create_experiment("runs-cli")


@pytest.fixture
def paris_time(monkeypatch):
    """Local time in Europe/Paris for the test, so dates are not accidentally UTC."""
    monkeypatch.setenv("TZ", "Europe/Paris")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def table_rows(stdout: str) -> list[list[str]]:
    header, dashes, *rows = stdout.splitlines()
    assert set(dashes.replace(" ", "")) == {"-"}
    return [[cell.strip() for cell in row.split("  ") if cell.strip()] for row in rows]


def test_list_prints_local_dates_newest_first(cli_runner, client, experiment_id, paris_time):
    older = client.create_run(experiment_id, start_time=JAN_2024, run_name="older").info.run_id
    newer = client.create_run(experiment_id, start_time=JAN_2024 + 86_400_000, run_name="newer").info.run_id

    result = cli_runner.invoke(["runs", "list", "--experiment-id", experiment_id])

    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout.splitlines()[0].split() == ["Date", "Name", "ID"]
    assert table_rows(result.stdout) == [["2024-01-02 11:00:00 CET", "newer", newer],
                                         ["2024-01-01 11:00:00 CET", "older", older]]


def test_list_takes_the_experiment_from_the_environment(cli_runner, client, experiment_id, monkeypatch):
    run_id = client.create_run(experiment_id, run_name="from-env").info.run_id
    other = client.create_experiment("other")

    monkeypatch.setenv("MLFLOW_EXPERIMENT_ID", experiment_id)
    from_mlflow_var = cli_runner.invoke(["runs", "list"])
    monkeypatch.setenv("MLPLUG_EXPERIMENT_ID", other)
    from_mlplug_var = cli_runner.invoke(["runs", "list"])

    assert [row[2] for row in table_rows(from_mlflow_var.stdout)] == [run_id]
    assert table_rows(from_mlplug_var.stdout) == []


def test_list_requires_an_experiment(cli_runner, tracking_uri, monkeypatch):
    monkeypatch.delenv("MLFLOW_EXPERIMENT_ID", raising=False)
    monkeypatch.delenv("MLPLUG_EXPERIMENT_ID", raising=False)

    result = cli_runner.invoke(["runs", "list"])

    assert result.exit_code == 2
    assert "Missing option '--experiment-id'" in result.stderr


def test_list_views_and_json(cli_runner, client, experiment_id):
    alive = client.create_run(experiment_id, run_name="alive").info.run_id
    dead = client.create_run(experiment_id, run_name="dead").info.run_id
    client.delete_run(dead)

    def ids(*args):
        result = cli_runner.invoke(["runs", "list", "--experiment-id", experiment_id, *args])
        assert result.exit_code == 0, result
        return {row[2] for row in table_rows(result.stdout)}

    assert ids() == {alive}
    assert ids("--view", "deleted_only") == {dead}
    assert ids("-v", "ALL") == {alive, dead}
    records = json.loads(cli_runner.invoke(["runs", "list", "--experiment-id", experiment_id, "-o", "json"]).stdout)
    assert [(r["run_id"], r["run_name"], r["status"], r["lifecycle_stage"]) for r in records] == [
        (alive, "alive", "RUNNING", "active")]


def test_list_follows_pages(cli_runner, client, experiment_id, monkeypatch):
    import mlplug_cli_runs.commands

    monkeypatch.setattr(mlplug_cli_runs.commands, "PAGE_SIZE", 2)
    run_ids = {client.create_run(experiment_id, start_time=JAN_2024 + i).info.run_id for i in range(5)}

    result = cli_runner.invoke(["runs", "list", "--experiment-id", experiment_id, "--output", "json"])

    assert {r["run_id"] for r in json.loads(result.stdout)} == run_ids


def test_describe_prints_mlflows_json(cli_runner, client, experiment_id):
    run = client.create_run(experiment_id, start_time=JAN_2024, run_name="described", tags={"team": "blue"})
    run_id = run.info.run_id
    client.log_param(run_id, "lr", "0.1")
    client.log_metric(run_id, "loss", 0.5, step=0)
    client.log_metric(run_id, "loss", 0.25, step=1)
    client.set_terminated(run_id, "FINISHED", end_time=JAN_2024 + 5000)

    result = cli_runner.invoke(["runs", "describe", "--run-id", run_id])

    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout.startswith('{\n    "info": {\n        "artifact_uri": ')
    described = json.loads(result.stdout)
    info = described["info"]
    assert list(info) == ["artifact_uri", "end_time", "experiment_id", "lifecycle_stage", "run_id", "run_name",
                          "start_time", "status", "user_id"]
    assert {k: info[k] for k in ("end_time", "experiment_id", "lifecycle_stage", "run_id", "run_name",
                                 "start_time", "status")} == {
        "end_time": JAN_2024 + 5000, "experiment_id": experiment_id, "lifecycle_stage": "active",
        "run_id": run_id, "run_name": "described", "start_time": JAN_2024, "status": "FINISHED"}
    assert info["artifact_uri"].endswith(f"{run_id}/artifacts")
    assert described["data"]["metrics"] == {"loss": 0.25}
    assert described["data"]["params"] == {"lr": "0.1"}
    assert described["data"]["tags"]["team"] == "blue"
    assert described["data"]["tags"]["mlflow.runName"] == "described"
    assert described["inputs"] == {"model_inputs": [], "dataset_inputs": []}
    assert described["outputs"] == {"model_outputs": []}


def test_describe_running_run_has_null_end_time(cli_runner, client, experiment_id):
    run_id = client.create_run(experiment_id).info.run_id

    info = json.loads(cli_runner.invoke(["runs", "describe", "--run-id", run_id]).stdout)["info"]

    assert (info["status"], info["end_time"]) == ("RUNNING", None)


def test_delete_and_restore(cli_runner, client, experiment_id):
    run_id = client.create_run(experiment_id).info.run_id

    deleted = cli_runner.invoke(["runs", "delete", "--run-id", run_id])
    assert (deleted.exit_code, deleted.stdout) == (0, f"Run with ID {run_id} has been deleted.\n")
    assert client.get_run(run_id).info.lifecycle_stage == "deleted"

    restored = cli_runner.invoke(["runs", "restore", "--run-id", run_id])
    assert (restored.exit_code, restored.stdout) == (0, f"Run with id {run_id} has been restored.\n")
    assert client.get_run(run_id).info.lifecycle_stage == "active"


@pytest.mark.parametrize("command", ["describe", "delete", "restore"])
def test_unknown_run_is_one_error_line(cli_runner, tracking_uri, command):
    result = cli_runner.invoke(["runs", command, "--run-id", "0123456789abcdef0123456789abcdef"])

    assert result.exit_code == 1, result
    assert result.stdout == ""
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, result
    assert "0123456789abcdef0123456789abcdef" in result.stderr


@pytest.mark.parametrize("before_subcommand", [True, False], ids=["on-group", "on-subcommand"])
def test_tracking_uri_option_works_before_or_after_the_subcommand(
        cli_runner, tmp_path, monkeypatch, before_subcommand):
    from mlplug.tracking.client import MlplugClient

    elsewhere = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    other = MlplugClient(elsewhere)
    exp = other.create_experiment("elsewhere")
    run = other.create_run(exp, run_name="only-here")
    monkeypatch.setenv("MLPLUG_TRACKING_URI", f"sqlite:///{tmp_path / 'default.db'}")

    option = ["--tracking-uri", elsewhere]
    subcommand = ["list", "--experiment-id", exp, "--output", "json"]
    args = ["runs", *option, *subcommand] if before_subcommand else ["runs", *subcommand, *option]
    result = cli_runner.invoke(args)
    assert result.exit_code == 0, result.stderr
    assert [r["run_id"] for r in json.loads(result.stdout)] == [run.info.run_id]
