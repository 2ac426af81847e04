"""A real `mlplug server` (gunicorn, SQLite, local artifact destination) shared by this folder's tests."""
from __future__ import annotations

from typing import Iterator

import pytest
from mlplug.testing.servers import MlplugServer


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Iterator[MlplugServer]:
    """`url`, and `destination`: where the proxy writes `mlflow-artifacts:/<path>`."""
    with MlplugServer(tmp_path_factory.mktemp("server"), workers=2) as running:
        yield running
