"""Hook implementations: `sqlite:`, `postgresql:` and `mysql:` URIs open a SqlTrackingStore, and as a
registry URI a SqlRegistryStore (the two share one database and its migrations).

Importing this module is cheap; SQLAlchemy is imported only when a store is built.
"""
from __future__ import annotations

from mlplug.hookspecs import hookimpl

SCHEMES = ("sqlite", "postgresql", "mysql")


@hookimpl
def mlplug_tracking_store(scheme: str, store_uri: str, artifact_uri: str | None):
    if scheme not in SCHEMES:
        return None
    from mlplug_store_sql.store import SqlTrackingStore

    return SqlTrackingStore(store_uri, artifact_uri)


@hookimpl
def mlplug_registry_store(scheme: str, store_uri: str, tracking_uri: str | None):
    if scheme not in SCHEMES:
        return None
    from mlplug_store_sql.registry import SqlRegistryStore

    return SqlRegistryStore(store_uri, tracking_uri)
