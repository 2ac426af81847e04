"""A real `mlplug models serve` (gunicorn, --env-manager local) on the models MLflow 3.17.2 saved: MLflow's
scoring protocol, its predictions, and a clear 4xx for every kind of bad request."""
from __future__ import annotations

import http.client
import io
import json

import pandas as pd
import pytest
import requests

KEYS = ["diabetes", "iris"]


@pytest.fixture(scope="module")
def servers(models, start_scoring_server):
    return {key: start_scoring_server(path, "--env-manager", "local") for key, path in models.items()}


@pytest.fixture(scope="module")
def diabetes(servers):
    return servers["diabetes"].url


@pytest.fixture(scope="module")
def frame(serving_example):
    """frame(key) -> the serving example as a DataFrame."""
    def build(key: str) -> pd.DataFrame:
        split = serving_example(key)["dataframe_split"]
        return pd.DataFrame(split["data"], columns=split["columns"])
    return build


@pytest.fixture(scope="module")
def row(frame) -> dict:
    """The first diabetes row as {column: value}."""
    return frame("diabetes").iloc[0].to_dict()


def invoke(url: str, body, content_type: str = "application/json") -> requests.Response:
    """POST /invocations; bytes and str are sent as they are, anything else as JSON."""
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return requests.post(f"{url}/invocations", data=data, headers={"Content-Type": content_type}, timeout=30)


# --- health and version ------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/ping", "/health"])
def test_health_routes_answer_once_the_model_is_loaded(diabetes, path):
    response = requests.get(diabetes + path, timeout=10)
    assert (response.status_code, response.text, response.headers["Content-Type"]) == (200, "\n", "application/json")


def test_version_is_mlplugs(diabetes):
    from importlib.metadata import version

    response = requests.get(diabetes + "/version", timeout=10)
    assert (response.status_code, response.text) == (200, version("mlplug-core"))


# --- predictions ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("key", KEYS)
def test_serving_input_example_gives_the_fixture_predictions(servers, models, expected, check_predictions, key):
    response = invoke(servers[key].url, (models[key] / "serving_input_example.json").read_bytes())
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/json"
    assert list(response.json()) == ["predictions"]
    check_predictions(response.json()["predictions"], expected[key])


FORMS = {
    "split": lambda f, ex: ({"dataframe_split": f.to_dict(orient="split")}, "application/json"),
    "split as saved": lambda f, ex: (ex, "application/json"),
    "split with params": lambda f, ex: ({**ex, "params": {}}, "application/json"),
    "json with charset": lambda f, ex: (ex, "application/json; charset=UTF-8"),
    "records": lambda f, ex: ({"dataframe_records": f.to_dict(orient="records")}, "application/json"),
    "instances": lambda f, ex: ({"instances": f.to_dict(orient="records")}, "application/json"),
    "inputs": lambda f, ex: ({"inputs": f.to_dict(orient="list")}, "application/json"),
    "csv": lambda f, ex: (f.to_csv(index=False), "text/csv"),
    "csv with charset": lambda f, ex: (f.to_csv(index=False), "text/csv; charset=utf-8"),
}


@pytest.mark.parametrize("form", sorted(FORMS))
@pytest.mark.parametrize("key", KEYS)
def test_every_input_form_gives_the_same_predictions(servers, frame, serving_example, expected, check_predictions,
                                                     key, form):
    body, content_type = FORMS[form](frame(key), serving_example(key))
    response = invoke(servers[key].url, body, content_type)
    assert response.status_code == 200, response.text
    check_predictions(response.json()["predictions"], expected[key])


def test_parquet_input(diabetes, frame, expected, check_predictions):
    pytest.importorskip("pyarrow")
    buffer = io.BytesIO()
    frame("diabetes").to_parquet(buffer)
    response = invoke(diabetes, buffer.getvalue(), "application/vnd.apache.parquet")
    assert response.status_code == 200, response.text
    check_predictions(response.json()["predictions"], expected["diabetes"])


def test_predictions_equal_the_dataframe_path_on_many_rows(diabetes, models):
    """The server's numeric fast path (no DataFrame) predicts what the DataFrame path does, to the bit."""
    from mlplug.pyfunc import load_model
    from sklearn.datasets import load_diabetes

    data = load_diabetes(as_frame=True).data.head(200)
    direct = load_model(str(models["diabetes"])).predict(data)
    response = invoke(diabetes, {"dataframe_split": data.to_dict(orient="split")})
    assert response.status_code == 200
    assert response.json()["predictions"] == direct.tolist()


