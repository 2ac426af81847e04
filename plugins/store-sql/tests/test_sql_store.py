"""What the SQL store promises beyond the contract, checked on SQLite, PostgreSQL and MariaDB."""
from __future__ import annotations

import math
import os
import random
import re
import uuid

import pytest
import sqlalchemy as sa

from mlplug.entities import DatasetInput, Metric, Param, RunTag
from mlplug.errors import MlplugError
from mlplug.host import PluginHost
from mlplug_store_sql import plugin, schema
from mlplug_store_sql.store import SqlTrackingStore

T0 = 1_700_000_000_000


def _experiment(store) -> str:
    return store.create_experiment(f"sql-{uuid.uuid4().hex[:12]}")


def test_run_ids_are_32_hex_uuids(any_store):
    run = any_store.create_run(_experiment(any_store), start_time=T0)
    assert re.fullmatch(r"[0-9a-f]{32}", run.info.run_id)


def test_experiment_ids_are_increasing_integers(any_store):
    first, second = int(_experiment(any_store)), int(_experiment(any_store))
    assert 0 < first < second


def test_default_experiment_artifacts_live_under_the_artifact_root(any_store):
    assert any_store.get_experiment("0").artifact_location == os.path.join(any_store.artifact_root, "0")


def test_without_artifact_root_the_default_is_an_absolute_mlartifacts(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    store = SqlTrackingStore("sqlite:///relative.db")
    try:
        assert store.artifact_root == str(tmp_path / "mlartifacts")
        assert os.path.exists(tmp_path / "relative.db"), "relative SQLite paths are relative to the CWD"
        experiment_id = store.create_experiment("x")
        assert store.get_experiment(experiment_id).artifact_location == str(tmp_path / "mlartifacts" / experiment_id)
    finally:
        store.close()


def _count(store, table: sa.Table, run_id: str) -> int:
    with store.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table).where(table.c.run_id == run_id)).scalar()


def test_an_identical_metric_point_is_stored_once(any_store):
    run_id = any_store.create_run(_experiment(any_store), start_time=T0).info.run_id
    for _ in range(3):
        any_store.log_metric(run_id, Metric("m", 1.0, T0, 0))
    any_store.log_batch(run_id, metrics=[Metric("m", 1.0, T0, 0)] * 3 + [Metric("m", 2.0, T0, 0)])
    assert _count(any_store, schema.metrics, run_id) == 2
    assert _count(any_store, schema.latest_metrics, run_id) == 1


def test_latest_metric_matches_the_rule_after_random_writes(any_store):
    """The database-side comparison agrees with max(step, timestamp, not-NaN, value) on every backend."""
    rnd = random.Random(42)
    run_id = any_store.create_run(_experiment(any_store), start_time=T0).info.run_id
    logged: dict[str, list[Metric]] = {}
    for i in range(60):
        points = [Metric(f"k{rnd.randrange(4)}", rnd.choice([math.nan, math.inf, -math.inf, rnd.uniform(-5, 5),
                                                              float(rnd.randrange(3))]),
                         T0 + rnd.randrange(4), rnd.randrange(4)) for _ in range(rnd.randrange(1, 5))]
        for p in points:
            logged.setdefault(p.key, []).append(p)
        if len(points) == 1 and i % 2:
            any_store.log_metric(run_id, points[0])
        else:
            any_store.log_batch(run_id, metrics=points)

    def rank(m: Metric) -> tuple:
        return m.step, m.timestamp, not math.isnan(m.value), 0.0 if math.isnan(m.value) else m.value

    latest = {m.key: m for m in any_store.get_run(run_id).data.metric_list}
    assert set(latest) == set(logged)
    for key, points in logged.items():
        expected = max(points, key=rank)
        got = latest[key]
        assert (got.step, got.timestamp) == (expected.step, expected.timestamp), key
        assert (math.isnan(got.value) and math.isnan(expected.value)) or got.value == expected.value, key


