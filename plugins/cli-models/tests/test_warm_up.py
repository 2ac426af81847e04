"""The scoring server predicts once before it listens (so its first client does not wait for the imports a
first prediction does), with the model's serving example or a row of zeros, and not at all when told so."""
from __future__ import annotations

import json
import sys

import pytest
import requests

from mlplug_cli_models.scoring import ScoringApp, warm_up_body

COUNTING_MODEL = '''
import os

from mlplug_flavor_pyfunc import PythonModel


class Counting(PythonModel):
    """Appends each input it predicts on to the file $COUNTING_LOG, then predicts the column sums."""

    def predict(self, context, model_input, params=None):
        with open(os.environ["COUNTING_LOG"], "a") as f:
            f.write(model_input.to_json(orient="split", index=False) + "\\n")
        return model_input.sum(axis=1).tolist()
'''


def _save_counting_model(root, *, input_example=None, signature=None):
    import mlplug.pyfunc

    module = root / "counting_model.py"
    module.write_text(COUNTING_MODEL)
    sys.path.insert(0, str(root))
    try:
        from counting_model import Counting

        path = root / "model"
        mlplug.pyfunc.save_model(str(path), python_model=Counting(), code_paths=[str(module)],
                                 input_example=input_example, signature=signature)
    finally:
        sys.path.remove(str(root))
        sys.modules.pop("counting_model", None)
    return path


@pytest.fixture(scope="module")
def counting_model(tmp_path_factory):
    """A custom model with an input example: two columns a, b and one row [1.5, 2.5]."""
    import pandas as pd

    return _save_counting_model(tmp_path_factory.mktemp("counting"),
                                input_example=pd.DataFrame({"a": [1.5], "b": [2.5]}))


def _logged_inputs(log) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def test_the_server_answers_the_serving_example_before_it_listens(counting_model, start_scoring_server, tmp_path):
    log = tmp_path / "predictions.log"
    server = start_scoring_server(counting_model, "--env-manager", "local", env={"COUNTING_LOG": str(log)})
    warm_ups = _logged_inputs(log)
    assert warm_ups and all(seen == {"columns": ["a", "b"], "data": [[1.5, 2.5]]} for seen in warm_ups)

    body = {"dataframe_split": {"columns": ["a", "b"], "data": [[1.0, 2.0]]}}
    response = requests.post(f"{server.url}/invocations", json=body, timeout=30)
    assert (response.status_code, response.json()) == (200, {"predictions": [3.0]})
    assert _logged_inputs(log)[len(warm_ups):] == [{"columns": ["a", "b"], "data": [[1.0, 2.0]]}]


def test_warm_up_can_be_switched_off(counting_model, start_scoring_server, tmp_path):
    log = tmp_path / "predictions.log"
    server = start_scoring_server(counting_model, "--env-manager", "local",
                                  env={"COUNTING_LOG": str(log), "MLPLUG_SERVE_WARM_UP": "false"})
    assert _logged_inputs(log) == []
    response = requests.post(f"{server.url}/invocations", json={"dataframe_split": {"columns": ["a", "b"],
                                                                                     "data": [[1.0, 1.0]]}}, timeout=30)
    assert (response.status_code, response.json()) == (200, {"predictions": [2.0]})
    assert len(_logged_inputs(log)) == 1


def test_without_an_example_a_row_of_zeros_fits_the_signature(tmp_path, monkeypatch):
    from mlplug.models import ModelSignature, infer_signature
    from mlplug.pyfunc import load_model
    import pandas as pd

    frame = pd.DataFrame({"x": [1.5], "n": [3], "flag": [True], "name": ["z"]})
    signature = infer_signature(frame)
    assert isinstance(signature, ModelSignature)
    model = load_model(_save_counting_model(tmp_path, signature=signature))
    assert json.loads(warm_up_body(model)) == {"dataframe_split": {"columns": ["x", "n", "flag", "name"],
                                                                   "data": [[0.0, 0, False, ""]]}}


def test_no_example_and_no_signature_means_no_warm_up(tmp_path, monkeypatch):
    from mlplug.pyfunc import load_model

    log = tmp_path / "predictions.log"
    monkeypatch.setenv("COUNTING_LOG", str(log))
    app = ScoringApp(load_model(_save_counting_model(tmp_path)), "test")
    assert warm_up_body(app.model) is None
    assert app.warm_up() is False and not log.exists()


def test_a_model_that_fails_its_warm_up_still_serves(tmp_path, monkeypatch):
    from mlplug.pyfunc import load_model
    import pandas as pd

    # COUNTING_LOG points into a missing directory: every prediction raises, the warm-up reports it quietly.
    monkeypatch.setenv("COUNTING_LOG", str(tmp_path / "missing" / "log"))
    app = ScoringApp(load_model(_save_counting_model(tmp_path, input_example=pd.DataFrame({"a": [1.0]}))), "test")
    assert app.warm_up() is False


def test_the_sklearn_fixture_warms_up_its_fast_path(models):
    from mlplug.pyfunc import load_model

    app = ScoringApp(load_model(str(models["diabetes"])), "test")
    assert warm_up_body(app.model) == (models["diabetes"] / "serving_input_example.json").read_bytes()
    estimator = app.model.get_raw_model()
    assert estimator._matrix_ok is None  # the array path is not proven before any prediction
    assert app.warm_up() is True
    assert estimator._matrix_ok is True
