"""Hook implementation: `s3://bucket/prefix` URIs are served by S3ArtifactRepository.

boto3 is imported only when a repository is built, so listing or loading plugins stays fast.
"""
from __future__ import annotations

from mlplug.hookspecs import hookimpl


@hookimpl
def mlplug_artifact_repository(scheme: str, artifact_uri: str, tracking_uri: str | None):
    if scheme != "s3":
        return None
    from mlplug_artifacts_s3.repository import S3ArtifactRepository

    return S3ArtifactRepository(artifact_uri, tracking_uri)
