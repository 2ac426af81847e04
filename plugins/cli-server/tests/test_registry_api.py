"""The model-registry and logged-model endpoints over HTTP against a real gunicorn server: MLflow's
request and response shapes, methods, path fields, and error codes with their HTTP statuses."""
from __future__ import annotations

import time
import uuid

import pytest
from mlplug.protocol import API, LOGGED_MODELS, REGISTRY

def now() -> int:
    return int(time.time() * 1000)


def post(http, server, path, body=None):
    return http.post(server.api(path), json=body if body is not None else {})


def ok(response) -> dict:
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/json"
    return response.json()


def error(response, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert body["error_code"] == code, body
    return body["message"]


def name() -> str:
    return f"model-{uuid.uuid4().hex[:12]}"


def get(http, server, path, **params):
    return http.get(server.api(path), params=params)


def call(http, server, method, path, body):
    return http.request(method, server.api(path), json=body)


@pytest.fixture
def model(http, server) -> str:
    registered = name()
    ok(post(http, server, "registered-models/create", {"name": registered}))
    return registered


@pytest.fixture
def experiment_id(http, server) -> str:
    return ok(post(http, server, "experiments/create", {"name": f"exp-{uuid.uuid4().hex}"}))["experiment_id"]


@pytest.fixture
def run_id(http, server, experiment_id) -> str:
    return ok(post(http, server, "runs/create", {"experiment_id": experiment_id, "start_time": now()}))["run"]["info"][
        "run_id"]


def test_every_registry_and_logged_model_endpoint_answers_json(http, server):
    for endpoint in REGISTRY + LOGGED_MODELS:
        path = endpoint.fill_path({"model_id": "m-" + "0" * 32, "tag_key": "k"})[len(API) + 1:]
        for base in (server.api(path), server.url + "/ajax-api/2.0/mlflow/" + path):
            r = http.request(endpoint.method, base, json={} if endpoint.method != "GET" else None)
            assert r.headers["Content-Type"] == "application/json"
            if "search" in endpoint.name:  # nothing is required
                assert r.status_code in (200, 400), (base, r.status_code, r.text)
            else:
                assert r.status_code in (400, 404), (base, r.status_code, r.text)
                assert r.json()["error_code"] in ("INVALID_PARAMETER_VALUE", "RESOURCE_DOES_NOT_EXIST"), (base, r.text)


def test_registered_model_lifecycle_in_mlflows_shapes(http, server):
    registered = name()
    created = ok(post(http, server, "registered-models/create",
                      {"name": registered, "tags": [{"key": "team", "value": "red"}], "description": "d"}))
    assert created["registered_model"]["name"] == registered
    assert created["registered_model"]["tags"] == [{"key": "team", "value": "red"}]
    version = ok(post(http, server, "model-versions/create", {"name": registered, "source": "s3://b/m"}))
    assert version["model_version"]["version"] == "1"  # a string, as in MLflow
    assert (version["model_version"]["current_stage"], version["model_version"]["status"]) == ("None", "READY")
    assert ok(post(http, server, "registered-models/alias", {"name": registered, "alias": "champion",
                                                             "version": "1"})) == {}
    by_alias = ok(get(http, server, "registered-models/alias", name=registered, alias="champion"))
    assert (by_alias["model_version"]["version"], by_alias["model_version"]["aliases"]) == ("1", ["champion"])
    got = ok(get(http, server, "registered-models/get", name=registered))["registered_model"]
    assert got["aliases"] == [{"alias": "champion", "version": "1"}]
    assert [v["version"] for v in got["latest_versions"]] == ["1"]
    assert ok(get(http, server, "model-versions/get-download-uri", name=registered, version="1")) == {
        "artifact_uri": "s3://b/m"}
    renamed = name()
    assert ok(post(http, server, "registered-models/rename", {"name": registered, "new_name": renamed}))[
        "registered_model"]["name"] == renamed
    updated = ok(call(http, server, "PATCH", "registered-models/update", {"name": renamed, "description": "new"}))
    assert updated["registered_model"]["description"] == "new"
    assert ok(call(http, server, "DELETE", "registered-models/delete", {"name": renamed})) == {}
    error(get(http, server, "registered-models/get", name=renamed), 404, "RESOURCE_DOES_NOT_EXIST")
    error(get(http, server, "model-versions/get", name=renamed, version="1"), 404, "RESOURCE_DOES_NOT_EXIST")


def test_versions_are_never_reused_over_http(http, server, model):
    for expected in ("1", "2", "3"):
        assert ok(post(http, server, "model-versions/create", {"name": model, "source": "s3://b/m"}))[
            "model_version"]["version"] == expected
    assert ok(call(http, server, "DELETE", "model-versions/delete", {"name": model, "version": "3"})) == {}
    error(get(http, server, "model-versions/get", name=model, version="3"), 404, "RESOURCE_DOES_NOT_EXIST")
    assert ok(post(http, server, "model-versions/create", {"name": model, "source": "s3://b/m"}))[
        "model_version"]["version"] == "4"


def test_deleting_a_model_removes_its_versions_tags_and_aliases_over_http(http, server, model):
    ok(post(http, server, "model-versions/create", {"name": model, "source": "s3://b/m"}))
    ok(post(http, server, "registered-models/set-tag", {"name": model, "key": "k", "value": "v"}))
    ok(post(http, server, "model-versions/set-tag", {"name": model, "version": "1", "key": "k", "value": "v"}))
    ok(post(http, server, "registered-models/alias", {"name": model, "alias": "a", "version": "1"}))
    ok(call(http, server, "DELETE", "registered-models/delete", {"name": model}))
    assert ok(get(http, server, "model-versions/search", filter=f"name = '{model}'")) == {}
    ok(post(http, server, "registered-models/create", {"name": model}))
    fresh = ok(get(http, server, "registered-models/get", name=model))["registered_model"]
    assert set(fresh) == {"name", "creation_timestamp", "last_updated_timestamp"}  # no tags, aliases, versions
    error(get(http, server, "registered-models/alias", name=model, alias="a"), 404, "RESOURCE_DOES_NOT_EXIST")


@pytest.mark.parametrize("method, path, body, status, code", [
    ("POST", "registered-models/create", {}, 400, "INVALID_PARAMETER_VALUE"),
    ("POST", "registered-models/create", {"name": ""}, 400, "INVALID_PARAMETER_VALUE"),
    ("POST", "registered-models/create", {"name": "a/b"}, 400, "INVALID_PARAMETER_VALUE"),
    ("POST", "registered-models/create", {"name": ["x"]}, 400, "INVALID_PARAMETER_VALUE"),
    ("POST", "model-versions/create", {"name": "{model}"}, 400, "INVALID_PARAMETER_VALUE"),
    ("POST", "model-versions/create", {"name": "no-such-model", "source": "s3://b"}, 404, "RESOURCE_DOES_NOT_EXIST"),
    ("POST", "model-versions/create", {"name": "{model}", "source": "models:/m-" + "0" * 32}, 404,
     "RESOURCE_DOES_NOT_EXIST"),
    ("POST", "model-versions/create", {"name": "{model}", "source": "models:/"}, 400, "INVALID_PARAMETER_VALUE"),
    ("POST", "registered-models/alias", {"name": "{model}", "alias": "latest", "version": "1"}, 400,
     "INVALID_PARAMETER_VALUE"),
    ("POST", "registered-models/alias", {"name": "{model}", "alias": "champion", "version": "7"}, 404,
     "RESOURCE_DOES_NOT_EXIST"),
    ("POST", "model-versions/transition-stage", {"name": "{model}", "version": "1", "stage": "Nope"}, 400,
     "INVALID_PARAMETER_VALUE"),
    ("POST", "model-versions/transition-stage", {"name": "{model}", "version": "1", "stage": "Staging",
                                                 "archive_existing_versions": "maybe"}, 400, "INVALID_PARAMETER_VALUE"),
    ("PATCH", "model-versions/update", {"name": "{model}", "version": "x"}, 400, "INVALID_PARAMETER_VALUE"),
    ("POST", "registered-models/rename", {"name": "{model}"}, 400, "INVALID_PARAMETER_VALUE"),
    ("GET", "registered-models/search", {"filter": "name = x"}, 400, "INVALID_PARAMETER_VALUE"),
    ("GET", "registered-models/search", {"max_results": "1001"}, 400, "INVALID_PARAMETER_VALUE"),
    ("GET", "registered-models/search", {"max_results": "ten"}, 400, "INVALID_PARAMETER_VALUE"),
    ("GET", "model-versions/search", {"filter": "version_number = 'one'"}, 400, "INVALID_PARAMETER_VALUE"),
    ("GET", "model-versions/search", {"page_token": "bogus"}, 400, "INVALID_PARAMETER_VALUE"),
    ("GET", "registered-models/alias", {"name": "{model}", "alias": "nobody"}, 404, "RESOURCE_DOES_NOT_EXIST"),
])
def test_bad_registry_requests_get_mlflows_error_codes(http, server, model, method, path, body, status, code):
    ok(post(http, server, "model-versions/create", {"name": model, "source": "s3://b/m"}))
    fields = {k: v.replace("{model}", model) if isinstance(v, str) else v for k, v in body.items()}
    if method == "GET":
        response = http.get(server.api(path), params=fields)
    else:
        response = call(http, server, method, path, fields)
    message = error(response, status, code)
    assert message and "Traceback" not in message


def test_duplicate_registered_model_is_resource_already_exists(http, server, model):
    message = error(post(http, server, "registered-models/create", {"name": model}), 400, "RESOURCE_ALREADY_EXISTS")
    assert message == f"Registered Model (name={model}) already exists."


def test_search_takes_repeated_order_by_and_pages(http, server):
    prefix = name()
    for suffix in ("a", "b", "c"):
        ok(post(http, server, "registered-models/create", {"name": f"{prefix}-{suffix}"}))
    first = ok(http.get(server.api("registered-models/search"),
                        params=[("filter", f"name LIKE '{prefix}%'"), ("order_by", "name DESC"), ("max_results", 2)]))
    assert [m["name"] for m in first["registered_models"]] == [f"{prefix}-c", f"{prefix}-b"]
    rest = ok(get(http, server, "registered-models/search", filter=f"name LIKE '{prefix}%'", order_by="name DESC",
                  max_results=2, page_token=first["next_page_token"]))
    assert [m["name"] for m in rest["registered_models"]] == [f"{prefix}-a"] and "next_page_token" not in rest


def test_stages_over_http(http, server, model):
    for _ in range(2):
        ok(post(http, server, "model-versions/create", {"name": model, "source": "s3://b/m"}))
    moved = ok(post(http, server, "model-versions/transition-stage",
                    {"name": model, "version": "1", "stage": "production", "archive_existing_versions": False}))
    assert moved["model_version"]["current_stage"] == "Production"
    ok(post(http, server, "model-versions/transition-stage",
            {"name": model, "version": "2", "stage": "Production", "archive_existing_versions": True}))
    latest = ok(http.get(server.api("registered-models/get-latest-versions"),
                         params=[("name", model), ("stages", "Production"), ("stages", "Archived")]))
    assert [(v["version"], v["current_stage"]) for v in latest["model_versions"]] == [("2", "Production"),
                                                                                       ("1", "Archived")]
    posted = ok(post(http, server, "registered-models/get-latest-versions", {"name": model, "stages": ["archived"]}))
    assert [v["version"] for v in posted["model_versions"]] == ["1"]


# --- logged models -------------------------------------------------------------------------------------

def test_logged_model_lifecycle_in_mlflows_shapes(http, server, experiment_id, run_id):
    created = ok(post(http, server, "logged-models", {
        "experiment_id": experiment_id, "name": "model", "source_run_id": run_id,
        "params": [{"key": "alpha", "value": "1"}], "tags": [{"key": "t", "value": "1"}]}))["model"]
    info = created["info"]
    model_id = info["model_id"]
    assert info["status"] == "LOGGED_MODEL_PENDING"
    assert info["artifact_uri"] == f"mlflow-artifacts:/{experiment_id}/models/{model_id}/artifacts"
    assert created["data"]["params"] == [{"key": "alpha", "value": "1"}]
    assert isinstance(info["creation_timestamp_ms"], int)
    finalized = ok(call(http, server, "PATCH", f"logged-models/{model_id}", {"status": "LOGGED_MODEL_READY"}))
    assert finalized["model"]["info"]["status"] == "LOGGED_MODEL_READY"
    assert ok(call(http, server, "PATCH", f"logged-models/{model_id}", {"status": 3}))["model"]["info"][
        "status"] == "LOGGED_MODEL_UPLOAD_FAILED"  # proto numbers too
    ok(call(http, server, "PATCH", f"logged-models/{model_id}/tags", {"tags": [{"key": "a/b", "value": "2"}]}))
    ok(post(http, server, f"logged-models/{model_id}/params", {"params": [{"key": "beta", "value": "2"}]}))
    got = ok(http.get(server.api(f"logged-models/{model_id}")))["model"]
    assert got["info"]["tags"] == [{"key": "a/b", "value": "2"}, {"key": "t", "value": "1"}]
    assert got["data"]["params"] == [{"key": "alpha", "value": "1"}, {"key": "beta", "value": "2"}]
    assert ok(call(http, server, "DELETE", f"logged-models/{model_id}/tags/a/b", None)) == {}  # a key with a "/"
    assert [t["key"] for t in ok(http.get(server.api(f"logged-models/{model_id}")))["model"]["info"]["tags"]] == ["t"]
    found = ok(post(http, server, "logged-models/search", {"experiment_ids": [experiment_id],
                                                           "filter": f"source_run_id = '{run_id}'"}))
    assert [m["info"]["model_id"] for m in found["models"]] == [model_id]
    assert ok(call(http, server, "DELETE", f"logged-models/{model_id}", None)) == {}
    error(http.get(server.api(f"logged-models/{model_id}")), 404, "RESOURCE_DOES_NOT_EXIST")


def test_version_from_a_logged_model_over_http(http, server, model, experiment_id, run_id):
    logged = ok(post(http, server, "logged-models", {"experiment_id": experiment_id, "source_run_id": run_id}))
    model_id = logged["model"]["info"]["model_id"]
    version = ok(post(http, server, "model-versions/create", {"name": model, "source": f"models:/{model_id}",
                                                             "model_id": model_id}))["model_version"]
    assert (version["source"], version["model_id"], version["run_id"]) == (f"models:/{model_id}", model_id, run_id)
    assert ok(get(http, server, "model-versions/get-download-uri", name=model, version=version["version"])) == {
        "artifact_uri": logged["model"]["info"]["artifact_uri"]}


@pytest.mark.parametrize("method, path, body, status", [
    ("POST", "logged-models", {}, 400),
    ("POST", "logged-models", {"experiment_id": "987654"}, 404),
    ("GET", "logged-models/m-" + "0" * 32, None, 404),
    ("PATCH", "logged-models/{model_id}", {}, 400),
    ("PATCH", "logged-models/{model_id}", {"status": "DONE"}, 400),
    ("PATCH", "logged-models/{model_id}", {"status": "LOGGED_MODEL_PENDING"}, 400),
    ("PATCH", "logged-models/{model_id}/tags", {"tags": "x"}, 400),
    ("DELETE", "logged-models/{model_id}/tags/missing", None, 404),
    ("POST", "logged-models/search", {}, 400),
    ("POST", "logged-models/search", {"experiment_ids": ["{experiment_id}"], "filter": "nope = 1"}, 400),
    ("POST", "logged-models/search", {"experiment_ids": ["{experiment_id}"], "order_by": ["name"]}, 400),
])
def test_bad_logged_model_requests_get_mlflows_error_codes(http, server, experiment_id, method, path, body, status):
    model_id = ok(post(http, server, "logged-models", {"experiment_id": experiment_id}))["model"]["info"]["model_id"]
    path = path.format(model_id=model_id)
    if body is not None:
        body = {k: [x.replace("{experiment_id}", experiment_id) for x in v] if isinstance(v, list) and
                all(isinstance(x, str) for x in v) else v for k, v in body.items()}
    response = http.request(method, server.api(path), json=body)
    error(response, status, "INVALID_PARAMETER_VALUE" if status == 400 else "RESOURCE_DOES_NOT_EXIST")



def test_list_logged_model_artifacts(http, server, experiment_id):
    info = ok(post(http, server, "logged-models", {"experiment_id": experiment_id}))["model"]["info"]
    base = info["artifact_uri"][len("mlflow-artifacts:/"):]
    for path in ("MLmodel", "data/model.pkl"):
        assert http.put(server.proxy(f"{base}/{path}"), data=b"abc").status_code == 200
    listed = ok(get(http, server, f"logged-models/{info['model_id']}/artifacts/directories"))
    assert listed == {"root_uri": info["artifact_uri"], "files": [
        {"path": "MLmodel", "is_dir": False, "file_size": 3}, {"path": "data", "is_dir": True}]}
    nested = ok(get(http, server, f"logged-models/{info['model_id']}/artifacts/directories",
                    artifact_directory_path="data"))
    assert nested["files"] == [{"path": "data/model.pkl", "is_dir": False, "file_size": 3}]
    error(get(http, server, f"logged-models/{info['model_id']}/artifacts/directories",
              artifact_directory_path="../../x"), 400, "INVALID_PARAMETER_VALUE")
