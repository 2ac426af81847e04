"""Two gunicorn workers writing one SQLite file at once lose nothing and never report a locked database."""
from __future__ import annotations

import threading
import time

import requests

THREADS, PER_THREAD = 8, 200


def test_two_workers_concurrent_writes_to_one_sqlite_file(start_server):
    server = start_server(workers=2)
    assert len(server.worker_pids()) == 2
    eid = requests.post(server.api("experiments/create"), json={"name": "concurrency"}).json()["experiment_id"]
    run_ids = [requests.post(server.api("runs/create"), json={"experiment_id": eid, "start_time": 1}).json()["run"][
        "info"]["run_id"] for _ in range(THREADS)]
    failures: list[str] = []
    now = int(time.time() * 1000)

    def client(t: int) -> None:
        with requests.Session() as session:  # keep-alive: requests spread over both workers' connections
            for i in range(PER_THREAD):
                r = session.post(server.api("runs/log-metric"), json={
                    "run_id": run_ids[t], "key": "single", "value": i, "timestamp": now + i, "step": i})
                if r.status_code != 200:
                    failures.append(f"log-metric {r.status_code} {r.text[:200]}")
                r = session.post(server.api("runs/log-batch"), json={
                    "run_id": run_ids[t], "metrics": [{"key": "batch", "value": i, "timestamp": now, "step": i}],
                    "params": [{"key": f"p{i}", "value": str(i)}], "tags": [{"key": "last", "value": str(i)}]})
                if r.status_code != 200:
                    failures.append(f"log-batch {r.status_code} {r.text[:200]}")

    threads = [threading.Thread(target=client, args=(t,)) for t in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert "database is locked" not in server.output()
    for rid in run_ids:
        for key in ("single", "batch"):
            history = requests.get(server.api("metrics/get-history"), params={"run_id": rid, "metric_key": key}).json()
            assert [m["step"] for m in history["metrics"]] == list(range(PER_THREAD)), (rid, key)
        data = requests.get(server.api("runs/get"), params={"run_id": rid}).json()["run"]["data"]
        assert len(data["params"]) == PER_THREAD
        assert {"key": "last", "value": str(PER_THREAD - 1)} in data["tags"]
