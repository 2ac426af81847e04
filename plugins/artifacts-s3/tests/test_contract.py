"""S3ArtifactRepository passes the artifact repository contract suite against a real S3 API (moto)."""
from __future__ import annotations

import uuid

import pytest

from mlplug.testing.contracts.artifacts import ArtifactRepositoryContract
from mlplug.testing.servers import free_port
from mlplug_artifacts_s3.client import s3_client
from mlplug_artifacts_s3.repository import S3ArtifactRepository


class TestS3ArtifactRepository(ArtifactRepositoryContract):
    @pytest.fixture
    def repo(self, root_uri):
        return S3ArtifactRepository(root_uri)

    @pytest.fixture
    def sibling_repo(self, root_uri):
        return S3ArtifactRepository(root_uri + "0")

    @pytest.fixture
    def unreachable_repo(self, monkeypatch):
        monkeypatch.setenv("MLPLUG_S3_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")
        return S3ArtifactRepository("s3://unreachable/root")


class TestS3RepositoryAtBucketRoot(TestS3ArtifactRepository):
    """A bucket of its own with no key prefix: keys are the artifact paths themselves."""

    @pytest.fixture
    def repo(self, s3_endpoint):
        name = f"root-{uuid.uuid4().hex[:16]}"
        s3_client().create_bucket(Bucket=name)
        return S3ArtifactRepository(f"s3://{name}")

    @pytest.fixture
    def sibling_repo(self, repo):
        s3_client().create_bucket(Bucket=repo.bucket + "0")
        return S3ArtifactRepository(f"s3://{repo.bucket}0")
