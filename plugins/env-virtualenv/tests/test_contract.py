"""`virtualenv` passes the env-manager contract, building with uv (the default here) and with venv + pip."""
from __future__ import annotations

import pytest
from mlplug.testing.contracts.env import EnvManagerContract
from mlplug_env_virtualenv.manager import VirtualenvManager


class TestVirtualenvManager(EnvManagerContract):
    @pytest.fixture
    def manager(self):
        return VirtualenvManager()


class TestVirtualenvManagerWithPip(EnvManagerContract):
    @pytest.fixture(scope="class", autouse=True)
    @classmethod
    def pip_only(cls):
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("MLPLUG_ENV_INSTALLER", "pip")
            yield

    @pytest.fixture
    def manager(self):
        return VirtualenvManager()

    def test_the_environment_was_built_with_pip(self, environment):
        import json
        import os

        with open(os.path.join(environment.path, "mlplug-env.json")) as f:
            assert json.load(f)["installer"] == "pip"
