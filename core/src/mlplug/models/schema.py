"""Schemas of a model signature: column specs, tensor specs and parameter specs, as MLflow's JSON.

A `Schema` is a list of either column specs (`{"type": "double", "name": "a", "required": true}`) or
tensor specs (`{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 4]}}`), all named or
all unnamed. Composite column types (`array`, `object`, `map`, `any`) are kept as `CompositeType` so
they survive a read/write round trip; values of those types are passed to the model unchecked.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from mlplug.errors import InvalidParameter
from mlplug.models.datatypes import DataType

_COMPOSITE = ("array", "object", "map", "any")


@dataclass(frozen=True)
class CompositeType:
    """`array`/`object`/`map`/`any` column types, kept as their JSON so nothing is lost."""

    spec: dict

    @property
    def name(self) -> str:
        return self.spec["type"]

    def __str__(self) -> str:
        return json.dumps(self.spec)


@dataclass
class ColSpec:
    type: DataType | CompositeType
    name: str | None = None
    required: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.type, CompositeType):
            self.type = DataType.parse(self.type)

    def to_dict(self) -> dict:
        out: dict[str, Any] = (dict(self.type.spec) if isinstance(self.type, CompositeType)
                               else {"type": self.type.value})
        if self.name is not None:
            out["name"] = self.name
        out["required"] = self.required
        return out

    @classmethod
    def from_dict(cls, spec: dict) -> "ColSpec":
        kind = spec.get("type")
        rest = {k: v for k, v in spec.items() if k not in ("name", "required")}
        col_type = CompositeType(rest) if kind in _COMPOSITE else DataType.parse(kind)
        return cls(col_type, spec.get("name"), bool(spec.get("required", True)))


@dataclass
class TensorSpec:
    dtype: str  # a numpy dtype name: float32, int64, ...
    shape: tuple[int, ...]
    name: str | None = None

    def __post_init__(self) -> None:
        self.shape = tuple(int(d) for d in self.shape)
        self.dtype = str(self.dtype)

    def to_dict(self) -> dict:
        out: dict[str, Any] = {"type": "tensor", "tensor-spec": {"dtype": self.dtype, "shape": list(self.shape)}}
        if self.name is not None:
            out["name"] = self.name
        return out

    @classmethod
    def from_dict(cls, spec: dict) -> "TensorSpec":
        tensor = spec.get("tensor-spec") or {}
        if "dtype" not in tensor or "shape" not in tensor:
            raise InvalidParameter(f"A tensor spec needs 'tensor-spec' with 'dtype' and 'shape': {spec}")
        return cls(tensor["dtype"], tensor["shape"], spec.get("name"))


class Schema:
    """An ordered list of column specs or tensor specs."""

    def __init__(self, inputs: Iterable[ColSpec | TensorSpec]):
        self.inputs: list[ColSpec | TensorSpec] = list(inputs)
        kinds = {type(s) for s in self.inputs}
        if len(kinds) > 1:
            raise InvalidParameter("A schema holds either column specs or tensor specs, not both.")
        named = {s.name is not None for s in self.inputs}
        if len(named) > 1:
            raise InvalidParameter("A schema's entries are either all named or all unnamed.")
        names = [s.name for s in self.inputs if s.name is not None]
        if len(set(names)) != len(names):
            raise InvalidParameter(f"Duplicate names in a schema: {names}")

    def is_tensor_spec(self) -> bool:
        return bool(self.inputs) and isinstance(self.inputs[0], TensorSpec)

    def has_input_names(self) -> bool:
        return bool(self.inputs) and self.inputs[0].name is not None

    def input_names(self) -> list[str | int]:
        """Column (or tensor) names; positions for an unnamed schema."""
        return [s.name if s.name is not None else i for i, s in enumerate(self.inputs)]

    def required_input_names(self) -> list[str | int]:
        return [n for n, s in zip(self.input_names(), self.inputs) if getattr(s, "required", True)]

    def optional_input_names(self) -> list[str | int]:
        return [n for n, s in zip(self.input_names(), self.inputs) if not getattr(s, "required", True)]

    def input_types(self) -> list:
        return [s.dtype if isinstance(s, TensorSpec) else s.type for s in self.inputs]

    def to_dict(self) -> list[dict]:
        return [s.to_dict() for s in self.inputs]

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    @classmethod
    def from_json(cls, text: str | list) -> "Schema":
        specs = json.loads(text) if isinstance(text, str) else text
        if not isinstance(specs, list):
            raise InvalidParameter(f"A signature schema must be a JSON list, got: {str(text)[:200]}")
        return cls(TensorSpec.from_dict(s) if s.get("type") == "tensor" else ColSpec.from_dict(s) for s in specs)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Schema) and self.to_dict() == other.to_dict()

    def __len__(self) -> int:
        return len(self.inputs)

    def __repr__(self) -> str:
        return repr(self.to_dict())


@dataclass
class ParamSpec:
    """An inference parameter: `{"name": "k", "default": 5, "shape": null, "type": "long"}`."""

    name: str
    type: DataType
    default: Any
    shape: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        self.type = DataType.parse(self.type)
        if self.shape is not None:
            self.shape = tuple(int(d) for d in self.shape)
            if self.shape != (-1,):
                raise InvalidParameter(f"Parameter '{self.name}': shape must be null or [-1], got {list(self.shape)}.")

    def to_dict(self) -> dict:
        default = self.default
        if self.type is DataType.datetime and default is not None:
            default = _isoformat(default)
        return {"name": self.name, "default": default,
                "shape": list(self.shape) if self.shape is not None else None, "type": self.type.value}

    @classmethod
    def from_dict(cls, spec: dict) -> "ParamSpec":
        if "name" not in spec or "type" not in spec:
            raise InvalidParameter(f"A param spec needs 'name' and 'type': {spec}")
        return cls(spec["name"], spec["type"], spec.get("default"), spec.get("shape"))


@dataclass
class ParamSchema:
    params: list[ParamSpec] = field(default_factory=list)

    def __post_init__(self) -> None:
        names = [p.name for p in self.params]
        if len(set(names)) != len(names):
            raise InvalidParameter(f"Duplicate names in a params schema: {names}")

    def to_dict(self) -> list[dict]:
        return [p.to_dict() for p in self.params]

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    @classmethod
    def from_json(cls, text: str | list) -> "ParamSchema":
        specs = json.loads(text) if isinstance(text, str) else text
        if not isinstance(specs, list):
            raise InvalidParameter(f"A params schema must be a JSON list, got: {str(text)[:200]}")
        return cls([ParamSpec.from_dict(s) for s in specs])

    def names(self) -> list[str]:
        return [p.name for p in self.params]


def _isoformat(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def schema_of(specs: Sequence[ColSpec | TensorSpec] | Schema | None) -> Schema | None:
    """Accept a Schema or a plain list of specs where a Schema is expected."""
    if specs is None or isinstance(specs, Schema):
        return specs
    return Schema(specs)
