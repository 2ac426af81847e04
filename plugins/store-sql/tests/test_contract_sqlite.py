"""The tracking-store contract on a SQLite file."""
from __future__ import annotations

import pytest

from mlplug.testing.contracts.tracking import TrackingStoreContract
from mlplug_store_sql.store import SqlTrackingStore


@pytest.fixture(scope="module")
def sqlite_store(sqlite_uri, artifact_root):
    store = SqlTrackingStore(sqlite_uri, artifact_root)
    yield store
    store.close()


class TestSqliteTrackingStore(TrackingStoreContract):
    @pytest.fixture
    def store(self, sqlite_store):
        return sqlite_store
