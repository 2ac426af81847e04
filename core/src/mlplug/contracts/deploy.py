"""DeploymentClient: one deployment target (MLflow's BaseDeploymentClient shape)."""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any


class DeploymentClient(ABC):
    """Returned by the `mlplug_deployment_client` hook for a target URI (`name` or `name:/suffix`)."""

    def __init__(self, target_uri: str):
        self.target_uri = target_uri

    @abstractmethod
    def create_deployment(self, name: str, model_uri: str, flavor: str | None = None,
                          config: dict | None = None, endpoint: str | None = None) -> dict: ...

    @abstractmethod
    def update_deployment(self, name: str, model_uri: str | None = None, flavor: str | None = None,
                          config: dict | None = None, endpoint: str | None = None) -> dict: ...

    @abstractmethod
    def delete_deployment(self, name: str, config: dict | None = None, endpoint: str | None = None) -> None: ...

    @abstractmethod
    def list_deployments(self, endpoint: str | None = None) -> list[dict]: ...

    @abstractmethod
    def get_deployment(self, name: str, endpoint: str | None = None) -> dict: ...

    @abstractmethod
    def predict(self, deployment_name: str | None = None, inputs: Any = None, endpoint: str | None = None) -> dict: ...

    def explain(self, deployment_name: str | None = None, df: Any = None, endpoint: str | None = None) -> Any:
        raise NotImplementedError("explain is not supported by this target")

    def target_help(self) -> str:
        return f"No help available for {self.target_uri}"
