"""One prediction, for the scoring server and `models predict` alike, with MLflow's errors: input that
does not fit the signature keeps its error code (INVALID_PARAMETER_VALUE) behind MLflow's
`Failed to predict data ...` prefix, and anything the model itself raises is a BAD_REQUEST."""
from __future__ import annotations

import logging
from typing import Any

from mlplug.errors import MlplugError

from mlplug_cli_models.payload import InputParser

log = logging.getLogger("mlplug.scoring")
_MAX_SHOWN = 1000


class ModelFailed(MlplugError):
    """The model raised while predicting: the input is wrong for it, so the client hears 400."""

    error_code = "BAD_REQUEST"


def predict(model: Any, data: Any, params: dict | None) -> Any:
    try:
        return _call(model, data, params)
    except ModelFailed:
        raise
    except MlplugError as err:
        frame = InputParser.as_frame(data)
        if frame is None:
            raise _failed(err, data) from None
    # The fast path's input did not fit: the general path finds (and words) the problem, or predicts.
    try:
        return _call(model, frame, params)
    except ModelFailed:
        raise
    except MlplugError as err:
        raise _failed(err, frame) from None


def _call(model: Any, data: Any, params: dict | None) -> Any:
    try:
        return model.predict(data, params=params)
    except MlplugError:
        raise
    except Exception as err:  # noqa: BLE001 (the model's own failure is the request's problem, not the server's)
        log.warning("The model failed on a request: %s: %s", type(err).__name__, err)
        raise ModelFailed("Encountered an unexpected error while evaluating the model. Verify that the serialized "
                          "input Dataframe is compatible with the model for inference. "
                          f"Error: {type(err).__name__}: {err}") from None


def _failed(err: MlplugError, data: Any) -> MlplugError:
    shown = str(data)
    if len(shown) > _MAX_SHOWN:
        shown = shown[:_MAX_SHOWN] + "..."
    error = MlplugError(f"Failed to predict data '{shown}'. \nError: {err.message}", err.error_code)
    error.error_class = getattr(err, "error_class", None)
    return error
