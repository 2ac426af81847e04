"""Signature enforcement at predict time, compiled once per loaded model.

`InputEnforcer(schema)` checks and converts what `predict` receives, with MLflow's rules:

- named columns: required columns must be present (`Model is missing inputs ['b'].`), extra columns are
  dropped (logged once), and each column is converted only where no information is lost — integers into
  wider integers or into floats, float32 into float64; never float into integer, float64 into float32,
  int64 into int32, bool or str into numbers. A numpy array or list of lists has no column names, so a
  named schema reports every column missing, as MLflow does.
- unnamed columns: matched by position.
- tensors: dtype must match exactly and every fixed dimension must agree.

Every failure raises `SchemaEnforcementError` (code INVALID_PARAMETER_VALUE, HTTP 400) whose message is
`Failed to enforce schema of data '<data>' with schema '<schema>'. Error: <reason>`.

Fast path: for a schema of named numeric columns, `matrix(data)` builds the 2-D array a model consumes
straight from a dict of columns, a list of records or a DataFrame, without building a DataFrame; it
returns None when the input needs the general path (which then raises the precise error, if any).
`ParamsEnforcer` does the same for inference parameters (defaults filled in, values type-checked).
"""
from __future__ import annotations

import datetime as dt
import logging
import sys
from typing import Any

from mlplug.errors import InvalidParameter
from mlplug.models.datatypes import DataType
from mlplug.models.schema import CompositeType, ParamSchema, ParamSpec, Schema, TensorSpec

_log = logging.getLogger(__name__)
_MAX_DATA_REPR = 1000


class SchemaEnforcementError(InvalidParameter):
    """Input that does not match the model's signature (the scoring server answers 400)."""

    error_class = "SCHEMA_ENFORCEMENT_FAILED"


class _Mismatch(Exception):
    """The reason part of a SchemaEnforcementError, before the data and schema are added."""


def describe_schema(schema: Schema) -> str:
    """The schema as MLflow prints it in errors: `['a': double (required), 'b': long (optional)]`."""
    parts = []
    for spec in schema.inputs:
        if isinstance(spec, TensorSpec):
            text = f"Tensor({spec.dtype!r}, {spec.shape})"
            parts.append(f"{spec.name!r}: {text}" if spec.name is not None else text)
        else:
            text = f"{spec.type} ({'required' if spec.required else 'optional'})"
            parts.append(f"{spec.name!r}: {text}" if spec.name is not None else text)
    return "[" + ", ".join(parts) + "]"


def failure(data: Any, schema: Schema, reason: str) -> SchemaEnforcementError:
    shown = repr(data) if not hasattr(data, "to_string") else str(data)
    if len(shown) > _MAX_DATA_REPR:
        shown = shown[:_MAX_DATA_REPR] + "..."
    return SchemaEnforcementError(f"Failed to enforce schema of data '{shown}' with schema "
                                  f"'{describe_schema(schema)}'. Error: {reason}")


