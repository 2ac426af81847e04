"""The scoring server's routes as one plain WSGI callable: MLflow's protocol, and nothing per request
that a prediction does not need (no framework, no request objects, no logging on success).

    GET  /ping, /health   200 "\\n" once the model is loaded (it is loaded before the server listens)
    GET  /version         the mlplug version
    POST /invocations     application/json, text/csv or application/vnd.apache.parquet -> {"predictions": ...}

Every failure is an answer: bad input 400 with `{"error_code", "message"}` (the status from
`mlplug.errors`), an unsupported content type 415 (text, as MLflow answers), a prediction slower than the
timeout 504, an unknown route 404 and a wrong method 405.
"""
from __future__ import annotations

import logging
import os
from http import HTTPStatus
from typing import Any, Callable, Iterable

import orjson
from mlplug.errors import MlplugError

from mlplug_cli_models import inference, predictions
from mlplug_cli_models.deadlines import TIMEOUT_BODY, Deadlines
from mlplug_cli_models.payload import InputParser

JSON = "application/json"
CSV = "text/csv"
PARQUET = "application/vnd.apache.parquet"
CONTENT_TYPES = [CSV, JSON, PARQUET]
HEALTHY_BODY = b"\n"

log = logging.getLogger("mlplug.scoring")

StartResponse = Callable[..., Any]
_STATUS = {s.value: f"{s.value} {s.phrase}" for s in HTTPStatus}


