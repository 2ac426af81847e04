"""Every tracking endpoint over HTTP against a real gunicorn server: happy paths and error statuses."""
from __future__ import annotations

import json
import time
import uuid

import pytest
from mlplug.protocol import TRACKING

MISSING_NAME = ("Missing value for required parameter 'name'. "
                "See the API docs for more information about request parameters.")


def now() -> int:
    return int(time.time() * 1000)


def post(http, server, path, body=None, **kw):
    return http.post(server.api(path), json=body if body is not None else {}, **kw)


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


@pytest.fixture
def experiment_id(http, server) -> str:
    return ok(post(http, server, "experiments/create", {"name": f"exp-{uuid.uuid4().hex}"}))["experiment_id"]


@pytest.fixture
def run_id(http, server, experiment_id) -> str:
    body = ok(post(http, server, "runs/create", {"experiment_id": experiment_id, "start_time": now()}))
    return body["run"]["info"]["run_id"]


# --- transport rules ---------------------------------------------------------------------------

def test_every_protocol_endpoint_is_routed_under_api_and_ajax_api(http, server):
    for endpoint in TRACKING:
        for base in ("/api/2.0/mlflow", "/ajax-api/2.0/mlflow"):
            url = server.url + base + endpoint.path[len("/api/2.0/mlflow"):]
            method = endpoint.method
            r = http.request(method, url, json={} if method != "GET" else None)
            assert r.status_code in (200, 400, 404), (url, r.status_code, r.text)
            assert r.headers["Content-Type"] == "application/json"
            if r.status_code == 404:
                assert r.json()["error_code"] in ("RESOURCE_DOES_NOT_EXIST",), (url, r.text)


def test_missing_required_field_has_mlflows_message(http, server):
    assert error(post(http, server, "experiments/create", {}), 400, "INVALID_PARAMETER_VALUE") == MISSING_NAME


def test_content_type_must_be_json(http, server):
    r = http.post(server.api("experiments/create"), data='{"name": "x"}', headers={"Content-Type": "text/plain"})
    assert error(r, 400, "INVALID_PARAMETER_VALUE") == "Bad Request. Content-Type must be one of ['application/json']."
    r = http.post(server.api("experiments/create"), data='{"name": "x"}')
    assert error(r, 400, "INVALID_PARAMETER_VALUE") == "Bad Request. Content-Type header is missing."
    r = http.post(server.api("experiments/create"), data=json.dumps({"name": f"ct-{uuid.uuid4().hex}"}),
                  headers={"Content-Type": "application/json; charset=utf-8"})
    assert "experiment_id" in ok(r)


def test_empty_body_is_an_empty_object(http, server):
    r = http.post(server.api("experiments/create"), data=b"", headers={"Content-Type": "application/json"})
    assert error(r, 400, "INVALID_PARAMETER_VALUE") == MISSING_NAME
    r = http.post(server.api("experiments/search"), data=b"", headers={"Content-Type": "application/json"})
    assert "experiments" in ok(r)


def test_malformed_and_non_object_bodies_are_400(http, server):
    for raw in (b'{"name": ', b"[1, 2]", b"42", b"\xff\xfe"):
        r = http.post(server.api("experiments/create"), data=raw, headers={"Content-Type": "application/json"})
        error(r, 400, "INVALID_PARAMETER_VALUE")


def test_body_that_is_a_json_string_is_decoded_twice(http, server):
    name = f"double-{uuid.uuid4().hex}"
    r = http.post(server.api("experiments/create"), data=json.dumps(json.dumps({"name": name})),
                  headers={"Content-Type": "application/json"})
    eid = ok(r)["experiment_id"]
    got = ok(http.get(server.api("experiments/get"), params={"experiment_id": eid}))
    assert got["experiment"]["name"] == name


def test_camel_case_fields_accepted_but_not_both_spellings(http, server, experiment_id):
    got = ok(http.get(server.api("experiments/get"), params={"experimentId": experiment_id}))
    assert got["experiment"]["experiment_id"] == experiment_id
    r = post(http, server, "runs/create", {"experimentId": experiment_id, "startTime": 5})
    assert ok(r)["run"]["info"]["start_time"] == 5
    r = post(http, server, "runs/create", {"experiment_id": experiment_id, "experimentId": experiment_id})
    error(r, 400, "INVALID_PARAMETER_VALUE")