class InputEnforcer:
    def __init__(self, schema: Schema | None):
        self.schema = schema if schema is not None and len(schema) else None
        self._extras_logged = False
        specs = self.schema.inputs if self.schema else []
        self.is_tensor = bool(specs) and isinstance(specs[0], TensorSpec)
        self.named = bool(specs) and specs[0].name is not None
        self._names = self.schema.input_names() if self.schema else []
        self._required = self.schema.required_input_names() if self.schema else []
        #: Column names whose values the fast path stacks into one array (None: no fast path).
        self.matrix_columns: list[str] | None = None
        if specs and not self.is_tensor and self.named and all(
                isinstance(s.type, DataType) and s.type.is_numeric and s.required for s in specs):
            self.matrix_columns = list(self._names)
            self._targets = [s.type.to_numpy() for s in specs]

    # --- the general path -------------------------------------------------------------------------
    def __call__(self, data: Any) -> Any:
        if self.schema is None:
            return data
        try:
            if self.is_tensor:
                return self._tensors(data)
            return self._columns(data)
        except _Mismatch as err:
            raise failure(data, self.schema, str(err)) from None

    def _columns(self, data: Any) -> Any:
        import pandas as pd

        frame = _as_frame(data)
        if not self.named:
            return self._positional(frame)
        present = set(frame.columns)
        missing = [n for n in self._required if n not in present]
        extra = [c for c in frame.columns if c not in set(self._names)]
        if missing:
            message = f"Model is missing inputs {missing}."
            if extra:
                message += f" Note that there were extra inputs: {extra}."
            raise _Mismatch(message)
        self._log_extras(extra)
        columns = {spec.name: convert_column(spec.name, frame[spec.name], spec.type)
                   for spec in self.schema.inputs if spec.name in present}
        return pd.DataFrame(columns, index=frame.index)

    def _positional(self, frame: Any) -> Any:
        import pandas as pd

        specs = self.schema.inputs
        if len(frame.columns) < len(self._required):
            raise _Mismatch(f"Model is missing inputs {list(range(len(frame.columns), len(self._required)))}.")
        picked = list(frame.columns[:len(specs)])
        return pd.DataFrame({c: convert_column(c, frame[c], spec.type) for c, spec in zip(picked, specs)},
                            index=frame.index)

    def _tensors(self, data: Any) -> Any:
        import numpy as np
        import pandas as pd

        specs = self.schema.inputs
        if not self.named:
            if isinstance(data, pd.DataFrame):
                data = data.to_numpy()
            if not isinstance(data, np.ndarray):
                raise _Mismatch("This model has a tensor signature without input names, so it takes a numpy array "
                                f"(or a DataFrame of the tensor's values), but got {type(data).__name__}.")
            return check_tensor(data, specs[0])
        if isinstance(data, np.ndarray) and len(specs) == 1:
            return {specs[0].name: check_tensor(data, specs[0])}
        if isinstance(data, pd.DataFrame):
            data = {c: data[c].to_numpy() for c in data.columns}
        if not isinstance(data, dict):
            raise _Mismatch(f"This model has named tensor inputs {self._names}, so it takes a dict of arrays, "
                            f"but got {type(data).__name__}.")
        missing = [n for n in self._names if n not in data]
        if missing:
            raise _Mismatch(f"Model is missing inputs {missing}.")
        self._log_extras([k for k in data if k not in set(self._names)])
        return {s.name: check_tensor(np.asarray(data[s.name]), s) for s in specs}

    # --- the fast path --------------------------------------------------------------------------------
    def matrix(self, data: Any) -> Any:
        """A 2-D array of the schema's numeric columns in schema order, or None to use the general path."""
        import numpy as np

        if isinstance(data, dict):
            source, width = data, len(data)
        elif isinstance(data, list) and data and isinstance(data[0], dict):
            try:
                source = {n: [row[n] for row in data] for n in self.matrix_columns}
            except (KeyError, TypeError):
                return None
            width = len(data[0])
        elif _is_frame(data):
            source, width = data, len(data.columns)
        else:
            return None
        arrays = []
        try:
            for name, target in zip(self.matrix_columns, self._targets):
                try:
                    values = source[name]
                except KeyError:
                    return None
                array = np.asarray(values)
                if array.ndim == 0:
                    array = array.reshape(1)
                elif array.ndim != 1:
                    return None
                if array.dtype != target:
                    array = _convert_numeric(name, array, target)
                arrays.append(array)
        except _Mismatch as err:
            raise failure(data, self.schema, str(err)) from None
        rows = len(arrays[0])
        if any(len(a) != rows for a in arrays):
            return None
        if width > len(arrays):
            self._log_extras([k for k in (data.columns if hasattr(data, "columns") else source)
                              if k not in set(self.matrix_columns)])
        out = np.empty((rows, len(arrays)), dtype=np.result_type(*arrays))
        for j, array in enumerate(arrays):
            out[:, j] = array
        return out

    def _log_extras(self, extra: list) -> None:
        if extra and not self._extras_logged:
            self._extras_logged = True
            _log.warning("Found extra inputs that the model signature does not define: %s. They are ignored.", extra)


def _is_frame(data: Any) -> bool:
    pd = sys.modules.get("pandas")  # a DataFrame can only exist once pandas is imported
    return pd is not None and isinstance(data, pd.DataFrame)


# --- conversions ---------------------------------------------------------------------------------

def convert_column(name: Any, values: Any, col_type: DataType | CompositeType) -> Any:
    """One column's values (Series or array) converted to the signature type, or _Mismatch."""
    import numpy as np
    import pandas as pd

    if isinstance(col_type, CompositeType):
        return values
    dtype = values.dtype
    if isinstance(dtype, pd.api.extensions.ExtensionDtype):
        return _convert_extension(name, values, col_type)
    array = values.to_numpy() if isinstance(values, pd.Series) else np.asarray(values)
    if col_type.is_numeric:
        return _convert_numeric(name, array, col_type.to_numpy())
    kind = array.dtype.kind
    if col_type is DataType.boolean:
        if kind == "b":
            return array
    elif col_type is DataType.string:
        if kind == "U" or (kind == "O" and all(isinstance(v, str) or v is None for v in array)):
            return array.astype(object)
    elif col_type is DataType.binary:
        if kind == "S" or (kind == "O" and all(isinstance(v, (bytes, bytearray, str)) or v is None for v in array)):
            return array.astype(object)
    elif col_type is DataType.datetime:
        if kind == "M":
            return array
        if kind == "O" and all(isinstance(v, (dt.datetime, dt.date)) or v is None for v in array):
            return pd.to_datetime(array)
    raise _mismatch(name, _dtype_name(array.dtype), col_type.to_numpy())


def _convert_extension(name: Any, values: Any, col_type: DataType) -> Any:
    import pandas as pd

    dtype = values.dtype
    if col_type is DataType.string and pd.api.types.is_string_dtype(dtype):
        return values
    if col_type is DataType.datetime and pd.api.types.is_datetime64_any_dtype(dtype):
        return values
    numpy_dtype = getattr(dtype, "numpy_dtype", None)
    if numpy_dtype is not None and not values.isna().any():
        return convert_column(name, values.to_numpy(dtype=numpy_dtype), col_type)
    raise _mismatch(name, str(dtype), col_type.to_numpy())


