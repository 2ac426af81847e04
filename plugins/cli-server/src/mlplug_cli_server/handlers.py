"""One function per tracking endpoint: typed request fields in, the proto-JSON response dict out.

Each handler gets the worker's `ServerContext` (the store and artifact destination, built once per
worker) and the request's `Params`; validation of values lives in the store and `mlplug.validation`,
so here we only convert JSON shapes into entities and back.
"""
from __future__ import annotations

import json
from typing import Any, Callable

from mlplug import validation
from mlplug.entities import DatasetInput, Metric, Param, RunStatus, RunTag, ViewType, decode_float
from mlplug.errors import InvalidParameter, NotFound

from mlplug_cli_server.parsing import INT64_MAX, INT64_MIN, Params, invalid, missing, to_int

EMPTY: dict = {}
SEARCH_DEFAULT_MAX_RESULTS = 1000
BULK_INTERVAL_MAX_RESULTS = 2500
BULK_INTERVAL_MAX_RUNS = 100
LOG_MODEL_HISTORY_TAG = "mlflow.log-model.history"


# --- JSON -> entities ---------------------------------------------------------------------------

def str_field(item: dict, name: str, where: str, default: str | None = None) -> str:
    value = item.get(name)
    if value is None:
        if default is None:
            raise missing(f"{where}.{name}" if where else name)
        return default
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise invalid(f"{where}.{name}" if where else name, value, "a string")


def _int_field(item: dict, name: str, where: str, default: int | None = None) -> int:
    value = item.get(name)
    if value is None or value == "":
        if default is None:
            raise missing(f"{where}.{name}" if where else name)
        return default
    return to_int(f"{where}.{name}" if where else name, value)


def _metric(item: dict, where: str = "") -> Metric:
    key, value, timestamp, step = item.get("key"), item.get("value"), item.get("timestamp"), item.get("step", 0)
    if type(key) is str and type(value) in (float, int) and type(timestamp) is int and type(step) is int \
            and INT64_MIN <= timestamp <= INT64_MAX and INT64_MIN <= step <= INT64_MAX:
        # The shape every client sends; only other shapes need the checks below.
        if len(item) == (4 if "step" in item else 3):  # nothing but key, value, timestamp (and step)
            return Metric(key, float(value), timestamp, step)
        return Metric(key, float(value), timestamp, step, None, item.get("dataset_name") or None,
                      item.get("dataset_digest") or None, item.get("model_id") or None)
    key = str_field(item, "key", where)
    if item.get("value") is None:
        raise missing(f"{where}.value" if where else "value")
    try:
        value = decode_float(item["value"])
    except (TypeError, ValueError):
        raise InvalidParameter(f"Got invalid value {item['value']!r} for metric '{key}'. "
                               "Please specify value as a valid double (64-bit floating point)") from None
    return Metric(key, value, _int_field(item, "timestamp", where), _int_field(item, "step", where, 0),
                  dataset_name=item.get("dataset_name") or None, dataset_digest=item.get("dataset_digest") or None,
                  model_id=item.get("model_id") or None)


def _dataset_input(item: dict) -> DatasetInput:
    dataset = item.get("dataset")
    if not isinstance(dataset, dict):
        raise invalid("datasets.dataset", dataset, "an object")
    tags = Params(item).objects("tags")
    where = "datasets.dataset"
    return DatasetInput(
        str_field(dataset, "name", where), str_field(dataset, "digest", where),
        str_field(dataset, "source_type", where, ""), str_field(dataset, "source", where, ""),
        _optional_str(dataset, "schema", where), _optional_str(dataset, "profile", where),
        tag_dict(tags, "datasets.tags"))


def _optional_str(item: dict, name: str, where: str) -> str | None:
    return str_field(item, name, where, "") if item.get(name) is not None else None


def _tags(items: list[dict], where: str) -> list[RunTag]:
    return [RunTag(str_field(t, "key", where), str_field(t, "value", where, "")) for t in items]


def tag_dict(items: list[dict], where: str) -> dict[str, str]:
    return {t.key: t.value for t in _tags(items, where)}


def paged(name: str, items: list, token: str | None) -> dict:
    out: dict[str, Any] = {}
    if items:
        out[name] = [x.to_dict() for x in items]
    if token:
        out["next_page_token"] = token
    return out


def page_size(p: Params, default: int | None, limit: int = validation.MAX_RESULTS_SEARCH) -> int | None:
    value = p.int("max_results")
    if value is None:
        return default
    return validation.max_results(value, limit)


# --- experiments -------------------------------------------------------------------------------

