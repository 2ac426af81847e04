"""One function per MLflow 3 logged-model endpoint (`mlplug.protocol.LOGGED_MODELS`), on the tracking store.

The model id (and a tag key) arrive in the path; `parse` puts them among the request's fields.
"""
from __future__ import annotations

from typing import Any, Callable

from mlplug.entities import LoggedModelStatus

from mlplug_cli_server.handlers import EMPTY, paged, tag_dict
from mlplug_cli_server.parsing import Params, invalid, missing


def create_logged_model(ctx, p: Params) -> dict:
    model = ctx.store.create_logged_model(
        p.required_str("experiment_id"), name=p.str("name") or None, source_run_id=p.str("source_run_id") or None,
        tags=tag_dict(p.objects("tags"), "tags"), params=tag_dict(p.objects("params"), "params"),
        model_type=p.str("model_type") or None)
    return {"model": model.to_dict()}


def get_logged_model(ctx, p: Params) -> dict:
    return {"model": ctx.store.get_logged_model(p.required_str("model_id")).to_dict()}


def finalize_logged_model(ctx, p: Params) -> dict:
    status = LoggedModelStatus.parse(p.raw("status"))
    if status is None:
        raise invalid("status", p.raw("status"), f"one of {', '.join(LoggedModelStatus.ALL)}")
    return {"model": ctx.store.finalize_logged_model(p.required_str("model_id"), status).to_dict()}


def delete_logged_model(ctx, p: Params) -> dict:
    ctx.store.delete_logged_model(p.required_str("model_id"))
    return EMPTY


def set_logged_model_tags(ctx, p: Params) -> dict:
    ctx.store.set_logged_model_tags(p.required_str("model_id"), tag_dict(p.objects("tags"), "tags"))
    return EMPTY


def delete_logged_model_tag(ctx, p: Params) -> dict:
    ctx.store.delete_logged_model_tag(p.required_str("model_id"), p.required_str("tag_key"))
    return EMPTY


def log_logged_model_params(ctx, p: Params) -> dict:
    ctx.store.log_logged_model_params(p.required_str("model_id"), tag_dict(p.objects("params"), "params"))
    return EMPTY


def list_logged_model_artifacts(ctx, p: Params) -> dict:
    """The children of a directory of the model's files (paths relative to its artifact location)."""
    root_uri = ctx.store.get_logged_model(p.required_str("model_id")).artifact_location
    out: dict[str, Any] = {"root_uri": root_uri}
    files = ctx.list_under_root(root_uri, p.str("artifact_directory_path") or "")
    if files:
        out["files"] = [f.to_dict() for f in files]
    return out


def search_logged_models(ctx, p: Params) -> dict:
    experiment_ids = p.str_list("experiment_ids")
    if not experiment_ids:
        raise missing("experiment_ids")
    page = ctx.store.search_logged_models(
        experiment_ids, filter_string=p.str("filter") or None, datasets=p.objects("datasets"),
        max_results=p.int("max_results"), order_by=p.objects("order_by"), page_token=p.str("page_token") or None)
    return paged("models", page, page.token)


HANDLERS: dict[str, Callable[[Any, Params], dict]] = {
    "create_logged_model": create_logged_model,
    "get_logged_model": get_logged_model,
    "finalize_logged_model": finalize_logged_model,
    "delete_logged_model": delete_logged_model,
    "set_logged_model_tags": set_logged_model_tags,
    "delete_logged_model_tag": delete_logged_model_tag,
    "log_logged_model_params": log_logged_model_params,
    "search_logged_models": search_logged_models,
    "list_logged_model_artifacts": list_logged_model_artifacts,
}
