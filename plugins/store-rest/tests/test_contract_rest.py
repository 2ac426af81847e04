"""The tracking-store contract through a real `mlplug server` (gunicorn, 2 workers, SQLite behind it)."""
from __future__ import annotations

import pytest

from mlplug.host import get_host
from mlplug.testing.contracts.tracking import TrackingStoreContract
from mlplug_store_rest.store import RestTrackingStore


class TestRestTrackingStore(TrackingStoreContract):
    @pytest.fixture
    def store(self, server_url):
        store = get_host().tracking_store(server_url)
        assert isinstance(store, RestTrackingStore)
        return store
