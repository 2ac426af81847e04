"""The REST store's transport against a scripted stub: retries, error mapping, keep-alive, headers."""
from __future__ import annotations

import base64
import json
import os
import socket
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from mlplug.entities import Metric, Param, RunTag
from mlplug.errors import AlreadyExists, InvalidParameter, MlplugError, NotFound
from mlplug.http import HttpConnectionError, HttpSettings, close_idle_connections
from mlplug_store_rest.store import RestTrackingStore

FAST = HttpSettings(timeout=5, max_retries=3, backoff_factor=0.01, backoff_jitter=0)
EXPERIMENT = {"experiment": {"experiment_id": "7", "name": "e", "lifecycle_stage": "active"}}


@pytest.fixture(autouse=True)
def _fresh_connections():
    close_idle_connections()
    yield
    close_idle_connections()


def store_for(stub, settings=FAST) -> RestTrackingStore:
    return RestTrackingStore(stub.url, settings)


def test_503_then_200_is_retried(stub):
    stub.then(503, b"busy").then(200, EXPERIMENT)
    assert store_for(stub).get_experiment("7").name == "e"
    assert [r.path for r in stub.requests] == ["/api/2.0/mlflow/experiments/get?experiment_id=7"] * 2


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_every_retryable_status_is_retried(stub, status):
    stub.then(status, b"{}").then(200, EXPERIMENT)
    assert store_for(stub).get_experiment("7").experiment_id == "7"
    assert len(stub.requests) == 2


def test_retries_give_up_and_report_the_last_error(stub):
    stub.default.status, stub.default.body = 503, {"error_code": "TEMPORARILY_UNAVAILABLE", "message": "try later"}
    with pytest.raises(MlplugError) as err:
        store_for(stub).get_experiment("7")
    assert err.value.error_code == "TEMPORARILY_UNAVAILABLE"
    assert err.value.message == "try later"
    assert len(stub.requests) == 1 + FAST.max_retries


def test_client_errors_are_not_retried(stub):
    stub.then(400, {"error_code": "INVALID_PARAMETER_VALUE", "message": "bad name"})
    with pytest.raises(InvalidParameter, match="bad name"):
        store_for(stub).create_experiment("x")
    assert len(stub.requests) == 1


def test_a_500_that_states_a_fact_is_not_retried(stub):
    stub.then(500, {"error_code": "INVALID_STATE", "message": "Cannot rename a non-active experiment."})
    with pytest.raises(MlplugError) as err:
        store_for(stub).rename_experiment("7", "new")
    assert (err.value.error_code, len(stub.requests)) == ("INVALID_STATE", 1)
    stub.then(500, {"error_code": "INTERNAL_ERROR", "message": "database is locked"}).then(200, {})
    store_for(stub).rename_experiment("7", "new")
    assert len(stub.requests) == 3


def test_retry_after_header_is_honoured(stub):
    stub.then(429, b"{}", headers={"Retry-After": "1"}).then(200, EXPERIMENT)
    started = time.monotonic()
    store_for(stub).get_experiment("7")
    assert time.monotonic() - started >= 0.9


