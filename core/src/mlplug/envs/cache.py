"""The on-disk cache of built environments, one entry per specification hash.

Layout under the root (`MLPLUG_ENV_ROOT`, else `MLFLOW_ENV_ROOT`, else `~/.cache/mlplug/envs`)::

    <name>  ->  .builds/<name>-<random>/    a finished environment (a symlink)
    .builds/                                environments, while built and after
    .locks/<name>.lock                      one build per name at a time
    .logs/<name>.log                        the build tools' output of the last build

A build happens in its own directory under `.builds`, and only a finished one is published, by
atomically replacing the `<name>` link; a failed build removes its directory, so there is never a
half-built entry. The directory never moves after it is built, so the absolute paths that installers
write into scripts keep working.
"""
from __future__ import annotations

import contextlib
import glob
import os
import shutil
import tempfile
from typing import Callable, Iterator

from mlplug.config import setting

#: `build(directory, log_path)` fills `directory`; it raises to abandon the build.
Build = Callable[[str, str], None]


def env_root() -> str:
    return os.path.abspath(os.path.expanduser(setting("ENV_ROOT") or "~/.cache/mlplug/envs"))


class EnvCache:
    def __init__(self, root: str | None = None):
        self.root = root or env_root()

    def entry(self, name: str) -> str:
        return os.path.join(self.root, name)

    def log_path(self, name: str) -> str:
        return os.path.join(self.root, ".logs", name + ".log")

    def get_or_build(self, name: str, marker: str, build: Build) -> str:
        """The entry `name`, built by `build` unless a finished one (holding the file `marker`) exists."""
        entry = self.entry(name)
        if os.path.isfile(os.path.join(entry, marker)):
            return entry
        for sub in (".builds", ".locks", ".logs"):
            os.makedirs(os.path.join(self.root, sub), exist_ok=True)
        with _exclusive(os.path.join(self.root, ".locks", name + ".lock")):
            if os.path.isfile(os.path.join(entry, marker)):  # built by another process meanwhile
                return entry
            self._remove_abandoned_builds(name)
            build_dir = tempfile.mkdtemp(prefix=name + "-", dir=os.path.join(self.root, ".builds"))
            try:
                with open(self.log_path(name), "w", encoding="utf-8"):
                    pass
                build(build_dir, self.log_path(name))
                _publish(build_dir, entry)
            except BaseException:
                shutil.rmtree(build_dir, ignore_errors=True)
                raise
        return entry

    def _remove_abandoned_builds(self, name: str) -> None:
        """Directories of earlier builds of this name that never got published (the process was killed)
        or whose entry broke; the caller holds the name's lock, so none of them is being built."""
        for path in glob.glob(os.path.join(self.root, ".builds", name + "-*")):
            shutil.rmtree(path, ignore_errors=True)


def _publish(build_dir: str, entry: str) -> None:
    """Point `entry` at the finished build in one atomic step (a relative link, so the root can move)."""
    link = os.path.join(os.path.dirname(build_dir), f".link-{os.path.basename(build_dir)}")
    os.symlink(os.path.relpath(build_dir, os.path.dirname(entry)), link)
    os.replace(link, entry)


@contextlib.contextmanager
def _exclusive(lock_path: str) -> Iterator[None]:
    import fcntl

    with open(lock_path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
