"""The `conda` environment manager: one cached conda environment per conda.yaml.

Entries live in the kernel's environment cache (`mlplug.envs.cache`: built aside, published
atomically, never half-built) as `conda-<key>/env`, `<key>` hashing the normalised environment file,
the build tool's kind and the mlplug distributions installed into it (with pip, from where they are
installed here, as the virtualenv manager does).
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
from typing import Mapping, Sequence

from mlplug.contracts.env import EnvManager, Environment
from mlplug.envs import sources
from mlplug.envs.cache import EnvCache, env_root
from mlplug.errors import MlplugError

from mlplug_env_conda.spec import flavors, read_conda_env
from mlplug_env_conda.tools import INSTALL_HINT, CondaTool, find_tool

RECORD = "mlplug-env.json"
_LAST_LINES = 3


class CondaEnvironment(Environment):
    def __init__(self, prefix: str):
        self.prefix = prefix

    @property
    def python(self) -> str:
        return os.path.join(self.prefix, "bin", "python")

    def variables(self) -> dict[str, str]:
        return {**super().variables(), "CONDA_PREFIX": self.prefix}

    def __repr__(self) -> str:
        return f"CondaEnvironment({self.prefix})"


class CondaBuildFailed(MlplugError):
    error_code = "INVALID_STATE"


class CondaManager(EnvManager):
    name = "conda"

    def __init__(self, root: str | None = None):
        self._root = root

    def available(self) -> str | None:
        return None if find_tool() else INSTALL_HINT

    def prepare(self, spec_dir: str, env: Mapping[str, str] | None = None, *,
                distributions: Sequence[str] = (), replace_mlflow: bool = True) -> CondaEnvironment:
        tool = find_tool()
        if tool is None:
            raise MlplugError(f"--env-manager conda cannot be used here: {INSTALL_HINT}.", "INVALID_PARAMETER_VALUE")
        spec = read_conda_env(spec_dir, replace_mlflow)
        needed = sources.needed_distributions(flavors(spec_dir), extra=distributions)
        plan = {"tool": tool.kind, "environment": spec, "mlplug": [sources.fingerprint(name) for name in needed]}
        name = "conda-" + hashlib.sha256(json.dumps(plan, sort_keys=True).encode()).hexdigest()[:32]
        entry = EnvCache(self._root or env_root()).get_or_build(
            name, RECORD, lambda path, log: _build(tool, path, log, spec, needed, plan, env))
        return CondaEnvironment(os.path.join(entry, "env"))


def _build(tool: CondaTool, path: str, log_path: str, spec: dict, needed: list[str], plan: dict,
           env: Mapping[str, str] | None) -> None:
    import yaml

    env_file = os.path.join(path, "conda.yaml")
    with open(env_file, "w", encoding="utf-8") as f:
        yaml.safe_dump(spec, f, default_flow_style=False, sort_keys=False)
    prefix = os.path.join(path, "env")  # conda refuses to create into an existing directory
    _run(tool.create_args(prefix, env_file), log_path, env)
    python = os.path.join(prefix, "bin", "python")
    if not os.access(python, os.X_OK):
        raise CondaBuildFailed(f"{tool.kind} built {prefix} without a Python interpreter: add python to the "
                               f"dependencies of conda.yaml (full output: {log_path})")
    mlplug_args = [arg for dist in needed for arg in sources.install_args(dist)]
    _run([python, "-m", "pip", "install", "--disable-pip-version-check", *mlplug_args], log_path, env)
    with open(os.path.join(path, RECORD), "w", encoding="utf-8") as f:
        json.dump({**plan, "tool_path": tool.path}, f, indent=2)


def _run(argv: list[str], log_path: str, extra_env: Mapping[str, str] | None) -> None:
    env = {**os.environ, **(extra_env or {}), "PIP_NO_INPUT": "1"}
    with open(log_path, "a", encoding="utf-8") as log:
        log.write(f"$ {' '.join(argv)}\n")
        log.flush()
        done = subprocess.run(argv, stdout=log, stderr=subprocess.PIPE, text=True, env=env, stdin=subprocess.DEVNULL)
        log.write(done.stderr)
    if done.returncode != 0:
        lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
        reason = " ".join(lines[-_LAST_LINES:]) or f"exit status {done.returncode}"
        raise CondaBuildFailed(f"'{os.path.basename(argv[0])} {' '.join(argv[1:3])}' failed: {reason} "
                               f"(full output: {log_path})")
