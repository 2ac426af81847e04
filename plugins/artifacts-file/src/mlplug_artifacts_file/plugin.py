"""Hook implementation: plain paths and `file://` URIs are served by LocalArtifactRepository."""
from __future__ import annotations

from mlplug.hookspecs import hookimpl


@hookimpl
def mlplug_artifact_repository(scheme: str, artifact_uri: str, tracking_uri: str | None):
    if scheme != "file":
        return None
    from mlplug_artifacts_file.repository import LocalArtifactRepository

    return LocalArtifactRepository(artifact_uri, tracking_uri)
