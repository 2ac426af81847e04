"""The default plugin set: which distribution provides which name, for "install X" hints.

Only used to word messages when nothing installed claims a name; discovery itself reads entry points.
Keep it in step with the meta-package's dependencies in the top-level pyproject.toml.
"""
from __future__ import annotations

_SQL = "mlplug-store-sql"
_REST = "mlplug-store-rest"

DISTRIBUTIONS: dict[str, dict[str, str]] = {
    "mlplug.commands": {
        "server": "mlplug-cli-server", "ui": "mlplug-cli-server",
        "experiments": "mlplug-cli-experiments", "runs": "mlplug-cli-runs", "db": _SQL,
        "artifacts": "mlplug-cli-artifacts", "models": "mlplug-cli-models", "run": "mlplug-cli-run",
    },
    "mlplug.env_manager": {"local": "mlplug-env-local", "virtualenv": "mlplug-env-virtualenv",
                           "uv": "mlplug-env-uv", "conda": "mlplug-env-conda"},
    "mlplug.project_backend": {"local": "mlplug-cli-run"},
    "mlplug.flavor": {"python_function": "mlplug-flavor-pyfunc", "sklearn": "mlplug-flavor-sklearn"},
    "mlplug.tracking_store": {"sqlite": _SQL, "postgresql": _SQL, "mysql": _SQL, "http": _REST, "https": _REST},
    "mlplug.registry_store": {"sqlite": _SQL, "postgresql": _SQL, "mysql": _SQL, "http": _REST, "https": _REST},
    "mlplug.artifact_repository": {
        "file": "mlplug-artifacts-file", "mlflow-artifacts": "mlplug-artifacts-http",
        "http": "mlplug-artifacts-http", "https": "mlplug-artifacts-http",
        "s3": "mlplug-artifacts-s3", "gs": "mlplug-artifacts-gcs",
        "wasbs": "mlplug-artifacts-azure", "abfss": "mlplug-artifacts-azure",
    },
    "mlplug.plugins": {"ui": "mlplug-ui"},
}


def distribution_for(group: str, name: str) -> str | None:
    return DISTRIBUTIONS.get(group, {}).get(name)
