"""ProxyArtifactRepository: artifacts through a tracking server's artifact proxy (`/api/2.0/mlflow-artifacts`).

`mlflow-artifacts:/<path>` is served by the tracking server itself (the tracking URI's host, path prefix
included); `mlflow-artifacts://host:port/<path>` names another host; a plain `http(s)://` URI is the
proxy URL of the root directly. Files go up as streaming PUTs and come down as streamed GETs, so no
file is ever held in memory.
"""
from __future__ import annotations

import io
import mimetypes
import os
import posixpath
from typing import BinaryIO
from urllib.parse import quote, unquote, urlsplit

from mlplug.contracts.artifacts import ArtifactRepository, safe_relpath
from mlplug.entities import FileInfo
from mlplug.errors import InvalidParameter, NotFound
from mlplug.http import HttpClient, HttpSettings, content_length
from mlplug.protocol import ARTIFACTS_PROXY_PATH
from mlplug.uri import redact, scheme_of

_ENDPOINT_TAIL = "/mlflow-artifacts/artifacts"  # where the proxy's path starts, whatever the API prefix


def resolve(artifact_uri: str, tracking_uri: str | None) -> tuple[str, str, str]:
    """(server base URL, proxy endpoint path, root path below the endpoint) for an artifact URI."""
    parts = urlsplit(artifact_uri)
    if scheme_of(artifact_uri) == "mlflow-artifacts":
        tracking = urlsplit(tracking_uri or "")
        if parts.netloc:
            scheme = tracking.scheme if tracking.scheme in ("http", "https") else "http"
            base = f"{scheme}://{parts.netloc}"
        elif tracking.scheme in ("http", "https"):
            base = f"{tracking.scheme}://{tracking.netloc}{tracking.path.rstrip('/')}"
        else:
            raise InvalidParameter(
                f"Artifact URI {artifact_uri!r} is served by a tracking server, but the tracking URI is "
                f"{redact(tracking_uri or '') or 'not set'}. Set MLFLOW_TRACKING_URI (or mlplug.set_tracking_uri) to "
                "the server's http(s) URL, e.g. http://127.0.0.1:5000.")
        return base, ARTIFACTS_PROXY_PATH, unquote(parts.path).strip("/")
    base = f"{parts.scheme}://{parts.netloc}"
    path = unquote(parts.path)
    head, found, tail = path.partition(_ENDPOINT_TAIL)
    if not found:
        return base, path.rstrip("/"), ""
    return base, head + _ENDPOINT_TAIL, tail.strip("/")


class ProxyArtifactRepository(ArtifactRepository):
    def __init__(self, artifact_uri: str, tracking_uri: str | None = None, settings: HttpSettings | None = None):
        super().__init__(artifact_uri, tracking_uri)
        base, self._endpoint, self._root = resolve(artifact_uri, tracking_uri)
        settings = settings or HttpSettings.from_environment("ARTIFACT_UPLOAD_DOWNLOAD_TIMEOUT")
        self.http = HttpClient(base, settings)

    def _remote(self, rel: str) -> str:
        """Path below the proxy endpoint of a path relative to this repository's root."""
        return posixpath.join(self._root, rel) if rel else self._root

    def _file_path(self, rel: str) -> str:
        remote = self._remote(rel)
        return self._endpoint + ("/" + quote(remote, safe="/") if remote else "")

    def list_artifacts(self, path: str | None = None) -> list[FileInfo]:
        rel = safe_relpath(path)
        remote = self._remote(rel)
        query = {"path": remote} if remote else None
        body = self.http.request("GET", quote(self._endpoint, safe="/"), query=query).raise_for_status().json()
        infos = []
        for f in body.get("files", ()):
            name = safe_relpath(f["path"])
            size = f.get("file_size")
            infos.append(FileInfo(posixpath.join(rel, name) if rel else name, bool(f.get("is_dir", False)),
                                  int(size) if size is not None else None))
        return sorted(infos, key=lambda i: i.path)

    def log_artifact(self, local_file: str, artifact_path: str | None = None) -> None:
        rel = posixpath.join(safe_relpath(artifact_path), os.path.basename(local_file))
        with open(local_file, "rb") as f:
            self._put(rel, f, mimetypes.guess_type(local_file)[0])

    def write(self, path: str, stream: BinaryIO) -> None:
        rel = safe_relpath(path)
        if not rel:
            raise InvalidParameter("An artifact needs a file name; got an empty path.")
        self._put(rel, stream, mimetypes.guess_type(rel)[0])

    def _put(self, rel: str, stream: BinaryIO, mime: str | None) -> None:
        headers = {"Content-Type": mime or "application/octet-stream"}
        size = content_length(stream)
        if size is not None:
            headers["Content-Length"] = str(size)
        self.http.request("PUT", self._file_path(rel), body=stream, headers=headers).raise_for_status()

    def open(self, path: str) -> BinaryIO:
        rel = safe_relpath(path)
        response = self.http.request("GET", self._file_path(rel), stream=True)
        if response.status == 404:
            error = response.error()
            raise error if isinstance(error, NotFound) else NotFound(f"No such artifact: {rel!r} ({error.message})")
        response.raise_for_status()
        return io.BufferedReader(response.raw, buffer_size=1 << 20)

    def delete_artifacts(self, path: str | None = None) -> None:
        self.http.request("DELETE", self._file_path(safe_relpath(path))).raise_for_status()
