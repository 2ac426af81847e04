"""Plugins extend the running server through `mlplug_server_app` and `mlplug_server_middleware`."""
from __future__ import annotations

import os

import pytest
import requests
from mlplug.testing import write_fake_distribution

PLUGIN = '''
from flask import jsonify
from mlplug.hookspecs import hookimpl


@hookimpl
def mlplug_server_app(app, config):
    @app.route("/plugin/config")
    def plugin_config():
        return jsonify(backend=config["backend_store_uri"], serve=config["serve_artifacts"])

    @app.route("/plugin/boom")
    def boom():
        raise RuntimeError("kaboom from a plugin route")


@hookimpl
def mlplug_server_middleware(wsgi_app, config):
    def tagged(environ, start_response):
        def start(status, headers, exc_info=None):
            return start_response(status, headers + [("X-Fake-Plugin", "on")], exc_info)
        return wsgi_app(environ, start)
    return tagged
'''


@pytest.fixture(scope="module")
def hooked_server(start_server, tmp_path_factory):
    site = tmp_path_factory.mktemp("site")
    write_fake_distribution(site, "mlplug-fake-server-hooks", {"mlplug.plugins": {"fake_hooks": "fake_server_hooks"}},
                            {"fake_server_hooks.py": PLUGIN})
    path = os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))
    return start_server(env={"PYTHONPATH": path})


def test_server_app_hook_adds_routes_with_the_config(hooked_server):
    r = requests.get(f"{hooked_server.url}/plugin/config")
    assert r.json() == {"backend": f"sqlite:///{hooked_server.db}", "serve": True}


def test_middleware_hook_wraps_every_response(hooked_server):
    assert requests.get(f"{hooked_server.url}/health").headers["X-Fake-Plugin"] == "on"
    r = requests.post(hooked_server.api("experiments/create"), json={})
    assert r.status_code == 400 and r.headers["X-Fake-Plugin"] == "on"


def test_unexpected_errors_are_json_500_and_logged_with_traceback(hooked_server):
    r = requests.get(f"{hooked_server.url}/plugin/boom")
    assert r.status_code == 500
    assert r.json() == {"error_code": "INTERNAL_ERROR", "message": "RuntimeError: kaboom from a plugin route"}
    log = hooked_server.output()
    assert "Unhandled error in GET /plugin/boom" in log and "Traceback" in log
