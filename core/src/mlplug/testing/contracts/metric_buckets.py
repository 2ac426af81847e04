"""Bucketed metric history as tests: part of the tracking-store contract (`TrackingStoreContract` runs them).

The values asked for are worked out by hand from the points logged; the randomised tests compare a store
with `mlplug.downsampling.bucket_points` (the rule's reference implementation) on the same history.
"""
from __future__ import annotations

import math
import random

import pytest

from mlplug.downsampling import bucket_points
from mlplug.entities import Metric
from mlplug.errors import InvalidParameter, NotFound

T0 = 1_700_000_000_000
UNKNOWN_RUN_ID = "0123456789abcdef0123456789abcdef"


def _log(store, run_id: str, metrics: list[Metric]) -> None:
    for i in range(0, len(metrics), 1000):
        store.log_batch(run_id, metrics=metrics[i:i + 1000])


def _rows(history) -> list[tuple]:
    return [(b.x_min, b.x_max, b.first, b.last, b.min, b.max, b.count) for b in history.buckets]


class MetricBucketsContract:
    """Mixed into TrackingStoreContract; uses its `store` and `run_id` fixtures."""

    def test_a_short_history_is_one_bucket_per_point(self, store, run_id):
        _log(store, run_id, [Metric("loss", 1.0 / (s + 1), T0 + s, s) for s in range(10)])
        history = store.get_metric_history_bucketed(run_id, "loss", max_buckets=100)
        assert (history.x_axis, history.min_x, history.max_x, history.bucket_width, history.count) == (
            "step", 0, 9, 1, 10)
        assert _rows(history) == [(s, s, 1.0 / (s + 1), 1.0 / (s + 1), 1.0 / (s + 1), 1.0 / (s + 1), 1)
                                  for s in range(10)]

    def test_buckets_keep_each_range_first_last_min_max_and_count(self, store, run_id):
        values = [math.sin(s / 50) for s in range(1000)]
        values[537] = 1e6  # one spike among 1000 points must survive downsampling
        _log(store, run_id, [Metric("m", v, T0 + s, s) for s, v in enumerate(values)])
        history = store.get_metric_history_bucketed(run_id, "m", max_buckets=10)
        assert (history.min_x, history.max_x, history.bucket_width) == (0, 999, 100)
        expected = [(i * 100, i * 100 + 99, values[i * 100], values[i * 100 + 99], min(values[i * 100:i * 100 + 100]),
                     max(values[i * 100:i * 100 + 100]), 100) for i in range(10)]
        assert _rows(history) == expected
        assert history.buckets[5].max == 1e6

    def test_points_of_one_step_are_ordered_by_timestamp(self, store, run_id):
        _log(store, run_id, [Metric("m", 3.0, T0 + 30, 0), Metric("m", 1.0, T0 + 10, 0), Metric("m", 2.0, T0 + 20, 0),
                             Metric("m", 9.0, T0 + 40, 1)])
        history = store.get_metric_history_bucketed(run_id, "m", max_buckets=1)
        assert _rows(history) == [(0, 1, 1.0, 9.0, 1.0, 9.0, 4)]

    def test_nan_and_infinity_are_left_out(self, store, run_id):
        _log(store, run_id, [Metric("m", math.nan, T0, 0), Metric("m", 5.0, T0 + 1, 1), Metric("m", math.inf, T0 + 2, 2),
                             Metric("m", -math.inf, T0 + 3, 3), Metric("m", 7.0, T0 + 4, 4)])
        history = store.get_metric_history_bucketed(run_id, "m", max_buckets=1)
        assert _rows(history) == [(1, 4, 5.0, 7.0, 5.0, 7.0, 2)]

    def test_a_range_gives_full_detail_inside_it(self, store, run_id):
        _log(store, run_id, [Metric("m", float(s), T0 + s, s) for s in range(1000)])
        history = store.get_metric_history_bucketed(run_id, "m", max_buckets=1000, min_x=100, max_x=199)
        assert (history.min_x, history.max_x, history.bucket_width, history.count) == (100, 199, 1, 100)
        assert [b.x_min for b in history.buckets] == list(range(100, 200))
        left = store.get_metric_history_bucketed(run_id, "m", max_buckets=4, max_x=99)
        assert _rows(left) == [(i * 25, i * 25 + 24, i * 25.0, i * 25 + 24.0, i * 25.0, i * 25 + 24.0, 25)
                               for i in range(4)]

    def test_wall_and_relative_time_axes(self, store, run_id):
        _log(store, run_id, [Metric("m", float(s), T0 + 1000 + 10 * s, s) for s in range(100)])
        wall = store.get_metric_history_bucketed(run_id, "m", max_buckets=2, x_axis="wall")
        assert (wall.min_x, wall.max_x, wall.bucket_width, wall.origin) == (T0 + 1000, T0 + 1990, 496, None)
        assert _rows(wall) == [(T0 + 1000, T0 + 1490, 0.0, 49.0, 0.0, 49.0, 50),
                               (T0 + 1500, T0 + 1990, 50.0, 99.0, 50.0, 99.0, 50)]
        relative = store.get_metric_history_bucketed(run_id, "m", max_buckets=2, x_axis="relative", min_x=500)
        assert (relative.origin, relative.min_x, relative.max_x) == (T0 + 1000, 500, 990)
        assert _rows(relative) == [(500, 740, 50.0, 74.0, 50.0, 74.0, 25), (750, 990, 75.0, 99.0, 75.0, 99.0, 25)]

    def test_an_unknown_key_has_no_buckets_and_an_unknown_run_is_not_found(self, store, run_id):
        history = store.get_metric_history_bucketed(run_id, "never-logged")
        assert (history.buckets, history.count) == ([], 0)
        with pytest.raises(NotFound):
            store.get_metric_history_bucketed(UNKNOWN_RUN_ID, "m")

    def test_a_range_outside_the_history_has_no_buckets(self, store, run_id):
        _log(store, run_id, [Metric("m", 1.0, T0 + s, s) for s in range(10)])
        assert store.get_metric_history_bucketed(run_id, "m", min_x=50).buckets == []
        assert store.get_metric_history_bucketed(run_id, "m", min_x=3, max_x=3).count == 1

    @pytest.mark.parametrize("kwargs", [{"x_axis": "epoch"}, {"max_buckets": 0}, {"max_buckets": 10_001},
                                        {"min_x": 5, "max_x": 4}, {"min_x": 2 ** 62}])
    def test_bad_arguments_are_invalid_parameters(self, store, run_id, kwargs):
        with pytest.raises(InvalidParameter):
            store.get_metric_history_bucketed(run_id, "m", **kwargs)

    @pytest.mark.parametrize("x_axis", ["step", "wall", "relative"])
    def test_answers_as_the_reference_rule_on_irregular_histories(self, store, run_id, x_axis):
        rnd = random.Random(x_axis)
        points = [Metric("m", rnd.choice([rnd.gauss(0, 1), rnd.gauss(0, 1), math.nan, 1e9]),
                         T0 + rnd.randrange(0, 50_000), rnd.randrange(-40, 3000)) for _ in range(3000)]
        _log(store, run_id, points)
        history = store.get_metric_history(run_id, "m")  # the points as stored (exact duplicates are one)
        for kwargs in ({"max_buckets": 37}, {"max_buckets": 500}, {"max_buckets": 5000},
                       {"max_buckets": 64, "min_x": 100, "max_x": 2000}, {"max_buckets": 7, "min_x": 2900}):
            expected = bucket_points(history, x_axis=x_axis, **kwargs)
            got = store.get_metric_history_bucketed(run_id, "m", x_axis=x_axis, **kwargs)
            assert (got.min_x, got.max_x, got.bucket_width, got.origin) == (
                expected.min_x, expected.max_x, expected.bucket_width, expected.origin), kwargs
            assert _rows(got) == _rows(expected), kwargs

    @pytest.mark.parametrize("x_axis", ["wall", "relative"])
    def test_answers_as_the_reference_rule_on_time_ordered_histories(self, store, run_id, x_axis):
        """The usual history: time grows with the step (sometimes several points per step or per ms)."""
        rnd = random.Random(5)
        points, ts = [], T0
        for step in range(6000):
            ts += rnd.choice((0, 1, 7, 30))
            points += [Metric("m", rnd.gauss(0, 1), ts + k, step) for k in range(rnd.choice((1, 1, 1, 3)))]
        points[4321] = Metric("m", 1e6, points[4321].timestamp, points[4321].step)
        _log(store, run_id, points)
        history = store.get_metric_history(run_id, "m")
        cut = 40_000 + (0 if x_axis == "relative" else T0)  # 40 s into the history
        for kwargs in ({"max_buckets": 100}, {"max_buckets": 999}, {"max_buckets": 10}, {"max_buckets": 250, "max_x": cut}):
            expected = bucket_points(history, x_axis=x_axis, **kwargs)
            got = store.get_metric_history_bucketed(run_id, "m", x_axis=x_axis, **kwargs)
            assert (got.min_x, got.max_x, got.bucket_width, got.origin) == (
                expected.min_x, expected.max_x, expected.bucket_width, expected.origin), kwargs
            assert _rows(got) == _rows(expected), kwargs
            assert got.buckets and (max(b.max for b in got.buckets) == 1e6 or "max_x" in kwargs)
