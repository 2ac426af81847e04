"""`--timeout`: a prediction slower than it gets a 504 while the server keeps answering other requests."""
from __future__ import annotations

import json
import sys
import time

import pytest
import requests

SLOW_MODEL = '''
import time

from mlplug_flavor_pyfunc import PythonModel


class Sleepy(PythonModel):
    """Sleeps for the first value of column `seconds`, then predicts it back."""

    def predict(self, context, model_input, params=None):
        seconds = float(model_input["seconds"].iloc[0])
        time.sleep(seconds)
        return [seconds]
'''


@pytest.fixture(scope="module")
def sleepy_model(tmp_path_factory):
    """A custom python_function model (saved by mlplug) whose class ships in the model's code/."""
    import mlplug.pyfunc

    root = tmp_path_factory.mktemp("sleepy")
    module = root / "sleepy_model.py"
    module.write_text(SLOW_MODEL)
    sys.path.insert(0, str(root))
    try:
        from sleepy_model import Sleepy

        path = root / "model"
        mlplug.pyfunc.save_model(str(path), python_model=Sleepy(), code_paths=[str(module)])
    finally:
        sys.path.remove(str(root))
        sys.modules.pop("sleepy_model", None)
    return path


@pytest.fixture(scope="module")
def server(sleepy_model, start_scoring_server):
    return start_scoring_server(sleepy_model, "--env-manager", "local", "--timeout", "1")


def sleep_for(server, seconds: float) -> requests.Response:
    body = json.dumps({"dataframe_split": {"columns": ["seconds"], "data": [[seconds]]}})
    return requests.post(f"{server.url}/invocations", data=body, headers={"Content-Type": "application/json"},
                         timeout=30)


def test_a_fast_prediction_answers(server):
    response = sleep_for(server, 0.05)
    assert response.status_code == 200, response.text
    assert response.json() == {"predictions": [0.05]}


def test_a_prediction_slower_than_the_timeout_is_a_504(server):
    start = time.monotonic()
    response = sleep_for(server, 3)
    elapsed = time.monotonic() - start
    assert (response.status_code, response.text) == (504, "Request processing time exceeded limit")
    assert 0.9 < elapsed < 2.5  # answered at the timeout, not when the prediction finished
    assert requests.get(f"{server.url}/ping", timeout=5).status_code == 200
    assert sleep_for(server, 0.05).status_code == 200
