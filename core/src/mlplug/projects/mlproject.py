"""The MLproject file as MLflow defines it: name, entry points with typed parameters and command
templates, and at most one of `python_env`, `conda_env`, `docker_env`.

A directory without an MLproject file is a project too: its entry points are its `.py` and `.sh`
scripts, and its environment is `python_env.yaml`, else `conda.yaml`, else none.
"""
from __future__ import annotations

import os
import shlex
from dataclasses import dataclass, field
from typing import Any, Mapping

from mlplug.errors import InvalidParameter
from mlplug.yamlfiles import load_mapping

MLPROJECT = "MLproject"
PYTHON_ENV_FILE = "python_env.yaml"
CONDA_ENV_FILE = "conda.yaml"
PARAMETER_TYPES = ("string", "float", "path", "uri")
#: How a script entry point is run when no MLproject entry point has its name.
SCRIPT_RUNNERS = {".py": lambda: "python", ".sh": lambda: os.environ.get("SHELL") or "bash"}

# Environment kinds, as the `mlflow.project.env` tag and `--env-manager` auto-selection name them.
PYTHON_ENV = "python_env"
CONDA_ENV = "conda_env"
DOCKER_ENV = "docker_env"
NO_ENV = "none"


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str = "string"
    default: str | None = None

    @property
    def required(self) -> bool:
        return self.default is None


@dataclass(frozen=True)
class EntryPoint:
    name: str
    command: str
    parameters: Mapping[str, Parameter] = field(default_factory=dict)


@dataclass(frozen=True)
class DockerEnv:
    image: str
    volumes: tuple[str, ...] = ()
    environment: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Project:
    directory: str
    name: str | None
    entry_points: Mapping[str, EntryPoint]
    env_kind: str                     # PYTHON_ENV, CONDA_ENV, DOCKER_ENV or NO_ENV
    env_file: str | None = None       # absolute path of the python_env / conda_env file
    docker: DockerEnv | None = None

    def entry_point(self, name: str) -> EntryPoint:
        """The entry point called `name`, or a script of the project run by its extension."""
        if name in self.entry_points:
            return self.entry_points[name]
        extension = os.path.splitext(name)[1]
        if extension in SCRIPT_RUNNERS:
            script = os.path.normpath(os.path.join(self.directory, name))
            if not script.startswith(os.path.join(self.directory, "")) or not os.path.isfile(script):
                raise InvalidParameter(f"Entry point '{name}' is not defined in the project and no script "
                                       f"'{name}' exists in {self.directory}.")
            return EntryPoint(name, f"{SCRIPT_RUNNERS[extension]()} {shlex.quote(name)}")
        declared = ", ".join(sorted(self.entry_points)) or "none"
        raise InvalidParameter(f"Entry point '{name}' is not defined in the project (entry points: {declared}) "
                               f"and is not a .py or .sh script.")


def find_mlproject(directory: str) -> str | None:
    """The MLproject file of `directory`, its name matched case-insensitively as MLflow does."""
    for entry in sorted(os.listdir(directory)):
        if entry.lower() == MLPROJECT.lower() and os.path.isfile(os.path.join(directory, entry)):
            return os.path.join(directory, entry)
    return None


def load_project(directory: str) -> Project:
    """Read the project in `directory`; an invalid MLproject is a one-line InvalidParameter."""
    directory = os.path.abspath(directory)
    if not os.path.isdir(directory):
        raise InvalidParameter(f"Project directory '{directory}' does not exist.")
    path = find_mlproject(directory)
    if path is None:
        kind, env_file = _default_env(directory)
        return Project(directory, None, {}, kind, env_file)
    data = load_mapping(path, "a mapping (name, entry_points, ...)")
    where = f"{path}:"
    name = data.get("name")
    entry_points = {str(k): _entry_point(str(k), v, where) for k, v in _mapping(data, "entry_points", where).items()}
    env_keys = [key for key in (PYTHON_ENV, CONDA_ENV, DOCKER_ENV) if data.get(key) is not None]
    if len(env_keys) > 1:
        raise InvalidParameter(f"{where} a project can have only one of python_env, conda_env and docker_env "
                               f"(it has {', '.join(env_keys)}).")
    if not env_keys:
        kind, env_file = _default_env(directory)
        return Project(directory, _text(name), entry_points, kind, env_file)
    key = env_keys[0]
    if key == DOCKER_ENV:
        return Project(directory, _text(name), entry_points, DOCKER_ENV, None, _docker(data[key], where))
    env_file = _env_file(directory, data[key], key, where)
    return Project(directory, _text(name), entry_points, key, env_file)


