"""The registry-store contract on SQLite, PostgreSQL and MariaDB (fresh databases for this module)."""
from __future__ import annotations

import pytest

from mlplug.testing.contracts.registry import RegistryStoreContract
from mlplug_store_sql.registry import SqlRegistryStore
from mlplug_store_sql.store import SqlTrackingStore

_URI_FIXTURES = {"sqlite": "sqlite_uri", "postgresql": "postgres_uri", "mysql": "mysql_uri"}


@pytest.fixture(scope="module", params=list(_URI_FIXTURES))
def sql_stores(request, artifact_root):
    """(tracking store, registry store) on one database of each backend in turn."""
    uri = request.getfixturevalue(_URI_FIXTURES[request.param])
    tracking, registry = SqlTrackingStore(uri, artifact_root), SqlRegistryStore(uri)
    yield tracking, registry
    registry.close()
    tracking.close()


class TestSqlRegistryStore(RegistryStoreContract):
    @pytest.fixture
    def registry(self, sql_stores):
        return sql_stores[1]

    @pytest.fixture
    def tracking(self, sql_stores):
        return sql_stores[0]
