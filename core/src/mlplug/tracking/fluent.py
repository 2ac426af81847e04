"""The fluent API: `mlplug.start_run()`, `mlplug.log_metric(...)` and friends, with an implicit active run.

Each thread has its own stack of active runs (nested runs push onto it). Logging without an active run
starts one, as MLflow does. The experiment comes from `set_experiment`, then `MLPLUG_/MLFLOW_EXPERIMENT_ID`,
then `..._EXPERIMENT_NAME` (created if missing), else the default experiment "0".
"""
from __future__ import annotations

import atexit
import json
import os
import sys
import threading
from typing import Any, Sequence

from mlplug import config
from mlplug.contracts.tracking import now_ms
from mlplug.entities import (DatasetInput, Experiment, LifecycleStage, Metric, ModelVersion, Param, Run,
                             RunStatus, RunTag, ViewType)
from mlplug.errors import AlreadyExists, InvalidParameter, MlplugError, NotFound
from mlplug.tracking import artifacts, context
from mlplug.tracking.client import MlplugClient
from mlplug.uri import join, parse_runs_uri, scheme_of
from mlplug.validation import MAX_RESULTS_SEARCH

_local = threading.local()
MODEL_VERSIONS_TAG = "mlflow.modelVersions"  # on a logged model: the registry versions made from it
_active_experiment_id: str | None = None
_clients: dict[str, MlplugClient] = {}
_atexit_registered = False
_lock = threading.Lock()


def _stack() -> list["ActiveRun"]:
    stack = getattr(_local, "stack", None)
    if stack is None:
        stack = _local.stack = []
    return stack


def _client() -> MlplugClient:
    uri = config.tracking_uri()
    client = _clients.get(uri)
    if client is None:
        client = _clients.setdefault(uri, MlplugClient(uri))
    return client


class ActiveRun:
    """The run `start_run` returned; as a context manager it ends the run FINISHED, or FAILED on an exception."""

    def __init__(self, run: Run):
        self._run = run

    @property
    def info(self):
        return self._run.info

    @property
    def data(self):
        return self._run.data

    @property
    def inputs(self):
        return self._run.inputs

    def __repr__(self) -> str:
        return f"<ActiveRun: run_id={self.info.run_id!r}, experiment_id={self.info.experiment_id!r}>"

    def __enter__(self) -> "ActiveRun":
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        status = RunStatus.FINISHED if exc_type is None else RunStatus.FAILED
        stack = _stack()
        if any(r.info.run_id == self.info.run_id for r in stack):
            while stack:  # runs nested inside this one and still open end with it
                top_id = stack[-1].info.run_id
                end_run(status)
                if top_id == self.info.run_id:
                    break
        return False


# --- tracking URI, registry URI -------------------------------------------------------------------

def set_tracking_uri(uri: str | os.PathLike | None) -> None:
    config.set_tracking_uri(os.fspath(uri) if uri else None)


def get_tracking_uri() -> str:
    return config.tracking_uri()


def set_registry_uri(uri: str | os.PathLike | None) -> None:
    config.set_registry_uri(os.fspath(uri) if uri else None)


def get_registry_uri() -> str:
    return config.registry_uri()


# --- experiments ----------------------------------------------------------------------------------

def set_experiment(experiment_name: str | None = None, experiment_id: str | None = None) -> Experiment:
    """Make an experiment the active one, by name (created if it does not exist) or by id."""
    global _active_experiment_id
    if (experiment_name is None) == (experiment_id is None):
        raise InvalidParameter("Give exactly one of experiment_name or experiment_id to set_experiment.")
    client = _client()
    if experiment_id is not None:
        experiment = client.get_experiment(str(experiment_id))
    else:
        experiment = _get_or_create_experiment(client, experiment_name)
    if experiment.lifecycle_stage == LifecycleStage.DELETED:
        raise InvalidParameter(
            f"Cannot set the deleted experiment {experiment.name!r} (id {experiment.experiment_id}) as the active "
            "experiment. Restore it (mlplug experiments restore) or choose another name.")
    _active_experiment_id = experiment.experiment_id
    return experiment


def _get_or_create_experiment(client: MlplugClient, name: str) -> Experiment:
    experiment = client.get_experiment_by_name(name)
    if experiment is None:
        try:
            return client.get_experiment(client.create_experiment(name))
        except AlreadyExists:  # created meanwhile by another process
            experiment = client.get_experiment_by_name(name)
    return experiment


