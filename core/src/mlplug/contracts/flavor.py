"""Flavor: saves and loads one kind of model in the MLmodel format.

The kernel does everything flavours share (`mlplug.models.saving.save_model`: the target directory,
`code/`, input examples, signature inference, environment files, `MLmodel`); a flavour only writes its
own files and MLmodel sections, and loads them back. The contract suite that every flavour passes is
`mlplug.testing.contracts.flavor.FlavorContract`.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from mlplug.models.mlmodel import Model


class PyFuncImpl(Protocol):
    """What `Flavor.load_pyfunc` returns. `PyFuncModel.predict` enforces the signature, then calls it.

    A flavour may also offer `predict_matrix(matrix, params=None)`: called instead of `predict` with a
    2-D numpy array of the signature's numeric columns, in signature order, when the signature has only
    named numeric columns — the fast path that skips building a DataFrame (see
    `mlplug.models.enforcement`). It must give the same result as `predict` on the equivalent DataFrame.
    """

    def predict(self, data: Any, params: dict | None = None) -> Any: ...


class Flavor(ABC):
    """Returned by the `mlplug_flavor` hook for a flavour name (`sklearn`, `python_function`, ...)."""

    #: The key of this flavour's section in MLmodel `flavors`, and its entry-point name.
    name: str = ""
    #: The `python_function.loader_module` this flavour writes (MLflow's module, so MLflow loads it too).
    loader_module: str = ""
    #: The flavour's public module (`save_model`, `log_model`, `load_model`), reachable as `mlplug.<name>`.
    api_module: str = ""

    @abstractmethod
    def save_model(self, model: Any, path: str, mlmodel: "Model", **options: Any) -> None:
        """Write the model's files into the (existing, empty) directory `path` and add this flavour's
        sections to `mlmodel` — its own and `python_function` (`mlplug.models.saving.add_pyfunc_flavor`).
        Unknown options are a TypeError, so typos do not pass silently."""

    @abstractmethod
    def pip_packages(self, mlmodel: "Model") -> list[str]:
        """The distributions a saved model needs to load (bare names are pinned to installed versions)."""

    @abstractmethod
    def load_model(self, path: str, mlmodel: "Model") -> Any:
        """Load the native model object from a model directory."""

    def load_pyfunc(self, path: str, mlmodel: "Model") -> PyFuncImpl:
        """An object with `predict(data, params=None)`; defaults to the native model."""
        return self.load_model(path, mlmodel)
