"""Which environment manager runs a project, and what it is given to build from.

Without `--env-manager` the project's environment decides, as in MLflow: `python_env` (or no
environment file at all) means virtualenv, `conda_env` means conda. The manager receives the
directory of the project's environment file; a file with another name than `python_env.yaml` /
`conda.yaml` is presented under that name in a directory that mirrors its own, so relative
references in it (`-r requirements.txt`) still resolve.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from typing import Iterator

from mlplug.errors import InvalidParameter, MlplugError, PluginError
from mlplug.projects.mlproject import (CONDA_ENV, CONDA_ENV_FILE, DOCKER_ENV, NO_ENV, PYTHON_ENV,
                                       PYTHON_ENV_FILE, Project)

_STANDARD_NAME = {PYTHON_ENV: PYTHON_ENV_FILE, CONDA_ENV: CONDA_ENV_FILE}


def manager_name(project: Project, requested: str | None) -> str:
    if project.env_kind == DOCKER_ENV:
        raise InvalidParameter(f"The project uses docker_env (image {project.docker.image}); the local backend "
                               "runs projects in python_env or conda_env environments only.")
    if requested is None:
        return "conda" if project.env_kind == CONDA_ENV else "virtualenv"
    if requested == "conda" and project.env_kind != CONDA_ENV:
        has = "a python_env file" if project.env_kind == PYTHON_ENV else "no environment file"
        raise InvalidParameter(f"--env-manager conda needs a project with a conda_env (conda.yaml); this one has "
                               f"{has}. Use --env-manager virtualenv or uv.")
    return requested


def get_manager(name: str):
    """The installed, usable manager called `name`, else a one-line error naming what to install."""
    from mlplug.host import get_host

    try:
        manager = get_host().env_manager(name)
    except PluginError as err:
        raise MlplugError(f"Unknown --env-manager '{name}': {err.message}", "INVALID_PARAMETER_VALUE") from None
    reason = manager.available()
    if reason:
        raise MlplugError(f"--env-manager {name} cannot be used here: {reason}", "INVALID_PARAMETER_VALUE")
    return manager


@contextlib.contextmanager
def spec_directory(project: Project) -> Iterator[str]:
    """A directory in which the manager finds the project's environment file by its standard name."""
    if project.env_kind == NO_ENV or project.env_file is None:
        with tempfile.TemporaryDirectory(prefix="mlplug-empty-env-") as empty:
            yield empty
        return
    standard = _STANDARD_NAME[project.env_kind]
    home = os.path.dirname(project.env_file)
    if os.path.basename(project.env_file) == standard and not _shadowed(project, home):
        yield home
        return
    mirror = tempfile.mkdtemp(prefix="mlplug-env-spec-")
    try:
        for name in os.listdir(home):
            if name not in (PYTHON_ENV_FILE, CONDA_ENV_FILE):
                os.symlink(os.path.join(home, name), os.path.join(mirror, name))
        os.symlink(project.env_file, os.path.join(mirror, standard))
        yield mirror
    finally:
        shutil.rmtree(mirror, ignore_errors=True)


def _shadowed(project: Project, home: str) -> bool:
    """A conda_env project whose directory also holds a python_env.yaml, which managers read first."""
    return project.env_kind == CONDA_ENV and os.path.isfile(os.path.join(home, PYTHON_ENV_FILE))
