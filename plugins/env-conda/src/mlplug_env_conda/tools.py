"""Finding the program that builds conda environments, and the arguments each one takes.

Looked for in this order: `MLPLUG_CONDA_HOME` / `MLFLOW_CONDA_HOME` (a conda installation whose
`bin/conda` is used, as MLflow does), `CONDA_EXE` and `MAMBA_EXE` (set by an activated conda or
micromamba shell), then `micromamba`, `mamba` and `conda` on PATH — the faster solvers first.
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass

from mlplug.config import setting

INSTALL_HINT = ("conda is not installed (none of micromamba, mamba, conda is on PATH): install Miniforge "
                "(https://conda-forge.org/download/) or micromamba and put it on PATH, or set MLFLOW_CONDA_HOME; "
                "or use --env-manager virtualenv or uv")
_ORDER = ("micromamba", "mamba", "conda")


@dataclass(frozen=True)
class CondaTool:
    path: str

    @property
    def kind(self) -> str:
        base = os.path.basename(self.path)
        return next((name for name in _ORDER if base.startswith(name)), "conda")

    def create_args(self, prefix: str, env_file: str) -> list[str]:
        """Create the environment at `prefix` from `env_file`, never asking a question."""
        if self.kind == "micromamba":
            return [self.path, "create", "--yes", "--prefix", prefix, "--file", env_file]
        return [self.path, "env", "create", "--prefix", prefix, "--file", env_file]


def find_tool() -> CondaTool | None:
    home = setting("CONDA_HOME")
    candidates = [os.path.join(home, "bin", "conda")] if home else []
    candidates += [os.environ.get("CONDA_EXE", ""), os.environ.get("MAMBA_EXE", "")]
    candidates += [shutil.which(name) or "" for name in _ORDER]
    for path in candidates:
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return CondaTool(path)
    return None
