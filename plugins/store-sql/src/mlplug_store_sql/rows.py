"""Database rows to entities and back, including how non-finite metric values are stored.

MySQL can store neither NaN nor infinity in a DOUBLE, and SQLite turns NaN into NULL, so every backend
stores NaN as value 0 with `is_nan` set, and +-infinity as +-DBL_MAX (read back as +-infinity).
"""
from __future__ import annotations

import math
import sys
from typing import Any, Mapping, Sequence

from mlplug.entities import Experiment, Metric, RunInfo

DBL_MAX = sys.float_info.max


def encode_value(value: float) -> tuple[float, bool]:
    """(stored value, is_nan) for a metric value."""
    if math.isnan(value):
        return 0.0, True
    if math.isinf(value):
        return (DBL_MAX if value > 0 else -DBL_MAX), False
    return value, False


def decode_value(value: float, is_nan: bool) -> float:
    if is_nan:
        return math.nan
    if value >= DBL_MAX:
        return math.inf
    if value <= -DBL_MAX:
        return -math.inf
    return value


def clamp(value: float) -> float:
    """A comparison operand in the stored value's range (so `< inf` still binds on MySQL)."""
    return max(-DBL_MAX, min(DBL_MAX, value))


def metric_row(run_id: str, m: Metric) -> dict[str, Any]:
    value = m.value
    if value - value == 0:  # finite (NaN and +-inf are not): stored as is
        value, is_nan = float(value), False
    else:
        value, is_nan = encode_value(float(value))
    return {"run_id": run_id, "key": m.key, "value": value, "timestamp": m.timestamp, "step": m.step,
            "is_nan": is_nan, "dataset_name": m.dataset_name, "dataset_digest": m.dataset_digest,
            "model_id": m.model_id}


def latest_rank(row: Mapping[str, Any]) -> tuple:
    """Sort key of the "latest" rule: highest step, then timestamp, then value, NaN below any number."""
    return row["step"], row["timestamp"], not row["is_nan"], row["value"]


# The column order of metric rows that `to_metric` unpacks (by position: much faster than by name).
METRIC_FIELDS = ("run_id", "key", "value", "timestamp", "step", "is_nan", "dataset_name", "dataset_digest",
                 "model_id")
# The columns of one key's history, whose run and key the caller knows (`to_history`).
HISTORY_FIELDS = ("value", "timestamp", "step", "is_nan", "dataset_name", "dataset_digest", "model_id")
# The column order of run rows that `to_run_info` unpacks.
RUN_FIELDS = ("run_id", "experiment_id", "name", "user_id", "status", "start_time", "end_time", "artifact_uri",
              "lifecycle_stage")


def to_metric(row: Sequence[Any], with_run_id: bool = False) -> Metric:
    run_id, key, value, timestamp, step, is_nan, dataset_name, dataset_digest, model_id = row
    if is_nan or not -DBL_MAX < value < DBL_MAX:
        value = decode_value(value, is_nan)
    return Metric(key, value, timestamp, step, run_id if with_run_id else None, dataset_name, dataset_digest,
                  model_id)


def to_latest(found: Sequence[Sequence[Any]]) -> dict[str, list[Metric]]:
    """Run id -> its latest metrics, from rows of METRIC_FIELDS: a page of runs, tens of thousands of
    rows, so `to_metric` is inlined."""
    by_run: dict[str, list[Metric]] = {}
    current, metrics = None, []
    for run_id, key, value, timestamp, step, is_nan, dataset_name, dataset_digest, model_id in found:
        if run_id != current:
            current, metrics = run_id, by_run.setdefault(run_id, [])
        if is_nan or not -DBL_MAX < value < DBL_MAX:
            value = decode_value(value, is_nan)
        metrics.append(Metric(key, value, timestamp, step, None, dataset_name, dataset_digest, model_id))
    return by_run


def to_history(run_id: str, key: str, found: Sequence[Sequence[Any]]) -> list[Metric]:
    """Metrics from rows of HISTORY_FIELDS: a get_metric_history page, the hottest read there is."""
    out = []
    append = out.append
    for value, timestamp, step, is_nan, dataset_name, dataset_digest, model_id in found:
        if is_nan or not -DBL_MAX < value < DBL_MAX:
            value = decode_value(value, is_nan)
        append(Metric(key, value, timestamp, step, run_id, dataset_name, dataset_digest, model_id))
    return out


def to_experiment(row: Any, tags: dict[str, str]) -> Experiment:
    return Experiment(str(row.experiment_id), row.name, row.artifact_location, row.lifecycle_stage,
                      row.creation_time, row.last_update_time, tags)


def to_run_info(row: Sequence[Any]) -> RunInfo:
    """A RunInfo from a row of RUN_FIELDS."""
    run_id, experiment_id, name, user_id, status, start_time, end_time, artifact_uri, lifecycle_stage = row
    return RunInfo(run_id, str(experiment_id), name, user_id, status, start_time, end_time, artifact_uri,
                   lifecycle_stage)
