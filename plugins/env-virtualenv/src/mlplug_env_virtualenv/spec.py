"""What environment a directory asks for, read from MLflow's files in it.

`python_env.yaml` first (python version, build dependencies, pip requirement lines), else `conda.yaml`
converted as MLflow converts it (`python=X`, the nested `pip:` list; pip/setuptools/wheel become build
dependencies), else `requirements.txt` with the current interpreter's version. `-r` lines are expanded
relative to the file that names them, and `mlflow`/`mlflow-skinny` requirements are dropped: mlplug's
own distributions take their place.
"""
from __future__ import annotations

import dataclasses
import os
import platform
import re
from dataclasses import dataclass

from mlplug.errors import InvalidParameter
from mlplug.models.environment import CONDA_ENV_FILE, PYTHON_ENV_FILE, REQUIREMENTS_FILE
from mlplug.models.environment import requirement_name as _project_name
from mlplug.models.mlmodel import MLMODEL_FILE_NAME, Model
from mlplug.yamlfiles import load_mapping

#: Requirements that mlplug replaces with its own distributions.
REPLACED = frozenset({"mlflow", "mlflow-skinny"})
_BUILD_TOOLS = frozenset({"pip", "setuptools", "wheel"})
_INCLUDE = re.compile(r"^(-r|--requirement)(?:\s+|=)(.+)$")
_CONSTRAINT = re.compile(r"^(-c|--constraint)(?:\s+|=)(.+)$")
_PATH_STARTS = ("./", "../", "/", "~")


@dataclass(frozen=True)
class EnvSpec:
    python: str                         # "3.11.7", or "3.11" for any 3.11.x
    build_dependencies: tuple[str, ...]
    requirements: tuple[str, ...]       # pip requirement lines, paths made absolute
    flavors: tuple[str, ...]            # flavour names from MLmodel, when the directory is a model


def requirement_name(line: str) -> str | None:
    """Normalised project name of a requirement line (None for options, paths and bare URLs)."""
    if line.startswith(("-", ".", "/", "~")) or line.split("@", 1)[0].find("://") >= 0:
        return None
    return _project_name(line)


def read_spec(spec_dir: str, replace_mlflow: bool = True) -> EnvSpec:
    """The spec of `spec_dir`; `replace_mlflow=False` keeps mlflow requirements (a project's scripts
    may import the real client)."""
    spec = _read_spec(spec_dir)
    if not replace_mlflow:
        return spec
    kept = tuple(line for line in spec.requirements if requirement_name(line) not in REPLACED)
    return dataclasses.replace(spec, requirements=kept)


def _read_spec(spec_dir: str) -> EnvSpec:
    spec_dir = os.path.abspath(spec_dir)
    if not os.path.isdir(spec_dir):
        raise InvalidParameter(f"'{spec_dir}' is not a directory; give a model or project directory.")
    flavors = _flavors(spec_dir)
    python_env = os.path.join(spec_dir, PYTHON_ENV_FILE)
    if os.path.isfile(python_env):
        return _from_python_env(python_env, flavors)
    conda = os.path.join(spec_dir, CONDA_ENV_FILE)
    if os.path.isfile(conda):
        return _from_conda(conda, flavors)
    requirements = os.path.join(spec_dir, REQUIREMENTS_FILE)
    lines = _expand([f"-r {requirements}"], spec_dir) if os.path.isfile(requirements) else []
    return EnvSpec(platform.python_version(), (), tuple(lines), flavors)


def _from_python_env(path: str, flavors: tuple[str, ...]) -> EnvSpec:
    data = load_mapping(path)
    python = data.get("python", platform.python_version())
    build = data.get("build_dependencies") or []
    deps = data.get("dependencies") or []
    if not isinstance(python, (str, int, float)) or not isinstance(build, list) or not isinstance(deps, list):
        raise InvalidParameter(f"{path}: 'python' must be a version string and 'build_dependencies' and "
                               "'dependencies' lists of requirement strings.")
    base = os.path.dirname(path)
    return EnvSpec(str(python), tuple(str(b) for b in build), tuple(_expand([str(d) for d in deps], base)), flavors)


def _from_conda(path: str, flavors: tuple[str, ...]) -> EnvSpec:
    data = load_mapping(path)
    python, build, pip_lines = platform.python_version(), [], []
    for dep in data.get("dependencies") or []:
        if isinstance(dep, dict):
            pip_lines += [str(line) for line in dep.get("pip") or []]
        elif isinstance(dep, str):
            name = requirement_name(dep)
            if name == "python":
                python = dep.split("=", 1)[1].lstrip("=") if "=" in dep else python
            elif name in _BUILD_TOOLS:
                build.append(dep.replace("=", "==", 1) if re.search(r"[^<>=!]=[^=]", dep) else dep)
    return EnvSpec(python, tuple(build), tuple(_expand(pip_lines, os.path.dirname(path))), flavors)


def _expand(lines: list[str], base: str, seen: frozenset[str] = frozenset()) -> list[str]:
    """Requirement lines with `-r` files inlined, constraint paths absolute."""
    out: list[str] = []
    for raw in lines:
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        include = _INCLUDE.match(line)
        if include:
            path = os.path.join(base, include.group(2).strip())
            if path in seen:
                raise InvalidParameter(f"Requirements file '{path}' includes itself.")
            if not os.path.isfile(path):
                raise InvalidParameter(f"Requirements file '{path}' (named by '{line}') does not exist.")
            with open(path, encoding="utf-8") as f:
                out += _expand(f.read().splitlines(), os.path.dirname(path), seen | {path})
            continue
        constraint = _CONSTRAINT.match(line)
        if constraint:
            out.append(f"-c {os.path.join(base, constraint.group(2).strip())}")
        elif line.startswith(_PATH_STARTS):
            out.append(_absolute(line, base))
        elif line.startswith(("-e ", "--editable ")):
            flag, _, target = line.partition(" ")
            out.append(f"{flag} {_absolute(target.strip(), base) if target.strip().startswith(_PATH_STARTS) else target}")
        else:
            out.append(line)
    return out


def _absolute(path: str, base: str) -> str:
    return os.path.normpath(os.path.join(base, os.path.expanduser(path)))


def _flavors(spec_dir: str) -> tuple[str, ...]:
    if not os.path.isfile(os.path.join(spec_dir, MLMODEL_FILE_NAME)):
        return ()
    return tuple(sorted(Model.load(spec_dir).flavors))
