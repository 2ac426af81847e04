"""Models saved by mlplug load and predict the same in the real MLflow 3.17.2 (the `mlflow_python` venv),
and have the layout MLflow itself writes for the same estimator."""
from __future__ import annotations

import json
import subprocess
import textwrap

import pytest
import yaml
from mlplug.pyfunc import load_model

import mlplug_flavor_sklearn

# Runs inside the MLflow venv: loads the model both ways, predicts, and re-saves the estimator with MLflow
# for a layout comparison. Prints one JSON object.
MLFLOW_SCRIPT = textwrap.dedent("""
    import json, sys, warnings
    warnings.filterwarnings("ignore")
    import mlflow, pandas as pd
    model_dir, rows_file, mlflow_dir, fmt = sys.argv[1:5]
    split = json.load(open(rows_file))
    frame = pd.DataFrame(split["data"], columns=split["columns"])
    pyfunc = mlflow.pyfunc.load_model(model_dir)
    estimator = mlflow.sklearn.load_model(model_dir)
    mlflow.sklearn.save_model(estimator, mlflow_dir, serialization_format=fmt, input_example=frame)
    print(json.dumps({"pyfunc": pd.Series(pyfunc.predict(frame)).tolist(),
                      "native": estimator.predict(frame).tolist(), "type": type(estimator).__name__}))
""")


def _run_in_mlflow(mlflow_python, tmp_path, model_dir, frame, fmt):
    script = tmp_path / "check.py"
    script.write_text(MLFLOW_SCRIPT)
    rows = tmp_path / "rows.json"
    rows.write_text(json.dumps({"columns": list(frame.columns), "data": frame.values.tolist()}))
    done = subprocess.run([mlflow_python, str(script), str(model_dir), str(rows), str(tmp_path / "by_mlflow"), fmt],
                          capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _shape(node):
    """The key structure of an MLmodel (values that vary per save dropped)."""
    if isinstance(node, dict):
        return {k: _shape(v) for k, v in node.items()}
    return type(node).__name__


@pytest.mark.parametrize("fmt", ["skops", "cloudpickle", "pickle"])
def test_mlflow_loads_and_predicts_an_mlplug_model(mlflow_python, tmp_path, diabetes, elastic_net, fmt):
    X, _ = diabetes
    frame = X.iloc[10:15]
    model_dir = tmp_path / "by_mlplug"
    mlplug_flavor_sklearn.save_model(elastic_net, model_dir, serialization_format=fmt, input_example=frame)
    ours = load_model(str(model_dir)).predict(frame).tolist()

    theirs = _run_in_mlflow(mlflow_python, tmp_path, model_dir, frame, fmt)

    assert theirs["type"] == "ElasticNet"
    assert theirs["pyfunc"] == pytest.approx(ours, rel=1e-12)
    assert theirs["native"] == pytest.approx(ours, rel=1e-12)
    mine = yaml.safe_load((model_dir / "MLmodel").read_text())
    mlflows = yaml.safe_load((tmp_path / "by_mlflow" / "MLmodel").read_text())
    assert _shape(mine) == _shape(mlflows)
    assert mine["flavors"]["sklearn"]["serialization_format"] == fmt
    assert mine["signature"] == mlflows["signature"]
    assert mine["saved_input_example_info"] == mlflows["saved_input_example_info"]
    for name in ("input_example.json", "serving_input_example.json"):
        assert (model_dir / name).read_text() == (tmp_path / "by_mlflow" / name).read_text()
    assert (model_dir / "requirements.txt").read_text().splitlines()[0] == "mlflow==3.17.2"
