"""The `local` backend passes the kernel's project-backend contract."""
from __future__ import annotations

import pytest
from mlplug.host import PluginHost
from mlplug.testing.contracts.project import ProjectBackendContract
from mlplug_cli_run.backend import LocalBackend


class TestLocalBackend(ProjectBackendContract):
    @pytest.fixture
    def backend(self):
        return LocalBackend()

    def test_the_host_finds_it_by_name(self):
        assert isinstance(PluginHost().project_backend("local"), LocalBackend)