def test_wrong_types_are_400_not_500(http, server, run_id, experiment_id):
    cases = [
        ("experiments/create", {"name": {"a": 1}}),
        ("experiments/create", {"name": "x", "tags": "notalist"}),
        ("experiments/search", {"max_results": "many"}),
        ("experiments/search", {"max_results": True}),
        ("experiments/search", {"order_by": "name"}),
        ("runs/create", {"experiment_id": experiment_id, "start_time": "soon"}),
        ("runs/create", {"experiment_id": experiment_id, "tags": [1, 2]}),
        ("runs/log-metric", {"run_id": run_id, "key": "m", "value": "high", "timestamp": 1}),
        ("runs/log-metric", {"run_id": run_id, "key": "m", "value": True, "timestamp": 1}),
        ("runs/log-metric", {"run_id": run_id, "key": "m", "value": 1, "timestamp": 1.5}),
        ("runs/log-metric", {"run_id": run_id, "key": ["m"], "value": 1, "timestamp": 1}),
        ("runs/log-batch", {"run_id": run_id, "metrics": [{"key": "m"}]}),
        ("runs/log-batch", {"run_id": run_id, "metrics": {"key": "m"}}),
        ("runs/log-batch", {"run_id": run_id, "params": [{"value": "v"}]}),
        ("runs/log-batch", {"run_id": run_id, "metrics": [{"key": "m", "value": 1, "timestamp": 1, "step": "x"}]}),
        ("runs/search", {"experiment_ids": experiment_id}),
        ("runs/search", {"experiment_ids": [experiment_id], "max_results": -1}),
        ("runs/search", {"experiment_ids": [experiment_id], "max_results": 50001}),
        ("runs/log-metric", {"run_id": run_id, "key": "m", "value": 1, "timestamp": 2**70}),
        ("runs/create", {"experiment_id": experiment_id, "start_time": str(2**64)}),
        ("runs/log-inputs", {"run_id": run_id, "datasets": ["x"]}),
        ("runs/log-inputs", {"run_id": run_id, "datasets": [{"dataset": {"name": True, "digest": "d"}}]}),
        ("runs/log-inputs", {"run_id": run_id, "datasets": [{"dataset": {"name": "n", "digest": "d", "schema": []}}]}),
        ("runs/log-inputs", {"run_id": run_id, "datasets": [{"dataset": {"name": "n", "digest": "d"}, "tags": "t"}]}),
        ("runs/log-model", {"run_id": run_id, "model_json": "not json"}),
        ("runs/log-model", {"run_id": run_id, "model_json": "{}"}),
    ]
    for path, body in cases:
        r = post(http, server, path, body)
        assert r.status_code == 400, (path, body, r.status_code, r.text)
        assert r.json()["error_code"] == "INVALID_PARAMETER_VALUE", (path, body, r.text)
    for path, query in [("experiments/search", {"max_results": "x"}),
                        ("metrics/get-history", {"run_id": run_id, "metric_key": "m", "max_results": "1.5"}),
                        ("metrics/get-history", {"run_id": run_id, "metric_key": "m", "max_results": "0"}),
                        ("metrics/get-history-bulk-interval", {"run_ids": run_id, "metric_key": "m",
                                                               "start_step": "a"})]:
        r = http.get(server.api(path), params=query)
        assert r.status_code == 400, (path, query, r.text)


def test_bad_filters_order_by_and_page_tokens_are_400(http, server, experiment_id):
    for body in ({"filter": "name = "}, {"filter": "bogus.x = 1"}, {"order_by": ["nonsense DESC"]},
                 {"page_token": "not-a-token"}):
        error(post(http, server, "experiments/search", body), 400, "INVALID_PARAMETER_VALUE")
    for body in ({"filter": "metrics.acc > 'x' OR params.p = 'a'"}, {"filter": "params.p = unquoted"},
                 {"order_by": ["metrics.a DESC", "metrics.a ASC"]}, {"page_token": "%%%"}):
        error(post(http, server, "runs/search", {"experiment_ids": [experiment_id], **body}),
              400, "INVALID_PARAMETER_VALUE")


