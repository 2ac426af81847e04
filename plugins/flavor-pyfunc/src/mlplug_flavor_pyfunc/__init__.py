"""Custom python_function models: subclass `PythonModel`, then `save_model` / `log_model` / `load_model`.

    import mlplug.pyfunc

    class AddN(mlplug.pyfunc.PythonModel):
        def load_context(self, context):
            self.n = float(open(context.artifacts["n"]).read())

        def predict(self, context, model_input, params=None):
            return model_input["x"] + self.n

    info = mlplug.pyfunc.log_model(name="model", python_model=AddN(), artifacts={"n": "n.txt"})
    mlplug.pyfunc.load_model(info.model_uri).predict({"x": [1.0]})

The directory layout and MLmodel section are MLflow's (`loader_module: mlflow.pyfunc.model`,
`python_model.pkl`), so `mlflow.pyfunc.load_model` reads these models where the model's class can be
unpickled, and mlplug reads custom models MLflow saved.
"""
from __future__ import annotations

import os
from typing import Any, Sequence

from mlplug.models import ModelInfo, ModelSignature
from mlplug.models.log import log_model as _log_model
from mlplug.models.mlmodel import Model
from mlplug.models.saving import save_model as _save_model

from mlplug_flavor_pyfunc.model import PythonModel, PythonModelContext

__all__ = ["PythonModel", "PythonModelContext", "load_model", "log_model", "save_model"]


def save_model(path: str | os.PathLike, python_model: Any = None, artifacts: dict[str, str] | None = None,
               code_paths: Sequence[str] | None = None, signature: ModelSignature | None = None,
               input_example: Any = None, pip_requirements: Sequence[str] | str | None = None,
               extra_pip_requirements: Sequence[str] | str | None = None, metadata: dict | None = None,
               model_config: dict | None = None, loader_module: str | None = None, data_path: str | None = None,
               streamable: bool | None = None, mlmodel: Model | None = None) -> Model:
    """Save a custom model to the new directory `path`.

    :param python_model: a `PythonModel` instance (pickled with cloudpickle).
    :param artifacts: name -> local path or artifact URI, copied into the model; at load time
        `context.artifacts[name]` is the local copy's path.
    :param code_paths: files or directories copied into `code/` and put on sys.path when loading.
    :param signature: the model's signature; inferred from `input_example` when omitted.
    :param input_example: example input (or `(input, params)`), saved with the model.
    :param model_config: a dict the model reads as `context.model_config`.
    :param loader_module: instead of `python_model`: a module with `_load_pyfunc(data_path)`.
    :param data_path: a file or directory copied into the model and passed to `_load_pyfunc`.
    """
    from mlplug_flavor_pyfunc.flavor import PyfuncFlavor

    return _save_model(PyfuncFlavor(), python_model, path, mlmodel=mlmodel, signature=signature,
                       input_example=input_example, pip_requirements=pip_requirements,
                       extra_pip_requirements=extra_pip_requirements, metadata=metadata, code_paths=code_paths,
                       artifacts=artifacts, model_config=model_config, loader_module=loader_module,
                       data_path=data_path, streamable=streamable)


def log_model(name: str | None = None, python_model: Any = None, *, artifact_path: str | None = None,
              registered_model_name: str | None = None, run_id: str | None = None, **save_options: Any) -> ModelInfo:
    """Log a custom model to the active run (or a new one) under `name`; see `save_model` for the options.

    `artifact_path` is accepted as the older name of `name`. Returns a ModelInfo whose `model_uri` is
    `runs:/<run_id>/<name>`; with `registered_model_name`, a new registry version is created too.
    """
    def save(path: str, mlmodel: Model) -> Model:
        return save_model(path, python_model=python_model, mlmodel=mlmodel, **save_options)

    return _log_model(save, name or artifact_path or "model", run_id=run_id,
                      registered_model_name=registered_model_name)


def load_model(model_uri: str | os.PathLike, dst_path: str | None = None):
    """The model as a `mlplug.pyfunc.PyFuncModel` (the same as `mlplug.pyfunc.load_model`)."""
    from mlplug.pyfunc import load_model as load

    return load(model_uri, dst_path)
