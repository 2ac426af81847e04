"""SqlTrackingStore: the TrackingStore contract on SQLAlchemy Core, for SQLite, PostgreSQL and MySQL.

Every write is one short transaction (BEGIN IMMEDIATE on SQLite) that checks the run is active (the
single log_metric / log_param / set_tag writes fold that check into the write itself); a batch is
validated whole before its transaction starts. The database itself decides whether a point becomes a key's
latest metric, so concurrent writers (threads, gunicorn workers) cannot lose an update. Reading a page of
runs loads the params, tags, metrics and inputs of the whole page with one query each.
"""
from __future__ import annotations

import os
import sys
import uuid
from typing import Any, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from mlplug import paging, validation
from mlplug.contracts.tracking import TrackingStore, now_ms
from mlplug.entities import (DatasetInput, Experiment, LifecycleStage, Metric, PagedList, Param, Run, RunData,
                             RunInfo, RunStatus, RunTag, ViewType)
from mlplug.errors import AlreadyExists, InvalidParameter, InvalidState, NotFound
from mlplug.search import parse_filter, parse_order_by
from mlplug.uri import join, redact, split_scheme
from mlplug_store_sql import filters, rows, schema
from mlplug_store_sql.database import Database
from mlplug_store_sql.database import chunks as _chunks
from mlplug_store_sql.downsample import MetricBucketsMixin
from mlplug_store_sql.filters import RUN_NAME_TAG
from mlplug_store_sql.ids import experiment_id as _experiment_id
from mlplug_store_sql.ids import experiment_ids as _experiment_ids
from mlplug_store_sql.logged_models import LoggedModelsMixin
from mlplug_store_sql.names import generate_run_name
from mlplug_store_sql.raw import Cursor

ACTIVE, DELETED = LifecycleStage.ACTIVE, LifecycleStage.DELETED
DEFAULT_EXPERIMENT_ID = 0
DEFAULT_EXPERIMENT_NAME = "Default"

_E, _ET, _R = schema.experiments.c, schema.experiment_tags.c, schema.runs.c
_P, _T, _M, _LM = schema.params.c, schema.tags.c, schema.metrics.c, schema.latest_metrics.c
_DS, _RI, _RIT = schema.datasets.c, schema.run_inputs.c, schema.run_input_tags.c
_MI, _MO = schema.run_model_inputs.c, schema.run_model_outputs.c


def _ids(name: str = "ids") -> sa.BindParameter:
    return sa.bindparam(name, expanding=True)


# Statements are built once: SQLAlchemy caches their compiled SQL, so hot paths only bind values.
_EXPERIMENT_BY_ID = sa.select(schema.experiments).where(_E.experiment_id == sa.bindparam("id"))
_EXPERIMENT_BY_NAME = sa.select(schema.experiments).where(_E.name == sa.bindparam("name"))
_EXPERIMENT_TAGS_OF = sa.select(_ET.experiment_id, _ET.key, _ET.value).where(_ET.experiment_id.in_(_ids()))
_INSERT_EXPERIMENT = sa.insert(schema.experiments)
_SET_EXPERIMENT = schema.experiments.update().where(_E.experiment_id == sa.bindparam("id"))
_DELETE_EXPERIMENT_TAG = schema.experiment_tags.delete().where(
    _ET.experiment_id == sa.bindparam("id"), _ET.key == sa.bindparam("tag_key"))

_RUN_STATE = sa.select(_R.lifecycle_stage, _R.experiment_id).where(_R.run_id == sa.bindparam("run_id"))
_RUN_COLUMNS = [schema.runs.c[f] for f in rows.RUN_FIELDS]
_RUN_BY_ID = sa.select(*_RUN_COLUMNS).where(_R.run_id == sa.bindparam("run_id"))
_INSERT_RUN = sa.insert(schema.runs)
_INSERT_TAGS = sa.insert(schema.tags)
_SET_RUN = schema.runs.update().where(_R.run_id == sa.bindparam("target_run_id"))
_SET_RUN_NAME = _SET_RUN.values(name=sa.bindparam("new_name"))
_DELETE_TAG = schema.tags.delete().where(_T.run_id == sa.bindparam("run_id"), _T.key == sa.bindparam("tag_key"))
_PARAM_VALUES = sa.select(_P.key, _P.value).where(_P.run_id == sa.bindparam("run_id"), _P.key.in_(_ids("keys")))