class ScoringApp:
    def __init__(self, model: Any, version: str, timeout: float = 60):
        self.model = model
        self.parser = InputParser(model)
        self.version = version.encode()
        self.deadlines = Deadlines(timeout)
        self._routes = {"/invocations": ("POST", self._invocations), "/ping": ("GET", self._health),
                        "/health": ("GET", self._health), "/version": ("GET", self._version)}

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "")
        route = self._routes.get(path)
        if route is None:
            return _error(start_response, MlplugError(f"{path} has no route: the scoring server answers "
                                                      "/invocations, /ping, /health and /version.",
                                                      "ENDPOINT_NOT_FOUND"))
        allowed, handler = route
        if method != allowed and not (allowed == "GET" and method == "HEAD"):
            error = MlplugError(f"{path} does not accept {method}; use {allowed}.", "ENDPOINT_NOT_FOUND")
            return _respond(start_response, 405, JSON, orjson.dumps(error.to_dict()), [("Allow", allowed)])
        return handler(environ, start_response)

    # --- routes ------------------------------------------------------------------------------------
    def _health(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        return _respond(start_response, 200, JSON, HEALTHY_BODY)

    def _version(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        return _respond(start_response, 200, JSON, self.version)

    def _invocations(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        content_type = environ.get("CONTENT_TYPE", "")
        mime, problem = _check_content_type(content_type)
        if problem:
            return _respond(start_response, 415, "text/plain", problem.encode())
        body = _read_body(environ)
        ticket = self.deadlines.start(environ.get("gunicorn.socket"))
        try:
            payload, failure = self._predict(mime, body), None
        except MlplugError as err:
            payload, failure = None, err
        except Exception as err:  # noqa: BLE001 (a bug here still answers in JSON; the traceback goes to the log)
            log.exception("Unexpected error while answering /invocations")
            payload, failure = None, MlplugError(f"{type(err).__name__}: {err}", "INTERNAL_ERROR")
        if not self.deadlines.finish(ticket):  # the client got its 504 already; this goes nowhere
            return _respond(start_response, 504, JSON, TIMEOUT_BODY)
        if failure is not None:
            return _error(start_response, failure)
        return _respond(start_response, 200, JSON, payload)

    def warm_up(self) -> bool:
        """Answer the model's saved serving example (or a row of zeros fitting its signature) twice, and
        throw the answers away: a first prediction imports and prepares what every later one reuses (about
        0.1 s for sklearn), which otherwise the first client would wait for. True when it predicted."""
        body = warm_up_body(self.model)
        if body is None:
            return False
        try:
            for _ in range(2):  # the second call takes the paths the first one enables (the numeric fast path)
                self._predict(JSON, body)
        except Exception as err:  # noqa: BLE001 (a model that cannot answer its example still serves)
            log.debug("The warm-up prediction failed: %s", err)
            return False
        return True

    def _predict(self, mime: str, body: bytes) -> bytes:
        """Parse, predict, encode; every failure becomes an MlplugError (400 unless it says otherwise)."""
        if mime == JSON:
            data, params = self.parser.parse_json(body)
        elif mime == CSV:
            data, params = self.parser.parse_csv(body), None
        else:
            data, params = _parquet(body), None
        result = inference.predict(self.model, data, params)
        try:
            return predictions.encode(result)
        except (TypeError, ValueError) as err:
            raise MlplugError(f"The model's predictions cannot be written as JSON: {err}", "INTERNAL_ERROR") from None


# Signature types and the value a warm-up row gives them.
_ZEROS = {"double": 0.0, "float": 0.0, "long": 0, "integer": 0, "boolean": False, "string": ""}


def warm_up_body(model: Any) -> bytes | None:
    """The request body a warm-up posts: the model's serving input example when it has one, else one row
    of zeros for a signature of plain named columns, else None."""
    metadata = getattr(model, "metadata", None)
    info = getattr(metadata, "saved_input_example_info", None) or {}
    serving = info.get("serving_input_path")
    if serving:
        path = os.path.join(getattr(model, "model_path", ""), serving)
        if os.path.isfile(path):
            with open(path, "rb") as f:
                return f.read()
    schema = getattr(model, "input_schema", None)
    columns = [] if schema is None else getattr(schema, "inputs", [])
    names = [getattr(c, "name", None) for c in columns]
    zeros = [_ZEROS.get(getattr(getattr(c, "type", None), "value", None)) for c in columns]
    if not columns or None in names or None in zeros:
        return None
    return orjson.dumps({"dataframe_split": {"columns": names, "data": [zeros]}})


def _check_content_type(content_type: str) -> tuple[str, str | None]:
    """(mime type, None) when acceptable, else (mime, the 415 text)."""
    parts = [part.strip() for part in content_type.split(";")]
    mime = parts[0].lower()
    parameters = {key.strip().lower(): value.strip().strip('"')
                  for key, _, value in (part.partition("=") for part in parts[1:] if part)}
    charset = parameters.pop("charset", "utf-8").lower()
    if mime not in CONTENT_TYPES:
        return mime, (f"This predictor only supports the following content types: Types: {CONTENT_TYPES}. "
                      f"Got '{content_type}'.")
    if charset not in ("utf-8", "utf8"):
        return mime, "The scoring server only supports UTF-8"
    if parameters:
        return mime, f"Unrecognized content type parameters: {', '.join(sorted(parameters))}."
    return mime, None


def _read_body(environ: dict) -> bytes:
    stream = environ["wsgi.input"]
    length = environ.get("CONTENT_LENGTH")
    if length:
        try:
            return stream.read(int(length))
        except ValueError:
            pass
    return stream.read()


def _parquet(body: bytes) -> Any:
    import io

    import pandas as pd

    try:
        return pd.read_parquet(io.BytesIO(body))
    except ImportError as err:
        raise MlplugError(f"Parquet input needs pyarrow in the serving environment: {err}", "BAD_REQUEST") from None
    except Exception as err:  # noqa: BLE001
        raise MlplugError("Failed to parse input as a Pandas DataFrame. Ensure that the input is a valid Parquet "
                          f"Pandas DataFrame produced using the `pandas.DataFrame.to_parquet()` method. Error: '{err}'",
                          "BAD_REQUEST") from None


def _error(start_response: StartResponse, err: MlplugError) -> Iterable[bytes]:
    body = err.to_dict()
    error_class = getattr(err, "error_class", None)
    if error_class:
        body["error_class"] = error_class
    return _respond(start_response, err.http_status, JSON, orjson.dumps(body))


def _respond(start_response: StartResponse, status: int, content_type: str, body: bytes,
             headers: list[tuple[str, str]] | None = None) -> Iterable[bytes]:
    start_response(_STATUS.get(status, f"{status} Unknown"),
                   [("Content-Type", content_type), ("Content-Length", str(len(body))), *(headers or [])])
    return [body]
