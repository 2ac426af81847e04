"""AzureBlobArtifactRepository passes the artifact repository contract suite against Azurite."""
from __future__ import annotations

import uuid

import pytest

from mlplug.testing.contracts.artifacts import ArtifactRepositoryContract
from mlplug.testing.servers import free_port
from mlplug_artifacts_azure.repository import AzureBlobArtifactRepository


class TestAzureBlobArtifactRepository(ArtifactRepositoryContract):
    @pytest.fixture
    def repo(self, root_uri):
        return AzureBlobArtifactRepository(root_uri)

    @pytest.fixture
    def sibling_repo(self, root_uri):
        return AzureBlobArtifactRepository(root_uri + "0")

    @pytest.fixture
    def unreachable_repo(self, monkeypatch, connection_string_for, account):
        monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", connection_string_for(f"http://127.0.0.1:{free_port()}"))
        return AzureBlobArtifactRepository(f"wasbs://unreachable@{account}.blob.core.windows.net/root")


class TestAzureRepositoryAtContainerRoot(TestAzureBlobArtifactRepository):
    """A container of its own with no name prefix, addressed in the ADLS Gen2 form (abfss://...dfs...)."""

    @pytest.fixture
    def repo(self, service, account):
        name = f"root-{uuid.uuid4().hex[:16]}"
        service.create_container(name)
        return AzureBlobArtifactRepository(f"abfss://{name}@{account}.dfs.core.windows.net")

    @pytest.fixture
    def sibling_repo(self):
        pytest.skip("the container is in the URI's authority: roots of two containers share no prefix")
