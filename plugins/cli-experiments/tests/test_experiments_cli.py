"""`mlplug experiments ...` through the real CLI entry point, against a fresh SQLite tracking store."""
from __future__ import annotations

import json
import os

import pytest


@pytest.fixture
def client(tracking_uri):
    from mlplug.tracking.client import MlplugClient

    return MlplugClient(tracking_uri)


def table_rows(stdout: str) -> list[list[str]]:
    """Data rows of a CLI table, split on the two-space column separator."""
    header, dashes, *rows = stdout.splitlines()
    assert set(dashes.replace(" ", "")) == {"-"}
    return [[cell.strip() for cell in row.split("  ") if cell.strip()] for row in rows]


def test_create_prints_the_new_id(cli_runner, client, tmp_path):
    result = cli_runner.invoke(["experiments", "create", "-n", "fraud", "-l", str(tmp_path / "art")])

    experiment = client.get_experiment_by_name("fraud")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == f"Created experiment 'fraud' with id {experiment.experiment_id}\n"
    assert experiment.artifact_location.endswith(str(tmp_path / "art"))


def test_create_with_a_taken_name_is_one_error_line(cli_runner, client):
    client.create_experiment("taken")

    result = cli_runner.invoke(["experiments", "create", "--experiment-name", "taken"])

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert "taken" in result.stderr


def test_create_requires_a_name(cli_runner, tracking_uri):
    result = cli_runner.invoke(["experiments", "create"])

    assert result.exit_code == 2
    assert "Missing option '--experiment-name' / '-n'" in result.stderr


def test_search_prints_mlflows_table_sorted_by_id_as_text(cli_runner, client):
    ids = [client.create_experiment(f"exp-{i}", artifact_location=f"s3://bucket/exp-{i}") for i in range(11)]

    result = cli_runner.invoke(["experiments", "search"])

    assert result.exit_code == 0, result
    header = result.stdout.splitlines()[0]
    assert header.split("  ")[0] == "Experiment Id" and "Name" in header and header.rstrip().endswith("Artifact Location")
    rows = table_rows(result.stdout)
    listed = [row[0] for row in rows]
    assert listed == sorted(listed) and set(ids) <= set(listed)
    if {"2", "10"} <= set(listed):  # MLflow sorts the ids as text
        assert listed.index("10") < listed.index("2")
    by_name = {row[1]: row for row in rows}
    assert by_name["exp-3"] == [ids[3], "exp-3", "s3://bucket/exp-3"]


def test_search_shows_plain_paths_absolute(cli_runner, client, tmp_path):
    client.create_experiment("local", artifact_location="relative/artifacts")

    result = cli_runner.invoke(["experiments", "search"])

    [row] = [r for r in table_rows(result.stdout) if r[1] == "local"]
    assert os.path.isabs(row[2])
    assert row[2].endswith("relative/artifacts")


def test_search_views_and_max_results(cli_runner, client):
    keep, gone = client.create_experiment("keep"), client.create_experiment("gone")
    client.delete_experiment(gone)

    def names(*args):
        result = cli_runner.invoke(["experiments", "search", *args])
        assert result.exit_code == 0, result
        return {row[1] for row in table_rows(result.stdout)}

    assert "keep" in names() and "gone" not in names()
    assert names("--view", "deleted_only") == {"gone"}
    assert {"keep", "gone"} <= names("-v", "all")
    assert len(names("--view", "all", "--max-results", "1")) == 1
    assert names("--max-results", "0") == set()


def test_search_follows_pages(cli_runner, client, monkeypatch):
    import mlplug_cli_experiments.commands

    monkeypatch.setattr(mlplug_cli_experiments.commands, "PAGE_SIZE", 2)
    created = {client.create_experiment(f"paged-{i}") for i in range(5)}

    every = cli_runner.invoke(["experiments", "search"])
    three = cli_runner.invoke(["experiments", "search", "--max-results", "3"])

    assert created <= {row[0] for row in table_rows(every.stdout)}
    assert len(table_rows(three.stdout)) == 3


def test_search_rejects_bad_options(cli_runner, tracking_uri):
    negative = cli_runner.invoke(["experiments", "search", "--max-results", "-1"])
    bad_view = cli_runner.invoke(["experiments", "search", "--view", "some"])

    assert negative.exit_code == 2 and "max-results must be a non-negative integer" in negative.stderr
    assert bad_view.exit_code == 2 and "'active_only', 'deleted_only', 'all'" in bad_view.stderr


