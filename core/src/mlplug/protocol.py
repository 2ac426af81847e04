"""The REST mapping: every tracking endpoint's method, path and request fields, declared once.

The server plugin routes from this table and the REST store plugin calls through it, so a path or a
field type is never written twice. Paths are MLflow's; each is also served under `/ajax-api/`.
GET requests carry fields as query parameters, so the table says which are integers, booleans or lists.
"""
from __future__ import annotations

from dataclasses import dataclass

API = "/api/2.0/mlflow"


@dataclass(frozen=True)
class Endpoint:
    name: str
    methods: tuple[str, ...]
    path: str
    required: tuple[str, ...] = ()
    ints: tuple[str, ...] = ()
    bools: tuple[str, ...] = ()
    lists: tuple[str, ...] = ()

    @property
    def method(self) -> str:
        """The method a client uses."""
        return self.methods[0]


def _e(name, methods, path, **kw) -> Endpoint:
    return Endpoint(name, tuple(methods.split("|")), API + path, **kw)


TRACKING = [
    _e("create_experiment", "POST", "/experiments/create", required=("name",)),
    _e("get_experiment", "GET", "/experiments/get", required=("experiment_id",)),
    _e("get_experiment_by_name", "GET", "/experiments/get-by-name", required=("experiment_name",)),
    _e("search_experiments", "POST|GET", "/experiments/search", ints=("max_results",), lists=("order_by",)),
    _e("delete_experiment", "POST", "/experiments/delete", required=("experiment_id",)),
    _e("restore_experiment", "POST", "/experiments/restore", required=("experiment_id",)),
    _e("update_experiment", "POST", "/experiments/update", required=("experiment_id",)),
    _e("set_experiment_tag", "POST", "/experiments/set-experiment-tag", required=("experiment_id", "key", "value")),
    _e("delete_experiment_tag", "POST", "/experiments/delete-experiment-tag", required=("experiment_id", "key")),
    _e("create_run", "POST", "/runs/create"),
    _e("update_run", "POST", "/runs/update"),
    _e("delete_run", "POST", "/runs/delete"),
    _e("restore_run", "POST", "/runs/restore"),
    _e("log_metric", "POST", "/runs/log-metric", required=("key", "value", "timestamp")),
    _e("log_param", "POST", "/runs/log-parameter", required=("key", "value")),
    _e("set_tag", "POST", "/runs/set-tag", required=("key", "value")),
    _e("delete_tag", "POST", "/runs/delete-tag", required=("key",)),
    _e("log_batch", "POST", "/runs/log-batch"),
    _e("log_model", "POST", "/runs/log-model"),
    _e("log_inputs", "POST", "/runs/log-inputs"),
    _e("log_outputs", "POST", "/runs/outputs"),
    _e("get_run", "GET", "/runs/get"),
    _e("search_runs", "POST", "/runs/search", ints=("max_results",), lists=("experiment_ids", "order_by")),
    _e("get_metric_history", "GET", "/metrics/get-history", required=("metric_key",), ints=("max_results",)),
    _e("get_metric_history_bulk_interval", "GET", "/metrics/get-history-bulk-interval",
       required=("metric_key",), ints=("max_results", "start_step", "end_step"), lists=("run_ids",)),
    _e("list_artifacts", "GET", "/artifacts/list"),
]

BY_NAME = {e.name: e for e in TRACKING}

SERVER_INFO_PATH = "/api/3.0/mlflow/server-info"
ARTIFACTS_PROXY_PATH = "/api/2.0/mlflow-artifacts/artifacts"