def _convert_numeric(name: Any, array: Any, target: Any) -> Any:
    import numpy as np

    kind = array.dtype.kind
    if array.dtype == target:
        return array
    if kind in "iu" and (target.kind == "f" or np.can_cast(array.dtype, target)):
        return array.astype(target)
    if kind == "f" and target.kind == "f" and array.dtype.itemsize <= target.itemsize:
        return array.astype(target)
    raise _mismatch(name, _dtype_name(array.dtype), target)


def _mismatch(name: Any, actual: str, target: Any) -> _Mismatch:
    return _Mismatch(f"Incompatible input types for column {name}. Can not safely convert {actual} to "
                     f"{_dtype_name(target)}.")


def _dtype_name(dtype: Any) -> str:
    return "str" if dtype.kind == "U" else ("bytes" if dtype.kind == "S" else str(dtype))


def check_tensor(array: Any, spec: TensorSpec) -> Any:
    if str(array.dtype) != spec.dtype:
        raise _Mismatch(f"dtype of input {array.dtype} does not match expected dtype {spec.dtype}")
    shape = tuple(array.shape)
    if len(shape) != len(spec.shape) or any(want not in (-1, got) for want, got in zip(spec.shape, shape)):
        raise _Mismatch(f"Shape of input {shape} does not match expected shape {spec.shape}.")
    return array


def _as_frame(data: Any) -> Any:
    """Any accepted input as a DataFrame, the way MLflow reads it (a dict of scalars is one row)."""
    import numpy as np
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, pd.Series):
        return data.to_frame() if data.name is not None else pd.DataFrame(data)
    if isinstance(data, dict) and all(np.ndim(v) == 0 for v in data.values()):
        return pd.DataFrame([data])
    if isinstance(data, (str, bytes)):
        return pd.DataFrame([data])
    if isinstance(data, (dict, list, tuple, np.ndarray)):
        if isinstance(data, np.ndarray) and data.ndim > 2:
            raise _Mismatch(f"A column-based signature needs 1-D or 2-D input; got an array of shape {data.shape}.")
        try:
            return pd.DataFrame(data)
        except ValueError as err:
            raise _Mismatch(f"The input cannot be read as columns: {err}") from None
    raise _Mismatch(f"Unsupported input type {type(data).__name__}: give a DataFrame, a dict of columns, a list "
                    "of records, a list or a numpy array.")


# --- params ----------------------------------------------------------------------------------------

class ParamsEnforcer:
    """Inference params checked against the params schema: defaults filled in, unknown keys dropped."""

    def __init__(self, schema: ParamSchema | None):
        self.schema = schema if schema and schema.params else None
        self._defaults = {p.name: p.default for p in self.schema.params} if self.schema else None
        self._specs = {p.name: p for p in self.schema.params} if self.schema else {}

    def __call__(self, params: dict | None) -> dict | None:
        if params is not None and not isinstance(params, dict):
            raise InvalidParameter(f"params must be a dict, got {type(params).__name__}.")
        if self.schema is None:
            if params:
                _log.warning("The model signature defines no params; ignoring %s.", sorted(params))
                return {}
            return None
        if not params:
            return dict(self._defaults)
        out, problems = {}, []
        for key, value in params.items():
            spec = self._specs.get(key)
            if spec is None:
                _log.warning("Ignoring param %r: the model signature does not define it.", key)
                continue
            try:
                out[key] = _param_value(spec, value)
            except _Mismatch as err:
                problems.append(f"'{key}': {err}")
        if problems:
            raise InvalidParameter("Invalid parameters found: " + "; ".join(problems))
        return {**{k: v for k, v in self._defaults.items() if k not in out}, **out}


def _param_value(spec: ParamSpec, value: Any) -> Any:
    import numpy as np

    if spec.shape is None:
        return _param_scalar(spec, value)
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if not isinstance(value, (list, tuple)) or any(isinstance(v, (list, tuple)) for v in value):
        raise _Mismatch(f"expected a 1-D list of {spec.type} (shape (-1,)), got {type(value).__name__} {value!r}")
    return [_param_scalar(spec, v) for v in value]


def _param_scalar(spec: ParamSpec, value: Any) -> Any:
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    t = spec.type
    if t in (DataType.double, DataType.float):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    elif t in (DataType.long, DataType.integer):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif t is DataType.boolean:
        if isinstance(value, bool):
            return value
    elif t is DataType.string:
        if isinstance(value, str):
            return value
    elif t is DataType.binary:
        if isinstance(value, (bytes, str)):
            return value
    elif t is DataType.datetime:
        if isinstance(value, (dt.datetime, dt.date)):
            return value
        if isinstance(value, str):
            try:
                return dt.datetime.fromisoformat(value)
            except ValueError:
                pass
    raise _Mismatch(f"cannot safely convert {type(value).__name__} value {value!r} to {t}")

