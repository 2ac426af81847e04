"""The three file formats of a saved estimator: skops (`model.skops`), cloudpickle and pickle (`model.pkl`).

skops only rebuilds types it trusts: its defaults cover scikit-learn and numpy, and the model's MLmodel
`skops_trusted_types` lists any others the saver vouched for. Saving refuses a model whose file would need
types nobody vouched for, so that a saved model always loads.
"""
from __future__ import annotations

import pickle
from typing import Any

from mlplug.errors import InvalidParameter

SKOPS = "skops"
CLOUDPICKLE = "cloudpickle"
PICKLE = "pickle"
FORMATS = (SKOPS, CLOUDPICKLE, PICKLE)
FILE_NAMES = {SKOPS: "model.skops", CLOUDPICKLE: "model.pkl", PICKLE: "model.pkl"}
PACKAGES = {SKOPS: ["skops"], CLOUDPICKLE: ["cloudpickle"], PICKLE: []}


def check_format(serialization_format: str) -> str:
    if serialization_format not in FORMATS:
        raise InvalidParameter(f"Unrecognized serialization format: {serialization_format!r}. Choose one of: "
                               f"{', '.join(FORMATS)}.")
    return serialization_format


def dump(model: Any, file: str, serialization_format: str, trusted_types: list[str] | None) -> None:
    if serialization_format == SKOPS:
        import skops.io

        data = skops.io.dumps(model)
        untrusted = sorted(set(skops.io.get_untrusted_types(data=data)) - set(trusted_types or ()))
        if untrusted:
            raise InvalidParameter(
                f"The model contains types skops does not trust by default: {untrusted}. If you trust them, pass "
                "skops_trusted_types=[...] with these names; or save with serialization_format='cloudpickle'.")
        with open(file, "wb") as f:
            f.write(data)
    elif serialization_format == CLOUDPICKLE:
        import cloudpickle

        with open(file, "wb") as f:
            cloudpickle.dump(model, f)
    else:
        with open(file, "wb") as f:
            pickle.dump(model, f, protocol=pickle.DEFAULT_PROTOCOL)


def load(file: str, serialization_format: str, trusted_types: list[str] | None) -> Any:
    check_format(serialization_format)
    if serialization_format == SKOPS:
        import skops.io

        untrusted = sorted(set(skops.io.get_untrusted_types(file=file)) - set(trusted_types or ()))
        if untrusted:
            raise InvalidParameter(f"Refusing to load '{file}': it contains types that are not trusted: {untrusted}. "
                                   "Only load models from sources you trust; the saver lists them in "
                                   "skops_trusted_types.")
        return skops.io.load(file, trusted=list(trusted_types) if trusted_types else None)
    with open(file, "rb") as f:  # cloudpickle output is read by the standard unpickler
        return pickle.load(f)
