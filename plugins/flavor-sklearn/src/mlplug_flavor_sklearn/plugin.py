"""Hook implementation: the `sklearn` flavour (scikit-learn is imported only when a model is used)."""
from __future__ import annotations

from mlplug.hookspecs import hookimpl


@hookimpl
def mlplug_flavor(name: str):
    if name != "sklearn":
        return None
    from mlplug_flavor_sklearn.flavor import SklearnFlavor

    return SklearnFlavor()
