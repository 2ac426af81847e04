"""Scoring request bodies into what `PyFuncModel.predict` takes, with MLflow's rules and errors.

JSON bodies are an object with exactly one of `dataframe_split`, `dataframe_records`, `instances` or
`inputs`, plus optional `params`; CSV bodies are a table with a header row. Everything malformed is an
`MlplugError` with code BAD_REQUEST (HTTP 400), never a server error.

The split and records forms become a DataFrame, as in MLflow, except for models whose signature the
python_function loader compiled into its numeric fast path (`model.uses_fast_path`): those get a dict of
columns, which the loader stacks straight into the model's input array. The predictions are the same;
the DataFrame is just never built, unless the input turns out not to fit (`as_frame` then gives the
DataFrame the general path words its error about).

Like MLflow's server, parsing reads the signature's `double` columns as float64 whatever the JSON
holds (numbers, numeric strings, booleans; null becomes NaN); a value that is none of these is a
BAD_REQUEST naming the column. The signature's other types are checked by the model's enforcement.
"""
from __future__ import annotations

import io
import json
from typing import Any

import orjson
from mlplug.errors import MlplugError
from mlplug.models.datatypes import DataType
from mlplug.models.schema import TensorSpec

SPLIT, RECORDS, INSTANCES, INPUTS = "dataframe_split", "dataframe_records", "instances", "inputs"
FORMATS = (SPLIT, RECORDS, INSTANCES, INPUTS)
PARAMS = "params"
_SPLIT_KEYS = frozenset({"columns", "data", "index"})
_FORMATS_TEXT = "{" + ", ".join(f"'{f}'" for f in FORMATS) + "}"
REQUIRED_INPUT_FORMAT = f"The input must be a JSON dictionary with exactly one of the input fields {_FORMATS_TEXT}"
PROTOCOL_NOTE = ("Note that the scoring protocol changed in MLflow 2.0: a bare {'columns': ..., 'data': ...} "
                 "payload must now be sent as {'dataframe_split': {'columns': ..., 'data': ...}}.")


class Columns(dict):
    """A split table as a dict of column -> values: what the fast path takes instead of a DataFrame."""


def bad_request(message: str) -> MlplugError:
    return MlplugError(message, "BAD_REQUEST")


