"""The error hierarchy. Every error carries an MLflow REST error code; the HTTP status follows from it.

This is the one place that maps codes to statuses: the server turns an MlplugError into a response with
`http_status_for`, and the REST client turns a response back into the same exception class with
`error_from_response`.
"""
from __future__ import annotations

# MLflow's ErrorCode names -> HTTP status (anything unmapped is a 500).
_STATUS = {
    "BAD_REQUEST": 400,
    "INVALID_PARAMETER_VALUE": 400,
    "RESOURCE_ALREADY_EXISTS": 400,
    "MALFORMED_REQUEST": 400,
    "UNAUTHENTICATED": 401,
    "CUSTOMER_UNAUTHORIZED": 401,
    "PERMISSION_DENIED": 403,
    "ENDPOINT_NOT_FOUND": 404,
    "NOT_FOUND": 404,
    "RESOURCE_DOES_NOT_EXIST": 404,
    "ABORTED": 409,
    "ALREADY_EXISTS": 409,
    "RESOURCE_CONFLICT": 409,
    "REQUEST_LIMIT_EXCEEDED": 429,
    "RESOURCE_EXHAUSTED": 429,
    "CANCELLED": 499,
    "INTERNAL_ERROR": 500,
    "INVALID_STATE": 500,
    "DATA_LOSS": 500,
    "NOT_IMPLEMENTED": 501,
    "TEMPORARILY_UNAVAILABLE": 503,
    "DEADLINE_EXCEEDED": 504,
}

# What a client assumes when a response carries no recognisable error code.
_CODE_FOR_STATUS = {400: "BAD_REQUEST", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
                    404: "ENDPOINT_NOT_FOUND", 409: "RESOURCE_CONFLICT", 429: "REQUEST_LIMIT_EXCEEDED",
                    501: "NOT_IMPLEMENTED", 503: "TEMPORARILY_UNAVAILABLE", 504: "DEADLINE_EXCEEDED"}


def http_status_for(error_code: str) -> int:
    return _STATUS.get(error_code, 500)


class MlplugError(Exception):
    """Base of every error mlplug raises on purpose. `error_code` is an MLflow ErrorCode name."""

    error_code = "INTERNAL_ERROR"

    def __init__(self, message: str, error_code: str | None = None):
        super().__init__(message)
        self.message = message
        if error_code:
            self.error_code = error_code

    @property
    def http_status(self) -> int:
        return http_status_for(self.error_code)

    def to_dict(self) -> dict:
        return {"error_code": self.error_code, "message": self.message}


class InvalidParameter(MlplugError):
    error_code = "INVALID_PARAMETER_VALUE"


class NotFound(MlplugError):
    error_code = "RESOURCE_DOES_NOT_EXIST"


class AlreadyExists(MlplugError):
    error_code = "RESOURCE_ALREADY_EXISTS"


class InvalidState(MlplugError):
    error_code = "INVALID_STATE"


class NotImplementedByBackend(MlplugError):
    error_code = "NOT_IMPLEMENTED"


class PluginError(MlplugError):
    """A plugin could not be found, loaded or chosen; the message says what to install or remove."""

    error_code = "INTERNAL_ERROR"


_CLASS_FOR_CODE = {
    "INVALID_PARAMETER_VALUE": InvalidParameter,
    "RESOURCE_DOES_NOT_EXIST": NotFound,
    "RESOURCE_ALREADY_EXISTS": AlreadyExists,
    "INVALID_STATE": InvalidState,
    "NOT_IMPLEMENTED": NotImplementedByBackend,
}


def error_from_response(status: int, body: dict | None, fallback_text: str = "") -> MlplugError:
    """Rebuild the server's error on the client side, keeping its code and message."""
    body = body or {}
    code = body.get("error_code") or _CODE_FOR_STATUS.get(status, "INTERNAL_ERROR")
    message = body.get("message") or fallback_text or f"HTTP {status}"
    cls = _CLASS_FOR_CODE.get(code, MlplugError)
    return cls(message, code)