def _experiment_id() -> str:
    if _active_experiment_id is not None:
        return _active_experiment_id
    env_id = config.setting("EXPERIMENT_ID")
    if env_id:
        return env_id
    env_name = config.setting("EXPERIMENT_NAME")
    if env_name:
        return _get_or_create_experiment(_client(), env_name).experiment_id
    return "0"


def create_experiment(name: str, artifact_location: str | None = None, tags: dict[str, Any] | None = None) -> str:
    return _client().create_experiment(name, artifact_location, tags)


def get_experiment(experiment_id: str) -> Experiment:
    return _client().get_experiment(experiment_id)


def get_experiment_by_name(name: str) -> Experiment | None:
    return _client().get_experiment_by_name(name)


def search_experiments(view_type: int = ViewType.ACTIVE_ONLY, max_results: int | None = None,
                       filter_string: str | None = None, order_by: Sequence[str] | None = None) -> list[Experiment]:
    """Every matching experiment (all pages), or the first `max_results`."""
    client, found, token = _client(), [], None
    while max_results is None or len(found) < max_results:
        page_size = 1000 if max_results is None else min(max_results - len(found), MAX_RESULTS_SEARCH)
        page = client.search_experiments(view_type, page_size, filter_string, order_by, token)
        found.extend(page)
        token = page.token
        if not token:
            break
    return found


# --- runs -----------------------------------------------------------------------------------------

def start_run(run_id: str | None = None, experiment_id: str | None = None, run_name: str | None = None,
              nested: bool = False, parent_run_id: str | None = None, tags: dict[str, Any] | None = None,
              description: str | None = None) -> ActiveRun:
    """Start a new run, or resume `run_id` (or `MLPLUG_RUN_ID` / `MLFLOW_RUN_ID`), and make it active."""
    stack = _stack()
    if stack and not nested:
        raise MlplugError(
            f"Run with UUID {stack[-1].info.run_id} is already active. End it with mlplug.end_run() before "
            "starting another, or call start_run(nested=True) to start a nested run.", "INVALID_PARAMETER_VALUE")
    client = _client()
    user_tags = {str(k): str(v) for k, v in (tags or {}).items()}
    if description is not None and context.NOTE in user_tags:
        raise InvalidParameter(f"Give the description either as `description` or as tag {context.NOTE!r}, not both.")
    resume_id = run_id or (None if stack else _take_env_run_id())
    if resume_id:
        run = _resume(client, resume_id, experiment_id, run_name, user_tags, description)
    else:
        parent = parent_run_id or (stack[-1].info.run_id if stack else None)
        fixed = {}
        if parent:
            fixed[context.PARENT_RUN_ID] = parent
        if description is not None:
            fixed[context.NOTE] = description
        exp_id = str(experiment_id) if experiment_id is not None else _experiment_id()
        run = client.create_run(exp_id, tags=context.run_tags(exp_id, user_tags, fixed), run_name=run_name)
    active = ActiveRun(run)
    stack.append(active)
    _end_runs_at_exit()
    return active


def _take_env_run_id() -> str | None:
    """`MLPLUG_RUN_ID` / `MLFLOW_RUN_ID`, consumed so that later runs in the process are new ones."""
    run_id = config.setting("RUN_ID")
    if run_id:
        os.environ.pop("MLPLUG_RUN_ID", None)
        os.environ.pop("MLFLOW_RUN_ID", None)
    return run_id


def _resume(client: MlplugClient, run_id: str, experiment_id, run_name, tags, description) -> Run:
    run = client.get_run(run_id)
    if experiment_id is not None and str(experiment_id) != run.info.experiment_id:
        raise InvalidParameter(f"Run {run_id} belongs to experiment {run.info.experiment_id}, not {experiment_id}; "
                               "leave experiment_id out to resume it.")
    if run.info.lifecycle_stage == LifecycleStage.DELETED:
        raise InvalidParameter(f"Cannot resume run {run_id}: it is deleted. Restore it first (mlplug runs restore).")
    client.store.update_run_info(run_id, run_status=RunStatus.RUNNING, run_name=run_name)
    extra = dict(tags)
    if description is not None:
        extra[context.NOTE] = description
    if extra:
        client.log_batch(run_id, tags=[RunTag(k, v) for k, v in extra.items()])
    return client.get_run(run_id)


def end_run(status: str = RunStatus.FINISHED) -> None:
    """End the innermost active run (no-op without one)."""
    stack = _stack()
    if not stack:
        return
    run = stack.pop()
    _local.last_run_id = run.info.run_id
    _client().set_terminated(run.info.run_id, status)


