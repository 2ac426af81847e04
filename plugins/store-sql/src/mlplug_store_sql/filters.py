"""Search filters and orderings (parsed by mlplug.search) as SQLAlchemy clauses on runs and experiments.

Metric filters and orderings use each run's latest value. A run without the key never matches a
comparison (only `IS NULL`), a NaN latest value matches only `!=`, and in any ordering runs with a NaN
value come after those with numbers, and runs without the key come last. NULL attributes sort last too.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from mlplug.errors import InvalidParameter
from mlplug.search import Comparison, OrderBy
from mlplug_store_sql import schema
from mlplug_store_sql.rows import clamp

RUN_NAME_TAG = "mlflow.runName"
DATASET_CONTEXT_TAG = "mlflow.data.context"

_runs = schema.runs.c
RUN_ATTRIBUTES = {"run_id": _runs.run_id, "run_name": _runs.name, "status": _runs.status,
                  "user_id": _runs.user_id, "artifact_uri": _runs.artifact_uri,
                  "start_time": _runs.start_time, "end_time": _runs.end_time}
_experiments = schema.experiments.c
EXPERIMENT_ATTRIBUTES = {"name": _experiments.name, "experiment_id": _experiments.experiment_id,
                         "creation_time": _experiments.creation_time,
                         "last_update_time": _experiments.last_update_time}


def compare(column: Any, op: str, value: Any) -> Any:
    if op == "=":
        return column == value
    if op == "!=":
        return column != value
    if op == ">":
        return column > value
    if op == ">=":
        return column >= value
    if op == "<":
        return column < value
    if op == "<=":
        return column <= value
    if op == "LIKE":
        return column.like(value)
    if op == "ILIKE":
        return column.ilike(value)
    if op == "IN":
        return column.in_(value)
    if op == "NOT IN":
        return column.not_in(value)
    raise ValueError(f"unsupported comparator {op}")  # mlplug.search only produces the ones above


def key_value_clause(table: sa.Table, owner: Any, c: Comparison) -> Any:
    """EXISTS on a (owner, key, value) table such as params, tags or experiment_tags."""
    has_key = [table.c[owner.name] == owner, table.c.key == c.key]
    if c.op == "IS NULL":
        return ~sa.exists().where(*has_key)
    if c.op == "IS NOT NULL":
        return sa.exists().where(*has_key)
    return sa.exists().where(*has_key, compare(table.c.value, c.op, c.value))


def _metric_clause(c: Comparison) -> Any:
    lm = schema.latest_metrics.c
    value = compare(lm.value, c.op, clamp(c.value))
    matches = sa.or_(lm.is_nan.is_(True), value) if c.op == "!=" else sa.and_(lm.is_nan.is_(False), value)
    return sa.exists().where(lm.run_id == _runs.run_id, lm.key == c.key, matches)


def _dataset_clause(c: Comparison) -> Any:
    if c.key == "context":
        it = schema.run_input_tags.c
        return sa.exists().where(it.run_id == _runs.run_id, it.key == DATASET_CONTEXT_TAG,
                                 compare(it.value, c.op, c.value))
    ri, ds = schema.run_inputs.c, schema.datasets.c
    column = {"name": ds.name, "digest": ds.digest}.get(c.key)
    if column is None:
        raise InvalidParameter(f"Invalid dataset key '{c.key}' in filter; valid keys are name, digest, context.")
    return sa.exists().where(ri.run_id == _runs.run_id, ri.dataset_uuid == ds.dataset_uuid,
                             compare(column, c.op, c.value))


def run_clause(c: Comparison) -> Any:
    if c.kind == "metric":
        return _metric_clause(c)
    if c.kind == "param":
        return key_value_clause(schema.params, _runs.run_id, c)
    if c.kind == "tag":
        return key_value_clause(schema.tags, _runs.run_id, c)
    if c.kind == "dataset":
        return _dataset_clause(c)
    return compare(RUN_ATTRIBUTES[c.key], c.op, c.value)


def run_ordering(query: sa.Select, orders: list[OrderBy]) -> sa.Select:
    """`query` (over runs) joined and ordered as asked, then by start_time DESC and run_id ASC."""
    clauses: list[Any] = []
    for i, o in enumerate(orders):
        if o.kind == "attribute":
            column = RUN_ATTRIBUTES[o.key]
            clauses += [column.is_(None), column.asc() if o.ascending else column.desc()]
            continue
        table = {"metric": schema.latest_metrics, "param": schema.params, "tag": schema.tags}[o.kind]
        joined = table.alias(f"order_{i}")
        query = query.outerjoin(joined, sa.and_(joined.c.run_id == _runs.run_id, joined.c.key == o.key))
        if o.kind == "metric":
            missing_last = sa.case((joined.c.run_id.is_(None), 2), (joined.c.is_nan.is_(True), 1), else_=0)
        else:
            missing_last = joined.c.value.is_(None)
        clauses += [missing_last, joined.c.value.asc() if o.ascending else joined.c.value.desc()]
    given = {o.key for o in orders if o.kind == "attribute"}
    if "start_time" not in given:
        clauses.append(_runs.start_time.desc())
    if "run_id" not in given:
        clauses.append(_runs.run_id.asc())
    return query.order_by(*clauses)


def experiment_clause(c: Comparison) -> Any:
    if c.kind == "tag":
        return key_value_clause(schema.experiment_tags, _experiments.experiment_id, c)
    if c.key == "experiment_id":
        return _experiment_id_clause(c)
    return compare(EXPERIMENT_ATTRIBUTES[c.key], c.op, c.value)


def _experiment_id_clause(c: Comparison) -> Any:
    """Ids are integers here; an id that is not a number matches nothing (and `!=` everything)."""
    values = c.value if isinstance(c.value, tuple) else (c.value,)
    ids = [int(v) for v in values if str(v).strip().lstrip("-").isdigit()]
    column = _experiments.experiment_id
    if c.op in ("=", "IN"):
        return column.in_(ids) if ids else sa.false()
    return column.not_in(ids) if ids else sa.true()


def experiment_ordering(orders: list[OrderBy]) -> list[Any]:
    """ORDER BY clauses; default creation_time DESC, and experiment_id ASC breaks ties."""
    if not orders:
        return [_experiments.creation_time.desc(), _experiments.experiment_id.asc()]
    clauses = [EXPERIMENT_ATTRIBUTES[o.key].asc() if o.ascending else EXPERIMENT_ATTRIBUTES[o.key].desc()
               for o in orders]
    if all(o.key != "experiment_id" for o in orders):
        clauses.append(_experiments.experiment_id.asc())
    return clauses
