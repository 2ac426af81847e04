"""GCSArtifactRepository passes the artifact repository contract suite against a real GCS API emulator."""
from __future__ import annotations

import uuid

import pytest

from mlplug.testing.contracts.artifacts import ArtifactRepositoryContract
from mlplug.testing.servers import free_port
from mlplug_artifacts_gcs.client import gcs_client
from mlplug_artifacts_gcs.repository import GCSArtifactRepository


class TestGCSArtifactRepository(ArtifactRepositoryContract):
    @pytest.fixture
    def repo(self, root_uri):
        return GCSArtifactRepository(root_uri)

    @pytest.fixture
    def sibling_repo(self, root_uri):
        return GCSArtifactRepository(root_uri + "0")

    @pytest.fixture
    def unreachable_repo(self, monkeypatch):
        monkeypatch.setenv("STORAGE_EMULATOR_HOST", f"http://127.0.0.1:{free_port()}")
        return GCSArtifactRepository("gs://unreachable/root")


class TestGCSRepositoryAtBucketRoot(TestGCSArtifactRepository):
    """A bucket of its own with no name prefix: object names are the artifact paths themselves."""

    @pytest.fixture
    def repo(self, emulator_host):
        name = f"root-{uuid.uuid4().hex[:16]}"
        gcs_client().create_bucket(name)
        return GCSArtifactRepository(f"gs://{name}")

    @pytest.fixture
    def sibling_repo(self, repo):
        gcs_client().create_bucket(repo.bucket_name + "0")
        return GCSArtifactRepository(f"gs://{repo.bucket_name}0")
