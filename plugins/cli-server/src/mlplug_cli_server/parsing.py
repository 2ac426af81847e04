"""Request parsing for the REST API, in one place: body or query string in, a typed `Params` out.

Works on the WSGI environ, so the Flask views and the direct API path (`dispatch`) parse alike.
MLflow's rules: POST/PUT/PATCH/DELETE carry a JSON object body (Content-Type application/json; an empty
body is `{}`; a JSON string holding JSON is decoded twice), GET carries fields as query parameters whose
integer, boolean and list fields the protocol table declares. Fields may be spelled in camelCase (proto
JSON) but not both ways at once, `run_uuid` is an alias of `run_id`, and every type mistake is a 400.
"""
from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl

import orjson
import werkzeug.urls  # noqa: F401 (registers the "werkzeug.url_quote" codec error handler used below)
from mlplug.errors import InvalidParameter
from mlplug.protocol import Endpoint
from werkzeug.wsgi import get_input_stream

_JSON_TYPES = ("application/json",)
# Largest API request body: dataset profiles may hold 16 MB of text; artifacts go through the proxy.
MAX_JSON_BODY = 64 * 1024 * 1024
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
_SNAKE_KEYS: set[str] = set()
_SNAKE_KEYS_LIMIT = 1024  # field names are few; the bound only stops odd clients from growing the set


def missing(name: str) -> InvalidParameter:
    return InvalidParameter(f"Missing value for required parameter '{name}'. "
                            "See the API docs for more information about request parameters.")


def invalid(name: str, value: Any, expected: str) -> InvalidParameter:
    shown = repr(value) if not isinstance(value, str) else f"'{value}'"
    return InvalidParameter(f"Invalid value {shown[:200]} for parameter '{name}' supplied: expected {expected}. "
                            "See the API docs for more information about request parameters.")


def _snake(name: str) -> str:
    return name if name == name.lower() else _CAMEL.sub("_", name).lower()


def _snake_keys(obj: dict) -> dict:
    """JSON object hook: camelCase keys -> snake_case; a field spelled both ways is rejected.

    Keys already known to be snake_case are remembered, so the usual body costs one set lookup per object.
    """
    if _SNAKE_KEYS.issuperset(obj):
        return obj
    out: dict[str, Any] = {}
    for key, value in obj.items():
        name = _snake(key)
        if name == key and len(_SNAKE_KEYS) < _SNAKE_KEYS_LIMIT:
            _SNAKE_KEYS.add(key)
        if name in out:
            raise InvalidParameter(f"Invalid request: field '{name}' is given more than once "
                                   f"(as '{name}' and in camelCase). Send it once.")
        out[name] = value
    return out


_decode = json.JSONDecoder(object_hook=_snake_keys).decode
# Digits -> "0", "." stays, anything else -> " ": an integer literal of 19+ digits (beyond 64 bits, which
# orjson reads as a float) then shows as " " followed by nineteen "0"s; fractions start with ".".
_DIGIT_RUNS = bytes(48 if 48 <= i <= 57 else 46 if i == 46 else 32 for i in range(256))
_LONG_INTEGER = b" " + b"0" * 19


def decode_body(raw: bytes) -> Any:
    """The JSON value of a request body, with camelCase keys in snake_case.

    orjson decodes the usual body. One it might read differently from the standard library takes the
    standard library's path with the key hook, whose answer (or error) stands: a body with a capital
    letter (camelCase keys, the NaN / Infinity literals), with a long integer, or that orjson refuses.
    """
    if raw.lower() == raw and _LONG_INTEGER not in b" " + raw.translate(_DIGIT_RUNS):
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
    return _decode(raw.decode())


def to_int(name: str, value: Any) -> int:
    """A proto int64 field: an integer (or its decimal string) within 64 bits."""
    if isinstance(value, bool):
        raise invalid(name, value, "an integer")
    number = None
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str):
        try:
            number = int(value.strip())
        except ValueError:
            pass
    if number is None or not INT64_MIN <= number <= INT64_MAX:
        raise invalid(name, value, "a 64-bit integer")
    return number


