"""Hook implementation: the `python_function` flavour (imports nothing heavy until a model is used)."""
from __future__ import annotations

from mlplug.hookspecs import hookimpl


@hookimpl
def mlplug_flavor(name: str):
    if name != "python_function":
        return None
    from mlplug_flavor_pyfunc.flavor import PyfuncFlavor

    return PyfuncFlavor()
