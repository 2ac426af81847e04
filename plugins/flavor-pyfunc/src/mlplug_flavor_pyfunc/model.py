"""The base classes of a custom python_function model, with MLflow's method names and arguments."""
from __future__ import annotations

from typing import Any


class PythonModelContext:
    """What `load_context` receives: local paths of the model's artifacts, and its `model_config`."""

    def __init__(self, artifacts: dict[str, str] | None = None, model_config: dict | None = None):
        self._artifacts = dict(artifacts or {})
        self._model_config = dict(model_config or {})

    @property
    def artifacts(self) -> dict[str, str]:
        """Artifact name -> absolute local path inside the loaded model directory."""
        return self._artifacts

    @property
    def model_config(self) -> dict:
        return self._model_config

    def __repr__(self) -> str:
        return f"PythonModelContext(artifacts={self._artifacts!r}, model_config={self._model_config!r})"


class PythonModel:
    """Subclass and implement `predict`; override `load_context` to read artifacts once at load time.

    `predict` may be declared `predict(self, context, model_input, params=None)` (MLflow's classic form)
    or `predict(self, model_input, params=None)`; the loader looks at the signature to call it right.
    """

    def load_context(self, context: PythonModelContext) -> None:
        """Called once after loading, before any prediction."""

    def predict(self, context: PythonModelContext, model_input: Any, params: dict | None = None) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement predict(self, context, model_input, "
                                  "params=None).")