def decode_json(body: bytes | str) -> Any:
    """orjson for speed; the standard library for what only it accepts (NaN, Infinity, huge integers)."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        pass
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as err:
        raise bad_request(f"Invalid input. Ensure that input is a valid JSON formatted string. Error: '{err}'") from None


class InputParser:
    """Parses request bodies for one loaded model (what depends on its signature is worked out once)."""

    def __init__(self, model: Any):
        self.fast = bool(getattr(model, "uses_fast_path", False))
        schema = getattr(model, "input_schema", None)
        specs = list(schema.inputs) if schema is not None else []
        #: numpy dtype per named input, and of the first input (for unnamed data), from the signature
        self._dtypes = {s.name: d for s in specs if s.name is not None and (d := _dtype_of(s)) is not None}
        self._first_dtype = _dtype_of(specs[0]) if specs else None
        self._single_column = specs[0].name if len(specs) == 1 else None
        self._column_types = {s.name: s.type for s in specs
                              if s.name is not None and not isinstance(s, TensorSpec) and isinstance(s.type, DataType)}
        self._doubles = frozenset(n for n, t in self._column_types.items() if t is DataType.double)

    # --- JSON -------------------------------------------------------------------------------------
    def parse_json(self, body: bytes | str) -> tuple[Any, dict | None]:
        """(model input, params) from a JSON request body."""
        payload = decode_json(body)
        if not isinstance(payload, dict):
            kind = "a list" if isinstance(payload, list) else f"a JSON {type(payload).__name__}"
            raise bad_request(f"{REQUIRED_INPUT_FORMAT}. Received {kind}.")
        found = [key for key in payload if key in FORMATS]
        unknown = [key for key in payload if key not in FORMATS and key != PARAMS]
        if len(found) != 1 or unknown:
            raise bad_request(f"{REQUIRED_INPUT_FORMAT}, and optionally 'params'. Received dictionary with "
                              f"input fields: {list(payload)}. {PROTOCOL_NOTE}")
        params = payload.get(PARAMS)
        if params is not None and not isinstance(params, dict):
            raise bad_request(f"'params' must be a JSON object of parameter names to values, got "
                              f"{type(params).__name__}.")
        kind = found[0]
        value = payload[kind]
        if kind == SPLIT:
            return self._split(value), params
        if kind == RECORDS:
            return self._records(value), params
        if kind == INSTANCES:
            return self._instances(value), params
        return self._inputs(value), params

    def _split(self, split: Any) -> Any:
        if not isinstance(split, dict):
            raise bad_request(f"Invalid input. Dataframe split format must be a dictionary, got {_kind(split)}.")
        keys = set(split)
        if "data" not in keys or keys - _SPLIT_KEYS:
            raise bad_request("Invalid input. Dataframe split format must have a 'data' field and optionally "
                              f"'columns' and 'index' fields. Got {sorted(keys)}.")
        columns, data = split.get("columns"), split["data"]
        if self.fast and "index" not in keys and _is_table(columns, data):
            return self._split_columns(columns, data)
        import pandas as pd

        try:
            frame = pd.DataFrame(data=data, columns=columns, index=split.get("index"))
        except Exception as err:  # noqa: BLE001 (pandas raises many kinds for malformed tables)
            raise bad_request("Invalid input. Provided dataframe_split field is not a valid dataframe "
                              f"representation in 'split' format. Error: '{err}'") from None
        return self._frame_doubles(frame)

    def _split_columns(self, columns: list[str], data: list[list]) -> "Columns":
        if self._doubles and self._doubles.issuperset(columns):
            import numpy as np

            try:  # the whole table in one conversion: the common case, and the cheapest
                table = np.array(data, dtype=np.float64)
            except (TypeError, ValueError):
                table = None
            if table is not None and table.ndim == 2:
                return Columns(zip(columns, table.T))
        return Columns((name, _doubles(name, values) if name in self._doubles else values)
                       for name, values in zip(columns, zip(*data)))

    def _frame_doubles(self, frame: Any) -> Any:
        for name in self._doubles.intersection(frame.columns):
            if frame[name].dtype != "float64":
                try:
                    frame[name] = frame[name].astype("float64")
                except (TypeError, ValueError) as err:
                    raise _not_double(name, err) from None
        return frame

    def _records(self, records: Any) -> Any:
        if not isinstance(records, list):
            raise bad_request(f"Invalid input. Dataframe records format must be a list of records, got {_kind(records)}.")
        if self.fast and records and all(type(r) is dict for r in records):
            names = list(records[0])
            if all(len(r) == len(names) and all(n in r for n in names) for r in records):
                return Columns((n, _doubles(n, [r[n] for r in records]) if n in self._doubles
                                else tuple(r[n] for r in records)) for n in names)
        import pandas as pd

        try:
            frame = pd.DataFrame(data=records)
        except Exception as err:  # noqa: BLE001
            raise bad_request("Invalid input. Provided dataframe_records field is not a valid dataframe "
                              f"representation in 'records' format. Error: '{err}'") from None
        return self._frame_doubles(frame)

    def _instances(self, instances: Any) -> Any:
        """A list of records becomes a dict of column arrays; anything else an array (TF serving style)."""
        if isinstance(instances, list) and instances and isinstance(instances[0], dict):
            if not all(isinstance(r, dict) for r in instances):
                raise bad_request("Invalid input. 'instances' must be a list of records or a list of values, "
                                  "not a mix of both.")
            columns: dict[str, list] = {}
            for record in instances:
                for name, value in record.items():
                    columns.setdefault(name, []).append(value)
            lengths = {len(v) for v in columns.values()}
            if len(lengths) > 1:
                raise bad_request("Invalid input. Every record in 'instances' must have the same fields.")
            return {name: self._array(values, name) for name, values in columns.items()}
        return self._inputs(instances)

    def _inputs(self, inputs: Any) -> Any:
        """A dict becomes a dict of arrays; a list or scalar an array (for a one-column signature, that
        column)."""
        if isinstance(inputs, dict):
            return {name: self._array(values, name) for name, values in inputs.items()}
        if self._single_column is not None and isinstance(inputs, list) and not any(isinstance(v, dict) for v in inputs):
            return {self._single_column: self._array(inputs, self._single_column)}
        return self._array(inputs, None)

    def _array(self, values: Any, name: str | None) -> Any:
        """`values` as a numpy array of the signature's type for `name` (unnamed: the first input's)."""
        import numpy as np

        dtype = self._dtypes.get(name) if name is not None else self._first_dtype
        if isinstance(values, (dict, str)) and dtype is None:
            return values
        try:
            return np.array(values, dtype=dtype)
        except (TypeError, ValueError, OverflowError) as err:
            where = f" for input '{name}'" if name is not None else ""
            wanted = f" as {np.dtype(dtype).name}" if dtype is not None else ""
            raise bad_request(f"Invalid input. Failed to read the values{where}{wanted}: {err}") from None

    @staticmethod
    def as_frame(data: Any) -> Any:
        """The DataFrame a fast-path form stands for (None for any other input)."""
        if not isinstance(data, Columns):
            return None
        import pandas as pd

        try:
            return pd.DataFrame({k: list(v) for k, v in data.items()})
        except Exception:  # noqa: BLE001 (then the fast path's own error stands)
            return None

    # --- CSV --------------------------------------------------------------------------------------
    def parse_csv(self, body: bytes | str) -> Any:
        """A DataFrame from CSV text with a header row; signature columns are read with their types."""
        import pandas as pd

        if isinstance(body, bytes):
            try:
                body = body.decode("utf-8")
            except UnicodeDecodeError as err:
                raise bad_request(f"Invalid input. Ensure that input is a valid UTF-8 encoded string. Error: '{err}'") from None
        dtypes = {name: kind.to_numpy() for name, kind in self._column_types.items()
                  if kind not in (DataType.datetime, DataType.binary, DataType.string)}
        try:
            return pd.read_csv(io.StringIO(body), dtype=dtypes or None)
        except Exception as err:  # noqa: BLE001 (the CSV reader's errors are many and all mean bad input)
            first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            raise bad_request("Failed to parse input as a Pandas DataFrame. Ensure that the input is a valid "
                              f"CSV-formatted Pandas DataFrame produced using the `pandas.DataFrame.to_csv()` "
                              f"method. Error: '{first}'") from None


def _dtype_of(spec: Any) -> Any:
    """The numpy dtype of a column or tensor spec (None for composite column types)."""
    import numpy as np

    if isinstance(spec, TensorSpec):
        return np.dtype(spec.dtype)
    return spec.type.to_numpy() if isinstance(spec.type, DataType) else None


def _doubles(name: str, values: Any) -> Any:
    """A column's values as float64, as MLflow's server casts a double column."""
    import numpy as np

    try:
        array = np.array(values, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise _not_double(name, err) from None
    if array.ndim != 1:
        raise _not_double(name, "every value must be a single number")
    return array


def _not_double(name: str, reason: Any) -> MlplugError:
    return bad_request(f"Invalid input. Data is not compatible with model signature. Failed to convert column "
                       f"{name} to type 'float64'. Error: '{reason}'")


def _is_table(columns: Any, data: Any) -> bool:
    """Distinct column names and at least one row, every row a list of one value per column."""
    if not (isinstance(columns, list) and isinstance(data, list) and data):
        return False
    width = len(columns)
    return (all(type(c) is str for c in columns) and len(set(columns)) == width
            and all(type(row) is list and len(row) == width for row in data))


def _kind(value: Any) -> str:
    return {list: "a list", dict: "a dictionary", str: "a string"}.get(type(value), f"type {type(value).__name__}")
