"""The tracking API straight from WSGI to its handlers, without Flask's per-request machinery.

A logging client sends thousands of small requests, and Flask's request context, URL map, signals and
Response object cost about as much as a handler and its database write. `ApiDispatcher` answers the
requests whose path and method are exactly those of an API endpoint: parse -> handler -> JSON, errors
as the Flask app's error handlers answer them (the same functions build both). Plain artifact
downloads take a prefix route (`FileRoute`), which may also step aside. Everything else (uploads,
ranged or conditional downloads, plugin routes, HEAD/OPTIONS, unknown paths and methods) goes to the
Flask app unchanged.

`create_app` installs it only while no plugin has given the Flask app request hooks, which this path
would skip; plugin middleware wraps it like any WSGI app.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable

from flask import Flask
from werkzeug.http import HTTP_STATUS_CODES

from mlplug_cli_server.responses import JSON, encode, error_payload

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict, StartResponse], Iterable[bytes]]
# (path, method) -> function of the WSGI environ returning the response payload
Routes = dict[tuple[str, str], Callable[[dict], dict]]
# Function of (environ, start_response, rest of the path after the prefix): the response body, or None
# to leave the request to the Flask app.
FileRoute = Callable[[dict, StartResponse, str], "Iterable[bytes] | None"]

_STATUS = {code: f"{code} {reason}" for code, reason in HTTP_STATUS_CODES.items()}


class ApiDispatcher:
    def __init__(self, routes: Routes, fallback: WsgiApp, get_prefixes: dict[str, FileRoute] | None = None):
        self._routes = routes
        self._fallback = fallback
        self._get_prefixes = tuple((get_prefixes or {}).items())

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "")
        route = self._routes.get((path, method))
        if route is None:
            if method == "GET":
                for prefix, file_route in self._get_prefixes:
                    if path.startswith(prefix) and len(path) > len(prefix):
                        try:
                            body = file_route(environ, start_response, path[len(prefix):])
                        except Exception as err:  # noqa: BLE001 (as below)
                            return _error(err, method, path, start_response)
                        if body is not None:
                            return body
                        break
            return self._fallback(environ, start_response)
        try:
            body = encode(route(environ))
        except Exception as err:  # noqa: BLE001 (every error becomes its JSON answer, as in the Flask app)
            return _error(err, method, path, start_response)
        start_response("200 OK", [("Content-Type", JSON), ("Content-Length", str(len(body)))])
        return [body]


def _error(err: Exception, method: str, path: str, start_response: StartResponse) -> list[bytes]:
    payload, status = error_payload(err, method, path)
    body = encode(payload)
    start_response(_STATUS.get(status) or f"{status} UNKNOWN",
                   [("Content-Type", JSON), ("Content-Length", str(len(body)))])
    return [body]


def has_request_hooks(app: Flask) -> bool:
    """Whether any code registered per-request hooks on `app` (the direct path would skip them)."""
    registries = (app.before_request_funcs, app.after_request_funcs, app.teardown_request_funcs,
                  app.url_value_preprocessors)
    return any(funcs for registry in registries for funcs in registry.values())
