"""The python_function interface: load any model and predict with it, whatever its flavour.

Stable interface (the scoring server and `mlplug models ...` commands build on it)::

    from mlplug.pyfunc import load_model

    model = load_model(uri_or_path)         # local dir, file://, runs:/<run>/<path>, models:/..., s3://, ...
    model.predict(data, params=None)        # data: DataFrame | dict of columns | list of records |
                                            #       numpy array | dict of arrays | list
    model.metadata                          # mlplug.models.Model: the parsed MLmodel
    model.metadata.signature                # ModelSignature or None
    model.metadata.signature.inputs.input_names()      # ['age', 'sex', ...]
    model.metadata.signature.inputs.input_types()      # [DataType.double, ...] (tensor specs: dtype names)
    model.metadata.signature.params                    # ParamSchema or None
    model.metadata.flavors                  # {'python_function': {...}, 'sklearn': {...}}
    model.metadata.saved_input_example_info # {'serving_input_path': 'serving_input_example.json', ...}
    model.model_path                        # the local model directory
    get_model_dependencies(uri_or_path)     # local path of its requirements.txt

Environment files sit in `model.model_path`: `requirements.txt`, `python_env.yaml`, `conda.yaml` (their
names are in `model.metadata.flavors['python_function']['env']`; see `mlplug.models.environment`).

`predict` raises `mlplug.models.enforcement.SchemaEnforcementError` (an `InvalidParameter`: error code
INVALID_PARAMETER_VALUE, HTTP 400, `error_class` SCHEMA_ENFORCEMENT_FAILED) when the input does not fit the
signature — e.g. `... Error: Model is missing inputs ['b'].` — and `InvalidParameter` for bad params.
Errors raised by the model itself pass through unchanged. A model whose flavour plugin is not installed
raises `PluginError` naming the distribution (`pip install mlplug-flavor-xgboost`).

Speed: a signature of named numeric columns is compiled at load time; a dict of column -> list (or
scalar), a list of records or a DataFrame is then stacked straight into the array the flavour consumes,
without building a DataFrame (`model.uses_fast_path`). Pass dicts of columns for the cheapest call.

Custom models: `save_model(path, python_model=..., artifacts=..., code_paths=...)`, `log_model(name=...,
python_model=...)` and the `PythonModel` / `PythonModelContext` base classes come from the
`python_function` flavour plugin (mlplug-flavor-pyfunc), imported on first use.
"""
from __future__ import annotations

import os
from typing import Any

from mlplug.models.loading import PyFuncModel, load_model, local_model_directory
from mlplug.models.mlmodel import ModelInfo

__all__ = ["PyFuncModel", "PythonModel", "PythonModelContext", "get_model_dependencies", "load_model",
           "log_model", "save_model"]

_FROM_PLUGIN = ("PythonModel", "PythonModelContext")


def save_model(path: str | os.PathLike, **kwargs: Any):
    """Save a custom python_function model (see `mlplug_flavor_pyfunc.save_model` for the arguments)."""
    return _plugin().save_model(path, **kwargs)


def log_model(name: str | None = None, **kwargs: Any) -> ModelInfo:
    """Log a custom python_function model to the active run (see `mlplug_flavor_pyfunc.log_model`)."""
    return _plugin().log_model(name, **kwargs)


def get_model_dependencies(model_uri: str | os.PathLike) -> str:
    """The local path of a model's `requirements.txt` (the model is downloaded first if remote)."""
    from mlplug.errors import NotFound
    from mlplug.models.environment import REQUIREMENTS_FILE

    path = os.path.join(local_model_directory(os.fspath(model_uri)), REQUIREMENTS_FILE)
    if not os.path.isfile(path):
        raise NotFound(f"The model at '{model_uri}' has no {REQUIREMENTS_FILE}.")
    return path


def _plugin():
    from mlplug.models.flavors import PYFUNC, flavor_module

    return flavor_module(PYFUNC)


def __getattr__(name: str) -> Any:
    if name in _FROM_PLUGIN:
        return getattr(_plugin(), name)
    raise AttributeError(f"module 'mlplug.pyfunc' has no attribute {name!r}")
