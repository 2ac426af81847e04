"""A real `mlplug server` (gunicorn) per test module, on a free port with its own SQLite file."""
from __future__ import annotations

import pytest
import requests
from mlplug.testing.servers import MlplugServer, free_port, mlplug_executable

MLPLUG = mlplug_executable()


@pytest.fixture(name="free_port")
def free_port_fixture():
    """A function returning a currently unused local TCP port."""
    return free_port


@pytest.fixture(scope="session")
def mlplug_cli() -> str:
    """Path of the `mlplug` executable of this environment."""
    return MLPLUG


@pytest.fixture(scope="module")
def start_server(tmp_path_factory):
    """Factory: `start_server(*extra_args, workers=1)` -> a running Server, stopped after the module."""
    started: list[MlplugServer] = []

    def start(*args: str, workers: int = 1, env: dict | None = None) -> MlplugServer:
        server = MlplugServer(tmp_path_factory.mktemp("server"), *args, workers=workers, env=env).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="module")
def server(start_server) -> MlplugServer:
    return start_server()


@pytest.fixture
def http(server):
    """A keep-alive session that raises on nothing (tests assert statuses themselves)."""
    with requests.Session() as session:
        yield session