def test_unknown_routes_are_json_404(http, server):
    for url in (server.api("does/not/exist"), f"{server.url}/ajax-api/2.0/mlflow/nope", f"{server.url}/nope"):
        error(http.get(url), 404, "ENDPOINT_NOT_FOUND")
    r = http.get(server.api("runs/create"))
    assert r.status_code == 405 and r.json()["error_code"] == "ENDPOINT_NOT_FOUND"


def test_health_version_and_server_info(http, server):
    r = http.get(f"{server.url}/health")
    assert (r.status_code, r.text) == (200, "OK")
    from importlib.metadata import version

    assert http.get(f"{server.url}/version").text == version("mlplug-core")
    assert ok(http.get(f"{server.url}/api/3.0/mlflow/server-info")) == {
        "store_type": "SqlStore", "workspaces_enabled": False,
        "multipart_uploads_enabled": False, "multipart_downloads_enabled": False}


# --- experiments -------------------------------------------------------------------------------

def test_experiment_lifecycle(http, server):
    name = f"life-{uuid.uuid4().hex}"
    eid = ok(post(http, server, "experiments/create", {"name": name, "tags": [{"key": "team", "value": "blue"}]}))[
        "experiment_id"]
    exp = ok(http.get(server.api("experiments/get"), params={"experiment_id": eid}))["experiment"]
    assert exp["name"] == name and exp["lifecycle_stage"] == "active"
    assert exp["tags"] == [{"key": "team", "value": "blue"}]
    assert exp["artifact_location"] == f"mlflow-artifacts:/{eid}"
    by_name = ok(http.get(server.api("experiments/get-by-name"), params={"experiment_name": name}))["experiment"]
    assert by_name["experiment_id"] == eid

    tag = {"experiment_id": eid, "key": "k", "value": "v"}
    assert ok(post(http, server, "experiments/set-experiment-tag", tag)) == {}
    tags = ok(http.get(server.api("experiments/get"), params={"experiment_id": eid}))["experiment"]["tags"]
    assert {"key": "k", "value": "v"} in tags
    assert ok(post(http, server, "experiments/delete-experiment-tag", {"experiment_id": eid, "key": "k"})) == {}
    tags = ok(http.get(server.api("experiments/get"), params={"experiment_id": eid}))["experiment"]["tags"]
    assert {"key": "k", "value": "v"} not in tags

    assert ok(post(http, server, "experiments/update", {"experiment_id": eid, "new_name": name + "-2"})) == {}
    assert ok(post(http, server, "experiments/delete", {"experiment_id": eid})) == {}
    exp = ok(http.get(server.api("experiments/get"), params={"experiment_id": eid}))["experiment"]
    assert (exp["name"], exp["lifecycle_stage"]) == (name + "-2", "deleted")
    error(post(http, server, "experiments/delete", {"experiment_id": eid}), 404, "RESOURCE_DOES_NOT_EXIST")
    error(post(http, server, "experiments/update", {"experiment_id": eid, "new_name": "z"}), 500, "INVALID_STATE")
    assert ok(post(http, server, "experiments/restore", {"experiment_id": eid})) == {}
    exp = ok(http.get(server.api("experiments/get"), params={"experiment_id": eid}))["experiment"]
    assert exp["lifecycle_stage"] == "active"


def test_experiment_errors(http, server, experiment_id):
    name = ok(http.get(server.api("experiments/get"), params={"experiment_id": experiment_id}))["experiment"]["name"]
    error(post(http, server, "experiments/create", {"name": name}), 400, "RESOURCE_ALREADY_EXISTS")
    error(post(http, server, "experiments/create", {"name": ""}), 400, "INVALID_PARAMETER_VALUE")
    msg = error(http.get(server.api("experiments/get"), params={"experiment_id": "999999"}), 404,
                "RESOURCE_DOES_NOT_EXIST")
    assert "999999" in msg
    error(http.get(server.api("experiments/get")), 400, "INVALID_PARAMETER_VALUE")
    error(http.get(server.api("experiments/get-by-name"), params={"experiment_name": "no-such-exp-xyz"}), 404,
          "RESOURCE_DOES_NOT_EXIST")
    error(post(http, server, "experiments/delete-experiment-tag", {"experiment_id": experiment_id, "key": "nope"}),
          404, "RESOURCE_DOES_NOT_EXIST")


