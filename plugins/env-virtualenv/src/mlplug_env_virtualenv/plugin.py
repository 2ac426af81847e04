"""Entry point of `--env-manager virtualenv`; cheap to import."""
from __future__ import annotations

from mlplug.hookspecs import hookimpl


@hookimpl
def mlplug_env_manager(name: str):
    if name != "virtualenv":
        return None
    from mlplug_env_virtualenv.manager import VirtualenvManager

    return VirtualenvManager()