def _default_env(directory: str) -> tuple[str, str | None]:
    for kind, file in ((PYTHON_ENV, PYTHON_ENV_FILE), (CONDA_ENV, CONDA_ENV_FILE)):
        if os.path.isfile(os.path.join(directory, file)):
            return kind, os.path.join(directory, file)
    return NO_ENV, None


def _env_file(directory: str, value: Any, key: str, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidParameter(f"{where} {key} must be the path of a file in the project, got {value!r}.")
    path = os.path.normpath(os.path.join(directory, value))
    if not os.path.isfile(path):
        raise InvalidParameter(f"{where} {key} names '{value}', but there is no such file in the project.")
    return path


def _docker(value: Any, where: str) -> DockerEnv:
    if not isinstance(value, dict) or not isinstance(value.get("image"), str) or not value["image"]:
        raise InvalidParameter(f"{where} docker_env needs an 'image' (e.g. docker_env: {{image: python:3.11}}).")
    volumes, environment = value.get("volumes") or [], value.get("environment") or []
    if not isinstance(volumes, list) or not all(isinstance(v, str) for v in volumes):
        raise InvalidParameter(f"{where} docker_env volumes must be a list of 'host:container' strings.")
    if not isinstance(environment, list) or not all(
            isinstance(e, str) or (isinstance(e, list) and len(e) == 2) for e in environment):
        raise InvalidParameter(f"{where} docker_env environment must list NAME or [NAME, value] items.")
    return DockerEnv(value["image"], tuple(volumes), tuple(e if isinstance(e, str) else tuple(e) for e in environment))


def _entry_point(name: str, value: Any, where: str) -> EntryPoint:
    if not isinstance(value, dict):
        raise InvalidParameter(f"{where} entry point '{name}' must be a mapping with a 'command'.")
    command = value.get("command")
    if not isinstance(command, str) or not command.strip():
        raise InvalidParameter(f"{where} entry point '{name}' has no command.")
    parameters = {str(k): _parameter(str(k), v, name, where)
                  for k, v in _mapping(value, "parameters", f"{where} entry point '{name}'").items()}
    return EntryPoint(name, command, parameters)


def _parameter(name: str, value: Any, entry: str, where: str) -> Parameter:
    """`name: type` (required) or `name: {type: t, default: v}`; the type defaults to string."""
    if value is None:
        return Parameter(name)
    if isinstance(value, str):
        return Parameter(name, _type(value, name, entry, where))
    if isinstance(value, dict):
        default = value.get("default")
        return Parameter(name, _type(value.get("type", "string"), name, entry, where),
                         None if default is None else _text(default))
    raise InvalidParameter(f"{where} parameter '{name}' of entry point '{entry}' must be a type name or a "
                           f"mapping with 'type' and 'default'.")


def _type(value: Any, name: str, entry: str, where: str) -> str:
    if value not in PARAMETER_TYPES:
        raise InvalidParameter(f"{where} parameter '{name}' of entry point '{entry}' has unknown type {value!r} "
                               f"(types: {', '.join(PARAMETER_TYPES)}).")
    return value


def _text(value: Any) -> str | None:
    """A YAML scalar as the text a user would have typed (`0.1` stays `0.1`, `true` becomes `True` as in MLflow)."""
    return None if value is None else str(value)


def _mapping(data: dict, key: str, where: str) -> dict:
    value = data.get(key) or {}
    if not isinstance(value, dict):
        raise InvalidParameter(f"{where} '{key}' must be a mapping.")
    return value
