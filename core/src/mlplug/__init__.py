"""mlplug: the Python API for tracking, with the names MLflow users know.

`import mlplug` is cheap: the fluent functions and the client are imported on first use, so scripts
and the CLI pay only for what they call. `mlplug.pyfunc` and `mlplug.models` are the kernel's model
API; any other installed flavour is reachable by its name (`mlplug.sklearn.log_model(...)`), resolved
through the plugin host to that flavour plugin's public module.
"""
from __future__ import annotations

from typing import Any

_FLUENT = {
    "start_run", "end_run", "active_run", "last_active_run", "log_param", "log_params", "log_metric",
    "log_metrics", "set_tag", "set_tags", "delete_tag", "log_artifact", "log_artifacts", "delete_artifacts", "log_dict",
    "log_text", "set_experiment", "create_experiment", "get_experiment", "get_experiment_by_name",
    "search_runs", "search_experiments", "get_run", "get_artifact_uri", "set_tracking_uri",
    "get_tracking_uri", "set_registry_uri", "get_registry_uri", "log_input", "register_model",
}

_SUBMODULES = {"pyfunc", "models"}

__all__ = sorted(_FLUENT | {"MlplugClient", "MlflowClient", "ActiveRun"})


def __getattr__(name: str) -> Any:
    if name in _FLUENT or name == "ActiveRun":
        from mlplug.tracking import fluent

        return getattr(fluent, name)
    if name in ("MlplugClient", "MlflowClient"):
        from mlplug.tracking.client import MlplugClient

        return MlplugClient
    if name in _SUBMODULES:
        import importlib

        return importlib.import_module(f"mlplug.{name}")
    if not name.startswith("_"):
        import importlib.util

        # `from mlplug import config` asks this module for `config` before importing the submodule:
        # a real submodule must be left to the import system, never looked up as a flavour.
        if importlib.util.find_spec(f"mlplug.{name}") is not None:
            raise AttributeError(f"module 'mlplug' has no attribute {name!r}")
        from mlplug.models import flavors

        if name in flavors.installed_flavors():
            return flavors.flavor_module(name)
    raise AttributeError(f"module 'mlplug' has no attribute {name!r}")
