"""The `virtualenv` environment manager: one isolated, cached virtual environment per spec.

Environments live in the kernel's environment cache (`mlplug.envs.cache`: built aside, published
atomically, never half-built), named `mlplug-<key>`. `<key>` hashes everything that decides the
environment's content: the interpreter, the build dependencies, the requirement lines and the mlplug
distributions put in place of MLflow.
"""
from __future__ import annotations

import hashlib
import json
import os
from typing import Mapping, Sequence

from mlplug.contracts.env import EnvManager, Environment
from mlplug.envs import sources
from mlplug.envs.cache import EnvCache, env_root

from mlplug_env_virtualenv.installer import Installer, find_uv
from mlplug_env_virtualenv.interpreters import find_python
from mlplug_env_virtualenv.spec import EnvSpec, read_spec

SPEC_RECORD = "mlplug-env.json"


class VirtualEnvironment(Environment):
    def __init__(self, path: str):
        self.path = path

    @property
    def python(self) -> str:
        return os.path.join(self.path, "bin", "python")

    def variables(self) -> dict[str, str]:
        return {**super().variables(), "VIRTUAL_ENV": self.path}

    def __repr__(self) -> str:
        return f"VirtualEnvironment({self.path})"


class VirtualenvManager(EnvManager):
    """`installer` "uv" or "pip" forces one (see `installer.Installer.choose`); the `uv` manager is this
    one with uv forced."""

    def __init__(self, root: str | None = None, installer: str | None = None):
        self._root = root
        self.installer = installer
        self.name = "uv" if installer == "uv" else "virtualenv"

    def available(self) -> str | None:
        if self.installer == "uv" and find_uv() is None:
            return "uv is not installed: pip install mlplug-env-uv (or uv itself)"
        return None

    @property
    def root(self) -> str:
        return self._root or env_root()

    def prepare(self, spec_dir: str, env: Mapping[str, str] | None = None, *,
                distributions: Sequence[str] = (), replace_mlflow: bool = True) -> VirtualEnvironment:
        spec = read_spec(spec_dir, replace_mlflow=replace_mlflow)
        base_python = find_python(spec.python)
        distributions = sources.needed_distributions(spec.flavors, extra=distributions)
        plan = {"python": spec.python, "interpreter": os.path.realpath(base_python),
                "build_dependencies": list(spec.build_dependencies), "requirements": list(spec.requirements),
                "mlplug": [sources.fingerprint(name) for name in distributions]}
        name = "mlplug-" + hashlib.sha256(json.dumps(plan, sort_keys=True).encode()).hexdigest()[:32]
        entry = EnvCache(self.root).get_or_build(
            name, SPEC_RECORD, lambda path, log: self._build(path, log, base_python, spec, distributions, plan, env))
        return VirtualEnvironment(entry)

    def _build(self, path: str, log_path: str, base_python: str, spec: EnvSpec, distributions: list[str],
               plan: dict, env: Mapping[str, str] | None) -> None:
        installer = Installer.choose(log_path, env, self.installer)
        installer.create(base_python, path)
        installer.install(path, list(spec.build_dependencies))
        requirements = os.path.join(path, "mlplug-requirements.txt")
        with open(requirements, "w", encoding="utf-8") as f:
            f.write("".join(f"{line}\n" for line in spec.requirements))
        mlplug_args = [arg for dist in distributions for arg in sources.install_args(dist)]
        installer.install(path, ["-r", requirements, *mlplug_args])
        with open(os.path.join(path, SPEC_RECORD), "w", encoding="utf-8") as f:
            json.dump({**plan, "installer": installer.name}, f, indent=2)
