"""The raw statement path (`mlplug_store_sql.raw`): compiled per dialect, bound in the driver's order,
driver errors as SQLAlchemy's, and still a fixed number of statements per page of runs."""
from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql, sqlite

from mlplug.entities import Metric, Param, RunTag
from mlplug_store_sql import raw, schema
from mlplug_store_sql.raw import Compiler, Cursor, write_transaction
from mlplug_store_sql.statements import Statements
from mlplug_store_sql.store import SqlTrackingStore

T0 = 1_700_000_000_000
_P = schema.params.c
PARAMS_OF = (sa.select(_P.key, _P.value)
             .where(_P.run_id == sa.bindparam("run_id"), _P.key.in_(sa.bindparam("keys", expanding=True))))


@pytest.mark.parametrize("dialect, placeholder, expected", [
    (sqlite.dialect(), "?", ("r1", "a", "b", "c")),
    (mysql.dialect(), "%s", ("r1", "a", "b", "c")),
    (postgresql.dialect(), "%(keys_3)s", {"run_id": "r1", "keys_1": "a", "keys_2": "b", "keys_3": "c"}),
])
def test_in_lists_are_compiled_per_length_and_bound_in_the_drivers_order(dialect, placeholder, expected):
    compiler = Compiler(dialect)
    values = {"run_id": "r1", "keys": ["a", "b", "c"]}
    query = compiler.query(PARAMS_OF, values)
    assert placeholder in query.sql and "POSTCOMPILE" not in query.sql
    bound = query.bind(values)
    assert (bound if isinstance(bound, tuple) else {k: bound[k] for k in expected}) == expected
    assert compiler.query(PARAMS_OF, {"run_id": "r2", "keys": ["x", "y", "z"]}) is query
    assert compiler.query(PARAMS_OF, {"run_id": "r2", "keys": ["x"]}).bind({"run_id": "r2", "keys": ["x"]}) in (
        ("r2", "x"), {"run_id": "r2", "keys_1": "x"})
    assert compiler.query(PARAMS_OF, {"run_id": "r2", "keys": []}).bind({"run_id": "r2", "keys": []}) in (
        ("r2",), {"run_id": "r2"})


def test_the_compiled_forms_are_bounded(monkeypatch):
    monkeypatch.setattr(raw, "MAX_COMPILED", 3)
    compiler = Compiler(sqlite.dialect())
    for n in range(1, 10):
        compiler.query(PARAMS_OF, {"run_id": "r", "keys": ["k"] * n})
    assert len(compiler._queries) <= 3


@pytest.mark.parametrize("dialect", [sqlite.dialect(), mysql.dialect(), postgresql.dialect()])
def test_constants_written_into_a_statement_keep_their_value(dialect):
    name = {"sqlite": "sqlite", "mysql": "mysql", "postgresql": "postgresql"}[dialect.name]
    statement = Statements(name).insert_metric_if_active  # ... WHERE runs.lifecycle_stage = 'active'
    row = {"run_id": "r", "key": "k", "value": 1.5, "timestamp": T0, "step": 3, "is_nan": False,
           "dataset_name": None, "dataset_digest": None, "model_id": None}
    bound = Compiler(dialect).query(statement, row).bind(row)
    values = list(bound.values()) if isinstance(bound, dict) else list(bound)
    assert "active" in values and 1.5 in values and T0 in values


@pytest.fixture()
def store(tmp_path):
    store = SqlTrackingStore(f"sqlite:///{tmp_path / 'raw.db'}", str(tmp_path / "artifacts"))
    yield store
    store.close()


def _run(store) -> str:
    return store.create_run(store.create_experiment(f"raw-{uuid.uuid4().hex[:8]}"), start_time=T0).info.run_id


def test_driver_errors_surface_as_sqlalchemy_errors(store):
    run_id = _run(store)
    insert = sa.insert(schema.params)
    with pytest.raises(sa.exc.IntegrityError):
        with write_transaction(store.engine, Compiler(store.engine.dialect)) as cur:
            cur.executemany(insert, [{"run_id": run_id, "key": "p", "value": "1"},
                                     {"run_id": run_id, "key": "p", "value": "2"}])


def test_a_failed_write_transaction_leaves_nothing_behind(store):
    run_id = _run(store)
    compiler = Compiler(store.engine.dialect)
    with pytest.raises(RuntimeError):
        with write_transaction(store.engine, compiler) as cur:
            cur.executemany(sa.insert(schema.params), [{"run_id": run_id, "key": "p", "value": "1"}])
            raise RuntimeError("abort")
    assert store.get_run(run_id).data.params == {}
    with write_transaction(store.engine, compiler) as cur:  # the pooled connection is usable again
        cur.executemany(sa.insert(schema.params), [{"run_id": run_id, "key": "p", "value": "1"}])
    assert store.get_run(run_id).data.params == {"p": "1"}


def test_cursor_reads_rows_as_tuples(store):
    run_id = _run(store)
    store.log_batch(run_id, params=[Param("b", "2"), Param("a", "1")])
    with store.engine.connect() as conn:
        cur = Cursor.of(conn, Compiler(store.engine.dialect))
        assert sorted(cur.all(PARAMS_OF, {"run_id": run_id, "keys": ["a", "b", "zz"]})) == [("a", "1"), ("b", "2")]
        assert cur.all(PARAMS_OF, {"run_id": run_id, "keys": []}) == []
        assert cur.first(PARAMS_OF, {"run_id": run_id, "keys": ["nope"]}) is None


def _driver_statements(store, action) -> list[str]:
    """The SQL the SQLite driver ran for `action()` (after connecting), on every pooled connection."""
    seen: list[str] = []

    def trace(dbapi_conn, _record) -> None:
        dbapi_conn.set_trace_callback(seen.append)

    store.engine.dispose()
    sa.event.listen(store.engine, "connect", trace)
    try:
        action()
    finally:
        sa.event.remove(store.engine, "connect", trace)
        store.engine.dispose()
    return [s for s in seen if not s.startswith("PRAGMA")]


def test_a_page_of_runs_takes_a_fixed_number_of_driver_statements(store):
    """No N+1 on the raw path either: counted where the statements really run, in the driver."""
    def statements_for(n_runs: int) -> int:
        experiment_id = store.create_experiment(f"page-{uuid.uuid4().hex[:8]}")
        for i in range(n_runs):
            run_id = store.create_run(experiment_id, start_time=T0 + i).info.run_id
            store.log_batch(run_id, metrics=[Metric("m", float(i), T0, 0)], params=[Param("p", str(i))],
                            tags=[RunTag("t", "x")])
        found: list = []
        statements = _driver_statements(store, lambda: found.extend(
            store.search_runs([experiment_id], "params.p != 'none'", order_by=["metrics.m DESC"])))
        assert len(found) == n_runs and all(r.data.params and r.data.metric_list for r in found)
        return len([s for s in statements if not s.upper().startswith(("BEGIN", "COMMIT", "ROLLBACK"))])

    assert statements_for(40) == statements_for(2) <= 8


def test_single_writes_begin_immediate_on_sqlite(store):
    run_id = _run(store)
    seen = _driver_statements(store, lambda: store.log_metric(run_id, Metric("m", 1.0, T0, 0)))
    assert seen[0] == "BEGIN IMMEDIATE" and seen[-1] == "COMMIT" and len(seen) == 4  # insert + latest upsert