def test_one_connection_serves_many_requests(diabetes, serving_example, expected, check_predictions):
    connection = http.client.HTTPConnection("127.0.0.1", int(diabetes.rsplit(":", 1)[1]), timeout=10)
    body = json.dumps(serving_example("diabetes"))
    for _ in range(5):
        connection.request("POST", "/invocations", body=body, headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        assert response.status == 200 and response.getheader("Connection", "").lower() != "close"
        check_predictions(json.loads(response.read())["predictions"], expected["diabetes"])
    connection.close()


# --- bad requests --------------------------------------------------------------------------------------

def _without(row: dict, column: str) -> dict:
    return {k: v for k, v in row.items() if k != column}


BAD_JSON = {
    "invalid JSON": lambda row: b'{"dataframe_split": {"columns": ["age"]',
    "not UTF-8": lambda row: b'{"inputs": "\xff\xfe"}',
    "a top-level list": lambda row: [list(row.values())],
    "a top-level string": lambda row: "just text",
    "no input field": lambda row: {"params": {}},
    "only unknown fields": lambda row: {"rows": [list(row.values())]},
    "the pre-2.0 payload": lambda row: {"columns": list(row), "data": [list(row.values())]},
    "two input fields": lambda row: {"dataframe_records": [row], "inputs": [list(row.values())]},
    "an unknown field next to a known one": lambda row: {"dataframe_records": [row], "extra": 1},
    "split that is a list": lambda row: {"dataframe_split": [list(row.values())]},
    "split without data": lambda row: {"dataframe_split": {"columns": list(row)}},
    "split with an unknown key": lambda row: {"dataframe_split": {"columns": list(row), "data": [list(row.values())],
                                                                  "dtypes": {}}},
    "split with ragged rows": lambda row: {"dataframe_split": {"columns": list(row),
                                                               "data": [list(row.values()), [1.0]]}},
    "records that are a dict": lambda row: {"dataframe_records": row},
    "params that are a list": lambda row: {"dataframe_records": [row], "params": [1]},
    "instances mixing records and values": lambda row: {"instances": [row, 1.0]},
    "inputs that cannot be numbers": lambda row: {"inputs": {"age": [[1.0], 2.0]}},
}


def _encoded(body) -> bytes:
    return body if isinstance(body, bytes) else json.dumps(body).encode()


@pytest.mark.parametrize("case", sorted(BAD_JSON))
def test_malformed_json_is_a_bad_request(diabetes, row, case):
    response = invoke(diabetes, _encoded(BAD_JSON[case](row)))
    assert response.status_code == 400, response.text
    assert response.json()["error_code"] == "BAD_REQUEST"
    assert response.json()["message"] and "Traceback" not in response.text


def test_no_input_field_names_the_fields(diabetes):
    message = invoke(diabetes, {"columns": ["age"], "data": [[1.0]]}).json()["message"]
    assert message.startswith("The input must be a JSON dictionary with exactly one of the input fields "
                              "{'dataframe_split', 'dataframe_records', 'instances', 'inputs'}")


SCHEMA_MISMATCHES = {
    "a missing column (split)": (lambda row: {"dataframe_split": {"columns": list(_without(row, "s6")),
                                                                  "data": [list(_without(row, "s6").values())]}},
                                 "Model is missing inputs ['s6']"),
    "a missing column (records)": (lambda row: {"dataframe_records": [_without(row, "s6")]},
                                   "Model is missing inputs ['s6']"),
    "a missing column (inputs)": (lambda row: {"inputs": {k: [v] for k, v in _without(row, "bp").items()}},
                                  "Model is missing inputs ['bp']"),
    "only columns the model does not know": (lambda row: {"dataframe_records": [{"height": 1.8}]},
                                             "Note that there were extra inputs: ['height']"),
}


@pytest.mark.parametrize("case", sorted(SCHEMA_MISMATCHES))
def test_input_that_does_not_fit_the_signature_is_an_invalid_parameter(diabetes, row, case):
    body, detail = SCHEMA_MISMATCHES[case]
    response = invoke(diabetes, body(row))
    assert response.status_code == 400, response.text
    payload = response.json()
    assert payload["error_code"] == "INVALID_PARAMETER_VALUE"
    assert payload["error_class"] == "SCHEMA_ENFORCEMENT_FAILED"
    assert payload["message"].startswith("Failed to predict data '") and detail in payload["message"]


@pytest.mark.parametrize("value", ["old", [1.0, 2.0], {"years": 50}])
@pytest.mark.parametrize("form", ["dataframe_split", "dataframe_records", "inputs"])
def test_a_value_that_is_no_double_in_a_double_column_is_a_bad_request(diabetes, row, value, form):
    changed = {**row, "age": value}
    body = {"dataframe_split": {"columns": list(changed), "data": [list(changed.values())]},
            "dataframe_records": [changed], "inputs": {k: [v] for k, v in changed.items()}}[form]
    response = invoke(diabetes, {form: body})
    assert response.status_code == 400, response.text
    # `inputs` are arrays: a list in a column makes a 2-D column, which the signature then refuses
    wanted = "INVALID_PARAMETER_VALUE" if (form, value) == ("inputs", [1.0, 2.0]) else "BAD_REQUEST"
    assert response.json()["error_code"] == wanted
    assert "age" in response.json()["message"]


@pytest.mark.parametrize("value", ["0.5", True, 7])
def test_double_columns_are_read_as_mlflow_reads_them(diabetes, row, value):
    """Numeric strings, booleans and integers are cast to float64, as MLflow's server casts them."""
    def predict(age):
        changed = {**row, "age": age}
        split = {"columns": list(changed), "data": [list(changed.values())]}
        response = invoke(diabetes, {"dataframe_split": split})
        assert response.status_code == 200, response.text
        return response.json()["predictions"]

    assert predict(value) == predict(float(value))


def test_a_missing_column_in_csv_is_an_invalid_parameter(diabetes, frame):
    response = invoke(diabetes, frame("diabetes").drop(columns=["bmi"]).to_csv(index=False), "text/csv")
    assert response.status_code == 400
    assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE"
    assert "Model is missing inputs ['bmi']" in response.json()["message"]


@pytest.mark.parametrize("csv", ["age,sex\n\"1.0,2.0\n", "age\nnot-a-number\n", ""])
def test_unreadable_csv_is_a_bad_request(diabetes, csv):
    response = invoke(diabetes, csv, "text/csv")
    assert response.status_code == 400, response.text
    assert response.json()["error_code"] == "BAD_REQUEST"
    assert response.json()["message"].startswith("Failed to parse input as a Pandas DataFrame.")


def test_values_the_model_rejects_are_a_bad_request(diabetes, row):
    """NaN passes the signature (it is a double) but the estimator refuses it."""
    body = json.dumps({"dataframe_records": [{**row, "age": float("nan")}]})  # the standard library writes NaN
    response = invoke(diabetes, body)
    assert response.status_code == 400, response.text
    assert response.json()["error_code"] == "BAD_REQUEST"
    assert response.json()["message"].startswith("Encountered an unexpected error while evaluating the model.")


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", None, "application/json; charset=latin-1",
                                          "application/json; format=pandas-split"])
