"""Predictions into the JSON MLflow answers: `{"predictions": ...}` with numpy arrays as (nested) lists,
a DataFrame as a list of records, a Series as records of its one column, anything else as it is.

orjson writes numpy arrays itself (no `tolist()` round trip). What it cannot write (object arrays,
bytes, dates, non-finite floats, which MLflow writes as NaN/Infinity) goes through the standard library
with the same conversions MLflow's encoder applies.
"""
from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

import orjson

_NUMPY = orjson.OPT_SERIALIZE_NUMPY


def jsonable(predictions: Any) -> Any:
    """The prediction value as plain data (pandas objects converted; numpy arrays kept for orjson)."""
    kind = type(predictions).__name__
    if kind == "DataFrame":
        return predictions.to_dict(orient="records")
    if kind == "Series":
        return predictions.to_frame().to_dict(orient="records")
    return predictions


def encode(predictions: Any) -> bytes:
    value = jsonable(predictions)
    if type(value).__name__ == "ndarray" and value.dtype.kind in "iub":
        return orjson.dumps({"predictions": value}, option=_NUMPY)
    if type(value).__name__ == "ndarray" and value.dtype.kind == "f":
        import numpy as np

        if np.isfinite(value).all():
            return orjson.dumps({"predictions": value}, option=_NUMPY)
    return json.dumps({"predictions": value}, default=_default, separators=(",", ":")).encode()


def _default(value: Any) -> Any:
    import numpy as np

    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.datetime64):
        return np.datetime_as_string(value)
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (bytes, bytearray)):
        return base64.encodebytes(bytes(value)).decode("ascii")
    if isinstance(value, (dt.date, dt.datetime, dt.time)) or type(value).__name__ == "Timestamp":
        return value.isoformat()
    if type(value).__name__ in ("Series", "DataFrame"):
        return jsonable(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
