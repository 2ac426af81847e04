"""The tracking-store contract on a fresh PostgreSQL database (created for this module, dropped after)."""
from __future__ import annotations

import pytest

from mlplug.testing.contracts.tracking import TrackingStoreContract
from mlplug_store_sql.store import SqlTrackingStore


@pytest.fixture(scope="module")
def postgres_store(postgres_uri, artifact_root):
    store = SqlTrackingStore(postgres_uri, artifact_root)
    yield store
    store.close()


class TestPostgresTrackingStore(TrackingStoreContract):
    @pytest.fixture
    def store(self, postgres_store):
        return postgres_store
