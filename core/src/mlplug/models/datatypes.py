"""The scalar column types of a model signature, with their numpy counterparts.

The names are MLflow's (`double`, `long`, ...), so signature JSON round-trips unchanged. numpy is only
imported when a dtype is actually asked for.
"""
from __future__ import annotations

from enum import Enum
from typing import Any

from mlplug.errors import InvalidParameter


class DataType(Enum):
    boolean = "boolean"
    integer = "integer"
    long = "long"
    float = "float"
    double = "double"
    string = "string"
    binary = "binary"
    datetime = "datetime"

    def __str__(self) -> str:
        return self.value

    @classmethod
    def parse(cls, name: "str | DataType") -> "DataType":
        if isinstance(name, DataType):
            return name
        try:
            return cls(name)
        except ValueError:
            known = ", ".join(t.value for t in cls)
            raise InvalidParameter(f"Unsupported type '{name}' in a model signature; known types: {known}.") from None

    @property
    def is_numeric(self) -> bool:
        return self in _NUMERIC

    def to_numpy(self) -> Any:
        """The numpy dtype values of this type are held in (object for strings and bytes)."""
        import numpy as np

        return np.dtype(_NUMPY_NAMES[self])


_NUMERIC = {DataType.integer, DataType.long, DataType.float, DataType.double}

_NUMPY_NAMES = {
    DataType.boolean: "bool",
    DataType.integer: "int32",
    DataType.long: "int64",
    DataType.float: "float32",
    DataType.double: "float64",
    DataType.string: "object",
    DataType.binary: "object",
    DataType.datetime: "datetime64[ns]",
}
