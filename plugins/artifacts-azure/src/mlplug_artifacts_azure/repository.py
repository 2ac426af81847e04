"""AzureBlobArtifactRepository: artifacts as block blobs under one name prefix of a container.

`wasbs://container@account.blob.core.windows.net/prefix` (or the `abfss://...dfs...` form of an ADLS
Gen2 account) roots the repository at `prefix/` in `container`; artifact paths (checked with
`safe_relpath` before any request) are appended with `/`. Blob names are used literally, and a
"directory" is a common name prefix that exists only while something is under it. ADLS Gen2 accounts
are reached through their Blob endpoint, which serves the same data.

Large files and streams go up as blocks in parallel (`MAX_CONCURRENCY`); reads stream range by range,
pinned to the blob's ETag so an overwrite cannot mix two versions. Listing walks one level
(`walk_blobs` with `delimiter="/"`); deletion lists a prefix and deletes 256 blobs per batch request.
"""
from __future__ import annotations

import contextlib
import io
import itertools
import mimetypes
import os
import posixpath
from typing import BinaryIO, Iterator

from azure.core.exceptions import ClientAuthenticationError, HttpResponseError, ResourceNotFoundError
from azure.storage.blob import BlobPrefix, ContentSettings

from mlplug.contracts.artifacts import ArtifactRepository, PrefixedKeys, safe_relpath
from mlplug.entities import FileInfo
from mlplug.errors import InvalidParameter, MlplugError, NotFound

from mlplug_artifacts_azure.client import MAX_CONCURRENCY, service_client
from mlplug_artifacts_azure.location import parse_azure_uri


