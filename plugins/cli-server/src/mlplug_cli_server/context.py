"""What one worker holds for its whole life: the tracking store, the registry store and the artifact
destination.

Built after the fork, inside the worker, so no database connection is ever shared between processes.
The registry store (`--registry-store-uri`, else the backend store URI) is opened on the first registry
request, so a tracking backend without a registry plugin still serves tracking.
"""
from __future__ import annotations

import posixpath
import threading
from urllib.parse import urlsplit

from mlplug.contracts.artifacts import ArtifactRepository, safe_relpath
from mlplug.entities import FileInfo
from mlplug.host import PluginHost, get_host
from mlplug.uri import split_scheme

from mlplug_cli_server.settings import ServerConfig

PROXY_SCHEME = "mlflow-artifacts"


def proxied_path(artifact_uri: str) -> str:
    """`mlflow-artifacts:/1/abc/artifacts` (or `mlflow-artifacts://host:port/...`) -> `1/abc/artifacts`."""
    return safe_relpath(urlsplit(artifact_uri).path.lstrip("/"))


class ServerContext:
    def __init__(self, config: ServerConfig, host: PluginHost | None = None):
        self.config = config
        self.host = host or get_host()
        self.store = None if config.artifacts_only else self.host.tracking_store(
            config.backend_store_uri, config.default_artifact_root)
        self.destination: ArtifactRepository = self.host.artifact_repository(config.artifacts_destination)
        self._registry = None
        self._registry_lock = threading.Lock()

    @property
    def registry(self):
        """The RegistryStore, opened on first use."""
        if self._registry is None:
            with self._registry_lock:
                if self._registry is None:
                    self._registry = self.host.registry_store(
                        self.config.registry_store_uri or self.config.backend_store_uri, self.config.backend_store_uri)
        return self._registry

    def list_under_root(self, root_uri: str, path: str) -> list[FileInfo]:
        """Children of `path` under an artifact root (a run's or a logged model's), with paths relative to it."""
        rel = safe_relpath(path)
        if split_scheme(root_uri)[0] != PROXY_SCHEME:
            return self.host.artifact_repository(root_uri).list_artifacts(rel or None)
        base = proxied_path(root_uri)
        files = self.destination.list_artifacts(posixpath.join(base, rel) if base and rel else base or rel)
        cut = len(base) + 1 if base else 0
        return [FileInfo(f.path[cut:], f.is_dir, f.file_size) for f in files]

    def close(self) -> None:
        if self.store is not None:
            self.store.close()
        if self._registry is not None:
            self._registry.close()
