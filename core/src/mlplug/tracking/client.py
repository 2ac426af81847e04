"""MlplugClient: the explicit tracking and registry API (also importable as `mlplug.MlflowClient`).

A thin layer over the TrackingStore that `get_host().tracking_store(uri)` returns for the tracking URI
(`MLPLUG_TRACKING_URI`, `MLFLOW_TRACKING_URI`, else `sqlite:///mlplug.db`) and the RegistryStore for the
registry URI (`MLPLUG_REGISTRY_URI`, `MLFLOW_REGISTRY_URI`, else the tracking URI), adding what callers
expect from MLflow's client: ids and timestamps filled in, batches split to the server's limits, and
artifact methods that find the run's (or logged model's) artifact repository.
"""
from __future__ import annotations

import io
import numbers
import os
import posixpath
import tempfile
from typing import Any, Iterable, Iterator, Sequence

from mlplug import config, validation
from mlplug.contracts.tracking import now_ms
from mlplug.entities import (DatasetInput, Experiment, FileInfo, LoggedModel, Metric, ModelVersion, PagedList,
                             Param, RegisteredModel, Run, RunInfo, RunStatus, RunTag, ViewType)
from mlplug.tracking import artifacts, transfer
from mlplug.tracking.context import USER

_ARTIFACT_URI_CACHE_SIZE = 1024


def split_batch(metrics: Sequence[Metric], params: Sequence[Param],
                tags: Sequence[RunTag]) -> Iterator[tuple[list[Metric], list[Param], list[RunTag]]]:
    """Requests within the per-request limits: params and tags first, metrics filling the remaining room."""
    metrics, params, tags = list(metrics), list(params), list(tags)
    while metrics or params or tags:
        p, params = params[:validation.MAX_BATCH_PARAMS], params[validation.MAX_BATCH_PARAMS:]
        t, tags = tags[:validation.MAX_BATCH_TAGS], tags[validation.MAX_BATCH_TAGS:]
        room = min(validation.MAX_BATCH_METRICS, validation.MAX_BATCH_TOTAL - len(p) - len(t))
        m, metrics = metrics[:room], metrics[room:]
        yield m, p, t


