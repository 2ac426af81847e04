"""Fixtures for the Python API's end-to-end tests (test_tracking_api*.py): one clean fluent state per
test, on a fresh SQLite file or on a real server shared by the module."""
from __future__ import annotations

import pytest

import mlplug
from mlplug import config
from mlplug.testing.servers import MlplugServer
from mlplug.tracking import fluent

ENV = ("RUN_ID", "EXPERIMENT_ID", "EXPERIMENT_NAME", "TRACKING_URI", "REGISTRY_URI")


@pytest.fixture(scope="module")
def server_url(tmp_path_factory):
    with MlplugServer(tmp_path_factory.mktemp("server"), workers=2) as server:
        yield server.url


@pytest.fixture(params=["sqlite", "http"])
def backend(request, tmp_path, monkeypatch) -> str:
    """A clean fluent state pointed at a fresh SQLite file or at the shared real server."""
    uri = f"sqlite:///{tmp_path / 'mlplug.db'}" if request.param == "sqlite" else request.getfixturevalue("server_url")
    monkeypatch.chdir(tmp_path)
    for name in ENV:
        monkeypatch.delenv("MLPLUG_" + name, raising=False)
        monkeypatch.delenv("MLFLOW_" + name, raising=False)
    monkeypatch.setenv("MLPLUG_TRACKING_URI", uri)
    monkeypatch.setattr(fluent, "_active_experiment_id", None)
    monkeypatch.setattr(fluent, "_clients", {})
    config.set_tracking_uri(None)
    config.set_registry_uri(None)
    yield uri
    while mlplug.active_run():
        mlplug.end_run()
    config.set_tracking_uri(None)
    config.set_registry_uri(None)
