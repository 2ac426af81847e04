"""LocalArtifactRepository: artifacts as files under one directory on the local filesystem.

Every path a caller gives goes through `safe_relpath` and is then resolved with symlinks followed: a
path whose real location is outside the root is refused, so a symlink planted in the tree cannot be
used to read or overwrite files elsewhere. Writes go to a temporary file beside the target and are
renamed into place, so readers never see half-written files.
"""
from __future__ import annotations

import os
import posixpath
import shutil
import tempfile
from typing import BinaryIO

from mlplug.contracts.artifacts import ArtifactRepository, safe_relpath
from mlplug.entities import FileInfo
from mlplug.errors import InvalidParameter, NotFound
from mlplug.uri import local_path

_CHUNK = 1 << 20
# Prefix of in-flight uploads; listings skip them so a half-uploaded file is never offered.
_TEMP_PREFIX = ".mlplug-upload-"


class LocalArtifactRepository(ArtifactRepository):
    """Artifacts below a directory given as a plain path or a `file://` URI."""

    def __init__(self, artifact_uri: str, tracking_uri: str | None = None):
        super().__init__(artifact_uri, tracking_uri)
        self.root = local_path(artifact_uri)

    # --- path resolution ------------------------------------------------------------------------
    def _real_root(self) -> str:
        return os.path.realpath(self.root)

    def _inside(self, real_path: str, real_root: str) -> bool:
        return real_path == real_root or real_path.startswith(real_root.rstrip(os.sep) + os.sep)

    def _resolve(self, path: str | None) -> tuple[str, str]:
        """(relative path, absolute path) for `path`; refuses anything that resolves outside the root."""
        rel = safe_relpath(path)
        full = os.path.join(self.root, *rel.split("/")) if rel else self.root
        if not self._inside(os.path.realpath(full), self._real_root()):
            raise InvalidParameter(f"Invalid artifact path: {path!r} resolves outside the artifact root")
        return rel, full

    # --- writing --------------------------------------------------------------------------------
    def write(self, path: str, stream: BinaryIO) -> None:
        rel, full = self._resolve(path)
        if not rel:
            raise InvalidParameter("An artifact path is required to write a file (got the root).")
        if os.path.isdir(full):
            raise InvalidParameter(f"Cannot write artifact {rel!r}: a directory of that name exists.")
        parent = os.path.dirname(full)
        os.makedirs(parent, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=_TEMP_PREFIX, dir=parent)
        try:
            with os.fdopen(fd, "wb") as out:
                shutil.copyfileobj(stream, out, _CHUNK)
            os.chmod(tmp, 0o644)
            os.replace(tmp, full)
        except BaseException:
            _remove_quietly(tmp)
            raise

    def log_artifact(self, local_file: str, artifact_path: str | None = None) -> None:
        base = safe_relpath(artifact_path)
        name = os.path.basename(local_file)
        with open(local_file, "rb") as src:
            self.write(posixpath.join(base, name) if base else name, src)

    def log_artifacts(self, local_dir: str, artifact_path: str | None = None) -> None:
        base = safe_relpath(artifact_path)
        self._resolve(base)
        for root, _dirs, files in os.walk(local_dir):
            rel = os.path.relpath(root, local_dir)
            sub = "" if rel == "." else rel.replace(os.sep, "/")
            dest = posixpath.join(base, sub) if base and sub else base or sub
            os.makedirs(self._resolve(dest)[1], exist_ok=True)
            for name in files:
                with open(os.path.join(root, name), "rb") as src:
                    self.write(posixpath.join(dest, name) if dest else name, src)

    # --- reading --------------------------------------------------------------------------------
    def list_artifacts(self, path: str | None = None) -> list[FileInfo]:
        rel, full = self._resolve(path)
        if not os.path.isdir(full):
            return []
        real_root = self._real_root()
        infos = []
        with os.scandir(full) as entries:
            for entry in entries:
                if entry.name.startswith(_TEMP_PREFIX):
                    continue
                if entry.is_symlink() and not self._inside(os.path.realpath(entry.path), real_root):
                    continue
                child = posixpath.join(rel, entry.name) if rel else entry.name
                if entry.is_dir():
                    infos.append(FileInfo(child, True))
                elif entry.is_file():
                    infos.append(FileInfo(child, False, entry.stat().st_size))
        return sorted(infos, key=lambda info: info.path)

    def open(self, path: str) -> BinaryIO:
        rel, full = self._resolve(path)
        if not rel or not os.path.isfile(full):
            raise NotFound(f"No such artifact: '{path}'")
        return open(full, "rb")

    def is_dir(self, rel: str) -> bool:
        return os.path.isdir(self._resolve(rel)[1])

    def download_file(self, rel: str, local_path: str) -> None:
        _, full = self._resolve(rel)
        if not os.path.isfile(full):
            raise NotFound(f"No such artifact: '{rel}'")
        os.makedirs(os.path.dirname(local_path) or ".", exist_ok=True)
        shutil.copyfile(full, local_path)

    def download_artifacts(self, path: str, dst_path: str) -> str:
        rel, full = self._resolve(path)
        if rel and not os.path.exists(full):
            raise NotFound(f"No such artifact: '{path}'")
        return super().download_artifacts(rel, dst_path)

    # --- deleting -------------------------------------------------------------------------------
    def delete_artifacts(self, path: str | None = None) -> None:
        """Remove a file or a tree; a path that does not exist is already deleted."""
        _, full = self._resolve(path)
        if os.path.isdir(full) and not os.path.islink(full):
            shutil.rmtree(full)
        elif os.path.lexists(full):
            os.remove(full)


def _remove_quietly(path: str) -> None:
    try:
        os.remove(path)
    except FileNotFoundError:
        pass
