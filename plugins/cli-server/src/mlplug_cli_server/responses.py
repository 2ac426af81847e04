"""JSON responses and error bodies, built the same way for every route."""
from __future__ import annotations

import json

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