def test_search_experiments_get_and_post_with_paging(http, server):
    tag = uuid.uuid4().hex[:8]
    ids = [ok(post(http, server, "experiments/create", {"name": f"page-{tag}-{i}"}))["experiment_id"] for i in range(3)]
    body = {"filter": f"name LIKE 'page-{tag}-%'", "max_results": 2, "order_by": ["name ASC"]}
    first = ok(post(http, server, "experiments/search", body))
    assert [e["experiment_id"] for e in first["experiments"]] == ids[:2]
    second = ok(post(http, server, "experiments/search", {**body, "page_token": first["next_page_token"]}))
    assert [e["experiment_id"] for e in second["experiments"]] == ids[2:]
    assert "next_page_token" not in second
    via_get = ok(http.get(server.api("experiments/search"), params={
        "filter": f"name LIKE 'page-{tag}-%'", "max_results": "5", "order_by": ["name DESC"]}))
    assert [e["experiment_id"] for e in via_get["experiments"]] == ids[::-1]
    assert ok(post(http, server, "experiments/search", {"filter": "name = 'no-such-experiment-anywhere'"})) == {}
    deleted = ok(post(http, server, "experiments/search", {"view_type": "DELETED_ONLY",
                                                           "filter": f"name LIKE 'page-{tag}-%'"}))
    assert deleted == {}


# --- runs --------------------------------------------------------------------------------------

def test_run_lifecycle(http, server, experiment_id):
    start = now()
    run = ok(post(http, server, "runs/create", {"experiment_id": experiment_id, "start_time": start,
                                                "user_id": "ann", "run_name": "first",
                                                "tags": [{"key": "t", "value": "1"}]}))["run"]
    info = run["info"]
    rid = info["run_id"]
    assert info["run_uuid"] == rid and info["status"] == "RUNNING" and info["user_id"] == "ann"
    assert info["run_name"] == "first" and info["start_time"] == start and "end_time" not in info
    assert info["artifact_uri"] == f"mlflow-artifacts:/{experiment_id}/{rid}/artifacts"
    assert {"key": "t", "value": "1"} in run["data"]["tags"]

    updated = ok(post(http, server, "runs/update", {"run_id": rid, "status": "FINISHED", "end_time": start + 5,
                                                    "run_name": "renamed"}))["run_info"]
    assert (updated["status"], updated["end_time"], updated["run_name"]) == ("FINISHED", start + 5, "renamed")
    got = ok(http.get(server.api("runs/get"), params={"run_id": rid}))["run"]
    assert {"key": "mlflow.runName", "value": "renamed"} in got["data"]["tags"]
    assert ok(http.get(server.api("runs/get"), params={"run_uuid": rid}))["run"]["info"]["run_id"] == rid

    assert ok(post(http, server, "runs/delete", {"run_id": rid})) == {}
    assert ok(http.get(server.api("runs/get"), params={"run_id": rid}))["run"]["info"]["lifecycle_stage"] == "deleted"
    msg = error(post(http, server, "runs/log-parameter", {"run_id": rid, "key": "p", "value": "v"}), 400,
                "INVALID_PARAMETER_VALUE")
    assert "must be in the 'active' state" in msg
    assert ok(post(http, server, "runs/restore", {"run_uuid": rid})) == {}
    assert ok(http.get(server.api("runs/get"), params={"run_id": rid}))["run"]["info"]["lifecycle_stage"] == "active"


def test_run_without_name_gets_generated_one(http, server, experiment_id):
    run = ok(post(http, server, "runs/create", {"experiment_id": experiment_id, "start_time": now()}))["run"]
    name = run["info"]["run_name"]
    assert name and {"key": "mlflow.runName", "value": name} in run["data"]["tags"]


def test_run_errors(http, server, experiment_id):
    error(http.get(server.api("runs/get"), params={"run_id": "0" * 32}), 404, "RESOURCE_DOES_NOT_EXIST")
    error(http.get(server.api("runs/get")), 400, "INVALID_PARAMETER_VALUE")
    error(post(http, server, "runs/create", {"experiment_id": "987654"}), 404, "RESOURCE_DOES_NOT_EXIST")
    error(post(http, server, "runs/update", {"status": "FINISHED"}), 400, "INVALID_PARAMETER_VALUE")
    error(post(http, server, "runs/delete", {"run_id": "f" * 32}), 404, "RESOURCE_DOES_NOT_EXIST")