def test_search_json(cli_runner, client):
    experiment_id = client.create_experiment("tagged", artifact_location="s3://b/t", tags={"team": "blue"})

    result = cli_runner.invoke(["experiments", "search", "--output", "json"])

    records = {r["name"]: r for r in json.loads(result.stdout)}
    record = records["tagged"]
    assert list(record) == ["artifact_location", "creation_time", "experiment_id", "last_update_time",
                            "lifecycle_stage", "name", "tags"]
    assert (record["experiment_id"], record["artifact_location"], record["lifecycle_stage"], record["tags"]) == (
        experiment_id, "s3://b/t", "active", {"team": "blue"})
    assert isinstance(record["creation_time"], int)


def test_get_by_id_and_name(cli_runner, client):
    experiment_id = client.create_experiment("lookup", artifact_location="s3://b/l", tags={"a": "1", "b": "2"})

    by_id = cli_runner.invoke(["experiments", "get", "-x", experiment_id])
    by_name = cli_runner.invoke(["experiments", "get", "--experiment-name", "lookup", "--output", "json"])

    lines = by_id.stdout.splitlines()
    assert lines[0] == f"Experiment ID      : {experiment_id}"
    assert lines[1:4] == ["Name               : lookup", "Artifact Location  : s3://b/l",
                          "Lifecycle Stage    : active"]
    assert lines[6] == "Tags               : a=1, b=2"
    assert json.loads(by_name.stdout)["experiment_id"] == experiment_id


def test_get_needs_exactly_one_selector_and_an_existing_name(cli_runner, tracking_uri):
    neither = cli_runner.invoke(["experiments", "get"])
    missing = cli_runner.invoke(["experiments", "get", "-n", "nope"])

    assert neither.exit_code == 2 and "exactly one of --experiment-id or --experiment-name" in neither.stderr
    assert (missing.exit_code, missing.stderr) == (1, "Error: Experiment with name 'nope' does not exist.\n")


def test_delete_restore_rename(cli_runner, client):
    experiment_id = client.create_experiment("cycle")

    deleted = cli_runner.invoke(["experiments", "delete", "-x", experiment_id])
    assert deleted.stdout == f"Experiment with ID {experiment_id} has been deleted.\n"
    assert client.get_experiment(experiment_id).lifecycle_stage == "deleted"

    restored = cli_runner.invoke(["experiments", "restore", "--experiment-id", experiment_id])
    assert restored.stdout == f"Experiment with id {experiment_id} has been restored.\n"
    assert client.get_experiment(experiment_id).lifecycle_stage == "active"

    renamed = cli_runner.invoke(["experiments", "rename", "-x", experiment_id, "--new-name", "cycle-2"])
    assert renamed.stdout == f"Experiment with id {experiment_id} has been renamed to 'cycle-2'.\n"
    assert client.get_experiment(experiment_id).name == "cycle-2"
    assert all(r.exit_code == 0 for r in (deleted, restored, renamed))


def test_store_errors_are_one_line_and_exit_1(cli_runner, client):
    experiment_id = client.create_experiment("doomed")
    client.delete_experiment(experiment_id)

    for args in (["delete", "-x", "123456"], ["rename", "-x", experiment_id, "--new-name", "x"]):
        result = cli_runner.invoke(["experiments", *args])
        assert result.exit_code == 1, result
        assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, result
        assert "Traceback" not in result.stderr


def test_tracking_uri_option_wins_over_the_environment(cli_runner, tmp_path, monkeypatch):
    from mlplug.tracking.client import MlplugClient

    monkeypatch.setenv("MLPLUG_TRACKING_URI", f"sqlite:///{tmp_path / 'env.db'}")
    monkeypatch.chdir(tmp_path)
    chosen = f"sqlite:///{tmp_path / 'chosen.db'}"

    result = cli_runner.invoke(["experiments", "--tracking-uri", chosen, "create", "-n", "here"])

    assert result.exit_code == 0, result
    assert MlplugClient(chosen).get_experiment_by_name("here") is not None
    assert MlplugClient(f"sqlite:///{tmp_path / 'env.db'}").get_experiment_by_name("here") is None
