"""EnvManager: builds (or reuses) an isolated Python environment and runs commands in it."""
from __future__ import annotations

import os
import shutil
from abc import ABC, abstractmethod
from typing import Mapping, Sequence


class Environment(ABC):
    """A ready environment: where its interpreter is and how to run a command inside it."""

    @property
    @abstractmethod
    def python(self) -> str:
        """Path of the environment's Python interpreter."""

    def variables(self) -> dict[str, str]:
        """Environment variables a command inside gets; by default the interpreter's `bin` first on PATH,
        so `python`, `pip` and `mlplug` mean this environment's."""
        return {"PATH": os.pathsep.join([os.path.dirname(self.python), os.environ.get("PATH", os.defpath)])}

    def command(self, argv: Sequence[str] | str) -> list[str]:
        """The argv that runs `argv` (a list, or a shell string) inside the environment."""
        prefix = [shutil.which("env") or "/usr/bin/env", *(f"{k}={v}" for k, v in self.variables().items())]
        if isinstance(argv, str):
            return [*prefix, shutil.which("bash") or "/bin/sh", "-c", argv]
        return [*prefix, *argv]


class EnvManager(ABC):
    """Returned by the `mlplug_env_manager` hook for a name such as `local`, `virtualenv`, `uv`, `conda`."""

    name: str = ""

    @abstractmethod
    def prepare(self, spec_dir: str, env: Mapping[str, str] | None = None, *,
                distributions: Sequence[str] = (), replace_mlflow: bool = True) -> Environment:
        """Build or reuse the environment described by the spec files in `spec_dir`.

        Environments are cached by a hash of their specification; a failed build leaves no cache entry.
        `env` adds environment variables for the build (an index URL, proxy settings ...).
        `distributions` names mlplug distributions needed inside besides the kernel and what a model
        directory's flavours need (a project run adds the plugins of its tracking and artifact URIs).
        `replace_mlflow=False` keeps `mlflow`/`mlflow-skinny` requirements: a project's scripts may use
        the real MLflow client, while a model's environment gets mlplug's scoring server in its place.
        """

    def available(self) -> str | None:
        """None when usable here, else a one-line reason naming what to install."""
        return None
