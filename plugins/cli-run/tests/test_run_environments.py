"""`mlplug run` in built environments (slow: each test builds a real one, from uv's package cache).

The example project runs with `--env-manager virtualenv` and `uv`, and a project whose script logs
with the real `mlflow` client (installed in its environment from PyPI) lands in the run `mlplug run`
created, on a real `mlplug server`.
"""
from __future__ import annotations

import json
import time

import pytest
from mlplug.entities import ViewType
from mlplug.tracking.client import MlplugClient


def published(root) -> list[str]:
    return sorted(p.name for p in root.iterdir() if not p.name.startswith(".")) if root.exists() else []


@pytest.mark.parametrize("manager", ["virtualenv", "uv"])
def test_the_example_in_a_built_environment_then_from_the_cache(tracking_uri, mlplug_run, example_project,
                                                                 tmp_path, manager):
    root = tmp_path / "envs"
    env = {"MLPLUG_ENV_ROOT": str(root)}
    cold = mlplug_run(str(example_project), "--env-manager", manager, "-P", "epochs=2", env=env)
    assert cold.returncode == 0, cold.stderr
    entries = published(root)
    assert len(entries) == 1
    with open(root / entries[0] / "mlplug-env.json") as f:
        record = json.load(f)
    assert "scikit-learn==1.9.1" in record["requirements"]
    assert {d["name"] for d in record["mlplug"]} >= {"mlplug-core", "mlplug-store-sql", "mlplug-artifacts-file"}

    started = time.monotonic()
    warm = mlplug_run(str(example_project), "--env-manager", manager, "-P", "epochs=2", env=env)
    assert warm.returncode == 0, warm.stderr
    assert published(root) == entries  # reused, not rebuilt
    client = MlplugClient(tracking_uri)
    runs = client.search_runs(["0"], run_view_type=ViewType.ALL)
    assert [r.info.status for r in runs] == ["FINISHED", "FINISHED"]
    for run in runs:
        assert run.data.tags["mlflow.project.env"] == manager
        assert run.data.params["epochs"] == "2"
        assert [m.step for m in client.get_metric_history(run.info.run_id, "val_rmse")] == [0, 1]
    assert time.monotonic() - started < 120


MLFLOW_SCRIPT = '''
import sys
import mlflow

with mlflow.start_run() as run:
    mlflow.log_param("client", "mlflow")
    mlflow.log_metric("loss", 0.25, step=1)
    mlflow.set_tag("mlflow_version", mlflow.__version__)
print("logged into", run.info.run_id, "with", sys.executable)
'''


def test_a_script_using_the_real_mlflow_client_logs_into_the_run(mlplug_server, mlplug_run, tmp_path):
    project = tmp_path / "mlflow project"
    project.mkdir()
    (project / "MLproject").write_text("name: real-mlflow\npython_env: python_env.yaml\n"
                                       "entry_points:\n  main:\n    command: python log.py\n")
    (project / "python_env.yaml").write_text("python: '3.11'\ndependencies:\n- mlflow-skinny==3.17.2\n")
    (project / "log.py").write_text(MLFLOW_SCRIPT)
    root = tmp_path / "envs"
    done = mlplug_run(str(project), "--env-manager", "uv", "--experiment-name", "real-mlflow",
                      env={"MLPLUG_ENV_ROOT": str(root), "MLPLUG_TRACKING_URI": mlplug_server.url,
                           "MLFLOW_TRACKING_URI": ""})
    assert done.returncode == 0, done.stderr
    client = MlplugClient(mlplug_server.url)
    experiment = client.get_experiment_by_name("real-mlflow")
    runs = client.search_runs([experiment.experiment_id])
    assert len(runs) == 1
    run = runs[0]
    assert f"logged into {run.info.run_id} with {root}" in done.stdout  # the environment's interpreter
    assert run.info.status == "FINISHED"
    assert run.data.params == {"client": "mlflow"}
    assert run.data.metrics == {"loss": 0.25}
    assert run.data.tags["mlflow_version"] == "3.17.2"
    assert run.data.tags["mlflow.project.env"] == "uv"
    with open(root / published(root)[0] / "mlplug-env.json") as f:
        record = json.load(f)
    assert "mlflow-skinny==3.17.2" in record["requirements"]  # a project keeps the client it asks for
    assert {d["name"] for d in record["mlplug"]} >= {"mlplug-store-rest", "mlplug-artifacts-http"}
