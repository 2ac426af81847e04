"""Hook implementation: `wasbs://` and `abfss://` URIs are served by AzureBlobArtifactRepository.

azure-storage-blob is imported only when a repository is built, so listing or loading plugins stays fast.
"""
from __future__ import annotations

from mlplug.hookspecs import hookimpl


@hookimpl
def mlplug_artifact_repository(scheme: str, artifact_uri: str, tracking_uri: str | None):
    if scheme not in ("wasbs", "abfss"):
        return None
    from mlplug_artifacts_azure.repository import AzureBlobArtifactRepository

    return AzureBlobArtifactRepository(artifact_uri, tracking_uri)
