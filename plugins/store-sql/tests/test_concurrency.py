"""Many writers at once: separate processes on one SQLite file, forked workers, threads on every backend.

Every row must arrive, no writer may see "database is locked", and the latest metric must be the one
the rule picks however the writes interleave.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import traceback

import pytest

from mlplug.entities import Metric, Param, RunTag
from mlplug_store_sql.store import SqlTrackingStore

T0 = 1_700_000_000_000

_WRITER = textwrap.dedent("""
    import sys
    from mlplug.entities import Metric, Param, RunTag
    from mlplug_store_sql.store import SqlTrackingStore

    uri, run_id, worker, n, t0 = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    store = SqlTrackingStore(uri)
    for i in range(n):
        store.log_metric(run_id, Metric(f"w{worker}", float(i), t0 + i, i))
        store.log_batch(run_id, metrics=[Metric("shared", float(worker * n + i), t0 + i, i)],
                        params=[Param(f"w{worker}-p{i}", str(i))], tags=[RunTag(f"w{worker}", str(i))])
    store.close()
""")


def test_processes_writing_one_sqlite_file_lose_nothing(tmp_path):
    uri = f"sqlite:///{tmp_path / 'shared.db'}"
    store = SqlTrackingStore(uri)
    run_id = store.create_run(store.create_experiment("concurrent"), start_time=T0).info.run_id
    workers, n = 4, 300
    procs = [subprocess.Popen([sys.executable, "-c", _WRITER, uri, run_id, str(w), str(n), str(T0)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for w in range(workers)]
    outcomes = [p.communicate(timeout=300) + (p.returncode,) for p in procs]
    errors = [err for _out, err, rc in outcomes if rc != 0 or err.strip()]
    assert errors == [], errors[0] if errors else ""

    for w in range(workers):
        assert [m.step for m in store.get_metric_history(run_id, f"w{w}")] == list(range(n))
    shared = store.get_metric_history(run_id, "shared")
    assert len(shared) == workers * n
    data = store.get_run(run_id).data
    assert len(data.params) == workers * n
    assert all(data.tags[f"w{w}"] == str(n - 1) for w in range(workers))
    latest = {m.key: m for m in data.metric_list}["shared"]
    assert (latest.step, latest.value) == (n - 1, float((workers - 1) * n + n - 1))
    store.close()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_store_made_before_fork_works_in_the_children(backend, tmp_path, request):
    """A gunicorn master builds the store; its forked workers must not share its connections."""
    uri = f"sqlite:///{tmp_path / 'fork.db'}" if backend == "sqlite" else request.getfixturevalue("postgres_uri")
    store = SqlTrackingStore(uri)
    run_id = store.create_run(store.create_experiment(f"fork-{backend}-{os.getpid()}"), start_time=T0).info.run_id
    store.log_metric(run_id, Metric("parent", 0.0, T0, 0))
    assert store.engine.pool.checkedin() == 1  # the parent holds a pooled connection while forking
    children, n = [], 50
    for worker in range(3):
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            code = 0
            try:
                if store.engine.pool.checkedin() != 0:
                    code = 3  # inherited the parent's connections
                else:
                    for i in range(n):
                        store.log_metric(run_id, Metric(f"child{worker}", float(i), T0 + i, i))
            except BaseException:
                traceback.print_exc()
                code = 1
            os._exit(code)
        children.append(pid)
    for i in range(1, n):
        store.log_metric(run_id, Metric("parent", float(i), T0 + i, i))
    codes = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in children]
    assert codes == [0, 0, 0]
    for key in ("parent", "child0", "child1", "child2"):
        assert len(store.get_metric_history(run_id, key)) == n, key
    store.close()


def test_threads_writing_one_key_keep_the_latest_right(any_store):
    run_id = any_store.create_run(any_store.create_experiment(f"threads-{os.getpid()}-{id(any_store)}"),
                                  start_time=T0).info.run_id
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        try:
            for i in range(60):
                step = (i * 7 + worker) % 25
                any_store.log_batch(run_id, metrics=[Metric("m", float(worker), T0 + step, step)],
                                    params=[Param(f"t{worker}-{i}", "v")], tags=[RunTag("last", str(worker))])
        except BaseException as err:  # collected and re-raised in the test thread
            errors.append(err)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    data = any_store.get_run(run_id).data
    latest = {m.key: m for m in data.metric_list}["m"]
    assert (latest.step, latest.timestamp, latest.value) == (24, T0 + 24, 3.0)  # every worker hits step 24
    assert len(data.params) == 240
