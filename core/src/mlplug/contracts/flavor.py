"""Flavor: saves and loads one kind of model in the MLmodel format."""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any


class Flavor(ABC):
    """Returned by the `mlplug_flavor` hook for a flavour name (`sklearn`, `python_function`, ...)."""

    name: str = ""

    @abstractmethod
    def save_model(self, model: Any, path: str, **kwargs: Any) -> dict:
        """Write the model's files into `path` and return this flavour's MLmodel section."""

    @abstractmethod
    def load_model(self, path: str, flavor_conf: dict) -> Any:
        """Load the native model object from a model directory."""

    def load_pyfunc(self, path: str, flavor_conf: dict) -> Any:
        """An object with `predict(data, params=None)`; defaults to the native model."""
        return self.load_model(path, flavor_conf)
