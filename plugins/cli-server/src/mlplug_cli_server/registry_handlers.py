"""One function per model-registry endpoint (`mlplug.protocol.REGISTRY`), on the worker's registry store.

Values are checked by the store and `mlplug.validation`; here JSON shapes become arguments and entities
become MLflow's response shapes.
"""
from __future__ import annotations

from typing import Any, Callable

from mlplug import validation

from mlplug_cli_server.handlers import EMPTY, page_size, paged, tag_dict
from mlplug_cli_server.parsing import Params

DEFAULT_MODELS_PAGE = 100
DEFAULT_VERSIONS_PAGE = 10000


def _model(model) -> dict:
    return {"registered_model": model.to_dict()}


def _version(version) -> dict:
    return {"model_version": version.to_dict()}


# --- registered models ---------------------------------------------------------------------------

def create_registered_model(ctx, p: Params) -> dict:
    return _model(ctx.registry.create_registered_model(p.required_str("name"), tag_dict(p.objects("tags"), "tags"),
                                                       p.str("description") or None))


def rename_registered_model(ctx, p: Params) -> dict:
    return _model(ctx.registry.rename_registered_model(p.required_str("name"), p.required_str("new_name")))


def update_registered_model(ctx, p: Params) -> dict:
    return _model(ctx.registry.update_registered_model(p.required_str("name"), p.str("description") or None))


def delete_registered_model(ctx, p: Params) -> dict:
    ctx.registry.delete_registered_model(p.required_str("name"))
    return EMPTY


def get_registered_model(ctx, p: Params) -> dict:
    return _model(ctx.registry.get_registered_model(p.required_str("name")))


def search_registered_models(ctx, p: Params) -> dict:
    page = ctx.registry.search_registered_models(
        p.str("filter") or None, page_size(p, DEFAULT_MODELS_PAGE, validation.MAX_RESULTS_REGISTERED_MODELS),
        p.str_list("order_by") or None, p.str("page_token") or None)
    return paged("registered_models", page, page.token)


def get_latest_versions(ctx, p: Params) -> dict:
    versions = ctx.registry.get_latest_versions(p.required_str("name"), p.str_list("stages") or None)
    return paged("model_versions", versions, None)


def set_registered_model_tag(ctx, p: Params) -> dict:
    ctx.registry.set_registered_model_tag(p.required_str("name"), p.required_str("key"), p.required_str("value"))
    return EMPTY


def delete_registered_model_tag(ctx, p: Params) -> dict:
    ctx.registry.delete_registered_model_tag(p.required_str("name"), p.required_str("key"))
    return EMPTY


# --- aliases -------------------------------------------------------------------------------------

def set_registered_model_alias(ctx, p: Params) -> dict:
    ctx.registry.set_registered_model_alias(p.required_str("name"), p.required_str("alias"), p.required_str("version"))
    return EMPTY


def delete_registered_model_alias(ctx, p: Params) -> dict:
    ctx.registry.delete_registered_model_alias(p.required_str("name"), p.required_str("alias"))
    return EMPTY


def get_model_version_by_alias(ctx, p: Params) -> dict:
    return _version(ctx.registry.get_model_version_by_alias(p.required_str("name"), p.required_str("alias")))


# --- model versions ------------------------------------------------------------------------------

def create_model_version(ctx, p: Params) -> dict:
    return _version(ctx.registry.create_model_version(
        p.required_str("name"), p.required_str("source"), run_id=p.str("run_id") or None,
        tags=tag_dict(p.objects("tags"), "tags"), run_link=p.str("run_link") or None,
        description=p.str("description") or None, model_id=p.str("model_id") or None))


def update_model_version(ctx, p: Params) -> dict:
    return _version(ctx.registry.update_model_version(p.required_str("name"), p.required_str("version"),
                                                      p.str("description") or None))


def transition_model_version_stage(ctx, p: Params) -> dict:
    return _version(ctx.registry.transition_model_version_stage(
        p.required_str("name"), p.required_str("version"), p.required_str("stage"),
        p.bool("archive_existing_versions")))


def delete_model_version(ctx, p: Params) -> dict:
    ctx.registry.delete_model_version(p.required_str("name"), p.required_str("version"))
    return EMPTY


def get_model_version(ctx, p: Params) -> dict:
    return _version(ctx.registry.get_model_version(p.required_str("name"), p.required_str("version")))


def search_model_versions(ctx, p: Params) -> dict:
    page = ctx.registry.search_model_versions(
        p.str("filter") or None, page_size(p, DEFAULT_VERSIONS_PAGE, validation.MAX_RESULTS_MODEL_VERSIONS),
        p.str_list("order_by") or None, p.str("page_token") or None)
    return paged("model_versions", page, page.token)


def get_model_version_download_uri(ctx, p: Params) -> dict:
    return {"artifact_uri": ctx.registry.get_model_version_download_uri(p.required_str("name"),
                                                                        p.required_str("version"))}


def set_model_version_tag(ctx, p: Params) -> dict:
    ctx.registry.set_model_version_tag(p.required_str("name"), p.required_str("version"), p.required_str("key"),
                                       p.required_str("value"))
    return EMPTY


def delete_model_version_tag(ctx, p: Params) -> dict:
    ctx.registry.delete_model_version_tag(p.required_str("name"), p.required_str("version"), p.required_str("key"))
    return EMPTY


HANDLERS: dict[str, Callable[[Any, Params], dict]] = {
    "create_registered_model": create_registered_model,
    "rename_registered_model": rename_registered_model,
    "update_registered_model": update_registered_model,
    "delete_registered_model": delete_registered_model,
    "get_registered_model": get_registered_model,
    "search_registered_models": search_registered_models,
    "get_latest_versions": get_latest_versions,
    "set_registered_model_tag": set_registered_model_tag,
    "delete_registered_model_tag": delete_registered_model_tag,
    "set_registered_model_alias": set_registered_model_alias,
    "delete_registered_model_alias": delete_registered_model_alias,
    "get_model_version_by_alias": get_model_version_by_alias,
    "create_model_version": create_model_version,
    "update_model_version": update_model_version,
    "transition_model_version_stage": transition_model_version_stage,
    "delete_model_version": delete_model_version,
    "get_model_version": get_model_version,
    "search_model_versions": search_model_versions,
    "get_model_version_download_uri": get_model_version_download_uri,
    "set_model_version_tag": set_model_version_tag,
    "delete_model_version_tag": delete_model_version_tag,
}