def test_infinite_values_sort_and_filter_as_numbers(any_store):
    experiment_id = _experiment(any_store)
    for name, value in (("pos", math.inf), ("neg", -math.inf), ("five", 5.0), ("nan", math.nan), ("none", None)):
        run_id = any_store.create_run(experiment_id, start_time=T0, run_name=name).info.run_id
        if value is not None:
            any_store.log_metric(run_id, Metric("x", value, T0, 0))
    ordered = [r.info.run_name for r in any_store.search_runs([experiment_id], order_by=["metrics.x DESC"])]
    assert ordered == ["pos", "five", "neg", "nan", "none"]
    below_inf = {r.info.run_name for r in any_store.search_runs([experiment_id], "metrics.x < 1e400")}
    assert below_inf == {"five", "neg"}
    at_most_inf = {r.info.run_name for r in any_store.search_runs([experiment_id], "metrics.x <= 1e400")}
    assert at_most_inf == {"pos", "five", "neg"}


def test_model_inputs_and_outputs_round_trip(any_store):
    run_id = any_store.create_run(_experiment(any_store), start_time=T0).info.run_id
    any_store.log_inputs(run_id, datasets=[DatasetInput("d", "1", "code", "src")], models=["m-in", "m-in"])
    any_store.log_outputs(run_id, [("m-out", 3), ("m-out", 5), ("m-two", 0)])
    run = any_store.get_run(run_id)
    assert run.inputs.model_inputs == ["m-in"]
    assert sorted(run.outputs.model_outputs) == [("m-out", 5), ("m-two", 0)]
    assert [d.name for d in run.inputs.dataset_inputs] == ["d"]


def test_a_dataset_is_shared_by_the_runs_of_an_experiment(any_store):
    experiment_id = _experiment(any_store)
    runs = [any_store.create_run(experiment_id, start_time=T0).info.run_id for _ in range(2)]
    for run_id in runs:
        any_store.log_inputs(run_id, datasets=[DatasetInput("shared", "abc", "local", "/d")])
    with any_store.engine.connect() as conn:
        count = conn.execute(sa.select(sa.func.count()).select_from(schema.datasets)
                             .where(schema.datasets.c.experiment_id == int(experiment_id))).scalar()
    assert count == 1


def test_search_loads_a_page_in_a_fixed_number_of_queries(any_store):
    """No N+1: the number of statements does not grow with the number of runs on the page."""
    def statements_for(n_runs: int) -> int:
        experiment_id = _experiment(any_store)
        for i in range(n_runs):
            run_id = any_store.create_run(experiment_id, start_time=T0 + i).info.run_id
            any_store.log_batch(run_id, metrics=[Metric("m", float(i), T0, 0)], params=[Param("p", str(i))],
                                tags=[RunTag("t", "x")])
        executed = []
        listener = lambda *args: executed.append(args[2])  # noqa: E731
        sa.event.listen(any_store.engine, "before_cursor_execute", listener)
        try:
            runs = any_store.search_runs([experiment_id], "params.p != 'none'", order_by=["metrics.m DESC"])
        finally:
            sa.event.remove(any_store.engine, "before_cursor_execute", listener)
        assert len(runs) == n_runs and all(r.data.params for r in runs)
        return len([s for s in executed if not s.lstrip().upper().startswith(("BEGIN", "ROLLBACK"))])

    assert statements_for(40) == statements_for(2) <= 8


def test_the_hook_builds_stores_only_for_sql_schemes(tmp_path):
    store = plugin.mlplug_tracking_store("sqlite", f"sqlite:///{tmp_path / 'h.db'}", str(tmp_path / "a"))
    try:
        assert isinstance(store, SqlTrackingStore)
        assert store.artifact_root == str(tmp_path / "a")
    finally:
        store.close()
    assert plugin.mlplug_tracking_store("http", "http://localhost:5000", None) is None


def test_the_plugin_host_opens_sql_uris(tmp_path):
    store = PluginHost().tracking_store(f"sqlite:///{tmp_path / 'host.db'}")
    try:
        assert isinstance(store, SqlTrackingStore)
    finally:
        store.close()


def test_an_unreachable_server_is_reported_clearly():
    with pytest.raises(MlplugError) as err:
        SqlTrackingStore("postgresql://nobody@127.0.0.1:1/nothing")
    assert "Cannot open the tracking database postgresql://nobody@127.0.0.1:1/nothing" in err.value.message
    assert err.value.http_status == 503
