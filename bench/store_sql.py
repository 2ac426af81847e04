#!/usr/bin/env python3
"""Store-level throughput of SqlTrackingStore (no HTTP): prints one JSON object.

Usage: .venv/bin/python bench/store_sql.py [URI] [--scale S]
URI defaults to a fresh SQLite file in a temporary directory. Numbers are per process, single-threaded.
"""
from __future__ import annotations

import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from mlplug.entities import Metric, Param, RunTag
from mlplug_store_sql.store import SqlTrackingStore


def _rate(n: int, fn) -> float:
    start = time.perf_counter()
    for i in range(n):
        fn(i)
    return n / (time.perf_counter() - start)


def _median_ms(fn, repeat: int = 10) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    scale = float(sys.argv[sys.argv.index("--scale") + 1]) if "--scale" in sys.argv else 1.0
    if args and args[0].replace(".", "").isdigit():
        args = args[1:]
    uri = args[0] if args else f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    store = SqlTrackingStore(uri, tempfile.mkdtemp())
    now = int(time.time() * 1000)
    experiment_id = store.create_experiment(f"bench-{time.time_ns()}")
    out: dict[str, float | int | str] = {"uri": uri.split("://")[0]}

    n_runs = int(1000 * scale)
    runs: list[str] = []
    out["create_run_per_s"] = _rate(n_runs, lambda i: runs.append(
        store.create_run(experiment_id, start_time=now, run_name=f"r{i}").info.run_id))

    n_metrics = int(3000 * scale)
    out["log_metric_per_s"] = _rate(n_metrics, lambda i: store.log_metric(
        runs[0], Metric("loss", 1 / (i + 1), now + i, i)))
    out["log_param_per_s"] = _rate(int(1000 * scale), lambda i: store.log_param(runs[-2], Param(f"p{i}", str(i))))
    out["set_tag_per_s"] = _rate(int(1000 * scale), lambda i: store.set_tag(runs[-2], RunTag("t", str(i))))

    rnd = random.Random(7)
    out["log_batch_100m_10p_per_s"] = _rate(n_runs - 2, lambda i: store.log_batch(
        runs[i], metrics=[Metric(f"m{k}", rnd.random(), now, 0) for k in range(100)],
        params=[Param(f"p{k}", rnd.choice("abc")) for k in range(10)], tags=[RunTag("team", rnd.choice("xy"))]))

    steps = int(10000 * scale)
    start = time.perf_counter()
    for s0 in range(0, steps, 1000):
        chunk = range(s0, min(steps, s0 + 1000))
        store.log_batch(runs[-1], metrics=[Metric("curve", float(s), now + s, s) for s in chunk])
    out["log_batch_1000m_per_s"] = (steps / 1000) / (time.perf_counter() - start)
    out["get_history_10k_ms"] = _median_ms(lambda: store.get_metric_history(runs[-1], "curve"), 5)
    out["get_run_ms"] = _median_ms(lambda: store.get_run(runs[5]), 50)
    out["search_metric_filter_ms"] = _median_ms(lambda: store.search_runs(
        [experiment_id], "metrics.m3 > 0.5", max_results=100, order_by=["metrics.m3 DESC"]))
    out["search_param_tag_ms"] = _median_ms(lambda: store.search_runs(
        [experiment_id], "params.p1 = 'a' and tags.team = 'x'", max_results=100))
    out["search_all_100_ms"] = _median_ms(lambda: store.search_runs([experiment_id], max_results=100))
    store.close()
    print(json.dumps({k: round(v, 2) if isinstance(v, float) else v for k, v in out.items()}))


if __name__ == "__main__":
    main()
