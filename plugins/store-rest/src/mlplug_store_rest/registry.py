"""RestRegistryStore: the RegistryStore contract over MLflow's REST API (`mlplug.protocol.REGISTRY`).

The server settles what needs both stores (a `models:/<model_id>` source's files and run), so every
method here is one call.
"""
from __future__ import annotations

from mlplug.contracts.registry import RegistryStore
from mlplug.entities import ModelVersion, PagedList, RegisteredModel
from mlplug_store_rest.api import RestApi


def _tags(tags: dict[str, str] | None) -> list[dict]:
    return [{"key": k, "value": str(v)} for k, v in (tags or {}).items()]


class RestRegistryStore(RestApi, RegistryStore):
    """A tracking server's model registry."""

    def _model(self, endpoint: str, **fields) -> RegisteredModel:
        return RegisteredModel.from_dict(self._call(endpoint, **fields)["registered_model"])

    def _version(self, endpoint: str, **fields) -> ModelVersion:
        return ModelVersion.from_dict(self._call(endpoint, **fields)["model_version"])

    # --- registered models ---------------------------------------------------------------------
    def create_registered_model(self, name, tags=None, description=None) -> RegisteredModel:
        return self._model("create_registered_model", name=name, tags=_tags(tags), description=description)

    def get_registered_model(self, name) -> RegisteredModel:
        return self._model("get_registered_model", name=name)

    def rename_registered_model(self, name, new_name) -> RegisteredModel:
        return self._model("rename_registered_model", name=name, new_name=new_name)

    def update_registered_model(self, name, description) -> RegisteredModel:
        return self._model("update_registered_model", name=name, description=description)

    def delete_registered_model(self, name) -> None:
        self._call("delete_registered_model", name=name)

    def search_registered_models(self, filter_string=None, max_results=100, order_by=None,
                                 page_token=None) -> PagedList[RegisteredModel]:
        body = self._call("search_registered_models", filter=filter_string or None, max_results=max_results,
                          order_by=list(order_by or []), page_token=page_token or None)
        return PagedList([RegisteredModel.from_dict(m) for m in body.get("registered_models", ())],
                         body.get("next_page_token"))

    def set_registered_model_tag(self, name, key, value) -> None:
        self._call("set_registered_model_tag", name=name, key=key, value=str(value))

    def delete_registered_model_tag(self, name, key) -> None:
        self._call("delete_registered_model_tag", name=name, key=key)

    # --- model versions --------------------------------------------------------------------------
    def create_model_version(self, name, source, run_id=None, tags=None, run_link=None, description=None,
                             model_id=None) -> ModelVersion:
        return self._version("create_model_version", name=name, source=source, run_id=run_id or None,
                             tags=_tags(tags), run_link=run_link or None, description=description or None,
                             model_id=model_id or None)

    def get_model_version(self, name, version) -> ModelVersion:
        return self._version("get_model_version", name=name, version=str(version))

    def update_model_version(self, name, version, description) -> ModelVersion:
        return self._version("update_model_version", name=name, version=str(version), description=description)

    def delete_model_version(self, name, version) -> None:
        self._call("delete_model_version", name=name, version=str(version))

    def search_model_versions(self, filter_string=None, max_results=10000, order_by=None,
                              page_token=None) -> PagedList[ModelVersion]:
        body = self._call("search_model_versions", filter=filter_string or None, max_results=max_results,
                          order_by=list(order_by or []), page_token=page_token or None)
        return PagedList([ModelVersion.from_dict(v) for v in body.get("model_versions", ())],
                         body.get("next_page_token"))

    def get_model_version_download_uri(self, name, version) -> str:
        return self._call("get_model_version_download_uri", name=name, version=str(version))["artifact_uri"]

    def set_model_version_tag(self, name, version, key, value) -> None:
        self._call("set_model_version_tag", name=name, version=str(version), key=key, value=str(value))

    def delete_model_version_tag(self, name, version, key) -> None:
        self._call("delete_model_version_tag", name=name, version=str(version), key=key)

    # --- legacy stages ---------------------------------------------------------------------------
    def transition_model_version_stage(self, name, version, stage, archive_existing_versions=False) -> ModelVersion:
        return self._version("transition_model_version_stage", name=name, version=str(version), stage=stage,
                             archive_existing_versions=bool(archive_existing_versions))

    def get_latest_versions(self, name, stages=None) -> list[ModelVersion]:
        body = self._call("get_latest_versions", name=name, stages=list(stages or []))
        return [ModelVersion.from_dict(v) for v in body.get("model_versions", ())]

    # --- aliases -----------------------------------------------------------------------------------
    def set_registered_model_alias(self, name, alias, version) -> None:
        self._call("set_registered_model_alias", name=name, alias=alias, version=str(version))

    def delete_registered_model_alias(self, name, alias) -> None:
        self._call("delete_registered_model_alias", name=name, alias=alias)

    def get_model_version_by_alias(self, name, alias) -> ModelVersion:
        return self._version("get_model_version_by_alias", name=name, alias=alias)