def test_metrics_params_tags(http, server, run_id):
    t = now()
    for step, value in enumerate([0.5, 0.7, "NaN"]):
        assert ok(post(http, server, "runs/log-metric", {"run_id": run_id, "key": "acc", "value": value,
                                                         "timestamp": t + step, "step": step})) == {}
    assert ok(post(http, server, "runs/log-metric", {"run_uuid": run_id, "key": "inf", "value": "Infinity",
                                                     "timestamp": t})) == {}
    assert ok(post(http, server, "runs/log-parameter", {"run_id": run_id, "key": "lr", "value": "0.1"})) == {}
    assert ok(post(http, server, "runs/log-parameter", {"run_id": run_id, "key": "lr", "value": "0.1"})) == {}
    assert ok(post(http, server, "runs/log-parameter", {"run_id": run_id, "key": "empty", "value": ""})) == {}
    msg = error(post(http, server, "runs/log-parameter", {"run_id": run_id, "key": "lr", "value": "0.2"}), 400,
                "INVALID_PARAMETER_VALUE")
    assert "Changing param values is not allowed" in msg
    assert ok(post(http, server, "runs/set-tag", {"run_id": run_id, "key": "stage", "value": "dev"})) == {}
    assert ok(post(http, server, "runs/set-tag", {"run_id": run_id, "key": "gone", "value": "x"})) == {}
    assert ok(post(http, server, "runs/delete-tag", {"run_id": run_id, "key": "gone"})) == {}
    error(post(http, server, "runs/delete-tag", {"run_id": run_id, "key": "gone"}), 404, "RESOURCE_DOES_NOT_EXIST")

    data = ok(http.get(server.api("runs/get"), params={"run_id": run_id}))["run"]["data"]
    metrics = {m["key"]: m for m in data["metrics"]}
    assert metrics["acc"]["value"] == "NaN" and metrics["acc"]["step"] == 2
    assert metrics["inf"]["value"] == "Infinity"
    assert {"key": "lr", "value": "0.1"} in data["params"] and {"key": "empty", "value": ""} in data["params"]
    assert {"key": "stage", "value": "dev"} in data["tags"]
    assert not any(tag["key"] == "gone" for tag in data["tags"])

    history = ok(http.get(server.api("metrics/get-history"), params={"run_id": run_id, "metric_key": "acc"}))
    assert [m["value"] for m in history["metrics"]] == [0.5, 0.7, "NaN"]
    page = ok(http.get(server.api("metrics/get-history"), params={"run_id": run_id, "metric_key": "acc",
                                                                 "max_results": 2}))
    assert [m["step"] for m in page["metrics"]] == [0, 1] and page["next_page_token"]
    rest = ok(http.get(server.api("metrics/get-history"), params={
        "run_id": run_id, "metric_key": "acc", "max_results": 2, "page_token": page["next_page_token"]}))
    assert [m["step"] for m in rest["metrics"]] == [2]
    assert ok(http.get(server.api("metrics/get-history"), params={"run_id": run_id, "metric_key": "nope"})) == {}
    error(http.get(server.api("metrics/get-history"), params={"run_id": run_id}), 400, "INVALID_PARAMETER_VALUE")


def test_bad_keys_are_rejected(http, server, run_id):
    for key in ("bad/../k", "/abs", "semi;colon"):
        error(post(http, server, "runs/log-metric", {"run_id": run_id, "key": key, "value": 1, "timestamp": 1}),
              400, "INVALID_PARAMETER_VALUE")


