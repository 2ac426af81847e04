"""ModelSignature: a model's input, output and params schemas, stored in MLmodel as JSON strings."""
from __future__ import annotations

from typing import Any

from mlplug.errors import InvalidParameter
from mlplug.models.schema import ParamSchema, Schema, schema_of


class ModelSignature:
    def __init__(self, inputs: Schema | list | None = None, outputs: Schema | list | None = None,
                 params: ParamSchema | None = None):
        self.inputs = schema_of(inputs)
        self.outputs = schema_of(outputs)
        if params is not None and not isinstance(params, ParamSchema):
            raise InvalidParameter(f"params must be a ParamSchema, got {type(params).__name__}.")
        self.params = params

    def to_dict(self) -> dict[str, str | None]:
        """The MLmodel `signature` section: each schema as a JSON string (or null)."""
        return {
            "inputs": self.inputs.to_json() if self.inputs is not None else None,
            "outputs": self.outputs.to_json() if self.outputs is not None else None,
            "params": self.params.to_json() if self.params else None,
        }

    @classmethod
    def from_dict(cls, section: dict[str, Any]) -> "ModelSignature":
        if not isinstance(section, dict):
            raise InvalidParameter(f"The MLmodel 'signature' must be a mapping, got: {section!r}")
        inputs, outputs, params = (section.get(k) for k in ("inputs", "outputs", "params"))
        return cls(Schema.from_json(inputs) if inputs else None, Schema.from_json(outputs) if outputs else None,
                   ParamSchema.from_json(params) if params else None)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ModelSignature) and self.to_dict() == other.to_dict()

    def __repr__(self) -> str:
        return f"ModelSignature(inputs={self.inputs!r}, outputs={self.outputs!r}, params={self.params!r})"


def infer_signature(model_input: Any = None, model_output: Any = None,
                    params: dict[str, Any] | None = None) -> ModelSignature:
    """A signature from example data: pandas DataFrames/Series, numpy arrays, dicts, lists or scalars."""
    from mlplug.models import inference

    return ModelSignature(
        inference.infer_schema(model_input) if model_input is not None else None,
        inference.infer_schema(model_output) if model_output is not None else None,
        inference.infer_param_schema(params) if params else None,
    )
