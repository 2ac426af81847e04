"""The conda environment a directory asks for: its `conda.yaml`, made ready to build anywhere.

The file's `name`/`prefix` are dropped (the cache decides where the environment lives), relative paths
in its `pip:` list are made absolute against the file's directory (the build reads a copy elsewhere),
`pip` is added when missing (mlplug's distributions are installed with it), and for a model
`mlflow`/`mlflow-skinny` are dropped: mlplug's scoring server takes their place.
"""
from __future__ import annotations

import os
import re

from mlplug.errors import InvalidParameter
from mlplug.models.environment import CONDA_ENV_FILE, requirement_name
from mlplug.models.mlmodel import MLMODEL_FILE_NAME, Model
from mlplug.yamlfiles import load_mapping

REPLACED = frozenset({"mlflow", "mlflow-skinny"})
_PATH_OPTION = re.compile(r"^(-r|--requirement|-c|--constraint|-e|--editable)(\s+|=)(.+)$")
_PATH_STARTS = ("./", "../", "~")


def read_conda_env(spec_dir: str, replace_mlflow: bool = True) -> dict:
    path = os.path.join(os.path.abspath(spec_dir), CONDA_ENV_FILE)
    if not os.path.isfile(path):
        raise InvalidParameter(f"No {CONDA_ENV_FILE} in {os.path.abspath(spec_dir)}: --env-manager conda builds from "
                               "a conda environment file. Use --env-manager virtualenv or uv for python_env.yaml.")
    data = load_mapping(path, "a mapping with 'dependencies'")
    dependencies = data.get("dependencies") or []
    if not isinstance(dependencies, list):
        raise InvalidParameter(f"{path}: 'dependencies' must be a list.")
    base = os.path.dirname(path)
    out: list = []
    for dep in dependencies:
        if isinstance(dep, dict) and "pip" in dep:
            lines = [_absolute(str(line), base) for line in dep.get("pip") or []]
            if replace_mlflow:
                lines = [line for line in lines if requirement_name(line) not in REPLACED]
            out.append({"pip": lines})
        elif isinstance(dep, str):
            if not (replace_mlflow and _conda_name(dep) in REPLACED):
                out.append(dep)
        else:
            raise InvalidParameter(f"{path}: each dependency must be a package spec or a 'pip:' list, got {dep!r}.")
    if not any(isinstance(d, str) and _conda_name(d) == "pip" for d in out):
        out.append("pip")
    return {key: value for key, value in data.items() if key not in ("name", "prefix")} | {"dependencies": out}


def flavors(spec_dir: str) -> tuple[str, ...]:
    """The model's flavours when `spec_dir` is a model directory, else ()."""
    if not os.path.isfile(os.path.join(spec_dir, MLMODEL_FILE_NAME)):
        return ()
    return tuple(sorted(Model.load(spec_dir).flavors))


def _conda_name(dep: str) -> str:
    """`conda-forge::numpy>=1.2` -> `numpy`."""
    return re.split(r"[\s=<>!~\[]", dep.split("::")[-1].strip(), maxsplit=1)[0].lower().replace("_", "-")


def _absolute(line: str, base: str) -> str:
    option = _PATH_OPTION.match(line)
    if option:  # a requirements or constraints file is always a path; an editable one only when it looks like one
        flag, target = option.group(1), option.group(3).strip()
        if flag.lstrip("-") in ("r", "requirement", "c", "constraint") or target.startswith(_PATH_STARTS):
            return f"{flag} {os.path.normpath(os.path.join(base, os.path.expanduser(target)))}"
        return line
    if line.startswith(_PATH_STARTS):
        return os.path.normpath(os.path.join(base, os.path.expanduser(line)))
    return line
