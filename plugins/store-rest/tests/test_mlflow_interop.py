"""The real MLflow client and mlplug's Python API on one `mlplug server`: each reads what the other wrote."""
from __future__ import annotations

import json
import os
import subprocess
import textwrap
import uuid
from pathlib import Path

import pytest

import mlplug
from mlplug import config
from mlplug.tracking import artifacts, fluent

MLFLOW_PYTHON_PATH = Path(os.environ.get("MLFLOW_VENV", "/tmp/mlflow-client")) / "bin" / "python"


@pytest.fixture(autouse=True)
def _needs_mlflow(mlflow_python):
    """Skips (locally) or fails (in CI) when the real MLflow client venv is missing."""


def run_mlflow(script: str, tracking_uri: str, tmp_path: Path) -> dict:
    """Run `script` with the real MLflow client; it prints one JSON object as its last line."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "MLPLUG_", "VIRTUAL_ENV", "PYTHON"))}
    env["MLFLOW_TRACKING_URI"] = tracking_uri
    out = subprocess.run([str(MLFLOW_PYTHON_PATH), "-c", textwrap.dedent(script)], capture_output=True, text=True,
                         env=env, cwd=tmp_path, timeout=180)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture
def fluent_on(server_url, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(fluent, "_active_experiment_id", None)
    monkeypatch.setattr(fluent, "_clients", {})
    config.set_tracking_uri(server_url)
    yield server_url
    while mlplug.active_run():
        mlplug.end_run()
    config.set_tracking_uri(None)


def test_mlplug_reads_a_run_logged_by_mlflow(fluent_on, tmp_path):
    name = f"from-mlflow-{uuid.uuid4().hex[:8]}"
    logged = run_mlflow(f"""
        import json, mlflow
        mlflow.set_experiment({name!r})
        with mlflow.start_run(run_name="by-mlflow") as run:
            mlflow.log_params({{"lr": "0.1", "layers": 3}})
            for step in range(4):
                mlflow.log_metric("acc", 0.5 + step / 10, step=step)
            mlflow.log_metric("nan", float("nan"))
            mlflow.set_tags({{"unicode": "ünï", "stage": "dev"}})
            mlflow.log_text("hello from mlflow", "notes/readme.txt")
            mlflow.log_dict({{"a": 1}}, "cfg/config.json")
        print(json.dumps({{"run_id": run.info.run_id, "experiment_id": run.info.experiment_id}}))
    """, fluent_on, tmp_path)
    client = mlplug.MlflowClient()
    run = client.get_run(logged["run_id"])
    assert client.get_experiment_by_name(name).experiment_id == logged["experiment_id"]
    assert run.info.status == "FINISHED" and run.info.run_name == "by-mlflow"
    assert run.data.params == {"lr": "0.1", "layers": "3"}
    assert abs(run.data.metrics["acc"] - 0.8) < 1e-9 and run.data.metrics["nan"] != run.data.metrics["nan"]
    assert run.data.tags["unicode"] == "ünï" and run.data.tags["mlflow.runName"] == "by-mlflow"
    assert [m.step for m in client.get_metric_history(run.info.run_id, "acc")] == [0, 1, 2, 3]
    assert [f.path for f in client.list_artifacts(run.info.run_id)] == ["cfg", "notes"]
    assert artifacts.load_text(f"runs:/{run.info.run_id}/notes/readme.txt") == "hello from mlflow"
    assert artifacts.load_dict(f"runs:/{run.info.run_id}/cfg/config.json") == {"a": 1}
    found = mlplug.search_runs(experiment_names=[name], filter_string="metrics.acc > 0.7 and params.lr = '0.1'")
    assert [r.info.run_id for r in found] == [run.info.run_id]


def test_mlflow_reads_a_run_logged_by_mlplug(fluent_on, tmp_path):
    name = f"from-mlplug-{uuid.uuid4().hex[:8]}"
    (tmp_path / "out" / "sub").mkdir(parents=True)
    (tmp_path / "out" / "sub" / "weights.bin").write_bytes(os.urandom(200_000))
    mlplug.set_experiment(name)
    with mlplug.start_run(run_name="by-mlplug", tags={"team": "blue"}) as run:
        mlplug.log_params({"lr": 0.01, "opt": "adam"})
        mlplug.log_metrics({"loss": 0.5}, step=0)
        mlplug.log_metric("loss", 0.25, step=1)
        mlplug.log_text("hello from mlplug ✓", "notes/readme.txt")
        mlplug.log_artifacts(str(tmp_path / "out"), "model")
        with mlplug.start_run(nested=True) as child:
            mlplug.log_metric("inner", 1)
    seen = run_mlflow(f"""
        import json, mlflow, os, tempfile
        from mlflow import MlflowClient
        c = MlflowClient()
        run = c.get_run({run.info.run_id!r})
        child = c.get_run({child.info.run_id!r})
        local = c.download_artifacts(run.info.run_id, "model", tempfile.mkdtemp())
        print(json.dumps({{
            "experiment": c.get_experiment(run.info.experiment_id).name,
            "status": run.info.status, "name": run.info.run_name, "params": run.data.params,
            "metrics": run.data.metrics, "team": run.data.tags.get("team"),
            "source_type": run.data.tags.get("mlflow.source.type"),
            "history": [[m.step, m.value] for m in c.get_metric_history(run.info.run_id, "loss")],
            "root": sorted(f.path for f in c.list_artifacts(run.info.run_id)),
            "model": sorted(f.path for f in c.list_artifacts(run.info.run_id, "model")),
            "text": mlflow.artifacts.load_text(f"runs:/{{run.info.run_id}}/notes/readme.txt"),
            "weights": os.path.getsize(os.path.join(local, "sub", "weights.bin")),
            "parent": child.data.tags.get("mlflow.parentRunId"),
            "found": [r.info.run_id for r in c.search_runs([run.info.experiment_id], "params.opt = 'adam'")],
        }}))
    """, fluent_on, tmp_path)
    assert seen == {
        "experiment": name, "status": "FINISHED", "name": "by-mlplug", "params": {"lr": "0.01", "opt": "adam"},
        "metrics": {"loss": 0.25}, "team": "blue", "source_type": "LOCAL", "history": [[0, 0.5], [1, 0.25]],
        "root": ["model", "notes"], "model": ["model/sub"], "text": "hello from mlplug ✓", "weights": 200_000,
        "parent": run.info.run_id, "found": [run.info.run_id],
    }
