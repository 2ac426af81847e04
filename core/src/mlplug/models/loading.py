"""Loading a model as a python_function: find its files, pick the flavour plugin, compile the signature.

Everything that can be decided once is decided in `load_model`: the flavour, the input and params
enforcers, and whether the numeric fast path applies. `PyFuncModel.predict` then only checks and calls.
"""
from __future__ import annotations

import os
import sys
from typing import Any

from mlplug.errors import InvalidParameter, NotFound
from mlplug.models.enforcement import InputEnforcer, ParamsEnforcer
from mlplug.models.flavors import flavor_name_for_loader, get_flavor
from mlplug.models.mlmodel import MLMODEL_FILE_NAME, PYFUNC, Model
from mlplug.uri import is_local, local_path, redact


class PyFuncModel:
    """A loaded model behind one interface: `predict(data, params=None)`, whatever its flavour."""

    def __init__(self, metadata: Model, model_path: str, impl: Any, flavor_name: str):
        self.metadata = metadata
        self.model_path = model_path
        self.flavor_name = flavor_name
        self._impl = impl
        signature = metadata.signature
        self._enforce_inputs = InputEnforcer(signature.inputs if signature else None)
        self._enforce_params = ParamsEnforcer(signature.params if signature else None)
        self._predict_matrix = (getattr(impl, "predict_matrix", None)
                                if self._enforce_inputs.matrix_columns else None)

    def predict(self, data: Any, params: dict | None = None) -> Any:
        """Check `data` and `params` against the signature, then predict.

        :param data: a pandas DataFrame, a dict of column -> values (or scalars: one row), a list of
            records, a numpy array (or dict of arrays for tensor signatures), or a list.
        :param params: inference params; checked against the signature's params schema, defaults filled in.
        :raises SchemaEnforcementError: (INVALID_PARAMETER_VALUE) the input does not fit the signature.
        """
        params = self._enforce_params(params)
        if self._predict_matrix is not None:
            matrix = self._enforce_inputs.matrix(data)
            if matrix is not None:
                return self._predict_matrix(matrix, params=params)
        return self._impl.predict(self._enforce_inputs(data), params=params)

    @property
    def loader_module(self) -> str:
        return self.metadata.flavors[PYFUNC].get("loader_module", "")

    @property
    def input_schema(self):
        return self.metadata.signature.inputs if self.metadata.signature else None

    @property
    def uses_fast_path(self) -> bool:
        """True when 1-row numeric inputs skip the DataFrame (see `mlplug.models.enforcement`)."""
        return self._predict_matrix is not None

    def get_raw_model(self) -> Any:
        """The flavour's loaded object (for sklearn: a wrapper whose `.model` is the estimator)."""
        return self._impl

    def unwrap_python_model(self) -> Any:
        """The user's `PythonModel` instance, for custom python_function models."""
        python_model = getattr(self._impl, "python_model", None)
        if python_model is None:
            raise InvalidParameter(f"This model is a '{self.flavor_name}' model, not a custom PythonModel.")
        return python_model

    def __repr__(self) -> str:
        where = self.metadata.artifact_path or self.model_path
        return f"mlplug.pyfunc.loaded_model:\n  artifact_path: {where}\n  flavor: {self.loader_module}\n"


def load_model(model_uri: str | os.PathLike, dst_path: str | None = None,
               tracking_uri: str | None = None) -> PyFuncModel:
    """Load a model directory (or any model URI) through the flavour named by its loader_module."""
    path = local_model_directory(os.fspath(model_uri), dst_path, tracking_uri)
    mlmodel = Model.load(path)
    conf = mlmodel.flavors.get(PYFUNC)
    if conf is None:
        found = ", ".join(mlmodel.flavors) or "none"
        raise InvalidParameter(f'Model does not have the "{PYFUNC}" flavor (it has: {found}), so it cannot be '
                               "loaded as a python_function; load it with its own flavour's load_model.")
    loader_module = conf.get("loader_module")
    if not loader_module:
        raise InvalidParameter(f"The MLmodel at '{path}' has no python_function.loader_module.")
    name = flavor_name_for_loader(loader_module)
    flavor = get_flavor(name, loader_module)
    add_code_to_path(path, conf.get("code"))
    return PyFuncModel(mlmodel, path, flavor.load_pyfunc(path, mlmodel), name)


def local_model_directory(model_uri: str, dst_path: str | None = None, tracking_uri: str | None = None) -> str:
    """A local directory holding the model: the path itself when local, else a download of the URI."""
    if is_local(model_uri):
        path = local_path(model_uri)
    else:
        from mlplug.tracking import artifacts

        path = artifacts.download_artifacts(artifact_uri=model_uri, dst_path=dst_path, tracking_uri=tracking_uri)
    if not os.path.isfile(os.path.join(path, MLMODEL_FILE_NAME)):
        what = "does not exist" if not os.path.exists(path) else f"has no {MLMODEL_FILE_NAME} file"
        raise NotFound(f"Cannot load a model from '{redact(model_uri)}': '{path}' {what}.")
    return path


def add_code_to_path(path: str, code: str | None) -> None:
    """Put a model's bundled code directory on sys.path, as MLflow does when loading."""
    if not code:
        return
    code_dir = os.path.join(path, code)
    if os.path.isdir(code_dir) and code_dir not in sys.path:
        sys.path.insert(0, code_dir)