_PARAMS_OF = sa.select(_P.run_id, _P.key, _P.value).where(_P.run_id.in_(_ids()))
_TAGS_OF = sa.select(_T.run_id, _T.key, _T.value).where(_T.run_id.in_(_ids()))
_METRIC_COLUMNS = [schema.metrics.c[f] for f in rows.METRIC_FIELDS]
_LATEST_OF = (sa.select(*[schema.latest_metrics.c[f] for f in rows.METRIC_FIELDS])
              .where(_LM.run_id.in_(_ids())).order_by(_LM.run_id, _LM.key))
_INPUTS_OF = (sa.select(_RI.run_id, _DS.dataset_uuid, _DS.name, _DS.digest, _DS.source_type, _DS.source,
                        _DS.schema, _DS.profile)
              .join_from(schema.run_inputs, schema.datasets, _RI.dataset_uuid == _DS.dataset_uuid)
              .where(_RI.run_id.in_(_ids())).order_by(_RI.run_id, _DS.name, _DS.digest))
_INPUT_TAGS_OF = sa.select(_RIT.run_id, _RIT.dataset_uuid, _RIT.key, _RIT.value).where(_RIT.run_id.in_(_ids()))
_MODEL_INPUTS_OF = sa.select(_MI.run_id, _MI.model_id).where(_MI.run_id.in_(_ids()))
_MODEL_OUTPUTS_OF = sa.select(_MO.run_id, _MO.model_id, _MO.step).where(_MO.run_id.in_(_ids()))
_DATASET_UUID = sa.select(_DS.dataset_uuid).where(
    _DS.experiment_id == sa.bindparam("experiment_id"), _DS.name == sa.bindparam("name"),
    _DS.digest == sa.bindparam("digest"))

_HISTORY_ORDER = (_M.step, _M.timestamp, _M.value, _M.is_nan)  # the primary key's order: no sort needed
_HISTORY = (sa.select(*[schema.metrics.c[f] for f in rows.HISTORY_FIELDS])
            .where(_M.run_id == sa.bindparam("run_id"), _M.key == sa.bindparam("key"))
            .order_by(*_HISTORY_ORDER))
_HISTORY_PAGE = _HISTORY.limit(sa.bindparam("limit")).offset(sa.bindparam("offset"))
_BULK_HISTORY = (sa.select(*_METRIC_COLUMNS)
                 .where(_M.run_id.in_(_ids()), _M.key == sa.bindparam("key"),
                        _M.step >= sa.bindparam("start_step"), _M.step <= sa.bindparam("end_step"))
                 .order_by(_M.run_id, *_HISTORY_ORDER))


def _spread(steps: list[int], n: int) -> set[int]:
    """`n` of the sorted `steps`, evenly spaced, always keeping the first and (for n > 1) the last."""
    if len(steps) <= n:
        return set(steps)
    if n == 1:
        return {steps[0]}
    last = len(steps) - 1
    return {steps[round(i * last / (n - 1))] for i in range(n)}


def _artifact_root(artifact_uri: str | None) -> str:
    if not artifact_uri:
        return os.path.abspath("mlartifacts")
    if not split_scheme(artifact_uri)[0]:
        return os.path.abspath(artifact_uri)
    return artifact_uri.rstrip("/")


def _not_active(what: str, ident: Any, stage: str) -> InvalidParameter:
    return InvalidParameter(f"The {what} {ident} must be in the 'active' state. Current state is {stage}.")


def _experiment_tag_rows(tags: dict[str, str] | None) -> list[dict[str, str]]:
    return [{"key": validation.key(k, "tag"),
             "value": validation.tag_value(k, v, validation.MAX_EXPERIMENT_TAG_VALUE)}
            for k, v in (tags or {}).items()]