def _end_runs_at_exit() -> None:
    global _atexit_registered
    with _lock:
        if not _atexit_registered:
            _atexit_registered = True
            atexit.register(_end_open_runs)


def _end_open_runs() -> None:
    status = RunStatus.FAILED if getattr(sys, "last_value", None) is not None else RunStatus.FINISHED
    while _stack():
        try:
            end_run(status)
        except Exception as err:  # the server may be gone at exit; do not mask the program's own outcome
            print(f"mlplug: could not end run at exit: {err}", file=sys.stderr)
            _stack().pop()


def active_run() -> ActiveRun | None:
    stack = _stack()
    return stack[-1] if stack else None


def last_active_run() -> ActiveRun | Run | None:
    """The active run, else the run most recently ended in this thread (fetched fresh), else None."""
    active = active_run()
    if active is not None:
        return active
    last = getattr(_local, "last_run_id", None)
    return _client().get_run(last) if last else None


def _run_id(run_id: str | None = None) -> str:
    if run_id:
        return run_id
    return (active_run() or start_run()).info.run_id


def get_run(run_id: str) -> Run:
    return _client().get_run(run_id)


def search_runs(experiment_ids: Sequence[str] | None = None, filter_string: str = "",
                run_view_type: int = ViewType.ACTIVE_ONLY, max_results: int = 100000,
                order_by: Sequence[str] | None = None, output_format: str = "list",
                search_all_experiments: bool = False, experiment_names: Sequence[str] | None = None):
    """Runs across all result pages; `output_format="pandas"` gives a DataFrame (needs pandas)."""
    if output_format not in ("list", "pandas"):
        raise InvalidParameter(f"Unsupported output_format {output_format!r}; use 'list' or 'pandas'.")
    client = _client()
    ids = [str(e) for e in (experiment_ids or ())]
    for name in experiment_names or ():
        experiment = client.get_experiment_by_name(name)
        if experiment is not None:
            ids.append(experiment.experiment_id)
    if not ids and not experiment_names:
        ids = ([e.experiment_id for e in search_experiments(ViewType.ALL)] if search_all_experiments
               else [_experiment_id()])
    runs: list[Run] = []
    token = None
    while ids and len(runs) < max_results:
        page = client.search_runs(ids, filter_string, run_view_type,
                                  min(max_results - len(runs), MAX_RESULTS_SEARCH), order_by, token)
        runs.extend(page)
        token = page.token
        if not token:
            break
    return _dataframe(runs) if output_format == "pandas" else runs


def _dataframe(runs: list[Run]):
    try:
        import pandas as pd
    except ImportError:
        raise MlplugError("output_format='pandas' needs pandas: pip install pandas (or use output_format='list').",
                          "INVALID_PARAMETER_VALUE") from None
    info_columns = ["run_id", "experiment_id", "status", "artifact_uri", "start_time", "end_time"]
    rows = []
    for run in runs:
        row: dict[str, Any] = {c: getattr(run.info, c) for c in info_columns}
        row.update({f"metrics.{k}": v for k, v in run.data.metrics.items()})
        row.update({f"params.{k}": v for k, v in run.data.params.items()})
        row.update({f"tags.{k}": v for k, v in run.data.tags.items()})
        rows.append(row)
    frame = pd.DataFrame(rows, columns=None if rows else info_columns)
    for column in ("start_time", "end_time"):
        frame[column] = pd.to_datetime(frame[column], unit="ms", utc=True)
    return frame


# --- logging to the active run ----------------------------------------------------------------------

def log_param(key: str, value: Any, run_id: str | None = None) -> Any:
    return _client().log_param(_run_id(run_id), key, value)


def log_params(params: dict[str, Any], run_id: str | None = None) -> None:
    _client().log_batch(_run_id(run_id), params=[Param(str(k), str(v)) for k, v in params.items()])


def log_metric(key: str, value: float, step: int | None = None, timestamp: int | None = None,
               run_id: str | None = None) -> None:
    _client().log_metric(_run_id(run_id), key, value, timestamp, step)


def log_metrics(metrics: dict[str, float], step: int | None = None, timestamp: int | None = None,
                run_id: str | None = None) -> None:
    """Log several metrics as one batch (split into several requests above 1000)."""
    ts = timestamp if timestamp is not None else now_ms()
    _client().log_batch(_run_id(run_id), metrics=[Metric(str(k), v, ts, step or 0) for k, v in metrics.items()])


def set_tag(key: str, value: Any, run_id: str | None = None) -> None:
    _client().set_tag(_run_id(run_id), key, value)


