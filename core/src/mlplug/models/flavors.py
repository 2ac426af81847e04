"""Which flavour plugin loads a model: the one place that maps `loader_module` values to flavour names.

An MLmodel's `python_function.loader_module` names the module MLflow imports to load it. mlplug reads
the same value and picks the flavour plugin registered under the matching name in `mlplug.flavor`:

=============================  ==================  ===================================================
loader_module                  flavour             why
=============================  ==================  ===================================================
``mlflow.pyfunc.model``        python_function     custom `PythonModel` models
``mlflow.<x>``                 <x>                 MLflow's built-in flavours (`mlflow.sklearn` ...)
``mlplug_flavor_<x>[...]``     <x>                 models written by an mlplug-only flavour
any other module               python_function     a user's own loader module (`_load_pyfunc(path)`)
=============================  ==================  ===================================================
"""
from __future__ import annotations

import importlib
import re
from types import ModuleType
from typing import TYPE_CHECKING

from mlplug import known_plugins
from mlplug.errors import PluginError

if TYPE_CHECKING:
    from mlplug.contracts.flavor import Flavor

GROUP = "mlplug.flavor"
PYFUNC = "python_function"
_ALIASES = {"pyfunc": PYFUNC}
_MLPLUG_MODULE = re.compile(r"^mlplug_flavor_([A-Za-z0-9_]+)(\..*)?$")


def flavor_name_for_loader(loader_module: str) -> str:
    if loader_module in ("mlflow.pyfunc.model", "mlflow.pyfunc"):
        return PYFUNC
    if loader_module.startswith("mlflow."):
        return loader_module.split(".")[1]
    match = _MLPLUG_MODULE.match(loader_module)
    if match:
        return _ALIASES.get(match.group(1), match.group(1))
    return PYFUNC


def distribution_for(name: str) -> str:
    """The distribution to install for a flavour: the default set's, else the naming convention."""
    return known_plugins.distribution_for(GROUP, name) or f"mlplug-flavor-{name.replace('_', '-')}"


def get_flavor(name: str, loader_module: str | None = None) -> "Flavor":
    """The flavour plugin called `name`; a missing one says which distribution to install."""
    from mlplug.host import get_host

    name = _ALIASES.get(name, name)
    host = get_host()
    if name not in host.names(GROUP):
        via = f" (loader_module '{loader_module}')" if loader_module else ""
        raise PluginError(f"The model flavour '{name}'{via} is not installed. Install it with: "
                          f"pip install {distribution_for(name)}")
    return host.flavor(name)


def flavor_module(name: str) -> ModuleType:
    """The public module of a flavour plugin (`save_model`, `log_model`, `load_model`): `mlplug.<name>`."""
    return importlib.import_module(get_flavor(name).api_module)


def installed_flavors() -> list[str]:
    from mlplug.host import get_host

    return get_host().names(GROUP)
