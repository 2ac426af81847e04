"""Open one artifact file for the page, wherever its run or model version keeps it.

A run's artifact root may be the server's proxy (`mlflow-artifacts:/...`, stored in the artifacts
destination) or any repository URI the server can reach itself (a directory, `s3://...`); the browser
only ever talks to the server, so both are served through `/get-artifact`.
"""
from __future__ import annotations

from typing import BinaryIO

from mlplug.contracts.artifacts import safe_relpath
from mlplug.tracking.artifacts import models_uri_location
from mlplug.uri import join, parse_runs_uri, split_scheme
from mlplug_cli_server.context import PROXY_SCHEME, ServerContext, proxied_path


def open_uri(ctx: ServerContext, root_uri: str, path: str) -> BinaryIO:
    """The file `path` under the artifact URI `root_uri` (runs:/ and models:/ URIs resolved first)."""
    rel = safe_relpath(path)
    scheme = split_scheme(root_uri)[0]
    if scheme == "runs":
        run_id, inner = parse_runs_uri(root_uri)
        return open_uri(ctx, join(ctx.store.get_run(run_id).info.artifact_uri, inner), rel)
    if scheme == "models":
        return open_uri(ctx, models_uri_location(root_uri, lambda: ctx.store, lambda: ctx.registry), rel)
    if scheme == PROXY_SCHEME:
        base = proxied_path(root_uri)
        return ctx.destination.open("/".join(part for part in (base, rel) if part))
    return ctx.host.artifact_repository(root_uri).open(rel)


def open_run_artifact(ctx: ServerContext, run_id: str, path: str) -> BinaryIO:
    return open_uri(ctx, ctx.store.get_run(run_id).info.artifact_uri, path)


def open_model_version_artifact(ctx: ServerContext, name: str, version: str, path: str) -> BinaryIO:
    return open_uri(ctx, ctx.registry.get_model_version_download_uri(name, version), path)
