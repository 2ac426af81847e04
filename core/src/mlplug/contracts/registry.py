"""RegistryStore: registered models, versions, aliases and tags (MLflow's model registry).

Designed with the tracking slice so URIs (`models:/name/1`, `models:/name@alias`) resolve in one place;
implemented by the SQL and REST store plugins when the registry is built.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Sequence

from mlplug.entities import ModelVersion, PagedList, RegisteredModel


class RegistryStore(ABC):
    """Returned by the `mlplug_registry_store` hook."""

    @abstractmethod
    def create_registered_model(self, name: str, tags: dict[str, str] | None = None,
                                description: str | None = None) -> RegisteredModel: ...

    @abstractmethod
    def get_registered_model(self, name: str) -> RegisteredModel: ...

    @abstractmethod
    def rename_registered_model(self, name: str, new_name: str) -> RegisteredModel: ...

    @abstractmethod
    def update_registered_model(self, name: str, description: str | None) -> RegisteredModel: ...

    @abstractmethod
    def delete_registered_model(self, name: str) -> None: ...

    @abstractmethod
    def search_registered_models(self, filter_string: str | None = None, max_results: int = 100,
                                 order_by: Sequence[str] | None = None,
                                 page_token: str | None = None) -> PagedList[RegisteredModel]: ...

    @abstractmethod
    def set_registered_model_tag(self, name: str, key: str, value: str) -> None: ...

    @abstractmethod
    def delete_registered_model_tag(self, name: str, key: str) -> None: ...

    @abstractmethod
    def create_model_version(self, name: str, source: str, run_id: str | None = None,
                             tags: dict[str, str] | None = None, run_link: str | None = None,
                             description: str | None = None, model_id: str | None = None) -> ModelVersion:
        """Versions count up from 1 per model and are never reused, even after deleting the newest."""

    @abstractmethod
    def get_model_version(self, name: str, version: str) -> ModelVersion: ...

    @abstractmethod
    def update_model_version(self, name: str, version: str, description: str | None) -> ModelVersion: ...

    @abstractmethod
    def delete_model_version(self, name: str, version: str) -> None: ...

    @abstractmethod
    def search_model_versions(self, filter_string: str | None = None, max_results: int = 10000,
                              order_by: Sequence[str] | None = None,
                              page_token: str | None = None) -> PagedList[ModelVersion]: ...

    @abstractmethod
    def transition_model_version_stage(self, name: str, version: str, stage: str,
                                       archive_existing_versions: bool = False) -> ModelVersion: ...

    @abstractmethod
    def get_latest_versions(self, name: str, stages: Sequence[str] | None = None) -> list[ModelVersion]: ...

    @abstractmethod
    def set_model_version_tag(self, name: str, version: str, key: str, value: str) -> None: ...

    @abstractmethod
    def delete_model_version_tag(self, name: str, version: str, key: str) -> None: ...

    @abstractmethod
    def set_registered_model_alias(self, name: str, alias: str, version: str) -> None: ...

    @abstractmethod
    def delete_registered_model_alias(self, name: str, alias: str) -> None: ...

    @abstractmethod
    def get_model_version_by_alias(self, name: str, alias: str) -> ModelVersion: ...

    def get_model_version_download_uri(self, name: str, version: str) -> str:
        return self.get_model_version(name, version).source
