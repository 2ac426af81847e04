"""Input examples saved with a model, in the two files MLflow writes.

- `input_example.json`: the example itself, compact — a DataFrame as `{"columns": [...], "data": [[...]]}`
  (pandas "split" orient without index, type `dataframe`), a numpy array (or dict of arrays) as nested
  lists (type `ndarray`), dicts, lists of records and scalars as they are (type `json_object`);
- `serving_input_example.json`: the request body that scores it, pretty-printed (indent 2) —
  `{"dataframe_split": {...}}`, or `{"inputs": ...}` for the other types.

An example given as `(data, params)` writes `{"inputs": <example>, "params": {...}}` and adds
`"params": {...}` to the serving body.
"""
from __future__ import annotations

import base64
import datetime as dt
import json
import os
from typing import Any

from mlplug.errors import InvalidParameter

EXAMPLE_FILE = "input_example.json"
SERVING_EXAMPLE_FILE = "serving_input_example.json"


class Example:
    """An input example normalised for saving: its kind and its JSON-ready content."""

    def __init__(self, example: Any):
        self.params: dict | None = None
        if isinstance(example, tuple) and len(example) == 2 and isinstance(example[1], dict):
            example, self.params = example
        self.data = example  # what inference and prediction see
        self.kind, self.content = _encode(example)

    def info(self) -> dict[str, Any]:
        """The MLmodel `saved_input_example_info` section."""
        info: dict[str, Any] = {"artifact_path": EXAMPLE_FILE, "type": self.kind}
        if self.kind == "dataframe":
            info["pandas_orient"] = "split"
        info["serving_input_path"] = SERVING_EXAMPLE_FILE
        if self.params:
            info["params"] = "true"
        return info

    def example_json(self) -> Any:
        if self.params:
            return {"inputs": self.content, "params": _jsonable(self.params)}
        return self.content

    def serving_json(self) -> dict:
        body = {"dataframe_split": self.content} if self.kind == "dataframe" else {"inputs": self.content}
        if self.params:
            body["params"] = _jsonable(self.params)
        return body

    def save(self, path: str) -> dict[str, Any]:
        """Write both files into the model directory `path`; returns the MLmodel section."""
        with open(os.path.join(path, EXAMPLE_FILE), "w", encoding="utf-8") as f:
            json.dump(self.example_json(), f)
        with open(os.path.join(path, SERVING_EXAMPLE_FILE), "w", encoding="utf-8") as f:
            json.dump(self.serving_json(), f, indent=2)
        return self.info()


def load_input_example(path: str, info: dict | None) -> Any:
    """The saved example as data (a DataFrame for dataframe examples), or None without one."""
    if not info:
        return None
    file = os.path.join(path, info.get("artifact_path", EXAMPLE_FILE))
    if not os.path.isfile(file):
        return None
    with open(file, encoding="utf-8") as f:
        content = json.load(f)
    if info.get("params") and isinstance(content, dict) and "inputs" in content:
        content = content["inputs"]
    if info.get("type") == "dataframe":
        import pandas as pd

        return pd.DataFrame(content["data"], columns=content["columns"])
    if info.get("type") == "ndarray":
        import numpy as np

        return {k: np.asarray(v) for k, v in content.items()} if isinstance(content, dict) else np.asarray(content)
    return content


def _encode(example: Any) -> tuple[str, Any]:
    import numpy as np

    pd = _pandas()
    if pd is not None and isinstance(example, pd.Series):
        example = example.to_frame()
    if pd is not None and isinstance(example, pd.DataFrame):
        return "dataframe", _split(example)
    if isinstance(example, np.ndarray):
        return "ndarray", _jsonable(example)
    if isinstance(example, dict) and example and all(isinstance(v, np.ndarray) for v in example.values()):
        return "ndarray", {str(k): _jsonable(v) for k, v in example.items()}
    if isinstance(example, (dict, list, tuple, str, bytes, int, float, bool, dt.datetime, dt.date)):
        return "json_object", _jsonable(example)
    raise InvalidParameter(f"Unsupported input example type {type(example).__name__}: use a DataFrame, a numpy "
                           "array, a dict, a list or a scalar.")


def _split(frame: Any) -> dict:
    columns = [str(c) for c in frame.columns]
    cols = [[_jsonable(v) for v in frame[c].tolist()] for c in frame.columns]
    return {"columns": columns, "data": [list(row) for row in zip(*cols)]}


def _jsonable(value: Any) -> Any:
    """Plain JSON values: numpy scalars and arrays unwrapped, datetimes as ISO strings, bytes as base64."""
    import numpy as np

    if isinstance(value, np.ndarray):
        return [_jsonable(v) for v in value.tolist()] if value.dtype.kind in "OSM" else value.tolist()
    if isinstance(value, np.generic):
        return _jsonable(value.item())
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if hasattr(value, "isoformat"):  # pandas Timestamp
        return value.isoformat()
    return value


def _pandas():
    try:
        import pandas
    except ImportError:
        return None
    return pandas
