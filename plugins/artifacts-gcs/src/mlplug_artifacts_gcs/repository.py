"""GCSArtifactRepository: artifacts as objects under one name prefix of a Google Cloud Storage bucket.

`gs://bucket/prefix` roots the repository at `prefix/` in `bucket`; artifact paths (checked with
`safe_relpath` before any request) are appended with `/`. Object names are used literally, and a
"directory" is a common name prefix that exists only while something is under it.

Files above 8 MiB and streams of unknown length go up as resumable uploads in 8 MiB chunks, so memory
stays bounded and a dropped connection resumes instead of restarting. Reads stream in 8 MiB ranges of
one pinned object generation. Listing asks for one level (`delimiter="/"`) page by page; deletion lists
a prefix and deletes 100 objects per batch request (the most GCS takes in one).
"""
from __future__ import annotations

import contextlib
import io
import itertools
import mimetypes
import os
import posixpath
from typing import BinaryIO, Iterator
from urllib.parse import urlsplit

from google.api_core import exceptions as gexc

from mlplug.contracts.artifacts import ArtifactRepository, PrefixedKeys, safe_relpath
from mlplug.entities import FileInfo
from mlplug.errors import InvalidParameter, MlplugError, NotFound

from mlplug_artifacts_gcs.client import gcs_client
from mlplug.streams import FullReads, seekable

_MIB = 1024 * 1024


def parse_gs_uri(uri: str) -> tuple[str, str]:
    """(bucket, object name prefix without slashes) of `gs://bucket/prefix`."""
    parts = urlsplit(uri)
    if parts.scheme.lower() != "gs" or not parts.netloc:
        raise InvalidParameter(f"Not a Google Cloud Storage URI: {uri!r}; expected gs://<bucket>/<prefix>")
    return parts.netloc, parts.path.strip("/")


