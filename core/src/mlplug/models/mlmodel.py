"""The `MLmodel` file: a model directory's YAML description, read and written as MLflow 3.17.2 does.

Known keys become attributes; keys this version does not know are kept in `extra` and written back, so a
read/write round trip never drops what another tool put there. Writing sorts keys and uses block style,
like MLflow; `model_id` and `prompts` are written even when null, as MLflow writes them.
"""
from __future__ import annotations

import datetime as dt
import os
import uuid
from dataclasses import dataclass, field
from typing import Any

from mlplug.errors import InvalidParameter, MlplugError, NotFound
from mlplug.models.signature import ModelSignature

MLMODEL_FILE_NAME = "MLmodel"

#: The MLflow release whose formats mlplug writes; MLflow reads `mlflow_version` to judge compatibility.
MLFLOW_COMPAT_VERSION = "3.17.2"

PYFUNC = "python_function"

_ATTRIBUTES = ("artifact_path", "run_id", "flavors", "model_uuid", "model_id", "mlflow_version",
               "utc_time_created", "saved_input_example_info", "model_size_bytes", "prompts",
               "is_signature_from_type_hint", "type_hint_from_example", "metadata", "resources", "env_vars",
               "auth_policy", "databricks_runtime")
_ALWAYS_WRITTEN = ("model_id", "prompts")


def utc_now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


@dataclass
class Model:
    artifact_path: str | None = None
    run_id: str | None = None
    flavors: dict[str, dict] = field(default_factory=dict)
    signature: ModelSignature | None = None
    saved_input_example_info: dict | None = None
    model_uuid: str | None = field(default_factory=lambda: uuid.uuid4().hex)
    model_id: str | None = None
    mlflow_version: str | None = MLFLOW_COMPAT_VERSION
    utc_time_created: str | None = field(default_factory=utc_now)
    model_size_bytes: int | None = None
    prompts: list | None = None
    is_signature_from_type_hint: bool | None = None
    type_hint_from_example: bool | None = None
    metadata: dict | None = None
    resources: dict | None = None
    env_vars: list | None = None
    auth_policy: dict | None = None
    databricks_runtime: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    # --- flavours -------------------------------------------------------------------------------
    def add_flavor(self, name: str, **conf: Any) -> "Model":
        self.flavors[name] = conf
        return self

    @property
    def pyfunc_conf(self) -> dict | None:
        return self.flavors.get(PYFUNC)

    # --- dict / YAML ------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = dict(self.extra)
        for key in _ATTRIBUTES:
            value = getattr(self, key)
            if value is not None or key in _ALWAYS_WRITTEN:
                out[key] = value
        if self.signature is not None:
            out["signature"] = self.signature.to_dict()
            out.setdefault("is_signature_from_type_hint", False)
            out.setdefault("type_hint_from_example", False)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Model":
        if not isinstance(data, dict):
            raise InvalidParameter(f"An MLmodel file must hold a mapping, got {type(data).__name__}.")
        data = dict(data)
        flavors = data.pop("flavors", None) or {}
        if not isinstance(flavors, dict):
            raise InvalidParameter("The MLmodel 'flavors' entry must be a mapping of flavour name to settings.")
        signature = data.pop("signature", None)
        known = {k: data.pop(k) for k in _ATTRIBUTES if k in data and k != "flavors"}
        # Keys absent from the file stay absent on write: no generated uuid or timestamp sneaks in.
        known.setdefault("model_uuid", None)
        known.setdefault("utc_time_created", None)
        known.setdefault("mlflow_version", None)
        return cls(flavors=flavors, signature=ModelSignature.from_dict(signature) if signature else None,
                   extra=data, **known)

    def to_yaml(self) -> str:
        return _yaml().safe_dump(self.to_dict(), default_flow_style=False, sort_keys=True)

    @classmethod
    def from_yaml(cls, text: str) -> "Model":
        yaml = _yaml()
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as err:
            raise InvalidParameter(f"The MLmodel file is not valid YAML: {str(err).splitlines()[0]}") from None
        return cls.from_dict(data or {})

    def save(self, path: str) -> None:
        """Write to `path` (a file, or a model directory that gets an `MLmodel` file)."""
        if os.path.isdir(path):
            path = os.path.join(path, MLMODEL_FILE_NAME)
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.to_yaml())

    @classmethod
    def load(cls, path: str) -> "Model":
        """Read a model directory's `MLmodel` (or the file itself)."""
        path = os.fspath(path)
        if os.path.isdir(path):
            path = os.path.join(path, MLMODEL_FILE_NAME)
        if not os.path.isfile(path):
            raise NotFound(f"No MLmodel file at '{path}': is this a model directory?")
        with open(path, encoding="utf-8") as f:
            return cls.from_yaml(f.read())


@dataclass
class ModelInfo:
    """What `log_model` returns: where the model went and its MLmodel metadata."""

    artifact_path: str
    flavors: dict[str, dict]
    model_uri: str
    model_uuid: str | None
    run_id: str | None
    saved_input_example_info: dict | None
    signature: ModelSignature | None
    utc_time_created: str | None
    mlflow_version: str | None
    metadata: dict | None = None
    model_id: str | None = None
    registered_model_version: int | None = None

    @property
    def signature_dict(self) -> dict | None:
        return self.signature.to_dict() if self.signature else None

    @classmethod
    def of(cls, model: Model, model_uri: str, registered_model_version: int | None = None) -> "ModelInfo":
        return cls(model.artifact_path or "", model.flavors, model_uri, model.model_uuid, model.run_id,
                   model.saved_input_example_info, model.signature, model.utc_time_created, model.mlflow_version,
                   model.metadata, model.model_id, registered_model_version)


def _yaml():
    try:
        import yaml
    except ImportError:
        raise MlplugError("Reading and writing MLmodel files needs PyYAML: pip install 'mlplug-core[models]'.",
                          "INVALID_PARAMETER_VALUE") from None
    return yaml
