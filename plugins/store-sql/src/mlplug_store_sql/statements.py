"""The write statements whose SQL differs by backend: insert-or-ignore, upsert, latest-metric upsert,
and the single-row writes that happen only while their run is active.

Built once per store, compiled once by `raw.Compiler` and executed with lists of row dicts, which the driver
gets as one executemany. Callers pass rows without duplicate keys.
"""
from __future__ import annotations

import importlib
from typing import Any, Sequence

import sqlalchemy as sa

from mlplug_store_sql import registry_schema, schema
from mlplug_store_sql.raw import Cursor

# The module whose `insert()` supports ON CONFLICT / ON DUPLICATE KEY, by dialect name (imported on use).
_INSERT_MODULES = {"sqlite": "sqlalchemy.dialects.sqlite", "postgresql": "sqlalchemy.dialects.postgresql",
                   "mysql": "sqlalchemy.dialects.mysql", "mariadb": "sqlalchemy.dialects.mysql"}
_METRIC_VALUE_COLUMNS = ("value", "timestamp", "step", "is_nan", "dataset_name", "dataset_digest", "model_id")


class Statements:
    def __init__(self, dialect: str):
        self.mysql = dialect in ("mysql", "mariadb")
        self._insert = importlib.import_module(_INSERT_MODULES[dialect]).insert
        self.insert_metrics = self.insert_ignore(schema.metrics)
        self.insert_params = self.insert_ignore(schema.params)
        self.upsert_tags = self.upsert(schema.tags, ("value",))
        # Single-row writes guarded by "the run is active" (the log_metric/log_param/set_tag fast paths).
        # MySQL reports matched rather than inserted rows, so a skipped duplicate param would look written.
        self.insert_metric_if_active = self._if_run_active(schema.metrics)
        self.insert_param_if_active = None if self.mysql else self._if_run_active(schema.params)
        self.upsert_tag_if_active = self._if_run_active(schema.tags, ("value",))
        self.upsert_experiment_tags = self.upsert(schema.experiment_tags, ("value",))
        self.insert_dataset = self.insert_ignore(schema.datasets, any_key=True)
        self.insert_run_inputs = self.insert_ignore(schema.run_inputs)
        self.upsert_input_tags = self.upsert(schema.run_input_tags, ("value",))
        self.insert_model_inputs = self.insert_ignore(schema.run_model_inputs)
        self.upsert_model_outputs = self.upsert(schema.run_model_outputs, ("step",))
        self.insert_experiment_ignore = self.insert_ignore(schema.experiments)
        self.insert_model_metrics = self.insert_ignore(schema.logged_model_metrics)
        self.upsert_logged_model_tags = self.upsert(schema.logged_model_tags, ("value",))
        self.insert_logged_model_params = self.insert_ignore(schema.logged_model_params)
        self.upsert_registered_model_tags = self.upsert(registry_schema.registered_model_tags, ("value",))
        self.upsert_model_version_tags = self.upsert(registry_schema.model_version_tags, ("value",))
        self.upsert_aliases = self.upsert(registry_schema.registered_model_aliases, ("version",))
        if self.mysql:
            self._insert_latest = self.insert_ignore(schema.latest_metrics)
            self._update_latest = _conditional_latest_update()
        else:
            self._upsert_latest = self._latest_upsert()

    def insert_ignore(self, table: sa.Table, any_key: bool = False) -> Any:
        """INSERT that skips rows whose primary key (or, with `any_key`, any unique key) exists."""
        stmt = self._insert(table)
        if self.mysql:
            first_key = table.primary_key.columns.values()[0]
            return stmt.on_duplicate_key_update({first_key.name: first_key})
        return stmt.on_conflict_do_nothing(index_elements=None if any_key else list(table.primary_key.columns))

    def _if_run_active(self, table: sa.Table, update: Sequence[str] = ()) -> Any:
        """INSERT of one row that happens only while its run is active: check and write in one statement.

        A row count of 0 means the run is missing or not active, or (without `update`, except on MySQL)
        that the row existed; with `update`, an existing row's `update` columns are overwritten.
        """
        runs = schema.runs.c
        names = [c.name for c in table.columns]
        values = sa.select(*[runs.run_id if n == "run_id" else sa.bindparam(n, type_=table.c[n].type)
                             for n in names]).where(runs.run_id == sa.bindparam("run_id"),
                                                    runs.lifecycle_stage == "active")
        # SQLAlchemy keeps an INSERT's row count only when asked to.
        stmt = self._insert(table).from_select(names, values).execution_options(preserve_rowcount=True)
        if self.mysql:
            return stmt.on_duplicate_key_update({c: stmt.inserted[c] for c in update} or {"run_id": table.c.run_id})
        keys = list(table.primary_key.columns)
        if update:
            return stmt.on_conflict_do_update(index_elements=keys, set_={c: stmt.excluded[c] for c in update})
        return stmt.on_conflict_do_nothing(index_elements=keys)

    def upsert(self, table: sa.Table, update: Sequence[str]) -> Any:
        """INSERT that overwrites `update` columns of rows whose primary key exists."""
        stmt = self._insert(table)
        if self.mysql:
            return stmt.on_duplicate_key_update({c: stmt.inserted[c] for c in update})
        return stmt.on_conflict_do_update(index_elements=list(table.primary_key.columns),
                                          set_={c: stmt.excluded[c] for c in update})

    def _latest_upsert(self) -> Any:
        stmt = self._insert(schema.latest_metrics)
        new, old = stmt.excluded, schema.latest_metrics.c
        newer = _rank(new.step, new.timestamp, new.is_nan, new.value) > _rank(old.step, old.timestamp,
                                                                               old.is_nan, old.value)
        return stmt.on_conflict_do_update(index_elements=[old.run_id, old.key],
                                          set_={c: new[c] for c in _METRIC_VALUE_COLUMNS}, where=newer)

    def update_latest(self, cur: Cursor, rows: list[dict[str, Any]]) -> None:
        """Make each row the latest point of its (run, key) unless a later one is stored.

        The comparison runs inside the database, so concurrent writers cannot lose an update.
        """
        if not self.mysql:
            cur.executemany(self._upsert_latest, rows)
            return
        # MySQL's ON DUPLICATE KEY UPDATE cannot compare against the old row, so: add missing rows,
        # then a conditional update (a no-op for the rows just added).
        cur.executemany(self._insert_latest, rows)
        cur.executemany(self._update_latest, [{f"new_{k}": v for k, v in r.items()} for r in rows])


def _rank(step, timestamp, is_nan, value) -> sa.Tuple:
    return sa.tuple_(step, timestamp, sa.not_(is_nan), value)


def _conditional_latest_update() -> Any:
    t = schema.latest_metrics.c
    new = {c: sa.bindparam(f"new_{c}", type_=t[c].type) for c in ("run_id", "key") + _METRIC_VALUE_COLUMNS}
    newer = _rank(new["step"], new["timestamp"], new["is_nan"], new["value"]) > _rank(
        t.step, t.timestamp, t.is_nan, t.value)
    return (sa.update(schema.latest_metrics)
            .where(t.run_id == new["run_id"], t.key == new["key"], newer)
            .values({c: new[c] for c in _METRIC_VALUE_COLUMNS}))
