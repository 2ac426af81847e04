"""Choosing the environment a model runs in, and handing the command over to it.

`--env-manager local` runs in this process. Any other manager prepares (builds or reuses) an
environment from the model's files, and the same `mlplug models ...` command is then exec'd inside it
with `--env-manager local`: the process is replaced, so signals (Ctrl-C, SIGTERM from a supervisor)
reach the server directly and its exit status is the command's.
"""
from __future__ import annotations

import os
import sys
from typing import Sequence

from mlplug.contracts.env import Environment
from mlplug.errors import MlplugError, PluginError

LOCAL = "local"


def get_manager(name: str):
    """The installed manager called `name`, usable here, else a one-line error naming what to install
    (the plugin host names the distribution of a known manager, such as mlplug-env-conda)."""
    from mlplug.host import get_host

    try:
        manager = get_host().env_manager(name)
    except PluginError as err:
        raise MlplugError(err.message, "INVALID_PARAMETER_VALUE") from None
    reason = manager.available()
    if reason:
        raise MlplugError(f"--env-manager {name} cannot be used here: {reason}", "INVALID_PARAMETER_VALUE")
    return manager


def local_model(model_uri: str) -> str:
    """The model as a local directory (downloaded once here, so an environment never downloads it)."""
    from mlplug.models.loading import local_model_directory

    return os.path.abspath(local_model_directory(model_uri))


def prepare(name: str, model_dir: str) -> Environment:
    return get_manager(name).prepare(model_dir)


def runs_here(env: Environment) -> bool:
    return env.python == sys.executable


def exec_inside(env: Environment, argv: Sequence[str]) -> None:
    """Replace this process with `argv` run inside `env` (never returns)."""
    command = env.command(list(argv))
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(command[0], command)


def load(model_dir: str, model_uri: str):
    """The model loaded as a python_function; anything that goes wrong is a one-line error."""
    from mlplug.pyfunc import load_model

    try:
        return load_model(model_dir)
    except MlplugError:
        raise
    except Exception as err:  # noqa: BLE001 (unpickling and imports fail in many ways; all mean "cannot load")
        detail = " ".join(f"{type(err).__name__}: {err}".split())
        raise MlplugError(f"Cannot load the model from '{model_uri}': {detail}", "INVALID_PARAMETER_VALUE") from None
