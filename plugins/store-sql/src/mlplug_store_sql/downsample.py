"""Bucketed metric history (`TrackingStore.get_metric_history_bucketed`) aggregated in the database.

A mixin of `SqlTrackingStore`. The rule is `mlplug.downsampling`'s: the database groups the points by
bucket index and returns one row per bucket, so a 1,000,000-point metric crosses to Python as at most
`max_buckets` rows. Each bucket's first and last value are index seeks on the metrics table's primary key
(run, key, step, timestamp, value) at the bucket's lowest and highest step.

SQLite has no hash aggregation: grouping by a computed bucket index sorts every point first, which takes
about twice as long as reading them. So on SQLite the step axis is aggregated one bucket at a time, each
bucket a range of that same index, and the time axes (not indexed per series) from finer step ranges
merged into time buckets, re-grouping in the database only the few ranges that cross a bucket's edge.
Either way the points are read about once. PostgreSQL and MySQL group in one statement.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from mlplug.downsampling import (DEFAULT_BUCKETS, MAX_ABS_X, BucketedHistory, BucketPlan, MetricBucket,
                                 check_request)
from mlplug_store_sql import schema
from mlplug_store_sql.raw import Cursor
from mlplug_store_sql.rows import DBL_MAX

_M = schema.metrics.c


class _IntDiv(FunctionElement):
    """Integer division of two non-negative integers (MySQL's `/` would be decimal division)."""

    type = sa.BigInteger()
    inherit_cache = True


@compiles(_IntDiv)
def _int_div(element, compiler, **kw):
    a, b = list(element.clauses)
    return f"({compiler.process(a, **kw)}) / ({compiler.process(b, **kw)})"


@compiles(_IntDiv, "mysql")
def _int_div_mysql(element, compiler, **kw):
    a, b = list(element.clauses)
    return f"({compiler.process(a, **kw)}) DIV ({compiler.process(b, **kw)})"


def _int(name: str) -> sa.BindParameter:
    return sa.bindparam(name, type_=sa.BigInteger)


def _series(table: Any = schema.metrics.c) -> list:
    """The drawable points of one run's metric: NaN is stored flagged, +-infinity as +-DBL_MAX."""
    return [table.run_id == sa.bindparam("run_id"), table.key == sa.bindparam("key"), table.is_nan == sa.false(),
            table.value > -DBL_MAX, table.value < DBL_MAX]


def _in_range(x: Any) -> Any:
    return x.between(_int("lo"), _int("hi"))


# Range and origin. On the step axis the index gives the ends directly; time is not indexed per series.
_FIRST_STEP = sa.select(_M.step).where(*_series(), _in_range(_M.step)).order_by(_M.step).limit(1)
_LAST_STEP = sa.select(_M.step).where(*_series(), _in_range(_M.step)).order_by(_M.step.desc()).limit(1)
_TIME_RANGE = sa.select(sa.func.min(_M.timestamp), sa.func.max(_M.timestamp)).where(
    *_series(), _in_range(_M.timestamp))


def _value_at(step: Any, extra: list, last: bool) -> Any:
    """The value of the first (or last) point in history order at one step of a bucket."""
    m = schema.metrics.alias("m")
    order = (m.c.timestamp.desc(), m.c.value.desc()) if last else (m.c.timestamp, m.c.value)
    return (sa.select(m.c.value).where(*_series(m.c), m.c.step == step, *[cond(m.c) for cond in extra])
            .order_by(*order).limit(1).scalar_subquery())


def _grouped(x: Any) -> sa.Select:
    """One row per non-empty bucket of [lo, hi] along `x`, among the steps [s_from, s_to]: index, x range,
    first, last, min, max, count."""
    index = _IntDiv(x - _int("lo"), _int("width"))
    groups = (sa.select(index.label("b"), sa.func.min(x).label("x_min"), sa.func.max(x).label("x_max"),
                        sa.func.min(_M.value).label("v_min"), sa.func.max(_M.value).label("v_max"),
                        sa.func.count().label("n"), sa.func.min(_M.step).label("s_lo"),
                        sa.func.max(_M.step).label("s_hi"))
              .where(*_series(), _in_range(x), _M.step.between(_int("s_from"), _int("s_to")))
              .group_by(index).subquery("g"))
    g = groups.c
    extra = []
    if x is _M.timestamp:  # the step's points must also lie in this bucket's stretch of time
        start = _int("lo") + g.b * _int("width")
        extra = [lambda m: m.timestamp >= start, lambda m: m.timestamp <= start + _int("width") - 1,
                 lambda m: _in_range(m.timestamp)]
    return (sa.select(g.b, g.x_min, g.x_max, _value_at(g.s_lo, extra, last=False),
                      _value_at(g.s_hi, extra, last=True), g.v_min, g.v_max, g.n)
            .order_by(g.b))


_GROUPED = {"step": _grouped(_M.step), "time": _grouped(_M.timestamp)}
_ALL_STEPS = {"s_from": -MAX_ABS_X, "s_to": MAX_ABS_X}

# SQLite: summaries of index ranges of steps, and the first / last value in such a range.
_RANGE = sa.select(sa.func.count(), sa.func.min(_M.value), sa.func.max(_M.value), sa.func.min(_M.step),
                   sa.func.max(_M.step), sa.func.min(_M.timestamp), sa.func.max(_M.timestamp)).where(
    *_series(), _in_range(_M.step))
_RANGE_FIRST = (sa.select(_M.value).where(*_series(), _in_range(_M.step))
                .order_by(_M.step, _M.timestamp, _M.value).limit(1))
_RANGE_LAST = (sa.select(_M.value).where(*_series(), _in_range(_M.step))
               .order_by(_M.step.desc(), _M.timestamp.desc(), _M.value.desc()).limit(1))
# Time axes on SQLite: step ranges this many times finer than the buckets asked for, merged into them.
FINE = 4


class MetricBucketsMixin:
    """`get_metric_history_bucketed` for SqlTrackingStore (uses its read transactions and run check)."""

    def get_metric_history_bucketed(self, run_id: str, metric_key: str, max_buckets: int = DEFAULT_BUCKETS,
                                    x_axis: str = "step", min_x: int | None = None,
                                    max_x: int | None = None) -> BucketedHistory:
        max_buckets, x_axis, min_x, max_x = check_request(max_buckets, x_axis, min_x, max_x)
        series = {"run_id": run_id, "key": metric_key}
        sqlite = self._engine.dialect.name == "sqlite"
        with self._read() as conn:
            cur = self._cursor(conn)
            self._run_state(cur, run_id)  # an unknown run is an error, an unknown key is not
            ranges = None
            if sqlite and x_axis != "step":  # one pass over the steps gives the time range too
                ranges = _step_ranges(cur, series, FINE * max_buckets)
                ends = (min(r.t0 for r in ranges), max(r.t1 for r in ranges)) if ranges else None
            else:
                ends = _ends(cur, series, x_axis)
            origin = ends[0] if ends is not None and x_axis == "relative" else None
            shift = origin or 0
            # From here on x is in stored units (steps, or ms since the epoch).
            lo = ends and (ends[0] if min_x is None else min_x + shift)
            hi = ends and (ends[1] if max_x is None else max_x + shift)
            found: list[tuple] = []
            if ends is not None and lo <= hi:
                plan = BucketPlan.of(lo, hi, max_buckets)
                if ranges is not None:
                    found = _merge_into_time_buckets(cur, series, plan, ranges)
                elif sqlite:
                    found = _by_step_ranges(cur, series, plan)
                else:
                    found = cur.all(_GROUPED["step" if x_axis == "step" else "time"],
                                    dict(series, lo=plan.lo, hi=plan.hi, width=plan.width, **_ALL_STEPS))
        if not found:
            return BucketedHistory(x_axis, min_x, max_x, 1, [], origin)
        buckets = [MetricBucket(x0 - shift, x1 - shift, first, last, v_min, v_max, n)
                   for _b, x0, x1, first, last, v_min, v_max, n in found]
        return BucketedHistory(x_axis, lo - shift, hi - shift, plan.width, buckets, origin)


def _ends(cur: Cursor, series: dict, x_axis: str) -> tuple[int, int] | None:
    """The smallest and largest x (stored units) of the series' drawable points; None when it has none."""
    bind = dict(series, lo=-MAX_ABS_X, hi=MAX_ABS_X)
    if x_axis == "step":
        first = cur.first(_FIRST_STEP, bind)
        return None if first is None else (first[0], cur.first(_LAST_STEP, bind)[0])
    low, high = cur.first(_TIME_RANGE, bind)
    return None if low is None else (low, high)


def _by_step_ranges(cur: Cursor, series: dict, plan: BucketPlan) -> list[tuple]:
    """Rows like `_GROUPED`'s for the step axis, one bucket (an index range of steps) at a time."""
    rows = []
    for i in range(plan.size):
        a, b = plan.bounds(i)
        bind = dict(series, lo=a, hi=b)
        n, v_min, v_max, x0, x1, _t0, _t1 = cur.first(_RANGE, bind)
        if n:
            rows.append((i, x0, x1, cur.first(_RANGE_FIRST, bind)[0], cur.first(_RANGE_LAST, bind)[0],
                         v_min, v_max, n))
    return rows


@dataclass(slots=True)
class _StepRange:
    """The drawable points of the steps [s0, s1]: how many, their values' and timestamps' extremes."""

    s0: int
    s1: int
    n: int
    v_min: float
    v_max: float
    t0: int
    t1: int


def _step_ranges(cur: Cursor, series: dict, count: int) -> list[_StepRange]:
    """The series cut into at most `count` ranges of steps (the non-empty ones), in step order."""
    ends = _ends(cur, series, "step")
    if ends is None:
        return []
    fine = BucketPlan.of(ends[0], ends[1], count)
    out = []
    for i in range(fine.size):
        a, b = fine.bounds(i)
        n, v_min, v_max, s0, s1, t0, t1 = cur.first(_RANGE, dict(series, lo=a, hi=b))
        if n:
            out.append(_StepRange(s0, s1, n, v_min, v_max, t0, t1))
    return out


def _merge_into_time_buckets(cur: Cursor, series: dict, plan: BucketPlan, ranges: list[_StepRange]) -> list[tuple]:
    """Time buckets from step ranges: a range whose points all fall in one bucket joins it whole; a range
    that crosses a bucket's edge (or the range's) is grouped by bucket in the database. A bucket's first
    and last value come from its first and last contribution in step order, which is history order."""
    merged: dict[int, list] = {}  # bucket -> [x_min, x_max, first, last, v_min, v_max, n]
    for r in ranges:
        if r.t1 < plan.lo or r.t0 > plan.hi:
            continue
        i = plan.index(r.t0)
        if r.t0 >= plan.lo and r.t1 <= plan.hi and i == plan.index(r.t1):
            parts = [(i, r.t0, r.t1, (_RANGE_FIRST, r.s0, r.s1), (_RANGE_LAST, r.s0, r.s1), r.v_min, r.v_max, r.n)]
        else:
            parts = cur.all(_GROUPED["time"], dict(series, lo=plan.lo, hi=plan.hi, width=plan.width,
                                                   s_from=r.s0, s_to=r.s1))
        for b, x0, x1, first, last, v_min, v_max, n in parts:
            m = merged.get(b)
            if m is None:
                merged[b] = [x0, x1, first, last, v_min, v_max, n]
            else:
                m[0], m[1], m[3] = min(m[0], x0), max(m[1], x1), last
                m[4], m[5], m[6] = min(m[4], v_min), max(m[5], v_max), m[6] + n

    def value(v):  # a whole range's first or last value is looked up only if it is a bucket's
        if isinstance(v, tuple):
            statement, s0, s1 = v
            return cur.first(statement, dict(series, lo=s0, hi=s1))[0]
        return v

    return [(b, m[0], m[1], value(m[2]), value(m[3]), m[4], m[5], m[6]) for b, m in sorted(merged.items())]