def _number(value: Any) -> Any:
    """Plain floats for numeric values (numpy scalars included); anything else is left for validation."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return float(value)
    return value


def _strings(values: dict[str, Any] | None) -> dict[str, str]:
    return {str(k): str(v) for k, v in (values or {}).items()}


class MlplugClient:
    def __init__(self, tracking_uri: str | None = None, registry_uri: str | None = None):
        from mlplug.host import get_host

        self.tracking_uri = str(tracking_uri) if tracking_uri else config.tracking_uri()
        self._registry_uri = str(registry_uri) if registry_uri else None
        self.store = get_host().tracking_store(self.tracking_uri)
        self._registry = None
        self._artifact_uris: dict[str, str] = {}

    @property
    def registry_uri(self) -> str:
        return self._registry_uri or config.registry_uri_for(self.tracking_uri)

    @property
    def registry(self):
        """The RegistryStore for `registry_uri`, opened on first use."""
        if self._registry is None:
            from mlplug.host import get_host

            self._registry = get_host().registry_store(self.registry_uri, self.tracking_uri)
        return self._registry

    # --- experiments -----------------------------------------------------------------------------
    def create_experiment(self, name: str, artifact_location: str | None = None,
                          tags: dict[str, Any] | None = None) -> str:
        return self.store.create_experiment(name, artifact_location,
                                            {k: str(v) for k, v in (tags or {}).items()})

    def get_experiment(self, experiment_id: str) -> Experiment:
        return self.store.get_experiment(str(experiment_id))

    def get_experiment_by_name(self, name: str) -> Experiment | None:
        return self.store.get_experiment_by_name(name)

    def search_experiments(self, view_type: int = ViewType.ACTIVE_ONLY, max_results: int = 1000,
                           filter_string: str | None = None, order_by: Sequence[str] | None = None,
                           page_token: str | None = None) -> PagedList[Experiment]:
        return self.store.search_experiments(ViewType.parse(view_type), max_results, filter_string, order_by,
                                             page_token)

    def delete_experiment(self, experiment_id: str) -> None:
        self.store.delete_experiment(str(experiment_id))

    def restore_experiment(self, experiment_id: str) -> None:
        self.store.restore_experiment(str(experiment_id))

    def rename_experiment(self, experiment_id: str, new_name: str) -> None:
        self.store.rename_experiment(str(experiment_id), new_name)

    def set_experiment_tag(self, experiment_id: str, key: str, value: Any) -> None:
        self.store.set_experiment_tag(str(experiment_id), key, str(value))

    def delete_experiment_tag(self, experiment_id: str, key: str) -> None:
        self.store.delete_experiment_tag(str(experiment_id), key)

    # --- runs --------------------------------------------------------------------------------------
    def create_run(self, experiment_id: str, start_time: int | None = None, tags: dict[str, Any] | None = None,
                   run_name: str | None = None) -> Run:
        """A RUNNING run; the user id is taken from the `mlflow.user` tag, as MLflow's client does."""
        tags = {k: str(v) for k, v in (tags or {}).items()}
        return self.store.create_run(str(experiment_id), user_id=tags.get(USER, "unknown"),
                                     start_time=start_time if start_time is not None else now_ms(),
                                     tags=[RunTag(k, v) for k, v in tags.items()], run_name=run_name)

    def get_run(self, run_id: str) -> Run:
        return self.store.get_run(run_id)

    def update_run(self, run_id: str, status: str | None = None, name: str | None = None) -> RunInfo:
        """Change a run's status and/or name; a terminal status also stamps the end time."""
        status = RunStatus.parse(status) if status is not None else None
        end_time = now_ms() if status in RunStatus.TERMINAL else None
        return self.store.update_run_info(run_id, run_status=status, end_time=end_time, run_name=name)

    def set_terminated(self, run_id: str, status: str | None = None, end_time: int | None = None) -> RunInfo:
        return self.store.update_run_info(run_id, run_status=RunStatus.parse(status) or RunStatus.FINISHED,
                                          end_time=end_time if end_time is not None else now_ms())

    def delete_run(self, run_id: str) -> None:
        self.store.delete_run(run_id)

    def restore_run(self, run_id: str) -> None:
        self.store.restore_run(run_id)

    def search_runs(self, experiment_ids: str | Sequence[str], filter_string: str = "",
                    run_view_type: int = ViewType.ACTIVE_ONLY, max_results: int = 1000,
                    order_by: Sequence[str] | None = None, page_token: str | None = None) -> PagedList[Run]:
        ids = [experiment_ids] if isinstance(experiment_ids, (str, int)) else list(experiment_ids)
        return self.store.search_runs([str(i) for i in ids], filter_string or "", ViewType.parse(run_view_type),
                                      max_results, order_by, page_token)

    # --- run data ----------------------------------------------------------------------------------
    def log_metric(self, run_id: str, key: str, value: float, timestamp: int | None = None, step: int | None = None,
                   dataset_name: str | None = None, dataset_digest: str | None = None,
                   model_id: str | None = None) -> None:
        self.store.log_metric(run_id, Metric(key, _number(value), timestamp if timestamp is not None else now_ms(),
                                             step or 0, None, dataset_name, dataset_digest, model_id))

    def log_param(self, run_id: str, key: str, value: Any) -> Any:
        self.store.log_param(run_id, Param(key, str(value)))
        return value

    def set_tag(self, run_id: str, key: str, value: Any) -> None:
        self.store.set_tag(run_id, RunTag(key, str(value)))

    def delete_tag(self, run_id: str, key: str) -> None:
        self.store.delete_tag(run_id, key)

    def log_batch(self, run_id: str, metrics: Iterable[Metric] = (), params: Iterable[Param] = (),
                  tags: Iterable[RunTag] = ()) -> None:
        """Log everything, in as many requests as the per-request limits need (1000 entries, 100 params/tags)."""
        metrics = [Metric(m.key, _number(m.value), m.timestamp, m.step, None, m.dataset_name, m.dataset_digest,
                          m.model_id) for m in metrics]
        params = [Param(p.key, str(p.value)) for p in params]
        tags = [RunTag(t.key, str(t.value)) for t in tags]
        for m, p, t in split_batch(metrics, params, tags):
            self.store.log_batch(run_id, metrics=m, params=p, tags=t)

    def get_metric_history(self, run_id: str, key: str) -> list[Metric]:
        return list(self.store.get_metric_history(run_id, key))

    def log_inputs(self, run_id: str, datasets: Sequence[DatasetInput] | None = None,
                   models: Sequence[str] | None = None) -> None:
        self.store.log_inputs(run_id, list(datasets or ()), list(models or ()))

    def log_outputs(self, run_id: str, models: Sequence[tuple[str, int]]) -> None:
        self.store.log_outputs(run_id, list(models))

    # --- logged models (MLflow 3) ---------------------------------------------------------------------
    def create_logged_model(self, experiment_id: str, name: str | None = None, source_run_id: str | None = None,
                            tags: dict[str, Any] | None = None, params: dict[str, Any] | None = None,
                            model_type: str | None = None) -> LoggedModel:
        return self.store.create_logged_model(str(experiment_id), name, source_run_id, _strings(tags),
                                              _strings(params), model_type)

    def get_logged_model(self, model_id: str) -> LoggedModel:
        return self.store.get_logged_model(model_id)

    def search_logged_models(self, experiment_ids: Sequence[str], filter_string: str | None = None,
                             datasets: Sequence[dict] | None = None, max_results: int | None = None,
                             order_by: Sequence[dict] | None = None,
                             page_token: str | None = None) -> PagedList[LoggedModel]:
        return self.store.search_logged_models([str(e) for e in experiment_ids], filter_string, datasets,
                                               max_results, order_by, page_token)

    def finalize_logged_model(self, model_id: str, status: str) -> LoggedModel:
        return self.store.finalize_logged_model(model_id, status)

    def delete_logged_model(self, model_id: str) -> None:
        self.store.delete_logged_model(model_id)

    def set_logged_model_tags(self, model_id: str, tags: dict[str, Any]) -> None:
        self.store.set_logged_model_tags(model_id, _strings(tags))

    def delete_logged_model_tag(self, model_id: str, key: str) -> None:
        self.store.delete_logged_model_tag(model_id, key)

    def log_model_params(self, model_id: str, params: dict[str, Any]) -> None:
        self.store.log_logged_model_params(model_id, _strings(params))

    def log_model_artifacts(self, model_id: str, local_dir: str, artifact_path: str | None = None, *,
                            progress: bool | None = None) -> None:
        """Upload a directory tree into the logged model's artifact location."""
        repo = artifacts.repository(self.get_logged_model(model_id).artifact_location, self.tracking_uri)
        transfer.upload_directory(repo, os.fspath(local_dir), artifact_path, progress)

    # --- registered models ---------------------------------------------------------------------------
    def create_registered_model(self, name: str, tags: dict[str, Any] | None = None,
                                description: str | None = None) -> RegisteredModel:
        return self.registry.create_registered_model(name, _strings(tags), description)

    def get_registered_model(self, name: str) -> RegisteredModel:
        return self.registry.get_registered_model(name)

    def rename_registered_model(self, name: str, new_name: str) -> RegisteredModel:
        return self.registry.rename_registered_model(name, new_name)

    def update_registered_model(self, name: str, description: str | None = None) -> RegisteredModel:
        return self.registry.update_registered_model(name, description)

    def delete_registered_model(self, name: str) -> None:
        self.registry.delete_registered_model(name)

    def search_registered_models(self, filter_string: str | None = None, max_results: int = 100,
                                 order_by: Sequence[str] | None = None,
                                 page_token: str | None = None) -> PagedList[RegisteredModel]:
        return self.registry.search_registered_models(filter_string, max_results, order_by, page_token)

    def set_registered_model_tag(self, name: str, key: str, value: Any) -> None:
        self.registry.set_registered_model_tag(name, key, str(value))

    def delete_registered_model_tag(self, name: str, key: str) -> None:
        self.registry.delete_registered_model_tag(name, key)

    def get_latest_versions(self, name: str, stages: Sequence[str] | None = None) -> list[ModelVersion]:
        """The newest version in each stage (deprecated in MLflow in favour of aliases, still served)."""
        return self.registry.get_latest_versions(name, list(stages or ()))

    # --- model versions ------------------------------------------------------------------------------
    def create_model_version(self, name: str, source: str, run_id: str | None = None,
                             tags: dict[str, Any] | None = None, run_link: str | None = None,
                             description: str | None = None, await_creation_for: int | None = None,
                             model_id: str | None = None) -> ModelVersion:
        """A new version of `name` from `source` (a `models:/<model_id>`, `runs:/` or artifact URI).
        Versions are READY at once, so `await_creation_for` is accepted for MLflow's signature only."""
        return self.registry.create_model_version(name, source, run_id, _strings(tags), run_link, description,
                                                  model_id)

    def get_model_version(self, name: str, version: str | int) -> ModelVersion:
        return self.registry.get_model_version(name, str(version))

    def update_model_version(self, name: str, version: str | int, description: str | None = None) -> ModelVersion:
        return self.registry.update_model_version(name, str(version), description)

    def delete_model_version(self, name: str, version: str | int) -> None:
        self.registry.delete_model_version(name, str(version))

    def search_model_versions(self, filter_string: str | None = None, max_results: int = 10000,
                              order_by: Sequence[str] | None = None,
                              page_token: str | None = None) -> PagedList[ModelVersion]:
        return self.registry.search_model_versions(filter_string, max_results, order_by, page_token)

    def get_model_version_download_uri(self, name: str, version: str | int) -> str:
        return self.registry.get_model_version_download_uri(name, str(version))

    def transition_model_version_stage(self, name: str, version: str | int, stage: str,
                                       archive_existing_versions: bool = False) -> ModelVersion:
        return self.registry.transition_model_version_stage(name, str(version), stage, archive_existing_versions)

    def set_model_version_tag(self, name: str, version: str | int, key: str, value: Any) -> None:
        self.registry.set_model_version_tag(name, str(version), key, str(value))

    def delete_model_version_tag(self, name: str, version: str | int, key: str) -> None:
        self.registry.delete_model_version_tag(name, str(version), key)

    # --- aliases -----------------------------------------------------------------------------------------
    def set_registered_model_alias(self, name: str, alias: str, version: str | int) -> None:
        self.registry.set_registered_model_alias(name, alias, str(version))

    def delete_registered_model_alias(self, name: str, alias: str) -> None:
        self.registry.delete_registered_model_alias(name, alias)

    def get_model_version_by_alias(self, name: str, alias: str) -> ModelVersion:
        return self.registry.get_model_version_by_alias(name, alias)

    # --- artifacts ---------------------------------------------------------------------------------
    def _run_artifact_uri(self, run_id: str) -> str:
        uri = self._artifact_uris.get(run_id)
        if uri is None:
            uri = self.get_run(run_id).info.artifact_uri
            if len(self._artifact_uris) >= _ARTIFACT_URI_CACHE_SIZE:
                self._artifact_uris.clear()
            self._artifact_uris[run_id] = uri
        return uri

    def _repository(self, run_id: str):
        return artifacts.repository(self._run_artifact_uri(run_id), self.tracking_uri)

    def list_artifacts(self, run_id: str, path: str | None = None) -> list[FileInfo]:
        return self._repository(run_id).list_artifacts(path)

    def download_artifacts(self, run_id: str, path: str, dst_path: str | None = None, *,
                           progress: bool | None = None, resume: bool = True) -> str:
        """Download a file or tree; returns its local path. Trees go file by file in parallel, and with
        `resume` files already present with the remote size are kept (see `mlplug.tracking.transfer`)."""
        dst = dst_path or tempfile.mkdtemp(prefix="mlplug-artifacts-")
        os.makedirs(dst, exist_ok=True)
        return transfer.download(self._repository(run_id), path, dst, progress, resume).local_path

    def log_artifact(self, run_id: str, local_path: str, artifact_path: str | None = None) -> None:
        """Upload one file (a directory is uploaded whole, under its own name)."""
        local_path = os.fspath(local_path)
        repo = self._repository(run_id)
        if os.path.isdir(local_path):
            name = os.path.basename(os.path.normpath(local_path))
            transfer.upload_directory(repo, local_path, posixpath.join(artifact_path, name) if artifact_path else name)
        else:
            repo.log_artifact(local_path, artifact_path)

    def log_artifacts(self, run_id: str, local_dir: str, artifact_path: str | None = None, *,
                      progress: bool | None = None) -> None:
        """Upload a directory tree into `artifact_path`, several files at a time."""
        transfer.upload_directory(self._repository(run_id), os.fspath(local_dir), artifact_path, progress)

    def delete_artifacts(self, run_id: str, path: str | None = None) -> None:
        """Remove the file or tree `path` from the run's artifacts (all of them when `path` is empty).

        Works on runs in any lifecycle stage; a path that does not exist is already deleted.
        """
        self._repository(run_id).delete_artifacts(path)

    def log_text(self, run_id: str, text: str, artifact_file: str) -> None:
        self._repository(run_id).write(artifact_file, io.BytesIO(text.encode("utf-8")))

    def log_dict(self, run_id: str, dictionary: Any, artifact_file: str) -> None:
        """Write a dict as JSON, or as YAML when `artifact_file` ends in .yaml/.yml (needs PyYAML)."""
        self._repository(run_id).write(artifact_file, io.BytesIO(artifacts.dump_dict(dictionary, artifact_file)))
