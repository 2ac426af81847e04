"""The Flask app factory: every route of the tracking server, registered from `mlplug.protocol`.

`create_app` runs once in each gunicorn worker (after the fork). Routes are one registration loop over
the protocol table, each view doing parse -> handler -> JSON; errors become MLflow's `{"error_code",
"message"}` bodies. The same views also answer directly from WSGI (`dispatch.ApiDispatcher`), which
skips Flask's per-request work while no plugin has hooked Flask's requests. Plugins extend the app
through `mlplug_server_app` and wrap it through `mlplug_server_middleware`.
"""
from __future__ import annotations

from typing import Callable

from flask import Flask, Response, request
from mlplug.contracts.artifacts import MultipartUploadSupport
from mlplug.protocol import ALL, API, SERVER_INFO_PATH, Endpoint
from werkzeug.exceptions import HTTPException

from mlplug_cli_server import home, logged_models, proxy, registry_handlers
from mlplug_cli_server.context import ServerContext
from mlplug_cli_server.dispatch import ApiDispatcher, Routes, has_request_hooks
from mlplug_cli_server.handlers import HANDLERS
from mlplug_cli_server.parsing import parse
from mlplug_cli_server.responses import JSON, disabled_view, encode, error_payload, error_response, json_response
from mlplug_cli_server.settings import ServerConfig

AJAX_API = API.replace("/api/", "/ajax-api/", 1)
SERVER_INFO = {"store_type": "SqlStore", "workspaces_enabled": False,
               "multipart_uploads_enabled": False, "multipart_downloads_enabled": False}


def server_version() -> str:
    from mlplug.version import installed_version

    return installed_version()


def _view(ctx: ServerContext, endpoint: Endpoint, handler: Callable) -> Callable:
    def view(**path_fields: str) -> Response:
        return json_response(handler(ctx, parse(request.environ, endpoint, path_fields)))

    return view


def _direct(ctx: ServerContext, endpoint: Endpoint, handler: Callable) -> Callable[[dict], dict]:
    def answer(environ: dict) -> dict:
        return handler(ctx, parse(environ, endpoint))

    return answer


ENDPOINTS = ALL
ENDPOINT_HANDLERS = {**HANDLERS, **logged_models.HANDLERS, **registry_handlers.HANDLERS}
# Path fields whose values may hold "/" (tag keys may), matched by werkzeug's `path` converter.
_SLASHED_PATH_FIELDS = {"tag_key"}


def _flask_rule(path: str, endpoint: Endpoint) -> str:
    """`/logged-models/{model_id}` -> `/logged-models/<model_id>`."""
    for name in endpoint.path_fields:
        path = path.replace(f"{{{name}}}", f"<path:{name}>" if name in _SLASHED_PATH_FIELDS else f"<{name}>")
    return path


def _register_api(app: Flask, ctx: ServerContext, prefix: str) -> Routes:
    """Add every endpoint's Flask route; those with fixed paths also as direct routes for `ApiDispatcher`."""
    missing = [e.name for e in ENDPOINTS if e.name not in ENDPOINT_HANDLERS]
    if missing:
        raise RuntimeError(f"no server handler for protocol endpoint(s): {', '.join(missing)}")
    direct: Routes = {}
    for endpoint in ENDPOINTS:
        for api_prefix in (API, AJAX_API):
            path = prefix + api_prefix + endpoint.path[len(API):]
            if ctx.config.artifacts_only:
                view = disabled_view(path, "--artifacts-only")
            else:
                handler = ENDPOINT_HANDLERS[endpoint.name]
                view = _view(ctx, endpoint, handler)
                if not endpoint.path_fields:
                    direct.update({(path, method): _direct(ctx, endpoint, handler) for method in endpoint.methods})
            app.add_url_rule(_flask_rule(path, endpoint), f"{endpoint.name}{'_ajax' if api_prefix == AJAX_API else ''}",
                             view, methods=list(endpoint.methods))
    return direct


def _register_errors(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException) -> Response:
        if err.code in (404, 405):
            verb = "has no route" if err.code == 404 else f"does not accept {request.method}"
            return error_response("ENDPOINT_NOT_FOUND", f"{request.path} {verb}.", err.code)
        response = err.get_response()  # keeps the exception's headers
        response.set_data(encode(error_payload(err, request.method, request.path)[0]))
        response.mimetype = JSON
        return response

    @app.errorhandler(Exception)
    def any_error(err: Exception) -> Response:
        payload, status = error_payload(err, request.method, request.path)
        return json_response(payload, status)


def create_app(config: ServerConfig, context: ServerContext | None = None) -> Flask:
    """Build the WSGI app for one worker (opens the store unless serving artifacts only)."""
    ctx = context or ServerContext(config)
    app = Flask("mlplug_cli_server")
    # `artifacts//etc/passwd` must be a 404, not a redirect to `artifacts/etc/passwd`.
    app.url_map.merge_slashes = False
    app.config["MLPLUG_SERVER"] = config
    app.extensions["mlplug"] = ctx
    prefix = config.static_prefix

    direct = _register_api(app, ctx, prefix)
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
    home.add_fallback(app, prefix)
    downloads = proxy.direct_routes(ctx, prefix)
    if (direct or downloads) and not has_request_hooks(app):
        app.wsgi_app = ApiDispatcher(direct, app.wsgi_app, downloads)
    for impl in hooks.mlplug_server_middleware.get_hookimpls():
        wrapped = impl.function(wsgi_app=app.wsgi_app, config=settings)
        if wrapped is not None:
            app.wsgi_app = wrapped
    return app