class SqlTrackingStore(MetricBucketsMixin, LoggedModelsMixin, Database, TrackingStore):
    """Tracking store in a SQL database; `artifact_uri` is the root for new experiments' artifacts."""

    what = "tracking database"

    def __init__(self, store_uri: str, artifact_uri: str | None = None):
        self.artifact_root = _artifact_root(artifact_uri)
        super().__init__(store_uri)

    def __repr__(self) -> str:
        return f"SqlTrackingStore({redact(self.store_uri)!r}, artifact_root={self.artifact_root!r})"

    def _prepare(self) -> None:
        self._ensure_default_experiment()

    def _ensure_default_experiment(self) -> None:
        with self._read() as conn:
            if conn.execute(_EXPERIMENT_BY_ID, {"id": DEFAULT_EXPERIMENT_ID}).first() is not None:
                return
        now = now_ms()
        row = {"experiment_id": DEFAULT_EXPERIMENT_ID, "name": DEFAULT_EXPERIMENT_NAME,
               "artifact_location": join(self.artifact_root, str(DEFAULT_EXPERIMENT_ID)),
               "lifecycle_stage": ACTIVE, "creation_time": now, "last_update_time": now}
        with self._engine.begin() as conn:
            conn.execute(self._sql.insert_experiment_ignore, [row])

    # --- experiments -----------------------------------------------------------------------------
    def create_experiment(self, name: str, artifact_location: str | None = None,
                          tags: dict[str, str] | None = None) -> str:
        validation.experiment_name(name)
        if artifact_location and split_scheme(artifact_location)[0] == "runs":
            raise InvalidParameter(f"Invalid experiment artifact location '{artifact_location}': it cannot be a "
                                   "runs:/ URI. Use a path or a storage URI (file://, s3://, ...).")
        tag_rows = _experiment_tag_rows(tags)
        try:
            return self._write(self._create_experiment, name, artifact_location, tag_rows)
        except sa.exc.IntegrityError:  # another writer took the name between our check and insert
            raise AlreadyExists(f"Experiment(name={name}) already exists.") from None

    def _create_experiment(self, conn: Connection, name: str, location: str | None,
                           tag_rows: list[dict]) -> str:
        if conn.execute(_EXPERIMENT_BY_NAME, {"name": name}).first() is not None:
            raise AlreadyExists(f"Experiment(name={name}) already exists.")
        now = now_ms()
        result = conn.execute(_INSERT_EXPERIMENT, {"name": name, "artifact_location": location or "",
                                                   "lifecycle_stage": ACTIVE, "creation_time": now,
                                                   "last_update_time": now})
        experiment_id = result.inserted_primary_key[0]
        if not location:
            conn.execute(_SET_EXPERIMENT, {"id": experiment_id,
                                           "artifact_location": join(self.artifact_root, str(experiment_id))})
        if tag_rows:
            conn.execute(self._sql.upsert_experiment_tags, [dict(r, experiment_id=experiment_id) for r in tag_rows])
        return str(experiment_id)

    def _experiment_tags(self, conn: Connection, ids: Sequence[int]) -> dict[int, dict[str, str]]:
        found: dict[int, dict[str, str]] = {i: {} for i in ids}
        for chunk in _chunks(list(ids)):
            for experiment_id, key, value in conn.execute(_EXPERIMENT_TAGS_OF, {"ids": chunk}):
                found[experiment_id][key] = value
        return found

    def get_experiment(self, experiment_id: str) -> Experiment:
        eid = _experiment_id(experiment_id)
        with self._read() as conn:
            row = conn.execute(_EXPERIMENT_BY_ID, {"id": eid}).first()
            if row is None:
                raise NotFound(f"No Experiment with id={experiment_id} exists")
            return rows.to_experiment(row, self._experiment_tags(conn, [eid])[eid])

    def get_experiment_by_name(self, name: str) -> Experiment | None:
        with self._read() as conn:
            row = conn.execute(_EXPERIMENT_BY_NAME, {"name": name}).first()
            if row is None:
                return None
            return rows.to_experiment(row, self._experiment_tags(conn, [row.experiment_id])[row.experiment_id])

    def search_experiments(self, view_type: int = ViewType.ACTIVE_ONLY, max_results: int = 1000,
                           filter_string: str | None = None, order_by: Sequence[str] | None = None,
                           page_token: str | None = None) -> PagedList[Experiment]:
        validation.max_results(max_results)
        comparisons = parse_filter(filter_string, "experiments")
        orders = parse_order_by(list(order_by or ()), "experiments")
        offset = paging.decode(page_token)
        query = (sa.select(schema.experiments)
                 .where(_E.lifecycle_stage.in_(ViewType.stages(ViewType.parse(view_type))),
                        *[filters.experiment_clause(c) for c in comparisons])
                 .order_by(*filters.experiment_ordering(orders))
                 .limit(max_results + 1).offset(offset))
        with self._read() as conn:
            found = conn.execute(query).all()
            page = found[:max_results]
            tags = self._experiment_tags(conn, [r.experiment_id for r in page])
        return PagedList([rows.to_experiment(r, tags[r.experiment_id]) for r in page],
                         paging.next_token(offset, len(page), max_results, has_more=len(found) > max_results))

    def _experiment_row(self, conn: Connection, experiment_id: Any) -> Row:
        row = conn.execute(_EXPERIMENT_BY_ID, {"id": _experiment_id(experiment_id)}).first()
        if row is None:
            raise NotFound(f"No Experiment with id={experiment_id} exists")
        return row

    def _active_experiment(self, conn: Connection, experiment_id: Any) -> Row:
        row = self._experiment_row(conn, experiment_id)
        if row.lifecycle_stage != ACTIVE:
            raise _not_active("experiment", experiment_id, row.lifecycle_stage)
        return row

    def delete_experiment(self, experiment_id: str) -> None:
        self._write(self._delete_experiment, experiment_id)

    def _delete_experiment(self, conn: Connection, experiment_id: str) -> None:
        row = self._experiment_row(conn, experiment_id)
        if row.lifecycle_stage != ACTIVE:
            raise NotFound(f"No Experiment with id={experiment_id} exists (it is already deleted)")
        now = now_ms()
        conn.execute(_SET_EXPERIMENT, {"id": row.experiment_id, "lifecycle_stage": DELETED, "last_update_time": now})
        conn.execute(schema.runs.update()
                     .where(_R.experiment_id == row.experiment_id, _R.lifecycle_stage == ACTIVE)
                     .values(lifecycle_stage=DELETED, deleted_time=now))

    def restore_experiment(self, experiment_id: str) -> None:
        self._write(self._restore_experiment, experiment_id)

    def _restore_experiment(self, conn: Connection, experiment_id: str) -> None:
        row = self._experiment_row(conn, experiment_id)
        if row.lifecycle_stage != DELETED:
            raise NotFound(f"No deleted Experiment with id={experiment_id} exists (it is active)")
        # The runs deleted with the experiment carry its deletion time; runs deleted before stay deleted.
        conn.execute(schema.runs.update()
                     .where(_R.experiment_id == row.experiment_id, _R.lifecycle_stage == DELETED,
                            _R.deleted_time >= row.last_update_time)
                     .values(lifecycle_stage=ACTIVE, deleted_time=None))
        conn.execute(_SET_EXPERIMENT, {"id": row.experiment_id, "lifecycle_stage": ACTIVE,
                                       "last_update_time": now_ms()})

    def rename_experiment(self, experiment_id: str, new_name: str) -> None:
        validation.experiment_name(new_name)
        try:
            self._write(self._rename_experiment, experiment_id, new_name)
        except sa.exc.IntegrityError:
            raise AlreadyExists(f"Experiment(name={new_name}) already exists.") from None

    def _rename_experiment(self, conn: Connection, experiment_id: str, new_name: str) -> None:
        row = self._experiment_row(conn, experiment_id)
        if row.lifecycle_stage != ACTIVE:
            raise InvalidState("Cannot rename a non-active experiment.")
        if new_name != row.name and conn.execute(_EXPERIMENT_BY_NAME, {"name": new_name}).first() is not None:
            raise AlreadyExists(f"Experiment(name={new_name}) already exists.")
        conn.execute(_SET_EXPERIMENT, {"id": row.experiment_id, "name": new_name, "last_update_time": now_ms()})

    def set_experiment_tag(self, experiment_id: str, key: str, value: str) -> None:
        (row,) = _experiment_tag_rows({key: value})
        self._write(self._set_experiment_tag, experiment_id, row)

    def _set_experiment_tag(self, conn: Connection, experiment_id: str, row: dict) -> None:
        experiment = self._active_experiment(conn, experiment_id)
        conn.execute(self._sql.upsert_experiment_tags, [dict(row, experiment_id=experiment.experiment_id)])

    def delete_experiment_tag(self, experiment_id: str, key: str) -> None:
        self._write(self._delete_experiment_tag, experiment_id, key)

    def _delete_experiment_tag(self, conn: Connection, experiment_id: str, key: str) -> None:
        experiment = self._active_experiment(conn, experiment_id)
        if conn.execute(_DELETE_EXPERIMENT_TAG, {"id": experiment.experiment_id, "tag_key": key}).rowcount == 0:
            raise NotFound(f"No tag with name: {key} in experiment with id {experiment_id}")

    # --- runs ------------------------------------------------------------------------------------
    def create_run(self, experiment_id: str, user_id: str = "", start_time: int | None = None,
                   tags: Sequence[RunTag] = (), run_name: str | None = None) -> Run:
        tags = list(tags)
        validation.batch((), (), tags)
        tag_values = {t.key: validation.tag_value(t.key, t.value) for t in tags}
        tagged_name = tag_values.get(RUN_NAME_TAG)
        if run_name and tagged_name and run_name != tagged_name:
            raise InvalidParameter(f"Both 'run_name' argument and '{RUN_NAME_TAG}' tag are specified, but with "
                                   f"different values (run_name='{run_name}', {RUN_NAME_TAG}='{tagged_name}').")
        name = run_name or tagged_name or generate_run_name()
        tag_values[RUN_NAME_TAG] = validation.tag_value(RUN_NAME_TAG, name)
        start = now_ms() if start_time is None else int(start_time)
        return self._write(self._create_run, experiment_id, uuid.uuid4().hex, name, user_id or "", start,
                           tag_values)

    def _create_run(self, conn: Connection, experiment_id: str, run_id: str, name: str, user_id: str,
                    start_time: int, tag_values: dict[str, str]) -> Run:
        experiment = self._experiment_row(conn, experiment_id)
        if experiment.lifecycle_stage != ACTIVE:
            raise _not_active("experiment", experiment_id, experiment.lifecycle_stage)
        info = RunInfo(run_id, str(experiment.experiment_id), name, user_id, RunStatus.RUNNING, start_time, None,
                       join(experiment.artifact_location, run_id, "artifacts"), ACTIVE)
        conn.execute(_INSERT_RUN, {"run_id": run_id, "experiment_id": experiment.experiment_id, "name": name,
                                   "user_id": user_id, "status": info.status, "start_time": start_time,
                                   "end_time": None, "artifact_uri": info.artifact_uri,
                                   "lifecycle_stage": ACTIVE, "deleted_time": None})
        conn.execute(_INSERT_TAGS, [{"run_id": run_id, "key": k, "value": v} for k, v in tag_values.items()])
        return Run(info, RunData(tags=dict(tag_values)))

    def _run_state(self, cur: Cursor, run_id: str) -> tuple[str, int]:
        """(lifecycle_stage, experiment_id) of a run that must exist."""
        state = cur.first(_RUN_STATE, {"run_id": run_id})
        if state is None:
            raise NotFound(f"Run with id={run_id} not found")
        return state

    def _active_run(self, cur: Cursor, run_id: str) -> tuple[str, int]:
        state = self._run_state(cur, run_id)
        if state[0] != ACTIVE:
            raise _not_active("run", run_id, state[0])
        return state

    def get_run(self, run_id: str) -> Run:
        with self._read() as conn:
            cur = self._cursor(conn)
            row = cur.first(_RUN_BY_ID, {"run_id": run_id})
            if row is None:
                raise NotFound(f"Run with id={run_id} not found")
            return self._load_runs(cur, [row])[0]

    def _load_runs(self, cur: Cursor, run_rows: Sequence[Sequence[Any]]) -> list[Run]:
        """Runs (from rows of RUN_FIELDS) with their data, inputs and outputs, in a fixed number of queries
        per page."""
        runs = {r[0]: Run(rows.to_run_info(r)) for r in run_rows}
        data = {run_id: run.data for run_id, run in runs.items()}
        for chunk in _chunks(list(runs)):
            bind = {"ids": chunk}
            for run_id, key, value in cur.all(_PARAMS_OF, bind):
                data[run_id].params[key] = value
            for run_id, key, value in cur.all(_TAGS_OF, bind):
                data[run_id].tags[key] = value
            for run_id, metrics in rows.to_latest(cur.all(_LATEST_OF, bind)).items():
                data[run_id].metric_list = metrics
            datasets: dict[tuple[str, str], DatasetInput] = {}
            for run_id, dataset_uuid, name, digest, source_type, source, schema_, profile in cur.all(_INPUTS_OF, bind):
                datasets[(run_id, dataset_uuid)] = d = DatasetInput(name, digest, source_type, source, schema_,
                                                                    profile)
                runs[run_id].inputs.dataset_inputs.append(d)
            if datasets:
                for run_id, dataset_uuid, key, value in cur.all(_INPUT_TAGS_OF, bind):
                    datasets[(run_id, dataset_uuid)].tags[key] = value
            for run_id, model_id in cur.all(_MODEL_INPUTS_OF, bind):
                runs[run_id].inputs.model_inputs.append(model_id)
            for run_id, model_id, step in cur.all(_MODEL_OUTPUTS_OF, bind):
                runs[run_id].outputs.model_outputs.append((model_id, step))
        return list(runs.values())

    def update_run_info(self, run_id: str, run_status: str | None = None, end_time: int | None = None,
                        run_name: str | None = None) -> RunInfo:
        values: dict[str, Any] = {}
        if run_status is not None:
            values["status"] = RunStatus.parse(run_status)
            if values["status"] is None:
                raise InvalidParameter(f"Invalid run status {run_status!r}; expected one of "
                                       f"{', '.join(RunStatus.ALL)}.")
        if end_time is not None:
            values["end_time"] = int(end_time)
        if run_name:
            values["name"] = validation.tag_value(RUN_NAME_TAG, run_name)
        return self._write(self._update_run_info, run_id, values)

    def _update_run_info(self, conn: Connection, run_id: str, values: dict[str, Any]) -> RunInfo:
        cur = self._cursor(conn)
        self._active_run(cur, run_id)
        if values:
            conn.execute(_SET_RUN, dict(values, target_run_id=run_id))
        if "name" in values:
            cur.executemany(self._sql.upsert_tags, [{"run_id": run_id, "key": RUN_NAME_TAG, "value": values["name"]}])
        return rows.to_run_info(cur.first(_RUN_BY_ID, {"run_id": run_id}))

    def delete_run(self, run_id: str) -> None:
        self._write(self._set_run_stage, run_id, DELETED)

    def restore_run(self, run_id: str) -> None:
        self._write(self._set_run_stage, run_id, ACTIVE)

    def _set_run_stage(self, conn: Connection, run_id: str, stage: str) -> None:
        if self._run_state(self._cursor(conn), run_id)[0] != stage:  # already there: nothing to do
            conn.execute(_SET_RUN, {"target_run_id": run_id, "lifecycle_stage": stage,
                                    "deleted_time": now_ms() if stage == DELETED else None})

    # --- run data --------------------------------------------------------------------------------
    def log_batch(self, run_id: str, metrics: Sequence[Metric] = (), params: Sequence[Param] = (),
                  tags: Sequence[RunTag] = ()) -> None:
        metrics, params, tags = list(metrics), list(params), list(tags)
        validation.batch(metrics, params, tags)
        param_values = {p.key: validation.param_value(p.key, p.value) for p in params}
        tag_values = {t.key: validation.tag_value(t.key, t.value) for t in tags}  # the last value wins
        self._write_raw(self._log_batch, run_id, [rows.metric_row(run_id, m) for m in metrics],
                        [{"run_id": run_id, "key": k, "value": v} for k, v in sorted(param_values.items())],
                        [{"run_id": run_id, "key": k, "value": v} for k, v in sorted(tag_values.items())])

    # The single writes are benchmarked hot paths: the run check rides on the write itself.
    def log_metric(self, run_id: str, metric: Metric) -> None:
        validation.batch((metric,), (), ())
        self._write_raw(self._log_metric, rows.metric_row(run_id, metric))

    def _log_metric(self, cur: Cursor, row: dict) -> None:
        if cur.execute(self._sql.insert_metric_if_active, row) == 0:
            self._active_run(cur, row["run_id"])  # raises, unless the point was simply logged before
        else:
            self._sql.update_latest(cur, [row])
        if row["model_id"]:
            cur.executemany(self._sql.insert_model_metrics, [row])

    def log_param(self, run_id: str, param: Param) -> None:
        validation.batch((), (param,), ())
        row = {"run_id": run_id, "key": param.key, "value": validation.param_value(param.key, param.value)}
        if self._sql.insert_param_if_active is None:
            self._write_raw(self._log_batch, run_id, (), [row], ())
        else:
            self._write_raw(self._log_param, row)

    def _log_param(self, cur: Cursor, row: dict) -> None:
        if cur.execute(self._sql.insert_param_if_active, row) == 0:
            self._active_run(cur, row["run_id"])
            self._write_params(cur, row["run_id"], [row])  # logged before: the value must be the same

    def set_tag(self, run_id: str, tag: RunTag) -> None:
        validation.batch((), (), (tag,))
        self._write_raw(self._set_tag, {"run_id": run_id, "key": tag.key,
                                        "value": validation.tag_value(tag.key, tag.value)})

    def _set_tag(self, cur: Cursor, row: dict) -> None:
        if cur.execute(self._sql.upsert_tag_if_active, row) == 0:
            self._active_run(cur, row["run_id"])  # raises: the run is missing or not active
        if row["key"] == RUN_NAME_TAG:
            cur.execute(_SET_RUN_NAME, {"target_run_id": row["run_id"], "new_name": row["value"]})

    def _log_batch(self, cur: Cursor, run_id: str, metric_rows: Sequence[dict], param_rows: Sequence[dict],
                   tag_rows: Sequence[dict]) -> None:
        self._active_run(cur, run_id)
        if param_rows:
            self._write_params(cur, run_id, param_rows)
        if metric_rows:
            self._write_metrics(cur, metric_rows)
        if tag_rows:
            cur.executemany(self._sql.upsert_tags, tag_rows)
            for r in tag_rows:
                if r["key"] == RUN_NAME_TAG:
                    cur.execute(_SET_RUN_NAME, {"target_run_id": run_id, "new_name": r["value"]})

    def _write_params(self, cur: Cursor, run_id: str, param_rows: Sequence[dict]) -> None:
        """Insert new params, then compare every value with what is stored: params are write-once."""
        inserted = cur.executemany(self._sql.insert_params, param_rows)
        if inserted == len(param_rows) and not self._sql.mysql:  # all new (MySQL counts matched rows too)
            return
        stored = dict(cur.all(_PARAM_VALUES, {"run_id": run_id, "keys": [r["key"] for r in param_rows]}))
        for r in param_rows:
            if stored.get(r["key"]) != r["value"]:
                raise InvalidParameter(
                    f"Changing param values is not allowed. Param with key='{r['key']}' was already logged with "
                    f"value='{stored.get(r['key'])}' for run ID='{run_id}'. Attempted logging new value "
                    f"'{r['value']}'.")

    def _write_metrics(self, cur: Cursor, metric_rows: Sequence[dict]) -> None:
        cur.executemany(self._sql.insert_metrics, metric_rows)
        model_rows = [r for r in metric_rows if r["model_id"]]
        if model_rows:  # metrics of a logged model: also kept by model (points already logged included)
            cur.executemany(self._sql.insert_model_metrics, model_rows)
        latest: dict[str, tuple[tuple, dict]] = {}  # key -> (rank, row)
        rank = rows.latest_rank
        for r in metric_rows:
            r_rank = rank(r)
            current = latest.get(r["key"])
            if current is None or r_rank > current[0]:
                latest[r["key"]] = (r_rank, r)
        self._sql.update_latest(cur, [row for _key, (_rank, row) in sorted(latest.items())])

    def delete_tag(self, run_id: str, key: str) -> None:
        self._write(self._delete_tag, run_id, key)

    def _delete_tag(self, conn: Connection, run_id: str, key: str) -> None:
        cur = self._cursor(conn)
        self._active_run(cur, run_id)
        if cur.execute(_DELETE_TAG, {"run_id": run_id, "tag_key": key}) == 0:
            raise NotFound(f"No tag with name: {key} in run with id {run_id}")

    def get_metric_history(self, run_id: str, metric_key: str, max_results: int | None = None,
                           page_token: str | None = None) -> PagedList[Metric]:
        page_size = None
        if max_results is not None:
            page_size = min(validation.max_results(max_results, limit=sys.maxsize),
                            validation.MAX_RESULTS_HISTORY_PAGE)
        offset = paging.decode(page_token)
        bind = {"run_id": run_id, "key": metric_key}
        with self._read() as conn:
            cur = self._cursor(conn)
            if page_size is None and offset == 0:
                found = cur.all(_HISTORY, bind)
            else:
                limit = (page_size or sys.maxsize - 1) + 1
                found = cur.all(_HISTORY_PAGE, dict(bind, limit=limit, offset=offset))
            if not found and offset == 0:
                self._run_state(cur, run_id)  # an unknown run is an error, an unknown key is not
        page = found if page_size is None else found[:page_size]
        token = None if page_size is None else paging.next_token(offset, len(page), page_size,
                                                                 has_more=len(found) > page_size)
        return PagedList(rows.to_history(run_id, metric_key, page), token)

    def get_metric_history_bulk_interval(self, run_ids: Sequence[str], metric_key: str, max_results: int,
                                         start_step: int | None = None,
                                         end_step: int | None = None) -> list[Metric]:
        """Per run, the points at up to `max_results` steps spread evenly over the range (first and last kept)."""
        validation.max_results(max_results, limit=sys.maxsize)
        run_ids = list(dict.fromkeys(run_ids))
        by_run: dict[str, list[tuple]] = {rid: [] for rid in run_ids}
        bind = {"key": metric_key, "start_step": -sys.maxsize if start_step is None else start_step,
                "end_step": sys.maxsize if end_step is None else end_step}
        with self._read() as conn:
            cur = self._cursor(conn)
            for chunk in _chunks(run_ids):
                for r in cur.all(_BULK_HISTORY, dict(bind, ids=chunk)):
                    by_run[r[0]].append(r)
        step = rows.METRIC_FIELDS.index("step")
        out: list[Metric] = []
        for rid in run_ids:
            picks = _spread(sorted({r[step] for r in by_run[rid]}), max_results)
            out += [rows.to_metric(r, with_run_id=True) for r in by_run[rid] if r[step] in picks]
        return out

    def log_inputs(self, run_id: str, datasets: Sequence[DatasetInput] = (), models: Sequence[str] = ()) -> None:
        datasets = list(datasets)
        for d in datasets:
            validation.dataset_input(d)
        self._write(self._log_inputs, run_id, datasets, list(dict.fromkeys(models)))

    def _log_inputs(self, conn: Connection, run_id: str, datasets: list[DatasetInput], models: list[str]) -> None:
        _stage, experiment_id = self._active_run(self._cursor(conn), run_id)
        for d in datasets:
            key = {"experiment_id": experiment_id, "name": d.name, "digest": d.digest}
            conn.execute(self._sql.insert_dataset, [dict(key, dataset_uuid=uuid.uuid4().hex,
                                                         source_type=d.source_type or "", source=d.source or "",
                                                         schema=d.schema, profile=d.profile)])
            dataset_uuid = conn.execute(_DATASET_UUID, key).scalar_one()
            conn.execute(self._sql.insert_run_inputs, [{"run_id": run_id, "dataset_uuid": dataset_uuid}])
            if d.tags:
                conn.execute(self._sql.upsert_input_tags, [
                    {"run_id": run_id, "dataset_uuid": dataset_uuid, "key": k, "value": v or ""}
                    for k, v in sorted(d.tags.items())])
        if models:
            conn.execute(self._sql.insert_model_inputs, [{"run_id": run_id, "model_id": m} for m in models])

    def log_outputs(self, run_id: str, models: Sequence[tuple[str, int]]) -> None:
        latest = {model_id: int(step) for model_id, step in models}
        self._write(self._log_outputs, run_id, [{"run_id": run_id, "model_id": m, "step": s}
                                                for m, s in sorted(latest.items())])

    def _log_outputs(self, conn: Connection, run_id: str, output_rows: list[dict]) -> None:
        self._active_run(self._cursor(conn), run_id)
        if output_rows:
            conn.execute(self._sql.upsert_model_outputs, output_rows)

    # --- search ----------------------------------------------------------------------------------
    def search_runs(self, experiment_ids: Sequence[str], filter_string: str = "",
                    run_view_type: int = ViewType.ACTIVE_ONLY, max_results: int = 1000,
                    order_by: Sequence[str] | None = None, page_token: str | None = None) -> PagedList[Run]:
        validation.max_results(max_results)
        comparisons = parse_filter(filter_string, "runs")
        orders = parse_order_by(list(order_by or ()), "runs")
        offset = paging.decode(page_token)
        experiments = _experiment_ids(experiment_ids)
        if not experiments:
            return PagedList([], None)
        query = sa.select(*_RUN_COLUMNS).where(
            _R.experiment_id.in_(experiments),
            _R.lifecycle_stage.in_(ViewType.stages(ViewType.parse(run_view_type))),
            *[filters.run_clause(c) for c in comparisons])
        query = filters.run_ordering(query, orders).limit(max_results + 1).offset(offset)
        with self._read() as conn:
            found = conn.execute(query).all()  # a statement of its own each time: SQLAlchemy caches its SQL
            page = found[:max_results]
            runs = self._load_runs(self._cursor(conn), page)
        return PagedList(runs, paging.next_token(offset, len(page), max_results, has_more=len(found) > max_results))
