"""`mlplug models predict`: one prediction from a file or stdin, parsed exactly as /invocations parses a
request body, written as the same `{"predictions": ...}` JSON."""
from __future__ import annotations

import sys
from typing import Any

from mlplug.errors import MlplugError

from mlplug_cli_models import inference, predictions
from mlplug_cli_models.payload import InputParser


def predict_file(model: Any, input_path: str | None, output_path: str | None, content_type: str) -> None:
    body = _read(input_path)
    parser = InputParser(model)
    if content_type == "json":
        data, params = parser.parse_json(body)
    else:
        data, params = parser.parse_csv(body), None
    out = predictions.encode(inference.predict(model, data, params))
    if output_path is None:
        sys.stdout.buffer.write(out + b"\n")
        sys.stdout.flush()
    else:
        try:
            with open(output_path, "wb") as f:
                f.write(out)
        except OSError as err:
            raise MlplugError(f"Cannot write the predictions to '{output_path}': {err.strerror}.",
                              "INVALID_PARAMETER_VALUE") from None


def _read(input_path: str | None) -> bytes:
    if input_path is None:
        return sys.stdin.buffer.read()
    try:
        with open(input_path, "rb") as f:
            return f.read()
    except OSError as err:
        raise MlplugError(f"Cannot read the input file '{input_path}': {err.strerror}.",
                          "INVALID_PARAMETER_VALUE") from None
