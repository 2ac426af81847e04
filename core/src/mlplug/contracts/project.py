"""ProjectBackend: where `mlplug run` executes a project (local processes, a cluster, ...).

The CLI turns its options into one `RunRequest` and hands it to the backend named by `--backend`; the
backend fetches the project, checks the parameters, prepares the environment, creates (or reuses) the
run and starts the entry point, then returns a `SubmittedRun` promptly. The kernel's `mlplug.projects`
has every step a backend needs (`sources.fetch`, `mlproject.load_project`, `parameters.resolve`,
`tracking.start_project_run`, `tracking.child_environment`), so a cluster backend only decides where the
command runs. Errors the user can fix are `MlplugError`s raised before anything runs, and no run is left
RUNNING: a backend that fails after creating the run marks it FAILED.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Mapping


@dataclass(frozen=True)
class RunRequest:
    project_uri: str                       # a directory or git URI, optionally with `#subdirectory`
    tracking_uri: str
    experiment_id: str
    entry_point: str = "main"
    params: Mapping[str, str] = field(default_factory=dict)   # `-P name=value`, unchecked
    version: str | None = None             # git branch, tag or commit
    env_manager: str | None = None         # None: chosen from the project's environment file
    run_id: str | None = None              # reuse this run instead of creating one
    run_name: str | None = None
    storage_dir: str | None = None         # where remote `path` parameters are downloaded
    backend_config: Mapping = field(default_factory=dict)     # `--backend-config`, the backend's own keys


class SubmittedRun(ABC):
    """A started project run. `wait()` ends it: the run is then FINISHED, FAILED or KILLED."""

    @property
    @abstractmethod
    def run_id(self) -> str: ...

    @abstractmethod
    def wait(self) -> bool:
        """Block until the entry point is done and the run's status is set; True on success."""

    @abstractmethod
    def get_status(self) -> str:
        """A RunStatus name (RUNNING until the entry point ends)."""

    @abstractmethod
    def cancel(self) -> None:
        """Stop the entry point and mark the run KILLED (a later `wait()` returns False)."""


class ProjectBackend(ABC):
    """Returned by the `mlplug_project_backend` hook for `mlplug run --backend NAME`."""

    name: str = ""

    @abstractmethod
    def run(self, request: RunRequest) -> SubmittedRun:
        """Start the project's entry point; raise MlplugError (before starting anything) for bad input."""
