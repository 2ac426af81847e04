"""LocalArtifactRepository: artifacts as files under one directory on the local filesystem.

Every path a caller gives goes through `safe_relpath` and is then resolved with symlinks followed: a
path whose real location is outside the root is refused, so a symlink planted in the tree cannot be
used to read or overwrite files elsewhere. Writes go to a temporary file beside the target and are
renamed into place, so readers never see half-written files; a rename replaces a symlink at the target
name rather than following it.

Copies of local files are the common case (the Python API and `mlplug artifacts log-artifacts` logging
straight into a directory), so they take the kernel's cheapest path: `sendfile` for large files (as
`shutil.copyfile` does; `copy_file_range` measured slower on ext4 here), one read and one write for
small ones, and, for a whole tree (`log_files`), each destination directory
checked once instead of once per file.
"""
from __future__ import annotations

import itertools
import os
import posixpath
import shutil
import threading
from typing import BinaryIO, Callable, Iterable

from mlplug.contracts.artifacts import ArtifactRepository, safe_relpath
from mlplug.entities import FileInfo
from mlplug.errors import InvalidParameter, NotFound
from mlplug.uri import local_path

_CHUNK = 1 << 20
_SMALL = 1 << 20  # files up to this size are copied with one read and one write
# Prefix of in-flight uploads; listings skip them so a half-uploaded file is never offered.
_TEMP_PREFIX = ".mlplug-upload-"
_TEMP_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
_temp_numbers = itertools.count()


class LocalArtifactRepository(ArtifactRepository):
    """Artifacts below a directory given as a plain path or a `file://` URI."""

    parallel_transfers = False

    def __init__(self, artifact_uri: str, tracking_uri: str | None = None):
        super().__init__(artifact_uri, tracking_uri)
        self.root = local_path(artifact_uri)
        self._root_real: str | None = None

    # --- path resolution ------------------------------------------------------------------------
    def _real_root(self) -> str:
        if self._root_real is None:  # the root's own location is fixed for this repository's life
            self._root_real = os.path.realpath(self.root)
        return self._root_real

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
        parent = os.path.dirname(full)
        os.makedirs(parent, exist_ok=True)
        self._place(parent, os.path.basename(full), rel, lambda fd: _copy_stream(stream, fd))

    def log_artifact(self, local_file: str, artifact_path: str | None = None) -> None:
        self.log_files([(local_file, artifact_path, 0)], lambda _size: None)

    def log_artifacts(self, local_dir: str, artifact_path: str | None = None) -> None:
        base = safe_relpath(artifact_path)
        self._resolve(base)
        items = []
        for root, _dirs, files in os.walk(local_dir):
            rel = os.path.relpath(root, local_dir)
            sub = "" if rel == "." else rel.replace(os.sep, "/")
            dest = posixpath.join(base, sub) if base and sub else base or sub
            os.makedirs(self._resolve(dest)[1], exist_ok=True)  # empty directories are kept too
            items += [(os.path.join(root, name), dest, 0) for name in files]
        self.log_files(items, lambda _size: None)

    def log_files(self, files: Iterable[tuple[str, str | None, int]], done: Callable[[int], None]) -> None:
        checked: dict[str, str] = {}  # artifact directory -> its absolute path, checked once per batch
        for local_file, dest, size in files:
            rel_dir = safe_relpath(dest)
            directory = checked.get(rel_dir)
            if directory is None:
                directory = self._resolve(rel_dir)[1]
                os.makedirs(directory, exist_ok=True)
                checked[rel_dir] = directory
            name = os.path.basename(local_file)
            rel = posixpath.join(rel_dir, name) if rel_dir else name
            with open(local_file, "rb") as src:
                self._place(directory, name, rel, lambda fd: _copy_file(src, fd))
            done(size)

    def _place(self, directory: str, name: str, rel: str, fill: Callable[[int], None]) -> None:
        """Write a new file `name` in `directory` through `fill(fd)`, then rename it into place."""
        target = os.path.join(directory, name)
        tmp = os.path.join(directory, f"{_TEMP_PREFIX}{os.getpid()}-{threading.get_ident()}-{next(_temp_numbers)}")
        fd = os.open(tmp, _TEMP_FLAGS, 0o644)
        try:
            with os.fdopen(fd, "wb", buffering=0, closefd=True) as out:
                fill(out.fileno())
            os.replace(tmp, target)
        except IsADirectoryError:
            _remove_quietly(tmp)
            raise InvalidParameter(f"Cannot write artifact {rel!r}: a directory of that name exists.") from None
        except BaseException:
            _remove_quietly(tmp)
            raise

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


def _copy_file(src: BinaryIO, fd: int) -> None:
    """Copy an open local file into `fd`: in the kernel when the file is large, in one write when small."""
    size = os.fstat(src.fileno()).st_size
    if size <= _SMALL:
        _write_all(fd, src.read())
        return
    offset = 0
    try:
        while sent := os.sendfile(fd, src.fileno(), offset, 1 << 30):
            offset += sent
    except (AttributeError, OSError):  # no sendfile to a file here (not Linux)
        os.lseek(fd, 0, os.SEEK_SET)
        os.ftruncate(fd, 0)
        src.seek(0)
        _copy_stream(src, fd)


def _copy_stream(stream: BinaryIO, fd: int) -> None:
    while chunk := stream.read(_CHUNK):
        _write_all(fd, chunk)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _remove_quietly(path: str) -> None:
    try:
        os.remove(path)
    except FileNotFoundError:
        pass
