"""JSON responses and error bodies, built the same way for every route."""
from __future__ import annotations

import json
from typing import Callable

from flask import Response
from mlplug.errors import MlplugError

_encode = json.JSONEncoder(separators=(",", ":")).encode
_EMPTY_BODY = b"{}"
JSON = "application/json"


def json_response(payload: dict, status: int = 200) -> Response:
    body = _encode(payload) if payload else _EMPTY_BODY
    return Response(body, status=status, mimetype=JSON)


def error_response(error_code: str, message: str, status: int) -> Response:
    return json_response({"error_code": error_code, "message": message}, status)


def mlplug_error_response(err: MlplugError) -> Response:
    return json_response(err.to_dict(), err.http_status)


_ENABLE_HINT = {"--no-serve-artifacts": "Restart the server with --serve-artifacts to use it.",
                "--artifacts-only": "Restart the server without --artifacts-only to use it."}


def disabled_view(path: str, flag: str) -> Callable:
    """A view for a route that a server flag switched off: 503, saying which flag and how to undo it."""
    error = MlplugError(f"Endpoint: {path} disabled due to the mlplug server running with {flag}. "
                        f"{_ENABLE_HINT.get(flag, '')}".rstrip(), "TEMPORARILY_UNAVAILABLE")

    def view(**_kwargs) -> Response:
        return mlplug_error_response(error)

    return view
