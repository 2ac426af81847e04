"""The REST store against a real `mlplug server`: what the contract suite does not cover."""
from __future__ import annotations

import threading
import time
import uuid

import pytest

from mlplug.entities import Metric
from mlplug.errors import InvalidState
from mlplug.host import get_host


@pytest.fixture
def store(server_url):
    return get_host().tracking_store(server_url)


def test_threads_share_one_store_safely(store):
    experiment_id = store.create_experiment(f"threads-{uuid.uuid4().hex[:8]}")
    run_id = store.create_run(experiment_id, start_time=1).info.run_id
    errors = []

    def log(worker: int) -> None:
        try:
            for step in range(25):
                store.log_metric(run_id, Metric(f"w{worker}", float(step), 1000 + step, step))
        except Exception as err:  # reported below; a thread's exception would otherwise vanish
            errors.append(err)

    threads = [threading.Thread(target=log, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    for worker in range(8):
        assert [m.step for m in store.get_metric_history(run_id, f"w{worker}")] == list(range(25))


def test_a_definitive_server_error_is_not_retried(store):
    experiment_id = store.create_experiment(f"gone-{uuid.uuid4().hex[:8]}")
    store.delete_experiment(experiment_id)
    started = time.monotonic()
    with pytest.raises(InvalidState):
        store.rename_experiment(experiment_id, f"renamed-{uuid.uuid4().hex[:8]}")
    assert time.monotonic() - started < 2
