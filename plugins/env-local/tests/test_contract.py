"""`local` passes the env-manager contract (as a manager that builds nothing)."""
from __future__ import annotations

import sys

import pytest
from mlplug.testing.contracts.env import EnvManagerContract, write_spec
from mlplug_env_local.manager import LocalEnvManager


class TestLocalEnvManager(EnvManagerContract):
    isolated = False

    @pytest.fixture
    def manager(self):
        return LocalEnvManager()


def test_the_environment_is_this_interpreter_whatever_the_spec_asks(tmp_path):
    env = LocalEnvManager().prepare(str(write_spec(tmp_path, python="2.1.0", requirements=["nothing-here==0"])))
    assert env.python == sys.executable
