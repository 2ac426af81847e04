"""RegistryStore: registered models, versions, aliases, tags and legacy stages (MLflow's model registry).

Semantics every implementation keeps (the suite in `mlplug.testing.contracts.registry` checks them):
- version numbers count up from 1 per model and are never reused, even after the newest is deleted;
- deleting a registered model deletes its versions, tags and aliases; deleting a version drops the
  aliases that point at it; setting an alias again moves it;
- a version created from `models:/<model_id>` (what MLflow 3's `log_model` registers) takes its run
  from the logged model when none is given, and its download URI is the logged model's files;
- deleting a missing tag or alias is not an error (as in MLflow); a missing model or version is NotFound.

`models:/` URIs are resolved to files in one place, `mlplug.tracking.artifacts`.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Sequence

from mlplug.entities import ModelVersion, PagedList, RegisteredModel


class RegistryStore(ABC):
    """Returned by the `mlplug_registry_store` hook."""

    # --- registered models --------------------------------------------------------------------
    @abstractmethod
    def create_registered_model(self, name: str, tags: dict[str, str] | None = None,
                                description: str | None = None) -> RegisteredModel:
        """A new model without versions; a taken name raises AlreadyExists."""

    @abstractmethod
    def get_registered_model(self, name: str) -> RegisteredModel:
        """The model with its tags, aliases and latest version per stage; unknown names raise NotFound."""

    @abstractmethod
    def rename_registered_model(self, name: str, new_name: str) -> RegisteredModel:
        """Rename the model; its versions, tags and aliases follow it."""

    @abstractmethod
    def update_registered_model(self, name: str, description: str | None) -> RegisteredModel:
        """Change the description."""

    @abstractmethod
    def delete_registered_model(self, name: str) -> None:
        """Delete the model with all of its versions, tags and aliases."""

    @abstractmethod
    def search_registered_models(self, filter_string: str | None = None, max_results: int = 100,
                                 order_by: Sequence[str] | None = None,
                                 page_token: str | None = None) -> PagedList[RegisteredModel]:
        """Models matching a filter (`mlplug.search`, entity `registered_models`), default order name ASC.

        Prompts (tag `mlflow.prompt.is_prompt = 'true'`) are searched instead of models when the filter
        says `tags.mlflow.prompt.is_prompt = 'true'` (or `!= 'false'`); any other comparison on that tag,
        or none, searches the models only. The same holds for `search_model_versions`.
        """

    @abstractmethod
    def set_registered_model_tag(self, name: str, key: str, value: str) -> None: ...

    @abstractmethod
    def delete_registered_model_tag(self, name: str, key: str) -> None: ...

    # --- model versions -------------------------------------------------------------------------
    @abstractmethod
    def create_model_version(self, name: str, source: str, run_id: str | None = None,
                             tags: dict[str, str] | None = None, run_link: str | None = None,
                             description: str | None = None, model_id: str | None = None) -> ModelVersion:
        """The model's next version, READY, in stage None; the model must exist."""

    @abstractmethod
    def get_model_version(self, name: str, version: str) -> ModelVersion: ...

    @abstractmethod
    def update_model_version(self, name: str, version: str, description: str | None) -> ModelVersion: ...

    @abstractmethod
    def delete_model_version(self, name: str, version: str) -> None: ...

    @abstractmethod
    def search_model_versions(self, filter_string: str | None = None, max_results: int = 10000,
                              order_by: Sequence[str] | None = None,
                              page_token: str | None = None) -> PagedList[ModelVersion]:
        """Versions matching a filter (entity `model_versions`); default order last_updated_timestamp
        DESC, name ASC, version DESC."""

    @abstractmethod
    def get_model_version_download_uri(self, name: str, version: str) -> str:
        """Where the version's files are: the logged model's location for `models:/<model_id>`
        sources, else the source itself."""

    @abstractmethod
    def set_model_version_tag(self, name: str, version: str, key: str, value: str) -> None: ...

    @abstractmethod
    def delete_model_version_tag(self, name: str, version: str, key: str) -> None: ...

    # --- legacy stages ------------------------------------------------------------------------------
    @abstractmethod
    def transition_model_version_stage(self, name: str, version: str, stage: str,
                                       archive_existing_versions: bool = False) -> ModelVersion:
        """Move a version to a stage (any case); with `archive_existing_versions` (Staging and
        Production only) the other versions in that stage move to Archived."""

    @abstractmethod
    def get_latest_versions(self, name: str, stages: Sequence[str] | None = None) -> list[ModelVersion]:
        """The newest version in each of `stages` (every stage when empty), in the order None, Staging,
        Production, Archived."""

    # --- aliases ------------------------------------------------------------------------------------
    @abstractmethod
    def set_registered_model_alias(self, name: str, alias: str, version: str) -> None: ...

    @abstractmethod
    def delete_registered_model_alias(self, name: str, alias: str) -> None: ...

    @abstractmethod
    def get_model_version_by_alias(self, name: str, alias: str) -> ModelVersion:
        """The version an alias points at; `latest` (any case) is the newest version."""

    def close(self) -> None:
        """Release connections; the store is not used afterwards."""
