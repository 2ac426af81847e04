"""Logging a model to a run: save it to a temporary directory, upload it as the run's artifacts under
`name`, record it in the run's `mlflow.log-model.history` tag, and optionally register it.

The model lands at `runs:/<run_id>/<name>`; with no active run one is started, as any fluent logging
call does. Registration is `mlplug.register_model` (the fluent API's one rule for registry sources).
"""
from __future__ import annotations

import json
import os
import tempfile
from typing import Callable

from mlplug.errors import InvalidParameter
from mlplug.models.mlmodel import Model, ModelInfo
from mlplug.validation import MAX_TAG_VALUE

LOG_MODEL_HISTORY_TAG = "mlflow.log-model.history"


def log_model(save: Callable[[str, Model], Model], name: str, *, run_id: str | None = None,
              registered_model_name: str | None = None) -> ModelInfo:
    """Log a model that `save(path, mlmodel)` writes into a fresh directory.

    :param save: writes the model directory at `path`, filling in the given `Model` (which already
        carries `run_id` and `artifact_path`), and returns it — a flavour's `save_model`, bound.
    :param name: the artifact path under the run, e.g. ``model``.
    """
    from mlplug.tracking import fluent

    if not name or not isinstance(name, str) or name.startswith("/") or ".." in name.split("/"):
        raise InvalidParameter(f"A model name must be a relative artifact path such as 'model', got {name!r}.")
    name = name.strip("/")
    if run_id is None:
        run = fluent.active_run() or fluent.start_run()
        run_id = run.info.run_id
    with tempfile.TemporaryDirectory(prefix="mlplug-model-") as tmp:
        local = os.path.join(tmp, "model")
        mlmodel = save(local, Model(artifact_path=name, run_id=run_id))
        fluent.log_artifacts(local, name, run_id=run_id)
    _record_in_history(run_id, mlmodel)
    model_uri = f"runs:/{run_id}/{name}"
    version = register(model_uri, registered_model_name) if registered_model_name else None
    return ModelInfo.of(mlmodel, model_uri, version)


def _record_in_history(run_id: str, mlmodel: Model) -> None:
    """Append the model to the run's history tag, dropping the oldest entries if the tag would overflow."""
    from mlplug.tracking import fluent

    try:
        history = json.loads(fluent.get_run(run_id).data.tags.get(LOG_MODEL_HISTORY_TAG, "[]"))
    except ValueError:
        history = []
    history = (history if isinstance(history, list) else []) + [mlmodel.to_dict()]
    text = json.dumps(history)
    while len(text) > MAX_TAG_VALUE and len(history) > 1:
        history.pop(0)
        text = json.dumps(history)
    if len(text) > MAX_TAG_VALUE:  # one model alone too big: keep what identifies it
        entry = {k: v for k, v in history[0].items() if k not in ("signature", "saved_input_example_info")}
        text = json.dumps([entry])
    fluent.set_tag(LOG_MODEL_HISTORY_TAG, text, run_id=run_id)


def register(model_uri: str, name: str) -> int:
    """Register `model_uri` as a new version of `name` (created if missing), through the fluent API."""
    from mlplug.tracking import fluent

    return int(fluent.register_model(model_uri, name).version)
