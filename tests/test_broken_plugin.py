"""A really installed broken plugin (tests/fixtures/broken_plugin) next to working ones.

The environment is this one when it already has `mlplug-broken-example` (`tox -e broken`), otherwise a
throwaway venv with core, the experiments command, the SQL store and the fixture, all built by uv.
"""
from __future__ import annotations

import json
import sys
from importlib.metadata import PackageNotFoundError, version

import pytest

from mlplug.testing import run_console_script

ERROR = ("plugin 'broken-example' (mlplug.commands) from mlplug-broken-example 0.1.0 failed to load: "
         "ImportError: mlplug-broken-example's engine is unavailable (broken on purpose for tests)")


def _installed_here() -> bool:
    try:
        version("mlplug-broken-example")
        return True
    except PackageNotFoundError:
        return False


@pytest.fixture(scope="module")
def python(workspace_venv) -> str:
    if _installed_here():
        return sys.executable
    return workspace_venv("core", "plugins/cli-experiments", "plugins/store-sql", "plugins/artifacts-file",
                          "tests/fixtures/broken_plugin")


@pytest.fixture
def mlplug(python, tmp_path):
    """Run `mlplug` in that environment with its own tracking database."""
    def run(*args: str):
        return run_console_script(*args, python=python, env={"MLPLUG_TRACKING_URI": f"sqlite:///{tmp_path}/t.db",
                                                             "MLFLOW_TRACKING_URI": ""})
    return run


def test_help_lists_the_broken_command_and_still_works(mlplug):
    result = mlplug("--help")

    assert result.returncode == 0, result.stderr
    [line] = [line for line in result.stdout.splitlines() if line.strip().startswith("broken-example ")]
    assert "[broken plugin: run 'mlplug plugins' for details]" in line


def test_running_the_broken_command_prints_the_recorded_error(mlplug):
    result = mlplug("broken-example")

    assert result.returncode == 1
    assert result.stderr == f"Error: {ERROR}\n"


def test_plugins_lists_it_as_broken(mlplug):
    table = mlplug("plugins")
    records = {r["name"]: r for r in json.loads(mlplug("plugins", "--output", "json").stdout)}

    assert table.returncode == 0, table.stderr
    [row] = [row for row in table.stdout.splitlines() if " broken-example " in row]
    assert row.split()[:5] == ["commands", "broken-example", "mlplug-broken-example", "0.1.0", "broken"]
    assert records["broken-example"]["status"] == "broken"
    assert records["broken-example"]["error"] == ERROR
    assert records["experiments"]["status"] == "ok"
    assert records["sqlite"]["status"] == "ok"


def test_doctor_reports_it(mlplug):
    table = mlplug("doctor")
    report = json.loads(mlplug("doctor", "--output", "json").stdout)

    assert table.returncode == 0, table.stderr
    assert f"  [broken] commands:broken-example (mlplug-broken-example 0.1.0) {ERROR}" in table.stdout.splitlines()
    assert table.stdout.splitlines()[-1] == "1 problem(s) found."
    assert [p["name"] for p in report["plugins"] if p["status"] != "ok"] == ["broken-example"]


def test_other_commands_keep_working(mlplug):
    created = mlplug("experiments", "create", "-n", "still-works")
    searched = mlplug("experiments", "search")

    assert (created.returncode, created.stderr) == (0, ""), created.stderr
    assert created.stdout.startswith("Created experiment 'still-works' with id ")
    assert searched.returncode == 0, searched.stderr
    assert any(row.split()[1:2] == ["still-works"] for row in searched.stdout.splitlines()[2:])
