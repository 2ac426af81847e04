"""The Flask app factory: every route of the tracking server, registered from `mlplug.protocol`.

`create_app` runs once in each gunicorn worker (after the fork). Routes are one registration loop over
the protocol table, each view doing parse -> handler -> JSON; errors become MLflow's `{"error_code",
"message"}` bodies. Plugins extend the app through `mlplug_server_app` and wrap it through
`mlplug_server_middleware`.
"""
from __future__ import annotations

import logging
from typing import Callable

from flask import Flask, Response, request
from mlplug.contracts.artifacts import MultipartUploadSupport
from mlplug.errors import MlplugError
from mlplug.protocol import API, SERVER_INFO_PATH, TRACKING, Endpoint
from werkzeug.exceptions import HTTPException

from mlplug_cli_server import logged_models, proxy
from mlplug_cli_server.context import ServerContext
from mlplug_cli_server.handlers import HANDLERS
from mlplug_cli_server.parsing import parse
from mlplug_cli_server.responses import disabled_view, error_response, json_response, mlplug_error_response
from mlplug_cli_server.settings import ServerConfig

log = logging.getLogger("mlplug.server")

AJAX_API = API.replace("/api/", "/ajax-api/", 1)
SERVER_INFO = {"store_type": "SqlStore", "workspaces_enabled": False,
               "multipart_uploads_enabled": False, "multipart_downloads_enabled": False}


def server_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("mlplug-core")
    except PackageNotFoundError:
        return "unknown"


def _view(ctx: ServerContext, endpoint: Endpoint, handler: Callable) -> Callable:
    def view() -> Response:
        return json_response(handler(ctx, parse(request, endpoint)))

    return view


ENDPOINTS = TRACKING + logged_models.ENDPOINTS
ENDPOINT_HANDLERS = {**HANDLERS, **logged_models.HANDLERS}


def _register_tracking(app: Flask, ctx: ServerContext, prefix: str) -> None:
    missing = [e.name for e in ENDPOINTS if e.name not in ENDPOINT_HANDLERS]
    if missing:
        raise RuntimeError(f"no server handler for protocol endpoint(s): {', '.join(missing)}")
    for endpoint in ENDPOINTS:
        for api_prefix in (API, AJAX_API):
            path = prefix + api_prefix + endpoint.path[len(API):]
            if ctx.config.artifacts_only:
                view = disabled_view(path, "--artifacts-only")
            else:
                view = _view(ctx, endpoint, ENDPOINT_HANDLERS[endpoint.name])
            app.add_url_rule(path, f"{endpoint.name}{'_ajax' if api_prefix == AJAX_API else ''}", view,
                             methods=list(endpoint.methods))


def _register_errors(app: Flask) -> None:
    @app.errorhandler(MlplugError)
    def mlplug_error(err: MlplugError) -> Response:
        return mlplug_error_response(err)

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException) -> Response:
        if err.code in (404, 405):
            verb = "has no route" if err.code == 404 else f"does not accept {request.method}"
            return error_response("ENDPOINT_NOT_FOUND", f"{request.path} {verb}.", err.code)
        response = err.get_response()
        response.set_data(json_response({"error_code": "BAD_REQUEST" if err.code < 500 else "INTERNAL_ERROR",
                                         "message": err.description or err.name}).get_data())
        response.mimetype = "application/json"
        return response

    @app.errorhandler(NotImplementedError)
    def not_implemented(err: NotImplementedError) -> Response:
        return error_response("NOT_IMPLEMENTED", str(err) or "Not implemented by this server's backend.", 501)

    @app.errorhandler(Exception)
    def unexpected(err: Exception) -> Response:
        log.exception("Unhandled error in %s %s", request.method, request.path)
        return error_response("INTERNAL_ERROR", f"{type(err).__name__}: {err}"[:1000], 500)


def create_app(config: ServerConfig, context: ServerContext | None = None) -> Flask:
    """Build the WSGI app for one worker (opens the store unless serving artifacts only)."""
    ctx = context or ServerContext(config)
    app = Flask("mlplug_cli_server")
    # `artifacts//etc/passwd` must be a 404, not a redirect to `artifacts/etc/passwd`.
    app.url_map.merge_slashes = False
    app.config["MLPLUG_SERVER"] = config
    app.extensions["mlplug"] = ctx
    prefix = config.static_prefix

    _register_tracking(app, ctx, prefix)
    proxy.register(app, ctx, prefix)
    _register_errors(app)

    version = server_version()
    app.add_url_rule(prefix + "/health", "health", lambda: Response("OK", mimetype="text/plain"))
    app.add_url_rule(prefix + "/version", "version", lambda: Response(version, mimetype="text/plain"))
    info = {**SERVER_INFO, "multipart_uploads_enabled":
            config.serve_artifacts and isinstance(ctx.destination, MultipartUploadSupport)}
    app.add_url_rule(prefix + SERVER_INFO_PATH, "server_info", lambda: json_response(info))

    from mlplug.host import get_host

    hooks = get_host().cross_cutting()
    settings = config.as_dict()
    hooks.mlplug_server_app(app=app, config=settings)
    for impl in hooks.mlplug_server_middleware.get_hookimpls():
        wrapped = impl.function(wsgi_app=app.wsgi_app, config=settings)
        if wrapped is not None:
            app.wsgi_app = wrapped
    return app
