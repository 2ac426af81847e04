"""Entry point of `--env-manager local`; cheap to import."""
from __future__ import annotations

from mlplug.hookspecs import hookimpl


@hookimpl
def mlplug_env_manager(name: str):
    if name != "local":
        return None
    from mlplug_env_local.manager import LocalEnvManager

    return LocalEnvManager()
