"""Find an installed Python interpreter of the version a model asks for.

Nothing is downloaded: the interpreter must already be on this machine (this one, one on PATH, one
managed by pyenv or uv). "3.11.7" needs exactly 3.11.7; "3.11" accepts any 3.11.x.
"""
from __future__ import annotations

import glob
import os
import platform
import re
import shutil
import subprocess
import sys
from typing import Iterator

from mlplug.errors import InvalidParameter

_VERSION = re.compile(r"^\d+(\.\d+){0,2}$")


def matches(wanted: str, actual: str) -> bool:
    return actual == wanted or actual.startswith(wanted + ".")


def find_python(wanted: str) -> str:
    """Path of an interpreter whose version matches `wanted`; a one-line error naming what was found."""
    wanted = str(wanted).strip()
    if not _VERSION.match(wanted):
        raise InvalidParameter(f"Unsupported python version '{wanted}' in the environment spec: "
                               "give a version like 3.11 or 3.11.7.")
    if matches(wanted, platform.python_version()):
        return getattr(sys, "_base_executable", None) or sys.executable
    found: dict[str, str] = {}
    for path in _candidates(wanted):
        version = _version_of(path)
        if version and matches(wanted, version):
            return path
        if version:
            found.setdefault(version, path)
    seen = ", ".join(sorted(found | {platform.python_version(): sys.executable}, key=_sort_key))
    raise InvalidParameter(
        f"No Python {wanted} interpreter found (the environment asks for it; found: {seen}). "
        f"Install Python {wanted} (e.g. 'pyenv install {wanted}' or 'uv python install {wanted}'), "
        "or use --env-manager local to run in the current environment.")


def _candidates(wanted: str) -> Iterator[str]:
    major_minor = ".".join(wanted.split(".")[:2])
    seen: set[str] = set()
    names = [f"python{major_minor}", "python3", "python"]
    paths = [shutil.which(name) for name in names]
    pyenv_root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    paths += sorted(glob.glob(os.path.join(pyenv_root, "versions", f"{major_minor}*", "bin", "python3")))
    uv_root = os.environ.get("UV_PYTHON_INSTALL_DIR") or os.path.expanduser("~/.local/share/uv/python")
    paths += sorted(glob.glob(os.path.join(uv_root, f"cpython-{major_minor}*", "bin", "python3")))
    paths += sorted(glob.glob(f"/usr/bin/python{major_minor}")) + sorted(glob.glob(f"/usr/local/bin/python{major_minor}"))
    for path in paths:
        if path and os.access(path, os.X_OK):
            real = os.path.realpath(path)
            if real not in seen:
                seen.add(real)
                yield path


def _version_of(python: str) -> str | None:
    try:
        done = subprocess.run([python, "-c", "import platform; print(platform.python_version())"],
                              capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return None
    version = done.stdout.strip()
    return version if done.returncode == 0 and _VERSION.match(version) else None


def _sort_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))
