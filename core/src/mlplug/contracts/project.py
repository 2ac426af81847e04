"""ProjectBackend: where `mlplug run` executes a project (local processes, a cluster, ...)."""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Mapping


class SubmittedRun(ABC):
    @property
    @abstractmethod
    def run_id(self) -> str: ...

    @abstractmethod
    def wait(self) -> bool:
        """Block until done; True on success."""

    @abstractmethod
    def get_status(self) -> str:
        """A RunStatus name."""

    @abstractmethod
    def cancel(self) -> None: ...


class ProjectBackend(ABC):
    """Returned by the `mlplug_project_backend` hook for `mlplug run --backend NAME`."""

    @abstractmethod
    def run(self, project_uri: str, entry_point: str, params: Mapping[str, str], version: str | None,
            backend_config: Mapping, tracking_uri: str, experiment_id: str) -> SubmittedRun: ...
