"""What `mlplug run` does once its options are parsed: build the request, hand it to the backend, wait
for the run, and turn Ctrl-C / SIGTERM into a cancelled (KILLED) run."""
from __future__ import annotations

import json
import os
import signal
from typing import Any

from mlplug import config
from mlplug.contracts.project import RunRequest, SubmittedRun
from mlplug.errors import InvalidParameter, MlplugError
from mlplug.host import get_host
from mlplug.projects.parameters import parse_param_list


def launch(*, uri: str, entry_point: str, version: str | None, param_list: tuple[str, ...],
           experiment_name: str | None, experiment_id: str | None, run_name: str | None, env_manager: str | None,
           run_id: str | None, storage_dir: str | None, backend: str, backend_config: str | None,
           tracking_uri: str | None) -> bool | None:
    """True when the run succeeded, False when it failed, None when it was cancelled."""
    from mlplug.tracking.client import MlplugClient

    params = parse_param_list(param_list)
    settings = parse_backend_config(backend_config)
    project_backend = get_host().project_backend(backend)
    uri_in_use = tracking_uri or config.tracking_uri()
    client = MlplugClient(uri_in_use)
    request = RunRequest(
        project_uri=uri, tracking_uri=uri_in_use, entry_point=entry_point, params=params, version=version,
        experiment_id=resolve_experiment(client, experiment_name, experiment_id, run_id), env_manager=env_manager,
        run_id=run_id, run_name=run_name, storage_dir=os.path.abspath(storage_dir) if storage_dir else None,
        backend_config=settings)
    with _sigterm_as_interrupt():
        submitted = project_backend.run(request)
        return _wait(submitted)


def _wait(submitted: SubmittedRun) -> bool | None:
    try:
        return submitted.wait()
    except KeyboardInterrupt:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not abandon the cleanup
        submitted.cancel()
        return None


class _sigterm_as_interrupt:
    """SIGTERM (a supervisor stopping `mlplug run`) is handled like Ctrl-C: the run ends KILLED."""

    def __enter__(self) -> None:
        def interrupt(_signum, _frame):
            raise KeyboardInterrupt
        self._previous = signal.signal(signal.SIGTERM, interrupt)

    def __exit__(self, *exc: Any) -> None:
        signal.signal(signal.SIGTERM, self._previous)


def resolve_experiment(client, name: str | None, experiment_id: str | None, run_id: str | None) -> str:
    """The experiment to run in: by id (it must exist), by name (created if missing), the run's own
    for --run-id, else the default experiment "0"."""
    from mlplug.errors import AlreadyExists

    if experiment_id:
        return client.get_experiment(str(experiment_id)).experiment_id
    if name:
        found = client.get_experiment_by_name(name)
        if found is not None:
            return found.experiment_id
        try:
            return client.create_experiment(name)
        except AlreadyExists:  # created meanwhile by another process
            return client.get_experiment_by_name(name).experiment_id
    if run_id:
        return client.get_run(run_id).info.experiment_id
    return "0"


def parse_backend_config(value: str | None) -> dict:
    """`--backend-config`: a path ending in .json, else a JSON object string."""
    if not value:
        return {}
    try:
        if value.endswith(".json"):
            if not os.path.isfile(value):
                raise InvalidParameter(f"Backend config file '{value}' does not exist.")
            with open(value, encoding="utf-8") as f:
                data = json.load(f)
        else:
            data = json.loads(value)
    except json.JSONDecodeError as err:
        raise InvalidParameter(f"Invalid backend config JSON. Parse error: {err}") from None
    if not isinstance(data, dict):
        raise MlplugError("The backend config must be a JSON object.", "INVALID_PARAMETER_VALUE")
    return data
