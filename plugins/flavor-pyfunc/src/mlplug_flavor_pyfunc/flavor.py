"""The python_function flavour: custom `PythonModel` models, and models with their own loader module.

Layout, as MLflow 3.17.2 writes it: `python_model.pkl` (cloudpickle), `artifacts/<file or dir>`, `code/`,
and an MLmodel `python_function` section with `loader_module: mlflow.pyfunc.model`, `python_model`,
`cloudpickle_version`, `artifacts: {name: {path, uri}}`, `config` (the model_config) and `streamable`.
A model saved with `loader_module=` instead names a user module whose `_load_pyfunc(data_path)` loads it.
"""
from __future__ import annotations

import importlib
import inspect
import logging
import os
import shutil
from typing import Any

from mlplug.contracts.flavor import Flavor
from mlplug.errors import InvalidParameter
from mlplug.models.mlmodel import PYFUNC, Model
from mlplug.models.saving import add_pyfunc_flavor
from mlplug.uri import is_local, local_path

from mlplug_flavor_pyfunc import pickling
from mlplug_flavor_pyfunc.model import PythonModel, PythonModelContext

_log = logging.getLogger(__name__)

LOADER_MODULE = "mlflow.pyfunc.model"
PYTHON_MODEL_FILE = "python_model.pkl"
ARTIFACTS_DIR = "artifacts"


class PyfuncFlavor(Flavor):
    name = PYFUNC
    loader_module = LOADER_MODULE
    api_module = "mlplug_flavor_pyfunc"

    def save_model(self, model: Any, path: str, mlmodel: Model, *, code: str | None = None,
                   artifacts: dict[str, str] | None = None, model_config: dict | None = None,
                   loader_module: str | None = None, data_path: str | None = None,
                   streamable: bool | None = None) -> None:
        if loader_module is not None:
            if model is not None or artifacts:
                raise InvalidParameter("Give either python_model (with artifacts), or loader_module (with "
                                       "data_path), not both.")
            data = _copy_into(data_path, path) if data_path else None
            add_pyfunc_flavor(mlmodel, loader_module, data=data, code=code)
            return
        if not isinstance(model, PythonModel) and not callable(getattr(model, "predict", None)):
            raise InvalidParameter("python_model must be a PythonModel instance (or an object with a predict "
                                   f"method), got {type(model).__name__}; or pass loader_module=.")
        if model_config is not None and not isinstance(model_config, dict):
            raise InvalidParameter(f"model_config must be a dict, got {type(model_config).__name__}.")
        saved_artifacts = _save_artifacts(artifacts or {}, path)
        with open(os.path.join(path, PYTHON_MODEL_FILE), "wb") as f:
            pickling.dump(model, f)
        add_pyfunc_flavor(mlmodel, LOADER_MODULE, python_model=PYTHON_MODEL_FILE,
                          cloudpickle_version=pickling.cloudpickle_version(), artifacts=saved_artifacts or None,
                          config=model_config, code=code, streamable=bool(streamable))

    def pip_packages(self, mlmodel: Model) -> list[str]:
        conf = mlmodel.flavors.get(PYFUNC, {})
        return ["cloudpickle", "numpy", "pandas"] if "python_model" in conf else ["numpy", "pandas"]

    def load_model(self, path: str, mlmodel: Model) -> Any:
        """The user's model object: the PythonModel (after `load_context`), or what `_load_pyfunc` returned."""
        impl = self.load_pyfunc(path, mlmodel)
        return impl.python_model if isinstance(impl, PythonModelWrapper) else impl.model

    def load_pyfunc(self, path: str, mlmodel: Model) -> Any:
        conf = mlmodel.flavors[PYFUNC]
        loader = conf.get("loader_module", LOADER_MODULE)
        if loader not in (LOADER_MODULE, "mlflow.pyfunc"):  # a user's own loader module
            return LoaderModuleWrapper(_load_with_module(loader, path, conf))
        pickled = conf.get("python_model")
        if not pickled:
            raise InvalidParameter(f"The python_function model at '{path}' names no python_model file; models saved "
                                   "from code are not supported yet.")
        with open(os.path.join(path, pickled), "rb") as f:
            python_model = pickling.load(f)
        artifacts = {name: os.path.join(path, entry["path"]) for name, entry in (conf.get("artifacts") or {}).items()}
        context = PythonModelContext(artifacts, conf.get("config"))
        load_context = getattr(python_model, "load_context", None)
        if callable(load_context):
            load_context(context)
        return PythonModelWrapper(python_model, context)


