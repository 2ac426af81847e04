"""Schemas inferred from example data (numpy and pandas are imported here, on first use only).

- DataFrame, dict of scalars or lists, list of dicts -> named column specs, one per column;
- numpy array -> an unnamed tensor spec whose first dimension is variable (-1);
- dict of numpy arrays -> named tensor specs;
- Series -> one column spec named after the series; list of scalars, scalar -> one unnamed column spec.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from mlplug.errors import InvalidParameter
from mlplug.models.datatypes import DataType
from mlplug.models.schema import ColSpec, ParamSchema, ParamSpec, Schema, TensorSpec


def infer_schema(data: Any) -> Schema:
    import numpy as np

    pd = _pandas()
    if pd is not None and isinstance(data, pd.DataFrame):
        return Schema(_column_spec(data[c], str(c)) for c in data.columns)
    if pd is not None and isinstance(data, pd.Series):
        return Schema([_column_spec(data, str(data.name) if data.name is not None else None)])
    if isinstance(data, np.ndarray):
        return Schema([_tensor_spec(data, None)])
    if isinstance(data, dict):
        if data and all(isinstance(v, np.ndarray) for v in data.values()):
            return Schema(_tensor_spec(v, str(k)) for k, v in data.items())
        return infer_schema(_require_pandas().DataFrame([data] if all(_is_scalar(v) for v in data.values()) else data))
    if isinstance(data, (list, tuple)):
        if data and all(isinstance(v, dict) for v in data):
            return infer_schema(_require_pandas().DataFrame(list(data)))
        if all(_is_scalar(v) for v in data):
            return Schema([ColSpec(_type_of_values(list(data), "the input list"))])
        return Schema([_tensor_spec(np.asarray(data), None)])
    if _is_scalar(data):
        return Schema([ColSpec(_type_of_values([data], "the input"))])
    raise InvalidParameter(f"Cannot infer a schema from {type(data).__name__}; use a DataFrame, a numpy array, a "
                           "dict, a list or a scalar.")


def infer_param_schema(params: dict[str, Any]) -> ParamSchema:
    if not isinstance(params, dict):
        raise InvalidParameter(f"params must be a dict, got {type(params).__name__}.")
    specs = []
    for name, value in params.items():
        if isinstance(value, (list, tuple)) or _is_ndarray(value):
            values = list(value)
            if not values:
                raise InvalidParameter(f"Cannot infer the type of parameter '{name}' from an empty list.")
            specs.append(ParamSpec(str(name), _type_of_values(values, f"parameter '{name}'"), values, (-1,)))
        elif _is_scalar(value) and value is not None:
            specs.append(ParamSpec(str(name), _type_of_values([value], f"parameter '{name}'"), _plain(value)))
        else:
            raise InvalidParameter(f"Parameter '{name}' must be a scalar or a list of scalars, "
                                   f"got {type(value).__name__}.")
    return ParamSchema(specs)


def type_of_dtype(dtype: Any, what: str) -> DataType | None:
    """The signature type for a numpy dtype; None for object columns, whose values decide."""
    kind, size = dtype.kind, dtype.itemsize
    if kind == "b":
        return DataType.boolean
    if kind == "i":
        return DataType.integer if size <= 4 else DataType.long
    if kind == "u":
        if size <= 2:
            return DataType.integer
        if size == 4:
            return DataType.long
        raise InvalidParameter(f"Unsigned 64-bit values in {what} do not fit any signature type; cast them to int64.")
    if kind == "f":
        return DataType.float if size <= 4 else DataType.double
    if kind == "M":
        return DataType.datetime
    if kind == "U":
        return DataType.string
    if kind == "S":
        return DataType.binary
    if kind == "O":
        return None
    raise InvalidParameter(f"Unsupported data type {dtype} in {what}.")


def _column_spec(series: Any, name: str | None) -> ColSpec:
    what = f"column '{name}'" if name is not None else "the input"
    pd = _require_pandas()
    dtype = series.dtype
    missing = bool(series.isna().any())
    if isinstance(dtype, pd.CategoricalDtype):
        return ColSpec(_type_of_values(list(series.dropna()), what), name, not missing)
    if pd.api.types.is_string_dtype(dtype) and dtype != object:
        return ColSpec(DataType.string, name, not missing)
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return ColSpec(DataType.datetime, name, not missing)
    if pd.api.types.is_extension_array_dtype(dtype):
        dtype = dtype.numpy_dtype if hasattr(dtype, "numpy_dtype") else dtype
    col_type = type_of_dtype(dtype, what) if hasattr(dtype, "kind") else None
    if col_type is None:
        col_type = _type_of_values(list(series.dropna()), what)
    # NaN is an ordinary float value; a missing value elsewhere makes the column optional.
    return ColSpec(col_type, name, not missing or col_type in (DataType.float, DataType.double))


def _tensor_spec(array: Any, name: str | None) -> TensorSpec:
    if array.dtype.kind == "O":
        raise InvalidParameter(f"Cannot infer a tensor type for {'input ' + repr(name) if name else 'the input'}: "
                               "object arrays have no fixed type; convert it to a numeric or string dtype.")
    shape = (-1,) + tuple(array.shape[1:]) if array.ndim else ()
    return TensorSpec(str(array.dtype), shape, name)


def _type_of_values(values: list, what: str) -> DataType:
    """The one type all `values` share (Python or numpy scalars)."""
    import numpy as np

    types = set()
    for v in values:
        if isinstance(v, np.generic):
            types.add(type_of_dtype(v.dtype, what) or DataType.string)
        elif isinstance(v, bool):
            types.add(DataType.boolean)
        elif isinstance(v, int):
            types.add(DataType.long)
        elif isinstance(v, float):
            types.add(DataType.double)
        elif isinstance(v, str):
            types.add(DataType.string)
        elif isinstance(v, (bytes, bytearray)):
            types.add(DataType.binary)
        elif isinstance(v, (dt.datetime, dt.date)):
            types.add(DataType.datetime)
        else:
            raise InvalidParameter(f"Cannot infer a signature type for {what}: unsupported value of type "
                                   f"{type(v).__name__}.")
    if types <= {DataType.long, DataType.double} and len(types) == 2:
        return DataType.double
    if len(types) != 1:
        found = ", ".join(sorted(t.value for t in types)) or "no values"
        raise InvalidParameter(f"Cannot infer a signature type for {what}: found {found}.")
    return types.pop()


def _is_scalar(value: Any) -> bool:
    import numpy as np

    return value is None or isinstance(value, (bool, int, float, str, bytes, dt.datetime, dt.date, np.generic))


def _is_ndarray(value: Any) -> bool:
    import numpy as np

    return isinstance(value, np.ndarray)


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") and not isinstance(value, (str, bytes)) else value


def _pandas():
    try:
        import pandas
    except ImportError:
        return None
    return pandas


def _require_pandas():
    pd = _pandas()
    if pd is None:
        raise InvalidParameter("This input needs pandas to be read as columns: pip install pandas.")
    return pd
