"""scikit-learn models in MLflow's format: `save_model`, `log_model`, `load_model` (also `mlplug.sklearn`).

    import mlplug

    info = mlplug.sklearn.log_model(estimator, name="model", input_example=X.head(3))
    mlplug.pyfunc.load_model(info.model_uri).predict(X)      # signature-checked python_function
    mlplug.sklearn.load_model(info.model_uri)                 # the estimator itself

The default serialization is skops (`model.skops`), as in MLflow 3; `serialization_format="cloudpickle"`
or `"pickle"` write `model.pkl`. Models saved here load in MLflow (`mlflow.pyfunc.load_model`,
`mlflow.sklearn.load_model`) and MLflow's sklearn models load here.
"""
from __future__ import annotations

import os
from typing import Any, Sequence

from mlplug.models import Model, ModelInfo, ModelSignature
from mlplug.models.log import log_model as _log_model
from mlplug.models.saving import save_model as _save_model

from mlplug_flavor_sklearn.serialization import CLOUDPICKLE, PICKLE, SKOPS

SERIALIZATION_FORMAT_SKOPS = SKOPS
SERIALIZATION_FORMAT_CLOUDPICKLE = CLOUDPICKLE
SERIALIZATION_FORMAT_PICKLE = PICKLE
SUPPORTED_SERIALIZATION_FORMATS = [SKOPS, CLOUDPICKLE, PICKLE]

__all__ = ["SERIALIZATION_FORMAT_CLOUDPICKLE", "SERIALIZATION_FORMAT_PICKLE", "SERIALIZATION_FORMAT_SKOPS",
           "SUPPORTED_SERIALIZATION_FORMATS", "load_model", "log_model", "save_model"]


def save_model(sk_model: Any, path: str | os.PathLike, *, serialization_format: str = SKOPS,
               signature: ModelSignature | None = None, input_example: Any = None,
               pip_requirements: Sequence[str] | str | None = None,
               extra_pip_requirements: Sequence[str] | str | None = None, pyfunc_predict_fn: str = "predict",
               metadata: dict | None = None, code_paths: Sequence[str] | None = None,
               skops_trusted_types: list[str] | None = None, mlmodel: Model | None = None) -> Model:
    """Save an estimator to the new directory `path`; returns the written MLmodel.

    :param serialization_format: `skops` (default), `cloudpickle` or `pickle`.
    :param signature: inferred from `input_example` (by predicting on it) when omitted.
    :param input_example: example input (or `(input, params)`), saved as input_example.json and
        serving_input_example.json.
    :param pyfunc_predict_fn: the estimator method python_function's predict calls (`predict_proba` ...).
    :param skops_trusted_types: extra type names to trust in the skops file (beyond skops' defaults).
    """
    from mlplug_flavor_sklearn.flavor import SklearnFlavor

    return _save_model(SklearnFlavor(), sk_model, path, mlmodel=mlmodel, signature=signature,
                       input_example=input_example, pip_requirements=pip_requirements,
                       extra_pip_requirements=extra_pip_requirements, metadata=metadata, code_paths=code_paths,
                       serialization_format=serialization_format, pyfunc_predict_fn=pyfunc_predict_fn,
                       skops_trusted_types=skops_trusted_types)


def log_model(sk_model: Any, name: str | None = None, *, artifact_path: str | None = None,
              registered_model_name: str | None = None, run_id: str | None = None, **save_options: Any) -> ModelInfo:
    """Log an estimator to the active run (or a new one) under `name` (default `model`).

    Takes `save_model`'s options; `artifact_path` is accepted as the older name of `name`. Returns a
    ModelInfo whose `model_uri` is `runs:/<run_id>/<name>`; with `registered_model_name`, the model is
    also registered as a new version.
    """
    def save(path: str, mlmodel: Model) -> Model:
        return save_model(sk_model, path, mlmodel=mlmodel, **save_options)

    return _log_model(save, name or artifact_path or "model", run_id=run_id,
                      registered_model_name=registered_model_name)


def load_model(model_uri: str | os.PathLike, dst_path: str | None = None) -> Any:
    """The estimator saved at `model_uri` (a local path or any model URI)."""
    from mlplug.models.loading import local_model_directory

    from mlplug_flavor_sklearn.flavor import SklearnFlavor

    path = local_model_directory(os.fspath(model_uri), dst_path)
    return SklearnFlavor().load_model(path, Model.load(path))