class PythonModelWrapper:
    """Calls the user's predict the way it was declared: with or without `context`, `params`."""

    def __init__(self, python_model: Any, context: PythonModelContext):
        self.python_model = python_model
        self.context = context
        parameters = _parameters(python_model.predict)
        self._with_context = "context" in parameters or len([p for p in parameters.values()
                                                             if p.default is inspect.Parameter.empty]) >= 2
        self._with_params = "params" in parameters or any(p.kind is p.VAR_KEYWORD for p in parameters.values())

    def predict(self, data: Any, params: dict | None = None) -> Any:
        args = (self.context, data) if self._with_context else (data,)
        if self._with_params:
            return self.python_model.predict(*args, params=params)
        if params:
            _log.warning("The model's predict takes no params; ignoring %s.", sorted(params))
        return self.python_model.predict(*args)


class LoaderModuleWrapper:
    """A model loaded by a user's `_load_pyfunc`: its `predict` may or may not take params."""

    def __init__(self, model: Any):
        self.model = model
        parameters = _parameters(model.predict)
        self._with_params = "params" in parameters or any(p.kind is p.VAR_KEYWORD for p in parameters.values())

    def predict(self, data: Any, params: dict | None = None) -> Any:
        if self._with_params:
            return self.model.predict(data, params=params)
        return self.model.predict(data)


def _parameters(fn: Any) -> dict[str, inspect.Parameter]:
    try:
        return dict(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return {}


def _load_with_module(loader_module: str, path: str, conf: dict) -> Any:
    try:
        module = importlib.import_module(loader_module)
    except ImportError as err:
        raise InvalidParameter(f"Cannot import the model's loader module '{loader_module}': {err}. Bundle it with "
                               "code_paths= when saving, or install it.") from None
    loader = getattr(module, "_load_pyfunc", None)
    if loader is None:
        raise InvalidParameter(f"The loader module '{loader_module}' has no _load_pyfunc(path) function.")
    return loader(os.path.join(path, conf["data"]) if conf.get("data") else path)


def _save_artifacts(artifacts: dict[str, str], path: str) -> dict[str, dict]:
    """Copy (or download) each artifact into `artifacts/`; returns the MLmodel `artifacts` section."""
    if not isinstance(artifacts, dict):
        raise InvalidParameter("artifacts must be a dict of name -> local path or artifact URI.")
    if not artifacts:
        return {}
    target = os.path.join(path, ARTIFACTS_DIR)
    os.makedirs(target, exist_ok=True)
    saved = {}
    for name, uri in artifacts.items():
        uri = os.fspath(uri)
        if is_local(uri):
            source = local_path(uri)
            if not os.path.exists(source):
                raise InvalidParameter(f"Artifact '{name}': '{uri}' does not exist.")
            relative = _copy_into(source, target)
        else:
            from mlplug.tracking import artifacts as tracking_artifacts

            downloaded = tracking_artifacts.download_artifacts(artifact_uri=uri, dst_path=target)
            relative = os.path.relpath(downloaded, target)
        saved[name] = {"path": f"{ARTIFACTS_DIR}/{relative}", "uri": uri}
    return saved


def _copy_into(source: str, target_dir: str) -> str:
    """Copy a file or directory into `target_dir` under its own name; returns that name."""
    source = os.path.abspath(os.fspath(source))
    if not os.path.exists(source):
        raise InvalidParameter(f"'{source}' does not exist.")
    name = os.path.basename(os.path.normpath(source))
    dest = os.path.join(target_dir, name)
    if os.path.isdir(source):
        shutil.copytree(source, dest, dirs_exist_ok=True)
    else:
        shutil.copy2(source, dest)
    return name
