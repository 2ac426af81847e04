"""Entry point for the `http` and `https` tracking- and registry-URI schemes."""
from __future__ import annotations

from mlplug.hookspecs import hookimpl


@hookimpl
def mlplug_tracking_store(scheme, store_uri, artifact_uri):
    if scheme in ("http", "https"):
        from mlplug_store_rest.store import RestTrackingStore

        return RestTrackingStore(store_uri)
    return None


@hookimpl
def mlplug_registry_store(scheme, store_uri, tracking_uri):
    if scheme in ("http", "https"):
        from mlplug_store_rest.registry import RestRegistryStore

        return RestRegistryStore(store_uri)
    return None
