"""The MLmodel format and what every flavour shares: signatures, input examples, environment files,
saving, logging and loading. Nothing here imports numpy, pandas or PyYAML until it is used.

- `Model` / `ModelInfo` (`mlmodel`): the MLmodel file, and what `log_model` returns;
- `ModelSignature`, `Schema`, `ColSpec`, `TensorSpec`, `ParamSchema`, `ParamSpec`, `DataType`,
  `infer_signature`: signatures as MLflow writes them;
- `enforcement`: input and params checks at predict time; `saving` / `log`: the shared save and log
  steps flavours call; `loading`: `load_model` and `PyFuncModel` (public as `mlplug.pyfunc`).
"""
from __future__ import annotations

from mlplug.models.datatypes import DataType
from mlplug.models.mlmodel import MLFLOW_COMPAT_VERSION, Model, ModelInfo
from mlplug.models.schema import ColSpec, ParamSchema, ParamSpec, Schema, TensorSpec
from mlplug.models.signature import ModelSignature, infer_signature

__all__ = ["ColSpec", "DataType", "MLFLOW_COMPAT_VERSION", "Model", "ModelInfo", "ModelSignature", "ParamSchema",
           "ParamSpec", "Schema", "TensorSpec", "infer_signature"]