def test_unsupported_content_types_are_415(diabetes, serving_example, content_type):
    response = requests.post(f"{diabetes}/invocations", data=json.dumps(serving_example("diabetes")),
                             headers={"Content-Type": content_type} if content_type else {}, timeout=10)
    assert response.status_code == 415, response.text
    assert response.headers["Content-Type"].startswith("text/plain")


def test_unknown_route_is_404_and_wrong_method_405(diabetes):
    missing = requests.get(diabetes + "/predict", timeout=10)
    assert (missing.status_code, missing.json()["error_code"]) == (404, "ENDPOINT_NOT_FOUND")
    wrong = requests.get(diabetes + "/invocations", timeout=10)
    assert (wrong.status_code, wrong.headers["Allow"]) == (405, "POST")


def test_several_workers_serve_the_model_loaded_once(models, start_scoring_server, serving_example, expected,
                                                     check_predictions):
    from pathlib import Path

    server = start_scoring_server(models["iris"], "--env-manager", "local", "--workers", "2")
    children = Path(f"/proc/{server.proc.pid}/task/{server.proc.pid}/children").read_text().split()
    assert len(children) == 2
    for _ in range(4):
        response = invoke(server.url, serving_example("iris"))
        assert response.status_code == 200
        check_predictions(response.json()["predictions"], expected["iris"])
