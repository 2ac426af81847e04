"""RestTrackingStore: the TrackingStore contract (logged models included) over MLflow's REST API.

Every call goes through `mlplug.protocol` (method, path, field types) and the entities'
to_dict/from_dict, so no path or JSON shape is written here. Batches are checked with the shared
validation rules before they are sent, so a bad value fails fast with the same message as the server's.
"""
from __future__ import annotations

from typing import Sequence

from mlplug import validation
from mlplug.contracts.tracking import TrackingStore
from mlplug.entities import (DatasetInput, Experiment, LoggedModel, Metric, PagedList, Param, Run, RunInfo,
                             RunTag, ViewType)
from mlplug.errors import NotFound
from mlplug_store_rest.api import RestApi

_VIEW_NAMES = {number: name for name, number in ViewType._BY_NAME.items()}


def _tags(tags: dict[str, str] | Sequence[RunTag] | None) -> list[dict]:
    if not tags:
        return []
    if isinstance(tags, dict):
        return [{"key": k, "value": str(v)} for k, v in tags.items()]
    return [t.to_dict() for t in tags]


class RestTrackingStore(RestApi, TrackingStore):
    """A tracking server's experiments, runs and logged models."""

    # --- experiments -----------------------------------------------------------------------------
    def create_experiment(self, name, artifact_location=None, tags=None) -> str:
        return str(self._call("create_experiment", name=name, artifact_location=artifact_location or None,
                              tags=_tags(tags))["experiment_id"])

    def get_experiment(self, experiment_id) -> Experiment:
        return Experiment.from_dict(self._call("get_experiment", experiment_id=str(experiment_id))["experiment"])

    def get_experiment_by_name(self, name) -> Experiment | None:
        try:
            return Experiment.from_dict(self._call("get_experiment_by_name", experiment_name=name)["experiment"])
        except NotFound:
            return None

    def search_experiments(self, view_type=ViewType.ACTIVE_ONLY, max_results=1000, filter_string=None,
                           order_by=None, page_token=None) -> PagedList[Experiment]:
        body = self._call("search_experiments", view_type=_VIEW_NAMES[ViewType.parse(view_type)],
                          max_results=max_results, filter=filter_string or None, order_by=list(order_by or []),
                          page_token=page_token or None)
        return PagedList([Experiment.from_dict(e) for e in body.get("experiments", ())], body.get("next_page_token"))

    def delete_experiment(self, experiment_id) -> None:
        self._call("delete_experiment", experiment_id=str(experiment_id))

    def restore_experiment(self, experiment_id) -> None:
        self._call("restore_experiment", experiment_id=str(experiment_id))

    def rename_experiment(self, experiment_id, new_name) -> None:
        self._call("update_experiment", experiment_id=str(experiment_id), new_name=new_name)

    def set_experiment_tag(self, experiment_id, key, value) -> None:
        self._call("set_experiment_tag", experiment_id=str(experiment_id), key=key, value=str(value))

    def delete_experiment_tag(self, experiment_id, key) -> None:
        self._call("delete_experiment_tag", experiment_id=str(experiment_id), key=key)

    # --- runs --------------------------------------------------------------------------------------
    def create_run(self, experiment_id, user_id="", start_time=None, tags=(), run_name=None) -> Run:
        body = self._call("create_run", experiment_id=str(experiment_id), user_id=user_id or None,
                          start_time=start_time, tags=_tags(tags), run_name=run_name or None)
        return Run.from_dict(body["run"])

    def get_run(self, run_id) -> Run:
        return Run.from_dict(self._call("get_run", run_id=run_id)["run"])

    def update_run_info(self, run_id, run_status=None, end_time=None, run_name=None) -> RunInfo:
        body = self._call("update_run", run_id=run_id, status=run_status, end_time=end_time, run_name=run_name)
        return RunInfo.from_dict(body["run_info"])

    def delete_run(self, run_id) -> None:
        self._call("delete_run", run_id=run_id)

    def restore_run(self, run_id) -> None:
        self._call("restore_run", run_id=run_id)

    def log_batch(self, run_id, metrics=(), params=(), tags=()) -> None:
        validation.batch(metrics, params, tags)
        self._call("log_batch", run_id=run_id, metrics=[m.to_dict() for m in metrics],
                   params=[p.to_dict() for p in params], tags=[t.to_dict() for t in tags])

    def log_metric(self, run_id, metric: Metric) -> None:
        validation.batch([metric], (), ())
        self._call("log_metric", run_id=run_id, **metric.to_dict())

    def log_param(self, run_id, param: Param) -> None:
        validation.batch((), [param], ())
        self._call("log_param", run_id=run_id, **param.to_dict())

    def set_tag(self, run_id, tag: RunTag) -> None:
        validation.batch((), (), [tag])
        self._call("set_tag", run_id=run_id, **tag.to_dict())

    def delete_tag(self, run_id, key) -> None:
        self._call("delete_tag", run_id=run_id, key=key)

    def get_metric_history(self, run_id, metric_key, max_results=None, page_token=None) -> PagedList[Metric]:
        """One page when `max_results` or `page_token` is given; otherwise every page, gathered."""
        gathered: list[Metric] = []
        while True:
            body = self._call("get_metric_history", run_id=run_id, metric_key=metric_key, max_results=max_results,
                              page_token=page_token)
            gathered.extend(Metric.from_dict(m) for m in body.get("metrics", ()))
            token = body.get("next_page_token")
            if max_results is not None or not token:
                return PagedList(gathered, token)
            page_token = token

    def get_metric_history_bulk_interval(self, run_ids, metric_key, max_results, start_step=None,
                                         end_step=None) -> list[Metric]:
        body = self._call("get_metric_history_bulk_interval", run_ids=list(run_ids), metric_key=metric_key,
                          max_results=max_results, start_step=start_step, end_step=end_step)
        return [Metric.from_dict(m) for m in body.get("metrics", ())]

    def search_runs(self, experiment_ids, filter_string="", run_view_type=ViewType.ACTIVE_ONLY, max_results=1000,
                    order_by=None, page_token=None) -> PagedList[Run]:
        body = self._call("search_runs", experiment_ids=[str(e) for e in experiment_ids],
                          filter=filter_string or None, run_view_type=_VIEW_NAMES[ViewType.parse(run_view_type)],
                          max_results=max_results, order_by=list(order_by or []), page_token=page_token or None)
        return PagedList([Run.from_dict(r) for r in body.get("runs", ())], body.get("next_page_token"))

    def log_inputs(self, run_id, datasets: Sequence[DatasetInput] = (), models: Sequence[str] = ()) -> None:
        self._call("log_inputs", run_id=run_id, datasets=[d.to_dict() for d in datasets or ()],
                   models=[{"model_id": m} for m in models or ()])

    def log_outputs(self, run_id, models) -> None:
        self._call("log_outputs", run_id=run_id, models=[{"model_id": m, "step": s} for m, s in models])

    # --- logged models -----------------------------------------------------------------------------
    def create_logged_model(self, experiment_id, name=None, source_run_id=None, tags=None, params=None,
                            model_type=None) -> LoggedModel:
        body = self._call("create_logged_model", experiment_id=str(experiment_id), name=name or None,
                          source_run_id=source_run_id or None, model_type=model_type or None,
                          tags=_tags(tags), params=_tags(params))
        return LoggedModel.from_dict(body["model"])

    def get_logged_model(self, model_id) -> LoggedModel:
        return LoggedModel.from_dict(self._call("get_logged_model", model_id=model_id)["model"])

    def search_logged_models(self, experiment_ids, filter_string=None, datasets=None, max_results=None,
                             order_by=None, page_token=None) -> PagedList[LoggedModel]:
        body = self._call("search_logged_models", experiment_ids=[str(e) for e in experiment_ids],
                          filter=filter_string or None, datasets=list(datasets or []), max_results=max_results,
                          order_by=list(order_by or []), page_token=page_token or None)
        return PagedList([LoggedModel.from_dict(m) for m in body.get("models", ())], body.get("next_page_token"))

    def finalize_logged_model(self, model_id, status) -> LoggedModel:
        return LoggedModel.from_dict(self._call("finalize_logged_model", model_id=model_id, status=status)["model"])

    def delete_logged_model(self, model_id) -> None:
        self._call("delete_logged_model", model_id=model_id)

    def set_logged_model_tags(self, model_id, tags) -> None:
        self._call("set_logged_model_tags", model_id=model_id, tags=_tags(tags))

    def delete_logged_model_tag(self, model_id, key) -> None:
        self._call("delete_logged_model_tag", model_id=model_id, tag_key=key)

    def log_logged_model_params(self, model_id, params) -> None:
        self._call("log_logged_model_params", model_id=model_id, params=_tags(params))