def create_experiment(ctx, p: Params) -> dict:
    tags = tag_dict(p.objects("tags"), "tags")
    eid = ctx.store.create_experiment(p.required_str("name"), p.str("artifact_location") or None, tags)
    return {"experiment_id": str(eid)}


def get_experiment(ctx, p: Params) -> dict:
    return {"experiment": ctx.store.get_experiment(p.required_str("experiment_id")).to_dict()}


def get_experiment_by_name(ctx, p: Params) -> dict:
    name = p.required_str("experiment_name")
    experiment = ctx.store.get_experiment_by_name(name)
    if experiment is None:
        raise NotFound(f"Could not find experiment with name '{name}'")
    return {"experiment": experiment.to_dict()}


def search_experiments(ctx, p: Params) -> dict:
    page = ctx.store.search_experiments(
        view_type=ViewType.parse(p.raw("view_type")), max_results=page_size(p, SEARCH_DEFAULT_MAX_RESULTS),
        filter_string=p.str("filter") or None, order_by=p.str_list("order_by") or None,
        page_token=p.str("page_token") or None)
    return paged("experiments", page, page.token)


def delete_experiment(ctx, p: Params) -> dict:
    ctx.store.delete_experiment(p.required_str("experiment_id"))
    return EMPTY


def restore_experiment(ctx, p: Params) -> dict:
    ctx.store.restore_experiment(p.required_str("experiment_id"))
    return EMPTY


def update_experiment(ctx, p: Params) -> dict:
    experiment_id = p.required_str("experiment_id")
    new_name = p.str("new_name")
    if new_name:
        ctx.store.rename_experiment(experiment_id, new_name)
    return EMPTY


def set_experiment_tag(ctx, p: Params) -> dict:
    ctx.store.set_experiment_tag(p.required_str("experiment_id"), p.required_str("key"), p.required_str("value"))
    return EMPTY


def delete_experiment_tag(ctx, p: Params) -> dict:
    ctx.store.delete_experiment_tag(p.required_str("experiment_id"), p.required_str("key"))
    return EMPTY


# --- runs --------------------------------------------------------------------------------------

def create_run(ctx, p: Params) -> dict:
    run = ctx.store.create_run(
        experiment_id=p.str("experiment_id") or "0", user_id=p.str("user_id", ""),
        start_time=p.int("start_time"), tags=_tags(p.objects("tags"), "tags"), run_name=p.str("run_name") or None)
    return {"run": run.to_dict()}


def update_run(ctx, p: Params) -> dict:
    info = ctx.store.update_run_info(p.run_id(), run_status=RunStatus.parse(p.raw("status")),
                                     end_time=p.int("end_time"), run_name=p.str("run_name") or None)
    return {"run_info": info.to_dict()}


def delete_run(ctx, p: Params) -> dict:
    ctx.store.delete_run(p.run_id())
    return EMPTY


def restore_run(ctx, p: Params) -> dict:
    ctx.store.restore_run(p.run_id())
    return EMPTY


def get_run(ctx, p: Params) -> dict:
    return {"run": ctx.store.get_run(p.run_id()).to_dict()}


def log_metric(ctx, p: Params) -> dict:
    ctx.store.log_metric(p.run_id(), _metric(p.data))
    return EMPTY


def log_param(ctx, p: Params) -> dict:
    ctx.store.log_param(p.run_id(), Param(p.required_str("key"), p.required_str("value")))
    return EMPTY


def set_tag(ctx, p: Params) -> dict:
    ctx.store.set_tag(p.run_id(), RunTag(p.required_str("key"), p.required_str("value")))
    return EMPTY


def delete_tag(ctx, p: Params) -> dict:
    ctx.store.delete_tag(p.run_id(), p.required_str("key"))
    return EMPTY


def log_batch(ctx, p: Params) -> dict:
    run_id = p.run_id()
    metrics = [_metric(m, "metrics") for m in p.objects("metrics")]
    params = [Param(str_field(x, "key", "params"), str_field(x, "value", "params", "")) for x in p.objects("params")]
    ctx.store.log_batch(run_id, metrics=metrics, params=params, tags=_tags(p.objects("tags"), "tags"))
    return EMPTY


def log_model(ctx, p: Params) -> dict:
    """Legacy endpoint: append the MLmodel dict to the run's `mlflow.log-model.history` tag."""
    run_id = p.run_id()
    try:
        model = json.loads(p.required_str("model_json"))
    except ValueError:
        raise InvalidParameter("Malformed model info: 'model_json' is not valid JSON.") from None
    if not isinstance(model, dict):
        raise InvalidParameter("Malformed model info: 'model_json' must be a JSON object.")
    absent = [k for k in ("artifact_path", "flavors", "utc_time_created", "run_id") if k not in model]
    if absent:
        raise InvalidParameter(f"Model json is missing mandatory fields: {absent}")
    run = ctx.store.get_run(run_id)
    try:
        history = json.loads(run.data.tags.get(LOG_MODEL_HISTORY_TAG, "[]"))
    except ValueError:
        history = []
    history.append(model)
    ctx.store.set_tag(run_id, RunTag(LOG_MODEL_HISTORY_TAG, json.dumps(history)))
    return EMPTY


