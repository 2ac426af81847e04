"""The ProjectBackend contract as tests. Every project backend passes them: the suite is the spec.

Subclass `ProjectBackendContract` and provide a `backend` fixture; the suite gives each test a fresh
SQLite tracking URI (`tracking_uri`, needs mlplug-store-sql) and a small project (`project_dir`) whose
entry points run in `--env-manager local`::

    from mlplug.testing.contracts.project import ProjectBackendContract

    class TestMyBackend(ProjectBackendContract):
        @pytest.fixture
        def backend(self):
            return MyBackend()

A backend for a remote cluster whose jobs cannot see this machine's files overrides `project_dir` and
`tracking_uri` with what its cluster can reach.
"""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from mlplug.contracts.project import ProjectBackend, RunRequest, SubmittedRun
from mlplug.errors import MlplugError

MLPROJECT = """
name: contract
entry_points:
  main:
    parameters:
      value: float
      code: {type: float, default: 0}
    command: "python step.py {value} {code}"
  sleep:
    command: "python -c 'import time; time.sleep(120)'"
"""

STEP = """
import sys
import mlplug

value, code = float(sys.argv[1]), int(float(sys.argv[2]))
with mlplug.start_run():
    mlplug.log_metric("value", value)
sys.exit(code)
"""


class ProjectBackendContract:
    @pytest.fixture
    def tracking_uri(self, tmp_path) -> str:
        return f"sqlite:///{tmp_path / 'contract.db'}"

    @pytest.fixture
    def project_dir(self, tmp_path) -> Path:
        directory = tmp_path / "contract project"
        directory.mkdir()
        (directory / "MLproject").write_text(MLPROJECT)
        (directory / "step.py").write_text(STEP)
        return directory

    @pytest.fixture
    def client(self, tracking_uri):
        from mlplug.tracking.client import MlplugClient

        return MlplugClient(tracking_uri)

    def request(self, project_dir: Path, tracking_uri: str, **fields) -> RunRequest:
        return RunRequest(project_uri=str(project_dir), tracking_uri=tracking_uri, experiment_id="0",
                          env_manager="local", **fields)

    def runs(self, client) -> list:
        return list(client.search_runs(["0"]))

    def test_is_a_backend(self, backend):
        assert isinstance(backend, ProjectBackend)

    def test_a_successful_entry_point_finishes_the_run(self, backend, project_dir, tracking_uri, client):
        submitted = backend.run(self.request(project_dir, tracking_uri, params={"value": "2.5"}, run_name="ok"))
        assert isinstance(submitted, SubmittedRun)
        assert submitted.wait() is True
        assert submitted.get_status() == "FINISHED"
        run = client.get_run(submitted.run_id)
        assert (run.info.status, run.info.run_name, run.data.metrics) == ("FINISHED", "ok", {"value": 2.5})
        assert run.data.params == {"value": "2.5", "code": "0"}
        assert run.data.tags["mlflow.source.type"] == "PROJECT"
        assert run.data.tags["mlflow.project.entryPoint"] == "main"

    def test_a_failing_entry_point_fails_the_run(self, backend, project_dir, tracking_uri, client):
        submitted = backend.run(self.request(project_dir, tracking_uri, params={"value": "1", "code": "4"}))
        assert submitted.wait() is False
        assert client.get_run(submitted.run_id).info.status == "FAILED"

    def test_cancel_stops_the_entry_point_and_kills_the_run(self, backend, project_dir, tracking_uri, client):
        submitted = backend.run(self.request(project_dir, tracking_uri, entry_point="sleep"))
        assert submitted.get_status() == "RUNNING"
        started = time.monotonic()
        submitted.cancel()
        assert time.monotonic() - started < 30
        assert submitted.wait() is False
        assert client.get_run(submitted.run_id).info.status == "KILLED"

    @pytest.mark.parametrize("fields, message", [
        ({}, "No value given for missing parameters: 'value'"),
        ({"params": {"value": "x"}}, "must be a float"),
        ({"params": {"value": "1"}, "entry_point": "absent"}, "Entry point 'absent' is not defined"),
    ])
    def test_bad_input_raises_before_any_run(self, backend, project_dir, tracking_uri, client, fields, message):
        with pytest.raises(MlplugError) as info:
            backend.run(self.request(project_dir, tracking_uri, **fields))
        assert message in info.value.message and "\n" not in info.value.message
        assert self.runs(client) == []

    def test_a_missing_project_is_a_clear_error(self, backend, tmp_path, tracking_uri, client):
        with pytest.raises(MlplugError):
            backend.run(self.request(tmp_path / "absent", tracking_uri))
        assert self.runs(client) == []
