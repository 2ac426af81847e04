"""LocalArtifactRepository passes the artifact repository contract suite."""
from __future__ import annotations

import pytest
from mlplug.testing.contracts.artifacts import ArtifactRepositoryContract
from mlplug_artifacts_file.repository import LocalArtifactRepository


class TestLocalArtifactRepository(ArtifactRepositoryContract):
    @pytest.fixture
    def repo(self, tmp_path):
        return LocalArtifactRepository(str(tmp_path / "root"))

    @pytest.fixture
    def sibling_repo(self, repo):
        return LocalArtifactRepository(repo.artifact_uri + "0")

    @pytest.fixture
    def unreachable_repo(self, tmp_path):
        # A root below a regular file: any filesystem operation on it would fail with an OSError.
        (tmp_path / "not-a-directory").write_bytes(b"")
        return LocalArtifactRepository(str(tmp_path / "not-a-directory" / "root"))
