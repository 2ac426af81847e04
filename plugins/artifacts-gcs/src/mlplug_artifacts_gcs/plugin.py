"""Hook implementation: `gs://bucket/prefix` URIs are served by GCSArtifactRepository.

google-cloud-storage is imported only when a repository is built, so listing or loading plugins stays fast.
"""
from __future__ import annotations

from mlplug.hookspecs import hookimpl


@hookimpl
def mlplug_artifact_repository(scheme: str, artifact_uri: str, tracking_uri: str | None):
    if scheme != "gs":
        return None
    from mlplug_artifacts_gcs.repository import GCSArtifactRepository

    return GCSArtifactRepository(artifact_uri, tracking_uri)