def test_log_batch_is_all_or_nothing(http, server, run_id):
    t = now()
    body = {"run_id": run_id,
            "metrics": [{"key": f"m{i}", "value": i / 10, "timestamp": t, "step": 0} for i in range(100)],
            "params": [{"key": f"p{i}", "value": str(i)} for i in range(10)],
            "tags": [{"key": "team", "value": "x"}]}
    assert ok(post(http, server, "runs/log-batch", body)) == {}
    data = ok(http.get(server.api("runs/get"), params={"run_id": run_id}))["run"]["data"]
    assert len(data["metrics"]) == 100 and len(data["params"]) == 10
    bad = {"run_id": run_id, "metrics": [{"key": "new_metric", "value": 1, "timestamp": t}],
           "params": [{"key": "p1", "value": "changed"}]}
    error(post(http, server, "runs/log-batch", bad), 400, "INVALID_PARAMETER_VALUE")
    history = ok(http.get(server.api("metrics/get-history"), params={"run_id": run_id, "metric_key": "new_metric"}))
    assert history == {}
    too_many = {"run_id": run_id, "metrics": [{"key": "m", "value": 1, "timestamp": t, "step": i}
                                              for i in range(1001)]}
    error(post(http, server, "runs/log-batch", too_many), 400, "INVALID_PARAMETER_VALUE")


def test_metric_history_bulk_interval(http, server, experiment_id):
    rids = []
    for _ in range(2):
        rid = ok(post(http, server, "runs/create", {"experiment_id": experiment_id, "start_time": now()}))["run"][
            "info"]["run_id"]
        post(http, server, "runs/log-batch", {"run_id": rid, "metrics": [
            {"key": "loss", "value": float(s), "timestamp": s, "step": s} for s in range(10)]})
        rids.append(rid)
    got = ok(http.get(server.api("metrics/get-history-bulk-interval"), params={
        "run_ids": rids, "metric_key": "loss", "start_step": 2, "end_step": 4}))
    assert sorted((m["run_id"], m["step"]) for m in got["metrics"]) == sorted((r, s) for r in rids for s in (2, 3, 4))
    error(http.get(server.api("metrics/get-history-bulk-interval"), params={"metric_key": "loss"}), 400,
          "INVALID_PARAMETER_VALUE")
    error(http.get(server.api("metrics/get-history-bulk-interval"), params={
        "run_ids": rids, "metric_key": "loss", "start_step": 5, "end_step": 1}), 400, "INVALID_PARAMETER_VALUE")


def test_search_runs(http, server, experiment_id):
    rids = []
    for i in range(3):
        rid = ok(post(http, server, "runs/create", {"experiment_id": experiment_id, "start_time": now() + i,
                                                    "run_name": f"r{i}"}))["run"]["info"]["run_id"]
        post(http, server, "runs/log-batch", {"run_id": rid, "metrics": [{"key": "acc", "value": i, "timestamp": 1}],
                                              "params": [{"key": "lr", "value": str(i)}]})
        rids.append(rid)
    got = ok(post(http, server, "runs/search", {"experiment_ids": [experiment_id], "filter": "metrics.acc >= 1",
                                                "order_by": ["metrics.acc DESC"]}))
    assert [r["info"]["run_id"] for r in got["runs"]] == [rids[2], rids[1]]
    page = ok(post(http, server, "runs/search", {"experiment_ids": [experiment_id], "max_results": 2}))
    assert len(page["runs"]) == 2 and page["next_page_token"]
    rest = ok(post(http, server, "runs/search", {"experiment_ids": [experiment_id], "max_results": 2,
                                                 "page_token": page["next_page_token"]}))
    assert len(rest["runs"]) == 1 and "next_page_token" not in rest
    assert ok(post(http, server, "runs/search", {"experiment_ids": [experiment_id],
                                                 "filter": "params.lr = 'none'"})) == {}
    post(http, server, "runs/delete", {"run_id": rids[0]})
    deleted = ok(post(http, server, "runs/search", {"experiment_ids": [experiment_id],
                                                    "run_view_type": "DELETED_ONLY"}))
    assert [r["info"]["run_id"] for r in deleted["runs"]] == [rids[0]]