def to_bool(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise invalid(name, value, "true or false")


def json_body(request) -> dict:
    """A Flask request's JSON object body; see `environ_json`."""
    return environ_json(request.environ)


def environ_json(environ: dict) -> dict:
    """The request's JSON object with snake_case keys (Content-Type checked, empty body = {}, double-encoded
    bodies decoded)."""
    ctype = environ.get("CONTENT_TYPE") or None
    length = environ.get("CONTENT_LENGTH")
    if length and length.isdigit():
        if int(length) > MAX_JSON_BODY:
            raise InvalidParameter(f"The request body of {length} bytes exceeds the limit of {MAX_JSON_BODY} bytes "
                                   "for API requests. Send smaller batches.")
        # Read the socket directly: werkzeug's stream wrappers cost more than parsing the JSON.
        raw = environ["wsgi.input"].read(int(length))
    else:
        raw = get_input_stream(environ).read(MAX_JSON_BODY + 1)  # chunked: no length to check up front
        if len(raw) > MAX_JSON_BODY:
            raise InvalidParameter(f"The request body exceeds the limit of {MAX_JSON_BODY} bytes for API requests.")
    if ctype is None:
        # MLflow insists on the header for POST/PUT; a bodiless DELETE/PATCH is simply empty.
        if not raw and environ.get("REQUEST_METHOD") not in ("POST", "PUT"):
            return {}
        raise InvalidParameter("Bad Request. Content-Type header is missing.")
    if ctype.split(";", 1)[0].strip().lower() not in _JSON_TYPES:
        raise InvalidParameter(f"Bad Request. Content-Type must be one of {list(_JSON_TYPES)}.")
    if not raw.strip():
        return {}
    try:
        data = decode_body(raw)
        if isinstance(data, str):
            data = _decode(data)
    except (ValueError, RecursionError) as err:  # bad JSON or UTF-8, or nesting deeper than Python's stack
        raise InvalidParameter(f"Malformed JSON request body: {err}") from None
    if not isinstance(data, dict):
        raise InvalidParameter(f"The request body must be a JSON object, got {type(data).__name__}.")
    return data


def query_params(environ: dict, endpoint: Endpoint) -> dict:
    """GET query parameters (decoded as werkzeug's `request.args`): repeated keys for list fields, the last
    value otherwise."""
    query = environ.get("QUERY_STRING", "").encode("latin-1").decode()
    grouped: dict[str, list[str]] = {}
    for key, value in parse_qsl(query, keep_blank_values=True, errors="werkzeug.url_quote"):
        grouped.setdefault(key, []).append(value)
    out: dict[str, Any] = {}
    for key, values in grouped.items():
        name = _snake(key)
        if name in out:
            raise InvalidParameter(f"Invalid request: field '{name}' is given more than once "
                                   f"(as '{name}' and in camelCase). Send it once.")
        out[name] = values if name in endpoint.lists else values[-1]
    return out


def parse(environ: dict, endpoint: Endpoint, path_fields: dict[str, str] | None = None) -> "Params":
    """Turn a WSGI request into the endpoint's typed parameters; fields from the path win over the
    same fields in the body or query."""
    if environ.get("REQUEST_METHOD") == "GET":
        data = query_params(environ, endpoint)
    else:
        data = environ_json(environ)
    if path_fields:
        data.update(path_fields)
    for name in endpoint.ints:
        if data.get(name) is not None:
            data[name] = to_int(name, data[name])
    for name in endpoint.bools:
        if data.get(name) is not None:
            data[name] = to_bool(name, data[name])
    for name in endpoint.lists:
        value = data.get(name)
        if value is not None and not isinstance(value, list):
            raise invalid(name, value, "a list")
    if "run_uuid" in data and data.get("run_id") in (None, ""):
        data["run_id"] = data["run_uuid"]
    for name in endpoint.required:
        if data.get(name) is None:
            raise missing(name)
    return Params(data)


class Params:
    """Typed access to one request's fields; every accessor raises a 400 for a wrong type."""

    __slots__ = ("data",)

    def __init__(self, data: dict):
        self.data = data

    def raw(self, name: str, default: Any = None) -> Any:
        value = self.data.get(name)
        return default if value is None else value

    def str(self, name: str, default: str | None = None) -> str | None:
        value = self.data.get(name)
        if value is None:
            return default
        if isinstance(value, str):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        raise invalid(name, value, "a string")

    def required_str(self, name: str) -> str:
        value = self.str(name)
        if value is None:
            raise missing(name)
        return value

    def int(self, name: str, default: int | None = None) -> int | None:
        value = self.data.get(name)
        return default if value is None or value == "" else to_int(name, value)

    def bool(self, name: str, default: bool = False) -> bool:
        value = self.data.get(name)
        return default if value is None else to_bool(name, value)

    def list(self, name: str) -> list:
        value = self.data.get(name)
        if value is None:
            return []
        if not isinstance(value, list):
            raise invalid(name, value, "a list")
        return value

    def str_list(self, name: str) -> list[str]:
        out = []
        for item in self.list(name):
            if isinstance(item, bool) or not isinstance(item, (str, int)):
                raise invalid(name, item, "a list of strings")
            out.append(str(item))
        return out

    def objects(self, name: str) -> list[dict]:
        items = self.list(name)
        for item in items:
            if not isinstance(item, dict):
                raise invalid(name, item, "a list of objects")
        return items

    def run_id(self) -> str:
        return self.required_str("run_id")