class GCSArtifactRepository(PrefixedKeys, ArtifactRepository):
    """Artifacts below `gs://bucket/prefix`; credentials and emulator come from the environment."""

    chunk_size = 8 * _MIB  # resumable upload chunk and read-ahead size; a multiple of 256 KiB as GCS requires
    page_size = 1000  # objects per listing request
    delete_batch_size = 100  # calls per batch request: GCS's limit

    def __init__(self, artifact_uri: str, tracking_uri: str | None = None):
        super().__init__(artifact_uri, tracking_uri)
        self.bucket_name, self.prefix = parse_gs_uri(artifact_uri)
        self.client = gcs_client()
        self.bucket = self.client.bucket(self.bucket_name)

    def _blob(self, name: str):
        return self.bucket.blob(name, chunk_size=self.chunk_size)

    @contextlib.contextmanager
    def _errors(self, action: str, path: str | None) -> Iterator[None]:
        """Turn Google API errors into mlplug errors that say what to fix."""
        try:
            yield
        except gexc.GoogleAPICallError as err:
            raise _translate(err, action, path or "", self.bucket_name) from None

    # --- writing -------------------------------------------------------------------------------------
    def write(self, path: str, stream: BinaryIO) -> None:
        name = self._file_key(path)
        source = stream if seekable(stream) else FullReads(stream)
        with self._errors("upload", path):
            self._blob(name).upload_from_file(source, rewind=False, content_type=_content_type(name))

    def log_artifact(self, local_file: str, artifact_path: str | None = None) -> None:
        name = self._key(posixpath.join(safe_relpath(artifact_path), os.path.basename(local_file)))
        with self._errors("upload", self._relative(name)):
            self._blob(name).upload_from_filename(local_file, content_type=_content_type(name))

    # --- reading -------------------------------------------------------------------------------------
    def list_artifacts(self, path: str | None = None) -> list[FileInfo]:
        prefix = self._dir_prefix(safe_relpath(path))
        infos = []
        with self._errors("list", path):
            pages = self.client.list_blobs(self.bucket_name, prefix=prefix, delimiter="/",
                                           page_size=self.page_size).pages
            for page in pages:
                for blob in page:
                    if blob.name != prefix:  # a zero-byte "folder" placeholder some tools create
                        infos.append(FileInfo(self._relative(blob.name), False, blob.size))
                infos.extend(FileInfo(self._relative(p.rstrip("/")), True) for p in page.prefixes)
        return sorted(infos, key=lambda info: info.path)

    def iter_files(self, path: str | None = None) -> Iterator[FileInfo]:
        """Every file below `path` from one flat listing (no request per directory level)."""
        prefix = self._dir_prefix(safe_relpath(path))
        with self._errors("list", path):
            for blob in self.client.list_blobs(self.bucket_name, prefix=prefix, page_size=self.page_size):
                if not blob.name.endswith("/"):
                    yield FileInfo(self._relative(blob.name), False, blob.size)

    def is_dir(self, rel: str) -> bool:
        with self._errors("list", rel):
            return any(True for _ in self.client.list_blobs(self.bucket_name, prefix=self._dir_prefix(rel),
                                                            max_results=1))

    def open(self, path: str) -> BinaryIO:
        """A stream reading the object in `chunk_size` ranges of one generation: an overwrite while it
        reads makes it fail (that generation is gone) instead of returning a mix of two versions."""
        rel = safe_relpath(path)
        if not rel:
            raise NotFound("No such artifact: '' (the root is a directory)")
        name = self._key(rel)
        with self._errors("read", rel):
            found = self.bucket.get_blob(name)  # fails fast when missing; gives the generation to pin
        if found is None:
            raise NotFound(f"No such artifact: '{rel}'")
        if not found.size:
            return io.BytesIO(b"")  # nothing to fetch (and a ranged read of nothing is not well defined)
        # A fresh handle builds download URLs from the name; the metadata's mediaLink is left alone because
        # gcp-storage-emulator does not percent-encode names in it.
        pinned = self.bucket.blob(name, chunk_size=self.chunk_size, generation=found.generation)
        reader = pinned.open("rb", chunk_size=self.chunk_size)
        reader.size = found.size  # the contract's length hint, for the proxy's Content-Length
        return reader

    def download_file(self, rel: str, local_path: str) -> None:
        os.makedirs(os.path.dirname(local_path) or ".", exist_ok=True)
        with self._errors("download", rel):
            # One streamed request; a chunk size here would turn it into a series of ranged requests.
            self.bucket.blob(self._file_key(rel)).download_to_filename(local_path)

    # --- deleting ------------------------------------------------------------------------------------
    def delete_artifacts(self, path: str | None = None) -> None:
        """Delete the file `path` and everything below `path/`; missing paths are already deleted."""
        rel = safe_relpath(path)
        with self._errors("delete", path):
            if rel:
                with contextlib.suppress(gexc.NotFound):
                    self.bucket.blob(self._key(rel)).delete()
            blobs = iter(self.client.list_blobs(self.bucket_name, prefix=self._dir_prefix(rel),
                                                page_size=self.page_size))
            while batch := list(itertools.islice(blobs, self.delete_batch_size)):
                self._delete_batch(batch)

    def _delete_batch(self, blobs: list) -> None:
        # A 404 means another client deleted that object first; the batch's other deletions still ran.
        with contextlib.suppress(gexc.NotFound), self.client.batch():
            for blob in blobs:
                blob.delete()


def _content_type(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def _translate(err: gexc.GoogleAPICallError, action: str, path: str, bucket: str) -> Exception:
    what = f"{action} '{path}'"
    message = getattr(err, "message", None) or str(err)
    if isinstance(err, gexc.NotFound):
        if "bucket" in message.lower() and "object" not in message.lower():
            return NotFound(f"Cannot {what}: bucket '{bucket}' does not exist. Create it or fix the artifact URI.")
        return NotFound(f"No such artifact: '{path}'")
    if isinstance(err, (gexc.Forbidden, gexc.Unauthorized)):
        return MlplugError(f"Cannot {what} in bucket '{bucket}': {message}. Check the Google Cloud credentials "
                           "(GOOGLE_APPLICATION_CREDENTIALS) and the bucket's IAM permissions.", "PERMISSION_DENIED")
    if isinstance(err, gexc.BadRequest):
        return InvalidParameter(f"Cannot {what}: {message}")
    return err
