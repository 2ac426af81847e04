"""Reading the YAML files of MLflow's formats (MLproject, python_env.yaml, conda.yaml): one place for
the lazy pyyaml import, the wording of a parse error, and the rule that the top level is a mapping."""
from __future__ import annotations

from mlplug.errors import InvalidParameter


def load_mapping(path: str, what: str = "a mapping") -> dict:
    """The mapping in the YAML file `path` ({} for an empty file); InvalidParameter, in one line, for
    anything else. `what` describes the expected content in that message."""
    try:
        import yaml
    except ImportError:
        raise InvalidParameter(f"Reading {path} needs PyYAML: pip install pyyaml.") from None
    try:
        with open(path, encoding="utf-8") as f:
            data = yaml.safe_load(f)
    except yaml.YAMLError as err:
        raise InvalidParameter(f"{path} is not valid YAML: {' '.join(str(err).split())}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InvalidParameter(f"{path} must hold {what}, got {type(data).__name__}.")
    return data