def set_tags(tags: dict[str, Any], run_id: str | None = None) -> None:
    _client().log_batch(_run_id(run_id), tags=[RunTag(str(k), str(v)) for k, v in tags.items()])


def delete_tag(key: str, run_id: str | None = None) -> None:
    _client().delete_tag(_run_id(run_id), key)


def log_input(dataset: DatasetInput, context: str | None = None, tags: dict[str, str] | None = None,
              run_id: str | None = None) -> None:
    """Record a dataset the run used; `context` (train, eval, ...) becomes the `mlflow.data.context` tag."""
    input_tags = {**dataset.tags, **(tags or {})}
    if context:
        input_tags["mlflow.data.context"] = context
    item = DatasetInput(dataset.name, dataset.digest, dataset.source_type, dataset.source, dataset.schema,
                        dataset.profile, input_tags)
    _client().log_inputs(_run_id(run_id), [item])


def log_artifact(local_path: str, artifact_path: str | None = None, run_id: str | None = None) -> None:
    _client().log_artifact(_run_id(run_id), local_path, artifact_path)


def log_artifacts(local_dir: str, artifact_path: str | None = None, run_id: str | None = None) -> None:
    _client().log_artifacts(_run_id(run_id), local_dir, artifact_path)


def delete_artifacts(artifact_path: str | None = None, run_id: str | None = None) -> None:
    """Remove a file or tree from the active run's artifacts (or `run_id`'s); no path removes them all."""
    _client().delete_artifacts(_run_id(run_id), artifact_path)


def log_dict(dictionary: Any, artifact_file: str, run_id: str | None = None) -> None:
    _client().log_dict(_run_id(run_id), dictionary, artifact_file)


def log_text(text: str, artifact_file: str, run_id: str | None = None) -> None:
    _client().log_text(_run_id(run_id), text, artifact_file)


def get_artifact_uri(artifact_path: str | None = None) -> str:
    """The active run's artifact URI (a run is started if none is active), joined with `artifact_path`."""
    uri = (active_run() or start_run()).info.artifact_uri
    return join(uri, artifact_path) if artifact_path else uri


# --- model registry ---------------------------------------------------------------------------------

def register_model(model_uri: str, name: str, await_registration_for: int | None = None, *,
                   tags: dict[str, Any] | None = None) -> ModelVersion:
    """Register the model at `model_uri` as the next version of `name` (created if it does not exist).

    `models:/<model_id>` (what MLflow 3's `log_model` returns) registers that logged model, and the model
    gets the version in its `mlflow.modelVersions` tag; `runs:/<run_id>/<path>` registers the run's
    artifacts at `path` when they hold an MLmodel, else the run's logged model named `path`.
    """
    client = _client()
    try:
        client.create_registered_model(name)
    except AlreadyExists:
        pass
    source, run_id, model_id = _registration_source(client, model_uri)
    version = client.create_model_version(name, source, run_id, tags, model_id=model_id)
    if model_id:
        model = client.get_logged_model(model_id)
        registered = json.loads(model.tags.get(MODEL_VERSIONS_TAG) or "[]")
        registered.append({"name": version.name, "version": version.version})
        client.set_logged_model_tags(model_id, {MODEL_VERSIONS_TAG: json.dumps(registered)})
    return version


def _registration_source(client: MlplugClient, model_uri: str) -> tuple[str, str | None, str | None]:
    """(source, run id, logged model id) of a version registered from `model_uri`."""
    scheme = scheme_of(model_uri)
    if scheme == "models":
        return model_uri, None, artifacts.parse_models(model_uri).model_id
    if scheme != "runs":
        return model_uri, None, None
    run_id, path = parse_runs_uri(model_uri)
    if any(f.path.rsplit("/", 1)[-1] == "MLmodel" for f in client.list_artifacts(run_id, path or None)):
        return join(client.get_run(run_id).info.artifact_uri, path), run_id, None
    run = client.get_run(run_id)
    quoted = path.replace("'", "''")
    found = client.search_logged_models([run.info.experiment_id],
                                        f"source_run_id = '{run_id}' AND name = '{quoted}'")
    if not found:
        raise NotFound(f"Unable to find a logged model named '{path}' from run {run_id}, nor an MLmodel in its "
                       f"artifacts at '{path}'.")
    steps = dict(run.outputs.model_outputs)
    model = max(found, key=lambda m: steps.get(m.model_id, -1))
    return f"models:/{model.model_id}", run_id, model.model_id
