"""EnvManager: builds (or reuses) an isolated Python environment and runs commands in it."""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Mapping, Sequence


class Environment(ABC):
    """A ready environment: where its interpreter is and how to run a command inside it."""

    @property
    @abstractmethod
    def python(self) -> str:
        """Path of the environment's Python interpreter."""

    @abstractmethod
    def command(self, argv: Sequence[str] | str) -> list[str]:
        """The argv that runs `argv` (a list, or a shell string) inside the environment."""


class EnvManager(ABC):
    """Returned by the `mlplug_env_manager` hook for a name such as `local`, `virtualenv`, `uv`, `conda`."""

    name: str = ""

    @abstractmethod
    def prepare(self, spec_dir: str, env: Mapping[str, str] | None = None) -> Environment:
        """Build or reuse the environment described by the spec files in `spec_dir`.

        Environments are cached by a hash of their specification; a failed build leaves no cache entry.
        """

    def available(self) -> str | None:
        """None when usable here, else a one-line reason naming what to install."""
        return None
