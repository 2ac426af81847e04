"""The tracking-store contract on a fresh MariaDB/MySQL database (created for this module, dropped after)."""
from __future__ import annotations

import pytest

from mlplug.testing.contracts.tracking import TrackingStoreContract
from mlplug_store_sql.store import SqlTrackingStore


@pytest.fixture(scope="module")
def mysql_store(mysql_uri, artifact_root):
    store = SqlTrackingStore(mysql_uri, artifact_root)
    yield store
    store.close()


class TestMysqlTrackingStore(TrackingStoreContract):
    @pytest.fixture
    def store(self, mysql_store):
        return mysql_store
