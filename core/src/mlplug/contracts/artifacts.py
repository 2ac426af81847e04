"""ArtifactRepository: files under one root URI (a run's artifact URI, a bucket prefix, a directory).

Paths are relative, `/`-separated and never escape the root: implementations call `safe_relpath` (one
rule for every backend) on each path they receive.
"""
from __future__ import annotations

import os
import posixpath
import re
from abc import ABC, abstractmethod
from typing import BinaryIO, Callable, Iterable, Iterator
from urllib.parse import unquote

from mlplug.entities import FileInfo
from mlplug.errors import InvalidParameter

# `C:/x` or a bare `C:` names another drive; `a:b.txt` is an ordinary name.
_DRIVE = re.compile(r"^[A-Za-z]:(/|$)")


def safe_relpath(path: str | None) -> str:
    """Normalise a relative artifact path; reject `..`, absolute and drive paths, backslashes, NULs.

    Percent-encoded forms are decoded first so `%2e%2e/` is caught too. The empty path is the root.
    """
    if not path:
        return ""
    decoded = unquote(path)
    for candidate in (path, decoded):
        if "\x00" in candidate or "\\" in candidate:
            raise InvalidParameter(f"Invalid artifact path: {path!r}")
        if candidate.startswith("/") or _DRIVE.match(candidate):
            raise InvalidParameter(f"Invalid artifact path: {path!r}; artifact paths must be relative")
        if any(part == ".." for part in candidate.split("/")):
            raise InvalidParameter(f"Invalid artifact path: {path!r}; '..' is not allowed")
    norm = posixpath.normpath(path)
    return "" if norm == "." else norm


class ArtifactRepository(ABC):
    """Returned by the `mlplug_artifact_repository` hook for a URI scheme."""

    #: Whether many-file transfers run on several threads. Remote stores gain from overlapping round
    #: trips; the local filesystem loses (threads only contend for directory locks and the GIL), so it
    #: sets this False and gets one batch call, `log_files`, instead.
    parallel_transfers: bool = True

    def __init__(self, artifact_uri: str, tracking_uri: str | None = None):
        self.artifact_uri = artifact_uri
        self.tracking_uri = tracking_uri

    @abstractmethod
    def log_artifact(self, local_file: str, artifact_path: str | None = None) -> None:
        """Copy one local file into `artifact_path` (a directory) under the root."""

    def log_artifacts(self, local_dir: str, artifact_path: str | None = None) -> None:
        """Copy a directory tree; the default walks it and logs file by file."""
        base = safe_relpath(artifact_path)
        for root, _dirs, files in os.walk(local_dir):
            rel = os.path.relpath(root, local_dir)
            dest = base if rel == "." else posixpath.join(base, rel.replace(os.sep, "/")) if base else rel.replace(os.sep, "/")
            for name in files:
                self.log_artifact(os.path.join(root, name), dest or None)

    def log_files(self, files: Iterable[tuple[str, str | None, int]], done: Callable[[int], None]) -> None:
        """Log `(local file, artifact directory, size)` items in order, calling `done(size)` after each.

        Sequential transfers call this once for a whole tree, so a backend can check each destination
        directory once rather than once per file.
        """
        for local_file, dest, size in files:
            self.log_artifact(local_file, dest)
            done(size)

    @abstractmethod
    def list_artifacts(self, path: str | None = None) -> list[FileInfo]:
        """Immediate children of `path` with paths relative to the root; a file or nothing lists as []."""

    @abstractmethod
    def open(self, path: str) -> BinaryIO:
        """A readable binary stream of one file; a missing file raises NotFound.

        A stream that is not a local file but knows the file's length says so in an int attribute
        `size`, which lets the artifact proxy send a Content-Length.
        """

    @abstractmethod
    def write(self, path: str, stream: BinaryIO) -> None:
        """Write one file from a stream (the server's upload path), replacing any existing file."""

    def delete_artifacts(self, path: str | None = None) -> None:
        """Remove a file or a tree (the root when `path` is empty)."""
        raise NotImplementedError(f"{type(self).__name__} cannot delete artifacts")

    def iter_files(self, path: str | None = None) -> Iterator[FileInfo]:
        """Every file below `path`, recursively."""
        for info in self.list_artifacts(path):
            if info.is_dir:
                yield from self.iter_files(info.path)
            else:
                yield info

    def download_artifacts(self, path: str, dst_path: str) -> str:
        """Download a file or a tree into `dst_path`; returns the local path of what was asked for."""
        rel = safe_relpath(path)
        entries = self.list_artifacts(rel) if rel == "" or self.is_dir(rel) else None
        if entries is None:
            target = os.path.join(dst_path, rel.replace("/", os.sep))
            self.download_file(rel, target)
            return target
        for info in self.iter_files(rel):
            self.download_file(info.path, os.path.join(dst_path, info.path.replace("/", os.sep)))
        return os.path.join(dst_path, rel.replace("/", os.sep)) if rel else dst_path

    def is_dir(self, rel: str) -> bool:
        """Whether `rel` is a directory; backends override this with one cheap lookup."""
        parent = posixpath.dirname(rel)
        return any(f.path == rel and f.is_dir for f in self.list_artifacts(parent or None))

    def download_file(self, rel: str, local_path: str) -> None:
        """Copy one file to `local_path` (parallel transfers call this per file; backends may override)."""
        os.makedirs(os.path.dirname(local_path) or ".", exist_ok=True)
        with self.open(rel) as src, open(local_path, "wb") as dst:
            while chunk := src.read(1 << 20):
                dst.write(chunk)


class MultipartUploadSupport(ABC):
    """Optional mixin: storage that takes one file as parts the client uploads straight to it.

    The artifact proxy's `/mpu/create|complete|abort` routes serve repositories that inherit this; for
    any other the proxy answers 501 and MLflow clients fall back to one PUT. Arguments and results are
    shaped like the REST messages, so the proxy passes them through. `path` is the file's artifact path
    (checked with `safe_relpath`).
    """

    @abstractmethod
    def create_multipart_upload(self, path: str, num_parts: int) -> dict:
        """Start an upload of `num_parts` parts. Returns ``{"upload_id": str, "credentials": [{"url": str,
        "part_number": int, "headers": dict}]}``, one credential per part numbered from 1: the client PUTs
        that part's bytes to `url` with `headers` and keeps the response's ETag."""

    @abstractmethod
    def complete_multipart_upload(self, path: str, upload_id: str, parts: list[dict]) -> None:
        """Join the uploaded parts, ``[{"part_number": int, "etag": str}, ...]``, into the file at `path`."""

    @abstractmethod
    def abort_multipart_upload(self, path: str, upload_id: str) -> None:
        """Discard an unfinished upload and the parts stored for it."""


class PrefixedKeys:
    """Object-store key rules for repositories rooted at `self.prefix` (no leading or trailing `/`).

    S3, GCS and Azure name objects the same way; this is the one copy of that rule.
    """

    prefix: str

    def _key(self, rel: str) -> str:
        return posixpath.join(self.prefix, rel) if self.prefix and rel else self.prefix or rel

    def _file_key(self, path: str) -> str:
        rel = safe_relpath(path)
        if not rel:
            raise InvalidParameter("An artifact path is required for a file (got the root).")
        return self._key(rel)

    def _dir_prefix(self, rel: str) -> str:
        key = self._key(rel)
        return key + "/" if key else ""

    def _relative(self, key: str) -> str:
        return key[len(self.prefix) + 1:] if self.prefix else key
