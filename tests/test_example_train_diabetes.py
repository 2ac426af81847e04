"""examples/train_diabetes.py really trains and really tracks: params, per-epoch metrics, tag, artifacts."""
from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "train_diabetes.py"
FEATURES = ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"]


def test_example_logs_a_complete_run_to_sqlite(tracking_uri, tmp_path):
    from mlplug.tracking.client import MlplugClient

    done = subprocess.run([sys.executable, str(EXAMPLE), "--epochs", "12", "--run-name", "sgd-12"],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path, stdin=subprocess.DEVNULL,
                          env={**os.environ, "MLPLUG_TRACKING_URI": tracking_uri})
    assert done.returncode == 0, done.stderr
    run_id = done.stdout.split()[1]

    client = MlplugClient(tracking_uri)
    run = client.get_run(run_id)
    assert client.get_experiment(run.info.experiment_id).name == "diabetes"
    assert (run.info.status, run.info.run_name) == ("FINISHED", "sgd-12")
    assert run.data.params == {"model": "SGDRegressor", "epochs": "12", "learning_rate": "0.01",
                               "alpha": "0.0001", "seed": "42", "n_train": "331", "n_val": "111"}
    assert run.data.tags["dataset"] == "sklearn.datasets.load_diabetes"

    history = client.get_metric_history(run_id, "val_rmse")
    assert [m.step for m in history] == list(range(12))
    assert history[-1].value < history[0].value  # it learns
    assert 40 < history[-1].value < 70  # the diabetes target's std is ~77; a linear model gets ~54
    assert 0.2 < run.data.metrics["val_r2"] < 0.7
    assert run.data.metrics["val_rmse"] == history[-1].value

    assert {f.path for f in client.list_artifacts(run_id)} == {"evaluation", "model"}
    coefficients = json.loads(Path(client.download_artifacts(run_id, "model/coefficients.json", str(tmp_path)))
                              .read_text())
    assert sorted(coefficients["coefficients"]) == sorted(FEATURES)
    assert abs(coefficients["intercept"] - 152) < 15  # the target's mean is ~152
    with open(client.download_artifacts(run_id, "evaluation/predictions.csv", str(tmp_path))) as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 111 and set(rows[0]) == {"actual", "predicted"}
