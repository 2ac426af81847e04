"""A guard against hot-path regressions (an fsync per write, N+1 queries, migrations on every open).

The floors are far below what the store does (see bench/store_bench.py; the targets are 1000 log_metric
and 300 create_run calls per second on SQLite), so a busy shared machine does not fail them.
"""
from __future__ import annotations

import time

from mlplug.entities import Metric
from mlplug_store_sql.store import SqlTrackingStore


def _per_second(n: int, fn) -> float:
    start = time.perf_counter()
    for i in range(n):
        fn(i)
    return n / (time.perf_counter() - start)


def test_sqlite_hot_paths_are_fast(tmp_path):
    store = SqlTrackingStore(f"sqlite:///{tmp_path / 'fast.db'}", str(tmp_path / "artifacts"))
    try:
        experiment_id = store.create_experiment("throughput")
        runs: list[str] = []
        create_rate = _per_second(300, lambda i: runs.append(store.create_run(experiment_id).info.run_id))
        metric_rate = _per_second(1000, lambda i: store.log_metric(runs[0], Metric("loss", 1 / (i + 1), i, i)))
    finally:
        store.close()
    assert create_rate > 150, f"create_run: {create_rate:.0f}/s"
    assert metric_rate > 500, f"log_metric: {metric_rate:.0f}/s"
