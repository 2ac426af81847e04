"""The REST mapping: every tracking, logged-model and registry endpoint's method, path and request
fields, declared once.

The server plugin routes from this table and the REST store plugins call through it, so a path or a
field type is never written twice. Paths are MLflow's; each is also served under `/ajax-api/`.
GET requests carry fields as query parameters, so the table says which are integers, booleans or lists.
A path may hold fields in braces (`/logged-models/{model_id}`): the client fills them in, the server
reads them back into the request's fields.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping
from urllib.parse import quote

API = "/api/2.0/mlflow"
_PATH_FIELD = re.compile(r"\{(\w+)\}")


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

    @property
    def path_fields(self) -> tuple[str, ...]:
        """The fields carried in the path, in order."""
        return tuple(_PATH_FIELD.findall(self.path))

    def fill_path(self, fields: Mapping[str, Any]) -> str:
        """The path with its fields' values filled in (each quoted as one path segment)."""
        return _PATH_FIELD.sub(lambda m: quote(str(fields[m.group(1)]), safe=""), self.path)


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

# MLflow 3's logged models: where `log_model` puts a model's files, and what registry versions point at.
LOGGED_MODELS = [
    _e("create_logged_model", "POST", "/logged-models", required=("experiment_id",)),
    _e("search_logged_models", "POST", "/logged-models/search", ints=("max_results",),
       lists=("experiment_ids", "order_by", "datasets")),
    _e("get_logged_model", "GET", "/logged-models/{model_id}"),
    _e("finalize_logged_model", "PATCH", "/logged-models/{model_id}", required=("status",)),
    _e("delete_logged_model", "DELETE", "/logged-models/{model_id}"),
    _e("set_logged_model_tags", "PATCH", "/logged-models/{model_id}/tags"),
    _e("delete_logged_model_tag", "DELETE", "/logged-models/{model_id}/tags/{tag_key}"),
    _e("log_logged_model_params", "POST", "/logged-models/{model_id}/params"),
    _e("list_logged_model_artifacts", "GET", "/logged-models/{model_id}/artifacts/directories"),
]

REGISTRY = [
    _e("create_registered_model", "POST", "/registered-models/create", required=("name",)),
    _e("rename_registered_model", "POST", "/registered-models/rename", required=("name",)),
    _e("update_registered_model", "PATCH", "/registered-models/update", required=("name",)),
    _e("delete_registered_model", "DELETE", "/registered-models/delete", required=("name",)),
    _e("get_registered_model", "GET", "/registered-models/get", required=("name",)),
    _e("search_registered_models", "GET", "/registered-models/search", ints=("max_results",),
       lists=("order_by",)),
    _e("get_latest_versions", "POST|GET", "/registered-models/get-latest-versions", required=("name",),
       lists=("stages",)),
    _e("set_registered_model_tag", "POST", "/registered-models/set-tag", required=("name", "key", "value")),
    _e("delete_registered_model_tag", "DELETE", "/registered-models/delete-tag", required=("name", "key")),
    _e("set_registered_model_alias", "POST", "/registered-models/alias", required=("name", "alias", "version")),
    _e("delete_registered_model_alias", "DELETE", "/registered-models/alias", required=("name", "alias")),
    _e("get_model_version_by_alias", "GET", "/registered-models/alias", required=("name", "alias")),
    _e("create_model_version", "POST", "/model-versions/create", required=("name", "source")),
    _e("update_model_version", "PATCH", "/model-versions/update", required=("name", "version")),
    _e("transition_model_version_stage", "POST", "/model-versions/transition-stage",
       required=("name", "version", "stage"), bools=("archive_existing_versions",)),
    _e("delete_model_version", "DELETE", "/model-versions/delete", required=("name", "version")),
    _e("get_model_version", "GET", "/model-versions/get", required=("name", "version")),
    _e("search_model_versions", "GET", "/model-versions/search", ints=("max_results",), lists=("order_by",)),
    _e("get_model_version_download_uri", "GET", "/model-versions/get-download-uri", required=("name", "version")),
    _e("set_model_version_tag", "POST", "/model-versions/set-tag", required=("name", "version", "key", "value")),
    _e("delete_model_version_tag", "DELETE", "/model-versions/delete-tag", required=("name", "version", "key")),
]

ALL = TRACKING + LOGGED_MODELS + REGISTRY
BY_NAME = {e.name: e for e in ALL}

SERVER_INFO_PATH = "/api/3.0/mlflow/server-info"
ARTIFACTS_PROXY_PATH = "/api/2.0/mlflow-artifacts/artifacts"
