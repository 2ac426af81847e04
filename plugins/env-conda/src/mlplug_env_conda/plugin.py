"""Entry point of `--env-manager conda`; cheap to import."""
from __future__ import annotations

from mlplug.hookspecs import hookimpl


@hookimpl
def mlplug_env_manager(name: str):
    if name != "conda":
        return None
    from mlplug_env_conda.manager import CondaManager

    return CondaManager()
