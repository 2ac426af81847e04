"""The `local` project backend: the entry point runs as a child process on this machine.

Order of work, so that bad input never leaves a run behind: fetch the project, read it, check the
parameters and build the command, prepare the environment — each failure a one-line error before any
run exists — then create (or take over) the run and start the child. From then on every outcome ends
the run: FINISHED or FAILED by the child's exit status, KILLED when cancelled.

The child gets its own session (process group), so a Ctrl-C in the terminal reaches only `mlplug run`,
which then stops the whole group: SIGINT first (Python scripts end their runs cleanly), SIGTERM after a
grace period, SIGKILL last.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading

from mlplug.config import setting
from mlplug.contracts.project import ProjectBackend, RunRequest, SubmittedRun
from mlplug.entities import RunStatus
from mlplug.envs.sources import providers
from mlplug.projects import parameters, sources
from mlplug.projects.mlproject import load_project
from mlplug.projects.tracking import child_environment, project_tags, start_project_run
from mlplug.uri import scheme_of

from mlplug_cli_run import environments

#: Seconds between the signals that stop a cancelled child (SIGINT, then SIGTERM, then SIGKILL).
GRACE_SECONDS = 10.0


def say(message: str) -> None:
    print(f"=== {message} ===", file=sys.stderr, flush=True)


class LocalSubmittedRun(SubmittedRun):
    def __init__(self, run_id: str, process: subprocess.Popen, client, checkout: str | None):
        self._run_id = run_id
        self.process = process
        self._client = client
        self._checkout = checkout
        self._cancelled = False
        self._status: str | None = None
        self._lock = threading.Lock()

    @property
    def run_id(self) -> str:
        return self._run_id

    def wait(self) -> bool:
        code = self.process.wait()
        return self._finish(RunStatus.KILLED if self._cancelled else
                            RunStatus.FINISHED if code == 0 else RunStatus.FAILED, code)

    def get_status(self) -> str:
        if self._status is not None:
            return self._status
        return RunStatus.RUNNING if self.process.poll() is None else self._client.get_run(self._run_id).info.status

    def cancel(self) -> None:
        self._cancelled = True
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
            if self.process.poll() is not None:
                break
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.process.wait(timeout=GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                continue
        self.process.wait()
        self._finish(RunStatus.KILLED, self.process.returncode)

    def _finish(self, status: str, code: int | None) -> bool:
        with self._lock:
            if self._status is None:
                self._status = status
                try:
                    self._client.set_terminated(self._run_id, status)
                finally:
                    if self._checkout:
                        shutil.rmtree(os.path.dirname(self._checkout), ignore_errors=True)
                if status == RunStatus.FINISHED:
                    say(f"Run (ID '{self._run_id}') succeeded")
                elif status == RunStatus.KILLED:
                    say(f"Run (ID '{self._run_id}') was killed")
                else:
                    say(f"Run (ID '{self._run_id}') failed: the command exited with status {code}")
        return self._status == RunStatus.FINISHED


class LocalBackend(ProjectBackend):
    name = "local"

    def run(self, request: RunRequest) -> SubmittedRun:
        from mlplug.tracking.client import MlplugClient

        work = tempfile.mkdtemp(prefix="mlplug-project-")
        try:
            fetched = sources.fetch(request.project_uri, request.version, os.path.join(work, "checkout"))
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        if fetched.checkout is None:
            shutil.rmtree(work, ignore_errors=True)
        try:
            return self._start(request, fetched, MlplugClient(request.tracking_uri))
        except BaseException:
            if fetched.checkout:
                shutil.rmtree(work, ignore_errors=True)
            raise

    def _start(self, request: RunRequest, fetched: sources.FetchedProject, client) -> SubmittedRun:
        project = load_project(fetched.directory)
        entry = project.entry_point(request.entry_point)
        storage_dir = request.storage_dir or setting("TMP_DIR")
        resolved = parameters.resolve(entry, request.params, storage_dir)
        manager_name = environments.manager_name(project, request.env_manager)
        manager = environments.get_manager(manager_name)
        experiment = client.get_experiment(request.experiment_id)
        needed = (providers("mlplug.tracking_store", [scheme_of(request.tracking_uri)])
                  + providers("mlplug.artifact_repository", [scheme_of(experiment.artifact_location or "")]))
        with environments.spec_directory(project) as spec_dir:
            env = manager.prepare(spec_dir, distributions=needed, replace_mlflow=False)
        tags = project_tags(fetched, entry.name, self.name, manager_name)
        run_id = start_project_run(client, request.experiment_id, tags, resolved.params, request.run_name,
                                   request.run_id)
        try:
            say(f"Running command '{resolved.command}' in run with ID '{run_id}'")
            process = subprocess.Popen(
                env.command(resolved.command), cwd=project.directory, start_new_session=True,
                env={**os.environ, **child_environment(run_id, request.tracking_uri, request.experiment_id)})
        except BaseException as err:
            client.set_terminated(run_id, RunStatus.KILLED if isinstance(err, KeyboardInterrupt) else RunStatus.FAILED)
            raise
        return LocalSubmittedRun(run_id, process, client, fetched.checkout)
