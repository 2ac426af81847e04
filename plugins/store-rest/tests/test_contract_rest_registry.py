"""The registry-store contract through a real `mlplug server` (gunicorn, 2 workers, SQLite behind it)."""
from __future__ import annotations

import pytest

from mlplug.host import get_host
from mlplug.testing.contracts.registry import RegistryStoreContract
from mlplug_store_rest.registry import RestRegistryStore
from mlplug_store_rest.store import RestTrackingStore


class TestRestRegistryStore(RegistryStoreContract):
    @pytest.fixture
    def registry(self, server_url):
        store = get_host().registry_store(server_url, server_url)
        assert isinstance(store, RestRegistryStore)
        return store

    @pytest.fixture
    def tracking(self, server_url):
        store = get_host().tracking_store(server_url)
        assert isinstance(store, RestTrackingStore)
        return store
