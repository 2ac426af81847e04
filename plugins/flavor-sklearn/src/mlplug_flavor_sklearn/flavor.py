"""The sklearn flavour: the MLmodel sections and files MLflow 3.17.2's `mlflow.sklearn` writes.

    python_function: {loader_module: mlflow.sklearn, model_path: model.skops, predict_fn: predict, env, python_version}
    sklearn: {pickled_model: model.skops, serialization_format: skops, sklearn_version, code, skops_trusted_types}
"""
from __future__ import annotations

import logging
import os
from typing import Any

from mlplug.contracts.flavor import Flavor
from mlplug.errors import InvalidParameter
from mlplug.models.mlmodel import PYFUNC, Model
from mlplug.models.saving import add_pyfunc_flavor

from mlplug_flavor_sklearn import serialization

_log = logging.getLogger(__name__)

FLAVOR_NAME = "sklearn"
LOADER_MODULE = "mlflow.sklearn"


class SklearnFlavor(Flavor):
    name = FLAVOR_NAME
    loader_module = LOADER_MODULE
    api_module = "mlplug_flavor_sklearn"

    def save_model(self, model: Any, path: str, mlmodel: Model, *, code: str | None = None,
                   serialization_format: str = serialization.SKOPS, pyfunc_predict_fn: str = "predict",
                   skops_trusted_types: list[str] | None = None) -> None:
        import sklearn

        serialization.check_format(serialization_format)
        if not callable(getattr(model, pyfunc_predict_fn, None)):
            raise InvalidParameter(f"The model ({type(model).__name__}) has no method {pyfunc_predict_fn!r} to use as "
                                   "pyfunc_predict_fn.")
        file_name = serialization.FILE_NAMES[serialization_format]
        serialization.dump(model, os.path.join(path, file_name), serialization_format, skops_trusted_types)
        add_pyfunc_flavor(mlmodel, LOADER_MODULE, model_path=file_name, predict_fn=pyfunc_predict_fn)
        mlmodel.add_flavor(FLAVOR_NAME, pickled_model=file_name, sklearn_version=sklearn.__version__,
                           serialization_format=serialization_format, code=code,
                           skops_trusted_types=list(skops_trusted_types) if skops_trusted_types else None)

    def pip_packages(self, mlmodel: Model) -> list[str]:
        fmt = mlmodel.flavors.get(FLAVOR_NAME, {}).get("serialization_format", serialization.SKOPS)
        return ["scikit-learn", "numpy", "pandas", "scipy", *serialization.PACKAGES.get(fmt, [])]

    def load_model(self, path: str, mlmodel: Model) -> Any:
        conf = mlmodel.flavors.get(FLAVOR_NAME)
        if conf is None:
            raise InvalidParameter(f"The model at '{path}' has no '{FLAVOR_NAME}' flavor "
                                   f"(it has: {', '.join(mlmodel.flavors) or 'none'}).")
        _warn_on_version_change(conf.get("sklearn_version"))
        file = os.path.join(path, conf.get("pickled_model") or mlmodel.flavors.get(PYFUNC, {}).get("model_path", ""))
        if not os.path.isfile(file):
            raise InvalidParameter(f"The sklearn model file '{file}' is missing.")
        return serialization.load(file, conf.get("serialization_format", serialization.CLOUDPICKLE),
                                  conf.get("skops_trusted_types"))

    def load_pyfunc(self, path: str, mlmodel: Model) -> Any:
        from mlplug_flavor_sklearn.pyfunc import SklearnPyfunc

        predict_fn = mlmodel.flavors.get(PYFUNC, {}).get("predict_fn") or "predict"
        signature = mlmodel.signature
        columns = signature.inputs.input_names() if signature and signature.inputs is not None else None
        return SklearnPyfunc(self.load_model(path, mlmodel), predict_fn, columns)


def _warn_on_version_change(saved: str | None) -> None:
    import sklearn

    if saved and saved != sklearn.__version__:
        _log.warning("This model was saved with scikit-learn %s and is loaded with %s; predictions may differ.",
                     saved, sklearn.__version__)