class AzureBlobArtifactRepository(PrefixedKeys, ArtifactRepository):
    """Artifacts below a container prefix; credentials come from the environment (see `client`)."""

    page_size = 5000  # names per listing request (the service's maximum)
    delete_batch_size = 256  # deletions per batch request (the service's maximum)

    def __init__(self, artifact_uri: str, tracking_uri: str | None = None):
        super().__init__(artifact_uri, tracking_uri)
        self.location = parse_azure_uri(artifact_uri)
        self.prefix = self.location.prefix
        self.container = service_client(self.location).get_container_client(self.location.container)

    @contextlib.contextmanager
    def _errors(self, action: str, path: str | None) -> Iterator[None]:
        """Turn Azure errors into mlplug errors that say what to fix."""
        try:
            yield
        except HttpResponseError as err:
            raise _translate(err, action, path or "", self.location.container) from None
        except ClientAuthenticationError as err:
            raise MlplugError(f"Cannot {action} '{path or ''}': Azure rejected the credentials: {err.message}",
                              "UNAUTHENTICATED") from None

    # --- writing -------------------------------------------------------------------------------------
    def write(self, path: str, stream: BinaryIO) -> None:
        self._upload(self._file_key(path), stream)

    def log_artifact(self, local_file: str, artifact_path: str | None = None) -> None:
        name = self._key(posixpath.join(safe_relpath(artifact_path), os.path.basename(local_file)))
        with open(local_file, "rb") as src:
            self._upload(name, src)

    def _upload(self, name: str, stream: BinaryIO) -> None:
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        with self._errors("upload", self._relative(name)):
            self.container.upload_blob(name, stream, overwrite=True, max_concurrency=MAX_CONCURRENCY,
                                       content_settings=ContentSettings(content_type=content_type))

    # --- reading -------------------------------------------------------------------------------------
    def list_artifacts(self, path: str | None = None) -> list[FileInfo]:
        prefix = self._dir_prefix(safe_relpath(path))
        infos = []
        with self._errors("list", path):
            for item in self.container.walk_blobs(name_starts_with=prefix or None, delimiter="/",
                                                  results_per_page=self.page_size):
                if isinstance(item, BlobPrefix):
                    infos.append(FileInfo(self._relative(item.name.rstrip("/")), True))
                elif item.name != prefix:  # a zero-byte "folder" placeholder some tools create
                    infos.append(FileInfo(self._relative(item.name), False, item.size))
        return sorted(infos, key=lambda info: info.path)

    def iter_files(self, path: str | None = None) -> Iterator[FileInfo]:
        """Every file below `path` from one flat listing (no request per directory level)."""
        prefix = self._dir_prefix(safe_relpath(path))
        with self._errors("list", path):
            for blob in self.container.list_blobs(name_starts_with=prefix or None, results_per_page=self.page_size):
                if not blob.name.endswith("/"):
                    yield FileInfo(self._relative(blob.name), False, blob.size)

    def is_dir(self, rel: str) -> bool:
        with self._errors("list", rel):
            pages = self.container.list_blobs(name_starts_with=self._dir_prefix(rel), results_per_page=1).by_page()
            return any(True for _ in next(pages, []))

    def open(self, path: str) -> BinaryIO:
        """A stream that downloads the blob range by range as it is read."""
        rel = safe_relpath(path)
        if not rel:
            raise NotFound("No such artifact: '' (the root is a directory)")
        with self._errors("read", rel):
            downloader = self.container.download_blob(self._key(rel), max_concurrency=1)
        return _DownloadStream(downloader, lambda: self._errors("read", rel))

    def download_file(self, rel: str, local_path: str) -> None:
        os.makedirs(os.path.dirname(local_path) or ".", exist_ok=True)
        with self._errors("download", rel):
            downloader = self.container.download_blob(self._file_key(rel), max_concurrency=MAX_CONCURRENCY)
            with open(local_path, "wb") as dst:
                downloader.readinto(dst)

    # --- deleting ------------------------------------------------------------------------------------
    def delete_artifacts(self, path: str | None = None) -> None:
        """Delete the file `path` and everything below `path/`; missing paths are already deleted."""
        rel = safe_relpath(path)
        with self._errors("delete", path):
            if rel:
                with contextlib.suppress(ResourceNotFoundError):
                    self.container.delete_blob(self._key(rel))
            names = iter(self.container.list_blob_names(name_starts_with=self._dir_prefix(rel) or None,
                                                        results_per_page=self.page_size))
            while batch := list(itertools.islice(names, self.delete_batch_size)):
                self._delete_batch(batch)

    def _delete_batch(self, names: list[str]) -> None:
        responses = self.container.delete_blobs(*names, raise_on_any_failure=False)
        failed = [(name, r) for name, r in zip(names, responses, strict=True) if r.status_code not in (200, 202, 404)]
        if failed:
            name, response = failed[0]
            raise MlplugError(f"Could not delete {len(failed)} blob(s) in container '{self.location.container}', "
                              f"e.g. '{name}': HTTP {response.status_code} {response.reason}")


class _DownloadStream(io.RawIOBase):
    """A file-like view of a StorageStreamDownloader; the SDK fetches the next range on demand."""

    def __init__(self, downloader, errors):
        self._downloader = downloader
        self._errors = errors
        self.size = downloader.size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        with self._errors():
            data = self._downloader.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


def _translate(err: HttpResponseError, action: str, path: str, container: str) -> Exception:
    code = getattr(err, "error_code", None) or ""
    what = f"{action} '{path}'"
    if code == "ContainerNotFound":
        return NotFound(f"Cannot {what}: container '{container}' does not exist. Create it or fix the artifact URI.")
    if isinstance(err, ResourceNotFoundError) or code == "BlobNotFound":
        return NotFound(f"No such artifact: '{path}'")
    if err.status_code == 412:  # the ETag a download is pinned to no longer matches
        return MlplugError(f"Cannot {what}: the blob changed while it was read (it was overwritten); "
                           "read it again.", "RESOURCE_CONFLICT")
    if err.status_code in (401, 403):
        return MlplugError(f"Cannot {what} in container '{container}': {code or err.reason}. Check the Azure "
                           "credentials (AZURE_STORAGE_CONNECTION_STRING / AZURE_STORAGE_ACCESS_KEY) and the "
                           "account's access rules.", "PERMISSION_DENIED")
    if err.status_code == 400:
        return InvalidParameter(f"Cannot {what}: {code or err.message}")
    return err
