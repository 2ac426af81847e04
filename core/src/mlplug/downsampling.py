"""A metric's history cut into buckets along an x-axis: what a chart of a long history draws.

A chart is at most a few thousand pixels wide, so a 1,000,000-point metric is drawn from one summary per
bucket of neighbouring points: its x range, its first and last value, its minimum, maximum and count.
Keeping each bucket's extremes means a single spike still shows; asking again for a narrower x range
(zooming) gives finer buckets, down to one point each.

The rule, which every store follows (the contract suite compares them):

- x is the step (`step`), the wall-clock time in ms (`wall`), or the time in ms since the series' first
  point (`relative`); only finite values take part (NaN and +-infinity cannot be drawn).
- The range is [min_x, max_x]; either end defaults to the series' own extreme. Points outside it are left
  out; no points in it means no buckets (and a `bucket_width` of 1).
- Buckets have a whole-number width, the smallest that needs at most `max_buckets` buckets:
  `width = ceil((max_x - min_x + 1) / max_buckets)`, and a point goes to bucket `(x - min_x) // width`.
  Empty buckets are not returned.
- `first` and `last` are the bucket's first and last points in history order (step, then timestamp,
  then value); `x_min` and `x_max` are the smallest and largest x in the bucket.

`bucket_points` is the reference implementation over a list of points; stores that can aggregate in their
database override `TrackingStore.get_metric_history_bucketed` and answer the same.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Iterable

from mlplug.errors import InvalidParameter

X_AXES = ("step", "wall", "relative")
DEFAULT_BUCKETS = 1000
MAX_BUCKETS = 10_000
# Bound on |x| (steps and ms), so that differences of x values stay inside 64-bit integers in every
# database; points beyond it are not bucketed.
MAX_ABS_X = 2 ** 61


@dataclass(slots=True)
class MetricBucket:
    x_min: int
    x_max: int
    first: float
    last: float
    min: float
    max: float
    count: int

    def to_dict(self) -> dict:
        return {"x_min": self.x_min, "x_max": self.x_max, "first": self.first, "last": self.last,
                "min": self.min, "max": self.max, "count": self.count}


@dataclass
class BucketedHistory:
    """The buckets of one run's metric; `min_x`/`max_x` are the range bucketed (None: no points)."""

    x_axis: str
    min_x: int | None
    max_x: int | None
    bucket_width: int
    buckets: list[MetricBucket] = field(default_factory=list)
    origin: int | None = None  # relative axis: the wall time (ms) that x = 0 stands for

    @property
    def count(self) -> int:
        return sum(b.count for b in self.buckets)

    def to_dict(self) -> dict:
        d = {"x_axis": self.x_axis, "min_x": self.min_x, "max_x": self.max_x, "bucket_width": self.bucket_width,
             "count": self.count, "buckets": [b.to_dict() for b in self.buckets]}
        if self.origin is not None:
            d["origin"] = self.origin
        return d


@dataclass(frozen=True)
class BucketPlan:
    """Where the buckets of the range [lo, hi] begin and end."""

    lo: int
    hi: int
    width: int

    @classmethod
    def of(cls, lo: int, hi: int, max_buckets: int) -> "BucketPlan":
        return cls(lo, hi, max(1, -(-(hi - lo + 1) // max_buckets)))

    @property
    def size(self) -> int:
        """The number of buckets (some may be empty)."""
        return -(-(self.hi - self.lo + 1) // self.width)

    def index(self, x: int) -> int:
        return (x - self.lo) // self.width

    def bounds(self, i: int) -> tuple[int, int]:
        """The smallest and largest x that bucket `i` may hold."""
        start = self.lo + i * self.width
        return start, min(self.hi, start + self.width - 1)


def check_request(max_buckets: int | None, x_axis: str | None, min_x: int | None,
                  max_x: int | None) -> tuple[int, str, int | None, int | None]:
    """The arguments with their defaults, or InvalidParameter saying what is wrong."""
    x_axis = x_axis or "step"
    if x_axis not in X_AXES:
        raise InvalidParameter(f"Invalid x_axis {x_axis!r}; expected one of {', '.join(X_AXES)}.")
    max_buckets = DEFAULT_BUCKETS if max_buckets is None else max_buckets
    if isinstance(max_buckets, bool) or not isinstance(max_buckets, int) or not 1 <= max_buckets <= MAX_BUCKETS:
        raise InvalidParameter(f"Invalid max_buckets {max_buckets!r}; expected an integer from 1 to {MAX_BUCKETS}.")
    for name, value in (("min_x", min_x), ("max_x", max_x)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or abs(value) > MAX_ABS_X):
            raise InvalidParameter(f"Invalid {name} {value!r}; expected an integer between -2^61 and 2^61.")
    if min_x is not None and max_x is not None and min_x > max_x:
        raise InvalidParameter(f"min_x ({min_x}) must not be greater than max_x ({max_x}).")
    return max_buckets, x_axis, min_x, max_x


def is_drawable(value: float) -> bool:
    return not math.isnan(value) and not math.isinf(value)


def bucket_points(points: Iterable, max_buckets: int | None = None, x_axis: str | None = None,
                  min_x: int | None = None, max_x: int | None = None) -> BucketedHistory:
    """Bucket metric points (anything with `value`, `timestamp` and `step`) by the rule above."""
    max_buckets, x_axis, min_x, max_x = check_request(max_buckets, x_axis, min_x, max_x)
    drawable = sorted(((p.step, p.timestamp, p.value) for p in points if is_drawable(p.value)
                       and abs(p.step if x_axis == "step" else p.timestamp) <= MAX_ABS_X))
    origin = min((ts for _s, ts, _v in drawable), default=None) if x_axis == "relative" else None
    if x_axis == "step":
        xs = [s for s, _ts, _v in drawable]
    else:
        shift = origin or 0
        xs = [ts - shift for _s, ts, _v in drawable]
    if not xs:
        return BucketedHistory(x_axis, min_x, max_x, 1, [], origin)
    lo = min(xs) if min_x is None else min_x
    hi = max(xs) if max_x is None else max_x
    in_range = [(x, v) for x, (_s, _ts, v) in zip(xs, drawable) if lo <= x <= hi]
    if not in_range:
        return BucketedHistory(x_axis, min_x, max_x, 1, [], origin)
    plan = BucketPlan.of(lo, hi, max_buckets)
    buckets: dict[int, MetricBucket] = {}
    for x, v in in_range:  # in history order, so the first point seen is the bucket's first
        i = plan.index(x)
        b = buckets.get(i)
        if b is None:
            buckets[i] = MetricBucket(x, x, v, v, v, v, 1)
            continue
        b.x_min, b.x_max = min(b.x_min, x), max(b.x_max, x)
        b.last = v
        b.min, b.max = min(b.min, v), max(b.max, v)
        b.count += 1
    return BucketedHistory(x_axis, lo, hi, plan.width, [buckets[i] for i in sorted(buckets)], origin)
