"""The installed mlplug-core version: one lookup for the CLI's `--version`, the HTTP User-Agent and the
servers' `/version` routes."""
from __future__ import annotations

import functools


@functools.lru_cache(maxsize=None)
def installed_version(missing: str = "unknown") -> str:
    """mlplug-core's version from its distribution metadata, or `missing` when it is not installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("mlplug-core")
    except PackageNotFoundError:
        return missing
