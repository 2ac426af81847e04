"""Entry point of `--env-manager uv`; cheap to import.

The environment is the one `--env-manager virtualenv` builds for the same spec (same cache key rules,
same layout), created and filled by uv instead of venv + pip: several times faster cold, and uv's
package cache makes rebuilding a known environment nearly free.
"""
from __future__ import annotations

from mlplug.hookspecs import hookimpl


@hookimpl
def mlplug_env_manager(name: str):
    if name != "uv":
        return None
    from mlplug_env_virtualenv.manager import VirtualenvManager

    return VirtualenvManager(installer="uv")
