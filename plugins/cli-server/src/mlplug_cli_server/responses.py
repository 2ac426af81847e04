"""JSON responses and error bodies, built the same way for every route.

Bodies are encoded by orjson: a page of metric history or of runs is tens of thousands of small dicts,
which orjson encodes about ten times faster than the standard library. Payloads come from the entities'
`to_dict`, which already spells non-finite metric values as "NaN"/"Infinity"; anything orjson refuses
(integers beyond 64 bits, non-string keys) is encoded by the standard library instead.
"""
from __future__ import annotations

import json
import logging
from typing import Callable

import orjson
from flask import Response
from mlplug.errors import MlplugError
from werkzeug.exceptions import HTTPException

log = logging.getLogger("mlplug.server")

_stdlib_encode = json.JSONEncoder(separators=(",", ":")).encode
EMPTY_BODY = b"{}"
JSON = "application/json"


def encode(payload: dict) -> bytes:
    if not payload:
        return EMPTY_BODY
    try:
        return orjson.dumps(payload)
    except TypeError:  # orjson.JSONEncodeError
        return _stdlib_encode(payload).encode()


def json_response(payload: dict, status: int = 200) -> Response:
    return Response(encode(payload), status=status, mimetype=JSON)


def error_response(error_code: str, message: str, status: int) -> Response:
    return json_response({"error_code": error_code, "message": message}, status)


def mlplug_error_response(err: MlplugError) -> Response:
    return json_response(err.to_dict(), err.http_status)


def error_payload(err: Exception, method: str, path: str) -> tuple[dict, int]:
    """The JSON error body and status for an exception raised while answering `method path`; an
    unexpected one is logged with its traceback."""
    if isinstance(err, MlplugError):
        return err.to_dict(), err.http_status
    if isinstance(err, HTTPException):
        code = err.code or 500
        return {"error_code": "BAD_REQUEST" if code < 500 else "INTERNAL_ERROR",
                "message": err.description or err.name}, code
    if isinstance(err, NotImplementedError):
        return {"error_code": "NOT_IMPLEMENTED", "message": str(err) or "Not implemented by this server's backend."}, 501
    log.exception("Unhandled error in %s %s", method, path)
    return {"error_code": "INTERNAL_ERROR", "message": f"{type(err).__name__}: {err}"[:1000]}, 500


_ENABLE_HINT = {"--no-serve-artifacts": "Restart the server with --serve-artifacts to use it.",
                "--artifacts-only": "Restart the server without --artifacts-only to use it."}


def disabled_view(path: str, flag: str) -> Callable:
    """A view for a route that a server flag switched off: 503, saying which flag and how to undo it."""
    error = MlplugError(f"Endpoint: {path} disabled due to the mlplug server running with {flag}. "
                        f"{_ENABLE_HINT.get(flag, '')}".rstrip(), "TEMPORARILY_UNAVAILABLE")

    def view(**_kwargs) -> Response:
        return mlplug_error_response(error)

    return view
