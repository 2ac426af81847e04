"""The bucketing rule's reference implementation (`mlplug.downsampling.bucket_points`)."""
from __future__ import annotations

import math

import pytest

from mlplug.downsampling import BucketPlan, bucket_points, check_request
from mlplug.entities import Metric
from mlplug.errors import InvalidParameter


def _rows(history):
    return [(b.x_min, b.x_max, b.first, b.last, b.min, b.max, b.count) for b in history.buckets]


def test_plan_uses_the_smallest_whole_width_that_fits():
    assert (BucketPlan.of(0, 999, 10).width, BucketPlan.of(0, 999, 10).size) == (100, 10)
    assert (BucketPlan.of(0, 1000, 10).width, BucketPlan.of(0, 1000, 10).size) == (101, 10)
    assert (BucketPlan.of(5, 7, 1000).width, BucketPlan.of(5, 7, 1000).size) == (1, 3)
    assert BucketPlan.of(0, 1000, 10).bounds(9) == (909, 1000)


def test_buckets_in_history_order_with_spike_kept():
    points = [Metric("m", float(s), 0, s) for s in range(20)] + [Metric("m", 500.0, 0, 13)]
    history = bucket_points(points, max_buckets=2)
    assert history.bucket_width == 10
    assert _rows(history) == [(0, 9, 0.0, 9.0, 0.0, 9.0, 10), (10, 19, 10.0, 19.0, 10.0, 500.0, 11)]


def test_time_axes_and_the_relative_origin():
    points = [Metric("m", 1.0, 5000, 0), Metric("m", 2.0, 5100, 1), Metric("m", math.nan, 4000, 2)]
    wall = bucket_points(points, max_buckets=1, x_axis="wall")
    assert _rows(wall) == [(5000, 5100, 1.0, 2.0, 1.0, 2.0, 2)]
    relative = bucket_points(points, max_buckets=100, x_axis="relative")
    assert relative.origin == 5000 and [b.x_min for b in relative.buckets] == [0, 100]
    assert relative.to_dict()["origin"] == 5000 and relative.to_dict()["count"] == 2


def test_no_points_no_buckets():
    assert bucket_points([], max_buckets=5).buckets == []
    assert bucket_points([Metric("m", math.inf, 0, 0)]).to_dict()["buckets"] == []


@pytest.mark.parametrize("args", [(0, "step", None, None), (5, "time", None, None), (5, "step", 3, 2),
                                  (True, "step", None, None), (5, "step", 1.5, None)])
def test_bad_requests(args):
    with pytest.raises(InvalidParameter):
        check_request(*args)


def test_defaults():
    assert check_request(None, None, None, None) == (1000, "step", None, None)
