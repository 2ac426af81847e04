"""The README's walkthrough, step by step, against a real `mlplug server`: train, list, describe.

It also proves the experiments and runs commands work over REST (an http:// tracking URI) exactly as
they do on a database.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mlplug.testing import run_console_script

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "train_diabetes.py"


@pytest.fixture(scope="module")
def trained(tracking_server, tmp_path_factory):
    """Run the example against the server, as the README says; returns (run id, experiment id)."""
    done = subprocess.run([sys.executable, str(EXAMPLE), "--epochs", "5"], capture_output=True, text=True,
                          timeout=300, cwd=tmp_path_factory.mktemp("client"), stdin=subprocess.DEVNULL,
                          env={**os.environ, "MLPLUG_TRACKING_URI": tracking_server})
    assert done.returncode == 0, done.stderr
    words = done.stdout.split()
    return words[1], words[4].rstrip(":")


def mlplug(tracking_server, *args):
    return run_console_script(*args, env={"MLPLUG_TRACKING_URI": tracking_server})


def test_experiments_search_over_rest_shows_the_example_experiment(tracking_server, trained):
    _run_id, experiment_id = trained

    result = mlplug(tracking_server, "experiments", "search")

    assert result.returncode == 0, result.stderr
    rows = [row.split() for row in result.stdout.splitlines()[2:]]
    assert [experiment_id, "diabetes", f"mlflow-artifacts:/{experiment_id}"] in rows


def test_runs_list_over_rest_shows_the_run(tracking_server, trained):
    run_id, experiment_id = trained

    result = mlplug(tracking_server, "runs", "list", "--experiment-id", experiment_id)

    assert result.returncode == 0, result.stderr
    [row] = [row for row in result.stdout.splitlines()[2:] if run_id in row]
    assert row.split()[-1] == run_id


def test_runs_describe_over_rest_shows_params_metrics_and_tags(tracking_server, trained):
    run_id, experiment_id = trained

    result = mlplug(tracking_server, "runs", "describe", "--run-id", run_id)

    assert result.returncode == 0, result.stderr
    described = json.loads(result.stdout)
    assert described["info"]["experiment_id"] == experiment_id
    assert described["info"]["status"] == "FINISHED"
    assert described["info"]["artifact_uri"] == f"mlflow-artifacts:/{experiment_id}/{run_id}/artifacts"
    assert described["data"]["params"]["epochs"] == "5"
    assert set(described["data"]["metrics"]) == {"train_rmse", "val_rmse", "val_r2"}
    assert described["data"]["tags"]["dataset"] == "sklearn.datasets.load_diabetes"


def test_artifacts_went_through_the_proxy(tracking_server, trained, tmp_path):
    from mlplug.tracking.client import MlplugClient

    run_id, _ = trained
    path = MlplugClient(tracking_server).download_artifacts(run_id, "model/coefficients.json", str(tmp_path))

    assert len(json.loads(Path(path).read_text())["coefficients"]) == 10


def test_experiment_lifecycle_over_rest(tracking_server):
    uri = ["experiments", "--tracking-uri", tracking_server]
    created = run_console_script(*uri, "create", "-n", "over-rest")
    experiment_id = created.stdout.strip().rsplit(" ", 1)[-1]

    deleted = run_console_script(*uri, "delete", "-x", experiment_id)
    deleted_only = run_console_script(*uri, "search", "--view", "deleted_only", "--output", "json")
    restored = run_console_script(*uri, "restore", "-x", experiment_id)
    renamed = run_console_script(*uri, "rename", "-x", experiment_id, "--new-name", "over-rest-2")
    missing = run_console_script(*uri, "delete", "-x", "987654")

    assert created.returncode == 0, created.stderr
    assert deleted.stdout == f"Experiment with ID {experiment_id} has been deleted.\n"
    assert [e["name"] for e in json.loads(deleted_only.stdout)] == ["over-rest"]
    assert restored.stdout == f"Experiment with id {experiment_id} has been restored.\n"
    assert renamed.stdout == f"Experiment with id {experiment_id} has been renamed to 'over-rest-2'.\n"
    assert missing.returncode == 1
    assert missing.stderr.startswith("Error: ") and missing.stderr.count("\n") == 1, missing.stderr
