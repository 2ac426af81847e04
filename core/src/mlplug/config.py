"""Settings from the environment: `MLPLUG_<NAME>` first, then the matching `MLFLOW_<NAME>`.

Falling back to MLflow's variables lets an existing MLflow setup (CI secrets, shell profiles) work
unchanged. The process-wide tracking URI set with `set_tracking_uri` wins over both.
"""
from __future__ import annotations

import os

DEFAULT_TRACKING_URI = "sqlite:///mlplug.db"

_overrides: dict[str, str] = {}


def setting(name: str, default: str | None = None) -> str | None:
    """Value of MLPLUG_<name>, else MLFLOW_<name>, else `default`. Empty strings count as unset."""
    for prefix in ("MLPLUG_", "MLFLOW_"):
        value = os.environ.get(prefix + name)
        if value:
            return value
    return default


def setting_source(name: str) -> str | None:
    """Which variable `setting(name)` read, for `doctor`."""
    for prefix in ("MLPLUG_", "MLFLOW_"):
        if os.environ.get(prefix + name):
            return prefix + name
    return None


def flag(name: str, default: bool = False) -> bool:
    value = setting(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def tracking_uri() -> str:
    return _overrides.get("tracking_uri") or setting("TRACKING_URI") or DEFAULT_TRACKING_URI


def set_tracking_uri(uri: str | None) -> None:
    if uri:
        _overrides["tracking_uri"] = str(uri)
    else:
        _overrides.pop("tracking_uri", None)


def registry_uri() -> str:
    return _overrides.get("registry_uri") or setting("REGISTRY_URI") or tracking_uri()


def registry_uri_for(store_uri: str) -> str:
    """The registry URI to use with the tracking URI `store_uri`: the configured one, or (when none is
    configured apart from the tracking URI) `store_uri` itself, which a caller may have chosen explicitly."""
    configured = registry_uri()
    return store_uri if configured == tracking_uri() else configured


def set_registry_uri(uri: str | None) -> None:
    if uri:
        _overrides["registry_uri"] = str(uri)
    else:
        _overrides.pop("registry_uri", None)
