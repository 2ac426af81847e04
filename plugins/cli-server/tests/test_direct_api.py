"""The direct API path (`dispatch.ApiDispatcher`) answers exactly as the Flask views do, and steps aside
for everything else and whenever a plugin hooks Flask's requests. In-process apps, no gunicorn."""
from __future__ import annotations

import json
import logging

import pytest
from mlplug.hookspecs import hookimpl
from mlplug.host import PluginHost, set_host

from mlplug_cli_server.app import create_app
from mlplug_cli_server.context import ServerContext
from mlplug_cli_server.dispatch import ApiDispatcher, has_request_hooks
from mlplug_cli_server.settings import ServerConfig

API = "/api/2.0/mlflow"
T0 = 1_700_000_000_000


@pytest.fixture()
def host():
    host = PluginHost()
    host.cross_cutting()
    set_host(host)
    yield host
    set_host(None)


@pytest.fixture()
def config(tmp_path) -> ServerConfig:
    return ServerConfig.resolve(f"sqlite:///{tmp_path / 'direct.db'}", artifacts_destination=str(tmp_path / "art"))


@pytest.fixture()
def clients(host, config):
    """(direct, flask): two apps on one store, the second with its direct path taken out."""
    context = ServerContext(config, host)
    direct_app, flask_app = create_app(config, context), create_app(config, context)
    assert isinstance(direct_app.wsgi_app, ApiDispatcher)
    flask_app.wsgi_app = flask_app.wsgi_app._fallback
    yield direct_app.test_client(), flask_app.test_client()
    context.close()


def _answer(client, method: str, path: str, body=None, **kwargs):
    if body is not None:
        kwargs.setdefault("data", body if isinstance(body, (str, bytes)) else json.dumps(body))
        kwargs.setdefault("content_type", "application/json")
    r = client.open(path, method=method, **kwargs)
    return r.status_code, r.headers.get("Content-Type"), r.get_json(silent=True)


def _same(clients, method: str, path: str, body=None, **kwargs):
    direct, flask = (_answer(c, method, path, body, **kwargs) for c in clients)
    assert direct == flask
    return direct


def test_reads_writes_and_errors_answer_alike(clients):
    direct, _flask = clients
    experiment_id = direct.post(f"{API}/experiments/create", json={"name": "alike"}).get_json()["experiment_id"]
    run_id = direct.post(f"{API}/runs/create", json={"experimentId": experiment_id, "startTime": T0}
                         ).get_json()["run"]["info"]["run_id"]
    # camelCase keys and the NaN literal take the standard library's decoder; plain bodies take orjson
    assert direct.post(f"{API}/runs/log-metric", data='{"runId": "%s", "key": "m", "value": NaN, "timestamp": 1}'
                       % run_id, content_type="application/json").status_code == 200
    assert direct.post(f"{API}/runs/log-batch", json={"run_id": run_id, "metrics": [
        {"key": "m", "value": 2.5, "timestamp": 2, "step": 1}], "params": [{"key": "p", "value": "v"}]}
    ).status_code == 200

    status, ctype, history = _same(clients, "GET", f"{API}/metrics/get-history?run_id={run_id}&metric_key=m")
    assert (status, ctype) == (200, "application/json")
    assert [m["value"] for m in history["metrics"]] == ["NaN", 2.5]
    assert _same(clients, "GET", f"{API}/runs/get?run_uuid={run_id}")[2]["run"]["data"]["params"] == [
        {"key": "p", "value": "v"}]
    _same(clients, "POST", f"{API}/runs/search", {"experiment_ids": [experiment_id], "filter": "metrics.m > 1"})
    _same(clients, "GET", f"{API}/experiments/search?max_results=5&order_by=name&order_by=experiment_id")

    assert _same(clients, "POST", f"{API}/runs/log-metric", {"run_id": "0" * 32, "key": "m", "value": 1,
                                                              "timestamp": 1})[0] == 404
    assert _same(clients, "POST", f"{API}/runs/log-parameter", {"run_id": run_id, "key": "p", "value": "w"})[0] == 400
    assert _same(clients, "POST", f"{API}/runs/log-metric", "{not json")[0] == 400
    assert _same(clients, "POST", f"{API}/runs/log-metric", {"run_id": run_id}, content_type="text/plain")[0] == 400
    assert _same(clients, "POST", f"{API}/runs/log-batch", {"run_id": run_id, "metrics": "nope"})[0] == 400
    assert _same(clients, "POST", f"{API}/runs/log-batch", {"run_id": run_id, "runUuid": run_id,
                                                             "run_uuid": run_id})[0] == 400


