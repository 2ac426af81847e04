"""Entry point of `mlplug run --backend local`; cheap to import."""
from __future__ import annotations

from mlplug.hookspecs import hookimpl


@hookimpl
def mlplug_project_backend(name: str):
    if name != "local":
        return None
    from mlplug_cli_run.backend import LocalBackend

    return LocalBackend()
