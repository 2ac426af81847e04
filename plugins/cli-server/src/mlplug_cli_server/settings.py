"""The server's settings, resolved once in the command and handed to every worker's app."""
from __future__ import annotations

import os
from dataclasses import asdict, dataclass

from mlplug.uri import is_local, redact

PROXY_ARTIFACT_ROOT = "mlflow-artifacts:/"
DEFAULT_ARTIFACTS_DESTINATION = "./mlartifacts"


@dataclass(frozen=True)
class ServerConfig:
    backend_store_uri: str
    default_artifact_root: str
    artifacts_destination: str
    registry_store_uri: str | None = None
    serve_artifacts: bool = True
    artifacts_only: bool = False
    static_prefix: str = ""

    @classmethod
    def resolve(cls, backend_store_uri: str, registry_store_uri: str | None = None,
                default_artifact_root: str | None = None, serve_artifacts: bool = True,
                artifacts_destination: str | None = None, artifacts_only: bool = False,
                static_prefix: str | None = None) -> "ServerConfig":
        """Apply MLflow's defaults: proxied `mlflow-artifacts:/` root when serving artifacts, else the
        destination directory; local paths are made absolute so every worker agrees on them."""
        destination = _absolute(artifacts_destination or DEFAULT_ARTIFACTS_DESTINATION)
        if default_artifact_root:
            root = _absolute(default_artifact_root)
        else:
            root = PROXY_ARTIFACT_ROOT if serve_artifacts else destination
        return cls(backend_store_uri=backend_store_uri, registry_store_uri=registry_store_uri or None,
                   default_artifact_root=root, artifacts_destination=destination,
                   serve_artifacts=serve_artifacts or artifacts_only, artifacts_only=artifacts_only,
                   static_prefix=(static_prefix or "").rstrip("/"))

    def as_dict(self) -> dict:
        return asdict(self)

    def describe(self) -> str:
        """The part of the start-up line after the address."""
        if self.artifacts_only:
            return f"artifacts only, destination {redact(self.artifacts_destination)}"
        artifacts = (f"artifacts {self.default_artifact_root} -> {redact(self.artifacts_destination)}"
                     if self.serve_artifacts else f"artifacts {redact(self.default_artifact_root)}, proxy off")
        return f"backend {redact(self.backend_store_uri)}, {artifacts}"


def _absolute(uri: str) -> str:
    return os.path.abspath(uri) if is_local(uri) and "://" not in uri and not uri.startswith("file:") else uri


def check_static_prefix(prefix: str | None) -> str | None:
    """None when fine, else what is wrong with it."""
    if not prefix:
        return None
    if not prefix.startswith("/"):
        return f"--static-prefix must begin with a '/', got {prefix!r}"
    if prefix.endswith("/"):
        return f"--static-prefix must not end with a '/', got {prefix!r}"
    if "{" in prefix or "}" in prefix:
        return f"--static-prefix must not contain '{{' or '}}', got {prefix!r}"
    return None
