"""Entry point for the `mlflow-artifacts`, `http` and `https` artifact-URI schemes."""
from __future__ import annotations

from mlplug.hookspecs import hookimpl


@hookimpl
def mlplug_artifact_repository(scheme, artifact_uri, tracking_uri):
    if scheme in ("mlflow-artifacts", "http", "https"):
        from mlplug_artifacts_http.repository import ProxyArtifactRepository

        return ProxyArtifactRepository(artifact_uri, tracking_uri)
    return None
