"""`uv` passes the env-manager contract, and its environments are built by uv."""
from __future__ import annotations

import json
import os

import pytest
from mlplug.host import PluginHost
from mlplug.testing.contracts.env import EnvManagerContract


class TestUvManager(EnvManagerContract):
    @pytest.fixture
    def manager(self):
        return PluginHost().env_manager("uv")

    def test_the_environment_was_built_with_uv(self, environment):
        with open(os.path.join(environment.path, "mlplug-env.json")) as f:
            assert json.load(f)["installer"] == "uv"

    def test_uv_is_available_with_this_distribution(self, manager):
        assert manager.available() is None