def log_inputs(ctx, p: Params) -> dict:
    run_id = p.run_id()
    datasets = [_dataset_input(d) for d in p.objects("datasets")]
    models = [str_field(m, "model_id", "models") for m in p.objects("models")]
    ctx.store.log_inputs(run_id, datasets=datasets, models=models)
    return EMPTY


def log_outputs(ctx, p: Params) -> dict:
    run_id = p.run_id()
    models = [(str_field(m, "model_id", "models"), _int_field(m, "step", "models", 0)) for m in p.objects("models")]
    ctx.store.log_outputs(run_id, models)
    return EMPTY


def search_runs(ctx, p: Params) -> dict:
    page = ctx.store.search_runs(
        p.str_list("experiment_ids"), filter_string=p.str("filter", ""),
        run_view_type=ViewType.parse(p.raw("run_view_type")),
        max_results=page_size(p, SEARCH_DEFAULT_MAX_RESULTS), order_by=p.str_list("order_by") or None,
        page_token=p.str("page_token") or None)
    return paged("runs", page, page.token)


# --- metrics -----------------------------------------------------------------------------------

def get_metric_history(ctx, p: Params) -> dict:
    page = ctx.store.get_metric_history(p.run_id(), p.required_str("metric_key"),
                                        max_results=page_size(p, None, limit=2**62),
                                        page_token=p.str("page_token") or None)
    return paged("metrics", page, page.token)


def get_metric_history_bulk_interval(ctx, p: Params) -> dict:
    run_ids = p.str_list("run_ids")
    if not run_ids:
        raise InvalidParameter("GetMetricHistoryBulkInterval request must specify at least one run_id.")
    if len(run_ids) > BULK_INTERVAL_MAX_RUNS:
        raise InvalidParameter(f"GetMetricHistoryBulkInterval request cannot specify more than "
                               f"{BULK_INTERVAL_MAX_RUNS} run_ids. Received {len(run_ids)} run_ids.")
    start, end = p.int("start_step"), p.int("end_step")
    if (start is None) != (end is None):
        raise InvalidParameter("If either start step or end step are specified, both must be specified.")
    if start is not None and start > end:
        raise InvalidParameter("end_step must be greater than start_step. "
                               f"Found start_step={start} and end_step={end}.")
    max_results = min(page_size(p, BULK_INTERVAL_MAX_RESULTS), BULK_INTERVAL_MAX_RESULTS)
    metrics = ctx.store.get_metric_history_bulk_interval(run_ids, p.required_str("metric_key"), max_results,
                                                         start_step=start, end_step=end)
    return paged("metrics", metrics, None)


# --- artifacts ---------------------------------------------------------------------------------

def list_artifacts(ctx, p: Params) -> dict:
    run = ctx.store.get_run(p.run_id())
    root_uri = run.info.artifact_uri
    out: dict[str, Any] = {"root_uri": root_uri}
    files = ctx.list_under_root(root_uri, p.str("path") or "")
    if files:
        out["files"] = [f.to_dict() for f in files]
    return out


HANDLERS: dict[str, Callable[[Any, Params], dict]] = {
    "create_experiment": create_experiment,
    "get_experiment": get_experiment,
    "get_experiment_by_name": get_experiment_by_name,
    "search_experiments": search_experiments,
    "delete_experiment": delete_experiment,
    "restore_experiment": restore_experiment,
    "update_experiment": update_experiment,
    "set_experiment_tag": set_experiment_tag,
    "delete_experiment_tag": delete_experiment_tag,
    "create_run": create_run,
    "update_run": update_run,
    "delete_run": delete_run,
    "restore_run": restore_run,
    "log_metric": log_metric,
    "log_param": log_param,
    "set_tag": set_tag,
    "delete_tag": delete_tag,
    "log_batch": log_batch,
    "log_model": log_model,
    "log_inputs": log_inputs,
    "log_outputs": log_outputs,
    "get_run": get_run,
    "search_runs": search_runs,
    "get_metric_history": get_metric_history,
    "get_metric_history_bulk_interval": get_metric_history_bulk_interval,
    "list_artifacts": list_artifacts,
}
