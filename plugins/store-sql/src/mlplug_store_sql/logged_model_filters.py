"""Logged-model search filters and orderings (parsed by mlplug.search) as SQLAlchemy clauses.

A metric comparison matches a model with any recorded value of that key that satisfies it (restricted to
the search's datasets, when given); a metric ordering uses the model's latest value of the key (highest
step, then timestamp), models without one last. `status` compares by status name, in its short form
(`READY`) or its proto form (`LOGGED_MODEL_READY`).
"""
from __future__ import annotations

from typing import Any, Sequence

import sqlalchemy as sa

from mlplug.entities import LoggedModelStatus
from mlplug.search import Comparison, OrderBy
from mlplug_store_sql import schema
from mlplug_store_sql.filters import compare, key_value_clause
from mlplug_store_sql.rows import clamp

_lm = schema.logged_models.c
_metrics = schema.logged_model_metrics.c
ATTRIBUTES = {"name": _lm.name, "model_id": _lm.model_id, "model_type": _lm.model_type, "status": _lm.status,
              "source_run_id": _lm.source_run_id, "creation_timestamp": _lm.creation_timestamp,
              "last_updated_timestamp": _lm.last_updated_timestamp}


def _on_datasets(datasets: Sequence[dict]) -> Any:
    """Metric rows logged on one of `datasets` ({dataset_name, dataset_digest?}); every row when empty."""
    if not datasets:
        return sa.true()
    return sa.or_(*[sa.and_(_metrics.dataset_name == d["dataset_name"],
                            *([_metrics.dataset_digest == d["dataset_digest"]] if d.get("dataset_digest") else []))
                    for d in datasets])


def _status_value(value: Any) -> Any:
    if isinstance(value, tuple):
        return tuple(_status_value(v) for v in value)
    return LoggedModelStatus.parse(value) or value


def clause(c: Comparison, datasets: Sequence[dict] = ()) -> Any:
    if c.kind == "tag":
        return key_value_clause(schema.logged_model_tags, _lm.model_id, c)
    if c.kind == "param":
        return key_value_clause(schema.logged_model_params, _lm.model_id, c)
    if c.kind == "metric":
        return sa.exists().where(_metrics.model_id == _lm.model_id, _metrics.key == c.key,
                                 _metrics.is_nan.is_(False), compare(_metrics.value, c.op, clamp(c.value)),
                                 _on_datasets(datasets))
    if c.key == "status" and c.op in ("=", "!=", "IN", "NOT IN"):
        return compare(_lm.status, c.op, _status_value(c.value))
    return compare(ATTRIBUTES[c.key], c.op, c.value)


def _latest_metric(o: OrderBy) -> Any:
    """The model's latest value of `o.key` (NULL when it has none, or when that value is NaN)."""
    datasets = [{"dataset_name": o.dataset_name, "dataset_digest": o.dataset_digest}] if o.dataset_name else []
    return (sa.select(sa.case((_metrics.is_nan.is_(True), sa.null()), else_=_metrics.value))
            .where(_metrics.model_id == _lm.model_id, _metrics.key == o.key, _on_datasets(datasets))
            .order_by(_metrics.step.desc(), _metrics.timestamp.desc())
            .limit(1).correlate(schema.logged_models).scalar_subquery())


def ordering(orders: Sequence[OrderBy]) -> list[Any]:
    """ORDER BY clauses (NULLs last in either direction), then creation_timestamp DESC and model_id ASC."""
    clauses: list[Any] = []
    for o in orders:
        column = _latest_metric(o) if o.kind == "metric" else ATTRIBUTES[o.key]
        clauses += [sa.case((column.is_(None), 1), else_=0), column.asc() if o.ascending else column.desc()]
    given = {o.key for o in orders if o.kind == "attribute"}
    if "creation_timestamp" not in given:
        clauses.append(_lm.creation_timestamp.desc())
    if "model_id" not in given:
        clauses.append(_lm.model_id.asc())
    return clauses
