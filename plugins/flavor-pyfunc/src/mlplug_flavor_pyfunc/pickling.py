"""Reading and writing `python_model.pkl` with cloudpickle.

Models pickled by MLflow refer to MLflow's base classes (`mlflow.pyfunc.model.PythonModel`); where MLflow
is not installed those names resolve to mlplug's equivalents, so MLflow-saved custom models load here.
Other MLflow classes a pickled model may carry (MLflow 3 caches the model's type hints on it as
`mlflow.models.signature._TypeHints`) become plain stand-ins that just hold the pickled state.
"""
from __future__ import annotations

import importlib
import pickle
from typing import Any, BinaryIO

_ALIASES = {
    ("mlflow.pyfunc.model", "PythonModel"): ("mlplug_flavor_pyfunc.model", "PythonModel"),
    ("mlflow.pyfunc.model", "PythonModelContext"): ("mlplug_flavor_pyfunc.model", "PythonModelContext"),
    ("mlflow.pyfunc", "PythonModel"): ("mlplug_flavor_pyfunc.model", "PythonModel"),
    ("mlflow.pyfunc", "PythonModelContext"): ("mlplug_flavor_pyfunc.model", "PythonModelContext"),
}


class MlflowStandIn:
    """An object of an MLflow class that is not installed here: its pickled state, as attributes."""

    def __setstate__(self, state: Any) -> None:
        if isinstance(state, tuple) and len(state) == 2:  # (__dict__, __slots__ values)
            for part in state:
                self.__dict__.update(part or {})
        elif isinstance(state, dict):
            self.__dict__.update(state)
        else:
            self.__dict__["state"] = state


_stand_ins: dict[tuple[str, str], type] = {}


def _stand_in(module: str, name: str) -> type:
    key = (module, name)
    if key not in _stand_ins:
        _stand_ins[key] = type(name, (MlflowStandIn,), {"__module__": module, "__qualname__": name})
    return _stand_ins[key]


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if module != "mlflow" and not module.startswith("mlflow."):
            return super().find_class(module, name)
        try:
            importlib.import_module(module)
        except ImportError:
            alias = _ALIASES.get((module, name))
            if alias is not None:
                return super().find_class(*alias)
            return _stand_in(module, name)
        return super().find_class(module, name)


def load(f: BinaryIO) -> Any:
    return _Unpickler(f).load()


def dump(obj: Any, f: BinaryIO) -> None:
    import cloudpickle

    cloudpickle.dump(obj, f)


def cloudpickle_version() -> str:
    import cloudpickle

    return cloudpickle.__version__
