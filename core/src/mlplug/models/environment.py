"""The environment files of a saved model: `requirements.txt`, `python_env.yaml` and `conda.yaml`.

Their layout is MLflow's, so MLflow and mlplug env managers restore the same environment:
`requirements.txt` has one pinned spec per line, `mlflow==<compatible version>` first (what MLflow's
loaders need) and then the flavour's packages; `python_env.yaml` points at it with `-r requirements.txt`;
`conda.yaml` repeats the list under `pip:`. Versions are those installed in the saving interpreter.
"""
from __future__ import annotations

import importlib.metadata
import os
import platform
import re
from typing import Iterable, Sequence

from mlplug.errors import InvalidParameter
from mlplug.models.mlmodel import MLFLOW_COMPAT_VERSION, _yaml

REQUIREMENTS_FILE = "requirements.txt"
PYTHON_ENV_FILE = "python_env.yaml"
CONDA_ENV_FILE = "conda.yaml"
ENV_CONF = {"conda": CONDA_ENV_FILE, "virtualenv": PYTHON_ENV_FILE}

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def python_version() -> str:
    return platform.python_version()


def pinned(package: str) -> str:
    """`package==<installed version>`, or the bare name when it is not installed here."""
    try:
        return f"{package}=={importlib.metadata.version(package)}"
    except importlib.metadata.PackageNotFoundError:
        return package


def requirement_name(line: str) -> str | None:
    match = _NAME.match(line)
    return match.group(1).lower().replace("_", "-") if match else None


def model_requirements(packages: Iterable[str], pip_requirements: Sequence[str] | str | None = None,
                       extra_pip_requirements: Sequence[str] | str | None = None) -> list[str]:
    """The requirement lines for a model.

    :param packages: what the flavour needs (bare names are pinned to the installed version).
    :param pip_requirements: replaces the flavour's list entirely (a list, or a requirements file path).
    :param extra_pip_requirements: added to the flavour's list.
    """
    if pip_requirements is not None and extra_pip_requirements is not None:
        raise InvalidParameter("Give pip_requirements or extra_pip_requirements, not both.")
    mlflow = f"mlflow=={MLFLOW_COMPAT_VERSION}"
    if pip_requirements is not None:
        lines = _lines(pip_requirements)
    else:
        lines = sorted({_pin_bare(p) for p in packages}, key=lambda s: requirement_name(s) or s)
        lines += [line for line in _lines(extra_pip_requirements or []) if line not in lines]
    if not any(requirement_name(line) == "mlflow" for line in lines):
        lines.insert(0, mlflow)
    return lines


def write_environment(path: str, requirements: Sequence[str]) -> None:
    """Write the three environment files into the model directory `path`."""
    yaml = _yaml()
    with open(os.path.join(path, REQUIREMENTS_FILE), "w", encoding="utf-8") as f:
        f.write("".join(f"{line}\n" for line in requirements))
    python_env = {
        "python": python_version(),
        "build_dependencies": [pinned("pip"), pinned("setuptools"), "wheel"],
        "dependencies": [f"-r {REQUIREMENTS_FILE}"],
    }
    with open(os.path.join(path, PYTHON_ENV_FILE), "w", encoding="utf-8") as f:
        yaml.safe_dump(python_env, f, default_flow_style=False, sort_keys=False)
    pip = pinned("pip")
    conda = {
        "channels": ["conda-forge"],
        "dependencies": [f"python={python_version()}", pip.replace("==", "<=") if "==" in pip else "pip",
                         {"pip": list(requirements)}],
        "name": "mlflow-env",
    }
    with open(os.path.join(path, CONDA_ENV_FILE), "w", encoding="utf-8") as f:
        yaml.safe_dump(conda, f, default_flow_style=False, sort_keys=False)


def read_requirements(path: str) -> list[str]:
    """The requirement lines of a model directory (empty when it has no requirements.txt)."""
    file = os.path.join(path, REQUIREMENTS_FILE)
    if not os.path.isfile(file):
        return []
    with open(file, encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip() and not line.lstrip().startswith("#")]


def _pin_bare(spec: str) -> str:
    return pinned(spec) if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", spec) else spec


def _lines(requirements: Sequence[str] | str) -> list[str]:
    if isinstance(requirements, str):
        if not os.path.isfile(requirements):
            raise InvalidParameter(f"Requirements file '{requirements}' does not exist; pass a list of "
                                   "requirement strings or the path of a requirements file.")
        with open(requirements, encoding="utf-8") as f:
            requirements = f.read().splitlines()
    return [line.strip() for line in requirements if line.strip() and not line.lstrip().startswith("#")]