@pytest.mark.parametrize("status,body,cls,code", [
    (404, {"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "No Experiment with id=9 exists"}, NotFound,
     "RESOURCE_DOES_NOT_EXIST"),
    (400, {"error_code": "RESOURCE_ALREADY_EXISTS", "message": "exists"}, AlreadyExists, "RESOURCE_ALREADY_EXISTS"),
    (500, {"error_code": "INVALID_STATE", "message": "deleted"}, MlplugError, "INVALID_STATE"),
    (403, {"error_code": "PERMISSION_DENIED", "message": "nope"}, MlplugError, "PERMISSION_DENIED"),
])
def test_server_errors_become_the_same_exceptions(stub, status, body, cls, code):
    stub.then(status, body)
    with pytest.raises(cls) as err:
        store_for(stub, HttpSettings(max_retries=0)).get_experiment("9")
    assert err.value.error_code == code
    assert err.value.message == body["message"]


def test_non_json_error_keeps_status_and_body_in_the_message(stub):
    stub.then(404, b"<html>Not Found</html>")
    with pytest.raises(MlplugError) as err:
        store_for(stub).get_run("abc")
    assert err.value.error_code == "ENDPOINT_NOT_FOUND"
    assert "404" in err.value.message and "<html>Not Found</html>" in err.value.message


def test_get_experiment_by_name_returns_none_when_missing(stub):
    stub.then(404, {"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "no such experiment"})
    assert store_for(stub).get_experiment_by_name("ghost") is None
    assert parse_qs(urlsplit(stub.requests[0].path).query) == {"experiment_name": ["ghost"]}


def test_connection_refused_is_retried_then_reported():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens here
    store = RestTrackingStore(f"http://127.0.0.1:{port}", HttpSettings(max_retries=2, backoff_factor=0.01,
                                                                       backoff_jitter=0))
    with pytest.raises(HttpConnectionError, match=r"after 3 attempt\(s\).*server is running"):
        store.get_experiment("1")


def test_read_timeout_is_retried(stub):
    stub.then(200, EXPERIMENT, delay=1.0).then(200, EXPERIMENT)
    settings = HttpSettings(timeout=0.3, max_retries=1, backoff_factor=0.01, backoff_jitter=0)
    assert store_for(stub, settings).get_experiment("7").name == "e"
    assert len(stub.requests) == 2


def test_one_kept_alive_connection_serves_many_requests(stub):
    stub.default.body = EXPERIMENT
    store = store_for(stub)
    for _ in range(5):
        store.get_experiment("7")
    assert len({r.client_port for r in stub.requests}) == 1


def test_reconnects_when_the_server_closes_the_connection(stub):
    stub.default.body = EXPERIMENT
    stub.then(200, EXPERIMENT, close=True)
    store = store_for(stub, HttpSettings(max_retries=0))
    store.get_experiment("7")
    store.get_experiment("7")
    assert len(stub.requests) == 2
    assert stub.requests[0].client_port != stub.requests[1].client_port


def test_stale_idle_connection_is_replaced_without_a_retry(stub):
    stub.default.body = EXPERIMENT
    stub.then(200, EXPERIMENT, drop=True)  # answers as keep-alive, then hangs up, like an idle timeout
    store = store_for(stub, HttpSettings(max_retries=0))
    store.get_experiment("7")
    time.sleep(0.1)
    assert store.get_experiment("7").name == "e"
    assert len(stub.requests) == 2


def test_get_sends_lists_as_repeated_query_parameters(stub):
    stub.then(200, {"metrics": [{"key": "m", "value": 1, "timestamp": 5, "step": 0, "run_id": "a"}]})
    got = store_for(stub).get_metric_history_bulk_interval(["a", "b"], "m", 10, start_step=0)
    assert got[0].run_id == "a" and got[0].value == 1.0
    query = parse_qs(urlsplit(stub.requests[0].path).query)
    assert query == {"run_ids": ["a", "b"], "metric_key": ["m"], "max_results": ["10"], "start_step": ["0"]}


def test_post_sends_proto_json(stub):
    store_for(stub).log_batch("r1", metrics=[Metric("m", float("nan"), 3, 1)], params=[Param("p", "1")],
                              tags=[RunTag("t", "v")])
    request = stub.requests[0]
    assert request.method == "POST" and request.path == "/api/2.0/mlflow/runs/log-batch"
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.body) == {"run_id": "r1",
                                        "metrics": [{"key": "m", "value": "NaN", "timestamp": 3, "step": 1}],
                                        "params": [{"key": "p", "value": "1"}], "tags": [{"key": "t", "value": "v"}]}


def test_invalid_batch_is_rejected_before_sending(stub):
    with pytest.raises(InvalidParameter, match="at most 100 params"):
        store_for(stub).log_batch("r1", params=[Param(f"p{i}", "v") for i in range(101)])
    with pytest.raises(InvalidParameter, match="invalid value"):
        store_for(stub).log_metric("r1", Metric("m", "high", 1, 0))
    assert stub.requests == []


def test_metric_history_gathers_every_page(stub):
    point = {"key": "m", "value": 1, "timestamp": 1}
    stub.then(200, {"metrics": [dict(point, step=0)], "next_page_token": "t1"})
    stub.then(200, {"metrics": [dict(point, step=1)]})
    history = store_for(stub).get_metric_history("r", "m")
    assert [m.step for m in history] == [0, 1] and history.token is None
    assert parse_qs(urlsplit(stub.requests[1].path).query)["page_token"] == ["t1"]


def test_user_agent_and_basic_auth_from_environment(stub, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", "ann")
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", "s3cret")
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", "ignored-when-user-and-password-are-set")
    stub.default.body = EXPERIMENT
    RestTrackingStore(stub.url).get_experiment("7")
    headers = stub.requests[0].headers
    assert headers["User-Agent"].startswith("mlplug/")
    assert headers["Authorization"] == "Basic " + base64.b64encode(b"ann:s3cret").decode()


def test_bearer_token_and_retry_settings_from_environment(stub, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", "tok")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "1")
    monkeypatch.setenv("MLPLUG_HTTP_REQUEST_BACKOFF_JITTER", "0")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", "0.01")
    stub.default.status = 503
    store = RestTrackingStore(stub.url)
    assert (store.http.settings.max_retries, store.http.settings.backoff_jitter) == (1, 0.0)
    with pytest.raises(MlplugError):
        store.get_experiment("7")
    assert len(stub.requests) == 2
    assert stub.requests[0].headers["Authorization"] == "Bearer tok"


def test_request_headers_hook_adds_headers(stub, fake_plugins):
    module = """
        from mlplug.hookspecs import hookimpl

        @hookimpl
        def mlplug_request_headers(url):
            return {"X-Trace": "%s", "X-Seen-Url-%s": url}
    """
    fake_plugins("mlplug-fake-headers-a", {"mlplug.plugins": {"a": "fake_headers_a"}},
                 {"fake_headers_a.py": module % ("a", "a")})
    fake_plugins("mlplug-fake-headers-b", {"mlplug.plugins": {"b": "fake_headers_b"}},
                 {"fake_headers_b.py": module % ("b", "b")})
    stub.default.body = EXPERIMENT
    store_for(stub).get_experiment("7")
    headers = stub.requests[0].headers
    assert sorted(headers["X-Trace"].split(" ")) == ["a", "b"]
    assert headers["X-Seen-Url-a"] == stub.url + "/api/2.0/mlflow/experiments/get?experiment_id=7"


def test_url_credentials_are_used_for_basic_auth(stub):
    stub.default.body = EXPERIMENT
    RestTrackingStore(stub.url.replace("http://", "http://bob:pw@"), FAST).get_experiment("7")
    assert stub.requests[0].headers["Authorization"] == "Basic " + base64.b64encode(b"bob:pw").decode()


def test_path_prefix_of_the_tracking_uri_is_kept(stub):
    stub.default.body = EXPERIMENT
    RestTrackingStore(stub.url + "/mlflow/", FAST).get_experiment("7")
    assert stub.requests[0].path.startswith("/mlflow/api/2.0/mlflow/experiments/get?")


def test_the_plugin_serves_http_and_https(plugin_host):
    for uri in ("http://127.0.0.1:1", "https://example.invalid"):
        store = plugin_host.tracking_store(uri)
        assert isinstance(store, RestTrackingStore) and store.store_uri == uri


def test_a_forked_child_does_not_share_the_parents_connection(stub):
    stub.default.body = EXPERIMENT
    store = store_for(stub)
    store.get_experiment("7")
    pid = os.fork()
    if pid == 0:  # the child: one request on a connection of its own, then leave without pytest's teardown
        code = 1
        try:
            code = 0 if store.get_experiment("7").name == "e" else 1
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    store.get_experiment("7")
    ports = [r.client_port for r in stub.requests]
    assert len(ports) == 3 and ports[0] == ports[2] != ports[1]
