"""The `local` environment manager: whatever interpreter runs mlplug now.

Nothing is built, so the model's `python_env.yaml` and `requirements.txt` are not consulted: the user
chose this environment because it already has what the model needs (MLflow's `--env-manager local`).
"""
from __future__ import annotations

import sys
from typing import Mapping, Sequence

from mlplug.contracts.env import EnvManager, Environment


class CurrentEnvironment(Environment):
    @property
    def python(self) -> str:
        return sys.executable

    def __repr__(self) -> str:
        return f"CurrentEnvironment({self.python})"


class LocalEnvManager(EnvManager):
    name = "local"

    def prepare(self, spec_dir: str, env: Mapping[str, str] | None = None, *,
                distributions: Sequence[str] = (), replace_mlflow: bool = True) -> Environment:
        return CurrentEnvironment()