def test_log_model_inputs_outputs(http, server, run_id):
    model = {"artifact_path": "model", "flavors": {"python_function": {}}, "utc_time_created": "2024-01-01",
             "run_id": run_id}
    assert ok(post(http, server, "runs/log-model", {"run_id": run_id, "model_json": json.dumps(model)})) == {}
    assert ok(post(http, server, "runs/log-model", {"run_id": run_id, "model_json": json.dumps(model)})) == {}
    tags = {t["key"]: t["value"] for t in
            ok(http.get(server.api("runs/get"), params={"run_id": run_id}))["run"]["data"]["tags"]}
    assert json.loads(tags["mlflow.log-model.history"]) == [model, model]

    dataset = {"tags": [{"key": "mlflow.data.context", "value": "train"}],
               "dataset": {"name": "iris", "digest": "abc123", "source_type": "local", "source": "{}"}}
    assert ok(post(http, server, "runs/log-inputs", {"run_id": run_id, "datasets": [dataset]})) == {}
    inputs = ok(http.get(server.api("runs/get"), params={"run_id": run_id}))["run"]["inputs"]
    assert inputs["dataset_inputs"][0]["dataset"]["name"] == "iris"
    assert inputs["dataset_inputs"][0]["tags"] == [{"key": "mlflow.data.context", "value": "train"}]
    r = post(http, server, "runs/outputs", {"run_id": run_id, "models": [{"model_id": "m-123", "step": 3}]})
    assert r.status_code in (200, 404), r.text


def test_artifacts_list_endpoint(http, server, run_id, experiment_id):
    base = f"{experiment_id}/{run_id}/artifacts"
    for path, data in (("top.txt", b"top"), ("dir/a.txt", b"a"), ("dir/sub/b.bin", b"bb")):
        assert http.put(server.proxy(f"{base}/{path}"), data=data).status_code == 200
    root = ok(http.get(server.api("artifacts/list"), params={"run_id": run_id}))
    assert root["root_uri"] == f"mlflow-artifacts:/{base}"
    assert root["files"] == [{"path": "dir", "is_dir": True}, {"path": "top.txt", "is_dir": False, "file_size": 3}]
    nested = ok(http.get(server.api("artifacts/list"), params={"run_id": run_id, "path": "dir"}))
    assert nested["files"] == [{"path": "dir/a.txt", "is_dir": False, "file_size": 1},
                               {"path": "dir/sub", "is_dir": True}]
    empty = ok(http.get(server.api("artifacts/list"), params={"run_id": run_id, "path": "missing"}))
    assert empty == {"root_uri": f"mlflow-artifacts:/{base}"}
    error(http.get(server.api("artifacts/list"), params={"run_id": run_id, "path": "../../x"}), 400,
          "INVALID_PARAMETER_VALUE")
    error(http.get(server.api("artifacts/list"), params={"run_id": "0" * 32}), 404, "RESOURCE_DOES_NOT_EXIST")


def test_logged_model_search_is_empty_without_logged_models(http, server, experiment_id):
    body = {"experiment_ids": [experiment_id], "filter": "name = 'model'", "order_by": [{"field_name": "name"}]}
    assert ok(post(http, server, "logged-models/search", body)) == {}
    error(post(http, server, "logged-models/search", {"experiment_ids": experiment_id}), 400, "INVALID_PARAMETER_VALUE")


def test_unusual_names_round_trip_through_query_strings_and_bodies(http, server):
    name = f"odd name %20 #frag :colon ünï 日本 {uuid.uuid4().hex[:6]}"
    eid = ok(post(http, server, "experiments/create", {"name": name}))["experiment_id"]
    got = ok(http.get(server.api("experiments/get-by-name"), params={"experiment_name": name}))["experiment"]
    assert (got["experiment_id"], got["name"]) == (eid, name)
    run = ok(post(http, server, "runs/create", {"experiment_id": eid, "run_name": "rün #1 50%"}))["run"]
    rid = run["info"]["run_id"]
    key = "val loss: top/1"
    assert ok(post(http, server, "runs/log-metric", {"run_id": rid, "key": key, "value": 1.5, "timestamp": 1})) == {}
    post(http, server, "runs/set-tag", {"run_id": rid, "key": "note", "value": "ünïcødé # % : ✓"})
    history = ok(http.get(server.api("metrics/get-history"), params={"run_id": rid, "metric_key": key}))
    assert [(m["key"], m["value"]) for m in history["metrics"]] == [(key, 1.5)]
    run = ok(http.get(server.api("runs/get"), params={"run_id": rid}))["run"]
    assert run["info"]["run_name"] == "rün #1 50%"
    assert {"key": "note", "value": "ünïcødé # % : ✓"} in run["data"]["tags"]