def test_registry_and_logged_model_requests_answer_alike(clients):
    direct, _flask = clients
    experiment_id = direct.post(f"{API}/experiments/create", json={"name": "registry"}).get_json()["experiment_id"]
    model_id = direct.post(f"{API}/logged-models", json={"experiment_id": experiment_id}
                           ).get_json()["model"]["info"]["model_id"]
    assert direct.post(f"{API}/registered-models/create", json={"name": "m"}).status_code == 200
    assert direct.post(f"{API}/model-versions/create", json={"name": "m", "source": f"models:/{model_id}"}
                       ).status_code == 200
    assert _same(clients, "POST", f"{API}/registered-models/alias", {"name": "m", "alias": "a", "version": "1"})[0] \
        == 200
    status, _ctype, body = _same(clients, "GET", f"{API}/registered-models/alias?name=m&alias=a")
    assert (status, body["model_version"]["model_id"]) == (200, model_id)
    _same(clients, "GET", f"{API}/registered-models/search?filter=name%3D%27m%27&order_by=name")
    _same(clients, "GET", f"{API}/model-versions/search?max_results=5")
    assert _same(clients, "GET", f"{API}/model-versions/get-download-uri?name=m&version=1")[2]["artifact_uri"] == \
        direct.get(f"{API}/logged-models/{model_id}").get_json()["model"]["info"]["artifact_uri"]
    # endpoints with fields in the path are Flask's routes; the direct path hands them over
    assert _same(clients, "GET", f"{API}/logged-models/{model_id}")[0] == 200
    assert _same(clients, "DELETE", f"{API}/registered-models/alias", {"name": "m", "alias": "a"})[0] == 200
    assert _same(clients, "GET", f"{API}/registered-models/alias?name=m&alias=a")[0] == 404
    assert _same(clients, "DELETE", f"{API}/registered-models/delete", {"name": "nope"})[0] == 404


def test_other_requests_go_to_flask(clients):
    direct, _flask = clients
    assert _same(clients, "GET", f"{API}/runs/log-metric")[0] == 405  # method not served by the endpoint
    assert _same(clients, "GET", f"{API}/no/such/endpoint")[0] == 404
    assert _same(clients, "GET", f"{API}/experiments/get/?experiment_id=0")[0] == 404
    assert _same(clients, "HEAD", f"{API}/experiments/get?experiment_id=0")[2] is None  # no body
    assert direct.get("/health").data == b"OK"


def test_unexpected_errors_are_logged_500s_on_both_paths(clients, host, caplog, monkeypatch):
    direct, _flask = clients
    store = direct.application.extensions["mlplug"].store

    def broken(*_args, **_kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(store, "get_experiment", broken)
    with caplog.at_level(logging.ERROR, logger="mlplug.server"):
        status, _ctype, body = _same(clients, "GET", f"{API}/experiments/get?experiment_id=0")
    assert (status, body) == (500, {"error_code": "INTERNAL_ERROR", "message": "RuntimeError: disk on fire"})
    assert caplog.text.count("Unhandled error in GET /api/2.0/mlflow/experiments/get") == 2


class _HookingPlugin:
    @hookimpl
    def mlplug_server_app(self, app, config):
        @app.before_request
        def count():
            app.config.setdefault("SEEN", []).append(1)


def test_a_plugin_with_request_hooks_keeps_every_request_on_flask(host, config):
    host.pm.register(_HookingPlugin())
    app = create_app(config)
    try:
        assert has_request_hooks(app) and not isinstance(app.wsgi_app, ApiDispatcher)
        client = app.test_client()
        assert client.get(f"{API}/experiments/get?experiment_id=0").status_code == 200
        assert client.post(f"{API}/experiments/create", json={"name": "hooked"}).status_code == 200
        assert len(app.config["SEEN"]) == 2
    finally:
        app.extensions["mlplug"].close()


PROXY = "/api/2.0/mlflow-artifacts/artifacts"


@pytest.mark.parametrize("name", ["model.bin", "notes é #1.txt", "a%b:c.csv"])
def test_plain_downloads_answer_like_the_flask_view(clients, config, name):
    from pathlib import Path
    from urllib.parse import quote

    target = Path(config.artifacts_destination) / "dir" / name
    target.parent.mkdir(parents=True)
    target.write_bytes(b"0123456789" * 100)
    answers = [c.get(f"{PROXY}/dir/{quote(name)}") for c in clients]
    (direct, flask) = answers
    assert direct.status_code == flask.status_code == 200
    assert direct.data == flask.data == target.read_bytes()
    # werkzeug's conditional handling adds a Date, which the WSGI server sends anyway
    assert sorted(direct.headers.items()) == sorted(h for h in flask.headers.items() if h[0] != "Date")
    assert direct.headers["Content-Length"] == "1000"


def test_ranged_and_conditional_downloads_and_errors_go_through_alike(clients, config):
    from pathlib import Path

    target = Path(config.artifacts_destination) / "f.txt"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(b"abcdefghij")
    direct, flask = clients
    ranged = direct.get(f"{PROXY}/f.txt", headers={"Range": "bytes=2-4"})
    assert (ranged.status_code, ranged.data, ranged.headers["Content-Range"]) == (206, b"cde", "bytes 2-4/10")
    etag = direct.get(f"{PROXY}/f.txt").headers["ETag"]
    assert direct.get(f"{PROXY}/f.txt", headers={"If-None-Match": etag}).status_code == 304
    for path in (f"{PROXY}/missing.txt", f"{PROXY}/..%2f..%2fsecret"):
        assert _answer(direct, "GET", path) == _answer(flask, "GET", path)
    assert _answer(direct, "GET", f"{PROXY}/missing.txt")[2]["error_code"] == "RESOURCE_DOES_NOT_EXIST"
