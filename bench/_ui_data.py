"""The data set of bench/ui.py, the same for both tools: plain Python only, so MLflow's venv imports it too.

`N` runs in one experiment, each with three params, two tags and two metrics (one point each), started a
second apart, plus a run "long-metric-run" with one metric of `POINTS` points (a noisy curve with a few spikes) and
the newest run, "short-metric-run", with a 100-point metric for comparison. Everything comes from one seeded RNG.
"""
from __future__ import annotations

import math
import random
import uuid
from typing import Iterator

T0 = 1_700_000_000_000
MODELS = ("cnn", "mlp", "rf", "gbt")
TEAMS = ("vision", "nlp", "tabular")
SPIKES = (123_457, 456_789, 876_543)


def run_rows(n: int, seed: int = 7) -> Iterator[dict]:
    """One dict per run: id, name, start_time, params, tags, metrics."""
    rnd = random.Random(seed)
    for i in range(n):
        yield {
            "run_id": uuid.UUID(int=rnd.getrandbits(128)).hex, "name": f"run-{i}", "start_time": T0 + i * 1000,
            "params": {"lr": rnd.choice(("0.1", "0.03", "0.01", "0.003", "0.001")), "model": rnd.choice(MODELS),
                       "seed": str(i % 1000)},
            "tags": {"mlflow.runName": f"run-{i}", "team": rnd.choice(TEAMS)},
            "metrics": {"loss": rnd.random(), "accuracy": rnd.random()},
        }


def long_run(n_runs: int, points: int) -> dict:
    return {"run_id": "1" * 32, "name": "long-metric-run", "start_time": T0 + (n_runs + 1) * 1000, "key": "big",
            "points": points}


def short_run(n_runs: int) -> dict:
    return {"run_id": "2" * 32, "name": "short-metric-run", "start_time": T0 + (n_runs + 2) * 1000, "key": "small",
            "points": 100}


def curve(points: int, start_time: int) -> Iterator[tuple[int, int, float]]:
    """(step, timestamp, value) of the long metric: a decaying noisy curve with a few tall spikes."""
    rnd = random.Random(11)
    for s in range(points):
        value = 2.0 * math.exp(-s / max(1, points / 5)) + 0.05 * rnd.random() + 0.02 * math.sin(s / 50)
        if s in SPIKES:
            value += 25.0
        yield s, start_time + 10 * s, value


def newest_matching(n: int, predicate) -> str | None:
    """The name of the newest run (the first row of the default order) for which predicate(run) holds."""
    found = None
    for row in run_rows(n):
        if predicate(row):
            found = row["name"]
    return found
