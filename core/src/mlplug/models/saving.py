"""Saving a model directory: the steps every flavour shares, in the order MLflow takes them.

1. the target must not exist, or be an empty directory;
2. `code_paths` are copied into `code/`;
3. the flavour writes its files and MLmodel sections;
4. the input example is saved, and with no explicit signature one is inferred by predicting on it;
5. `model_size_bytes` is measured (model files and examples, before the environment files and MLmodel,
   as MLflow counts it);
6. `requirements.txt`, `python_env.yaml`, `conda.yaml`, then `MLmodel` are written.

A failure at any step removes what was written, so a half-saved model is never left behind.
"""
from __future__ import annotations

import logging
import os
import shutil
from typing import TYPE_CHECKING, Any, Sequence

from mlplug.errors import InvalidParameter
from mlplug.models import environment
from mlplug.models.input_example import Example
from mlplug.models.mlmodel import PYFUNC, Model
from mlplug.models.datatypes import DataType
from mlplug.models.inference import type_of_dtype
from mlplug.models.schema import ColSpec, Schema
from mlplug.models.signature import ModelSignature, infer_signature

if TYPE_CHECKING:
    from mlplug.contracts.flavor import Flavor

_log = logging.getLogger(__name__)
CODE_DIR = "code"


def save_model(flavor: "Flavor", model: Any, path: str | os.PathLike, *, mlmodel: Model | None = None,
               signature: ModelSignature | None = None, input_example: Any = None,
               pip_requirements: Sequence[str] | str | None = None,
               extra_pip_requirements: Sequence[str] | str | None = None, metadata: dict | None = None,
               code_paths: Sequence[str] | None = None, **flavor_options: Any) -> Model:
    """Save `model` with `flavor` into the new directory `path`; returns the written `Model`."""
    path = os.path.abspath(os.fspath(path))
    if signature is not None and not isinstance(signature, ModelSignature):
        raise InvalidParameter(f"signature must be a ModelSignature (see mlplug.models.infer_signature), got "
                               f"{type(signature).__name__}.")
    created = _prepare_directory(path)
    try:
        mlmodel = mlmodel if mlmodel is not None else Model()
        mlmodel.metadata = metadata if metadata is not None else mlmodel.metadata
        code = _copy_code_paths(code_paths, path)
        flavor.save_model(model, path, mlmodel, code=code, **flavor_options)
        if PYFUNC in mlmodel.flavors and code:
            mlmodel.flavors[PYFUNC]["code"] = code
        if input_example is not None:
            example = Example(input_example)
            mlmodel.saved_input_example_info = example.save(path)
            if signature is None:
                signature = _signature_from_example(flavor, path, mlmodel, example)
        mlmodel.signature = signature
        mlmodel.model_size_bytes = directory_size(path)
        environment.write_environment(path, environment.model_requirements(
            flavor.pip_packages(mlmodel), pip_requirements, extra_pip_requirements))
        mlmodel.save(path)
    except BaseException:
        if created:
            shutil.rmtree(path, ignore_errors=True)
        else:
            _empty(path)
        raise
    return mlmodel


def add_pyfunc_flavor(mlmodel: Model, loader_module: str, **conf: Any) -> dict:
    """Add the `python_function` section with the keys every flavour writes (env files, Python version)."""
    section = {"loader_module": loader_module, **{k: v for k, v in conf.items() if v is not None},
               "env": dict(environment.ENV_CONF), "python_version": environment.python_version()}
    mlmodel.add_flavor(PYFUNC, **section)
    return section


def directory_size(path: str) -> int:
    total = 0
    for root, _dirs, files in os.walk(path):
        total += sum(os.path.getsize(os.path.join(root, f)) for f in files)
    return total


def _prepare_directory(path: str) -> bool:
    """Make sure `path` is a fresh directory; True when this call created it."""
    if os.path.exists(path):
        if not os.path.isdir(path) or os.listdir(path):
            raise InvalidParameter(f"Path '{path}' already exists and is not empty; choose a new path for the model.")
        return False
    os.makedirs(path)
    return True


def _empty(path: str) -> None:
    for entry in os.listdir(path):
        full = os.path.join(path, entry)
        if os.path.isdir(full) and not os.path.islink(full):
            shutil.rmtree(full, ignore_errors=True)
        else:
            os.remove(full)


def _copy_code_paths(code_paths: Sequence[str] | None, path: str) -> str | None:
    if not code_paths:
        return None
    if isinstance(code_paths, (str, os.PathLike)):
        raise InvalidParameter("code_paths must be a list of paths, not a single string.")
    target = os.path.join(path, CODE_DIR)
    os.makedirs(target, exist_ok=True)
    for source in map(os.fspath, code_paths):
        if not os.path.exists(source):
            raise InvalidParameter(f"Code path '{source}' does not exist.")
        dest = os.path.join(target, os.path.basename(os.path.normpath(source)))
        if os.path.isdir(source):
            shutil.copytree(source, dest, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"), dirs_exist_ok=True)
        else:
            shutil.copy2(source, dest)
    return CODE_DIR


def _is_1d_array(value: Any) -> bool:
    import numpy as np

    return isinstance(value, np.ndarray) and value.ndim == 1


def _signature_from_example(flavor: "Flavor", path: str, mlmodel: Model, example: Example) -> ModelSignature | None:
    """Inputs (and params) from the example, outputs from predicting on it; None if prediction fails.

    As in MLflow, a one-dimensional array predicted from column input is described as a column (for
    example `[{"type": "long", "required": true}]`), not as a tensor.
    """
    try:
        impl = flavor.load_pyfunc(path, mlmodel)
        output = impl.predict(example.data, params=example.params)
        signature = infer_signature(example.data, output, example.params)
        if not signature.inputs.is_tensor_spec() and _is_1d_array(output):
            signature.outputs = Schema([ColSpec(type_of_dtype(output.dtype, "the model output") or DataType.string)])
        return signature
    except Exception as err:  # a model that cannot score its own example still saves, without a signature
        _log.warning("Could not infer the model signature from the input example (%s: %s); saving without one.",
                     type(err).__name__, err)
        return None
