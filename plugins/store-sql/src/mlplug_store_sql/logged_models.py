"""MLflow 3 logged models in the tracking database: the TrackingStore's logged-model methods.

A mixin of `SqlTrackingStore` (it uses the store's transactions and experiment/run checks). A model is
created PENDING in an active experiment, with its files under `<experiment location>/models/<id>/artifacts`,
and finalized READY or UPLOAD_FAILED; deleting is soft, after which the model is neither found nor listed.
Its metrics are the ones logged with its model_id (kept in `logged_model_metrics` as they are logged).
"""
from __future__ import annotations

import uuid
from typing import Any, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from mlplug import paging, validation
from mlplug.contracts.tracking import now_ms
from mlplug.entities import LifecycleStage, LoggedModel, LoggedModelStatus, Metric, PagedList
from mlplug.errors import InvalidParameter, NotFound
from mlplug.search import parse_filter, parse_structured_order_by
from mlplug.uri import join
from mlplug_store_sql import ids, logged_model_filters, rows, schema
from mlplug_store_sql.database import chunks
from mlplug_store_sql.names import generate_run_name

DEFAULT_PAGE_SIZE = 50
MAX_NAME = 500
_LM, _LMT, _LMP, _LMM = (schema.logged_models.c, schema.logged_model_tags.c, schema.logged_model_params.c,
                         schema.logged_model_metrics.c)
_ACTIVE_MODEL = sa.select(schema.logged_models).where(_LM.model_id == sa.bindparam("model_id"),
                                                      _LM.lifecycle_stage == LifecycleStage.ACTIVE)
_SET_MODEL = schema.logged_models.update().where(_LM.model_id == sa.bindparam("target_model_id"))
_TAGS_OF = (sa.select(_LMT.model_id, _LMT.key, _LMT.value)
            .where(_LMT.model_id.in_(sa.bindparam("ids", expanding=True))).order_by(_LMT.key))
_PARAMS_OF = (sa.select(_LMP.model_id, _LMP.key, _LMP.value)
              .where(_LMP.model_id.in_(sa.bindparam("ids", expanding=True))).order_by(_LMP.key))
_METRICS_OF = (sa.select(_LMM.model_id, _LMM.run_id, _LMM.key, _LMM.value, _LMM.timestamp, _LMM.step, _LMM.is_nan,
                         _LMM.dataset_name, _LMM.dataset_digest)
               .where(_LMM.model_id.in_(sa.bindparam("ids", expanding=True)))
               .order_by(_LMM.model_id, _LMM.key, _LMM.step, _LMM.timestamp))
_PARAM_VALUES = sa.select(_LMP.key, _LMP.value).where(_LMP.model_id == sa.bindparam("model_id"),
                                                      _LMP.key.in_(sa.bindparam("keys", expanding=True)))
_DELETE_TAG = schema.logged_model_tags.delete().where(_LMT.model_id == sa.bindparam("model_id"),
                                                      _LMT.key == sa.bindparam("tag_key"))


def _not_found(model_id: str) -> NotFound:
    return NotFound(f"Logged model with ID '{model_id}' not found.")


def _tag_rows(model_id: str, tags: dict[str, str] | None) -> list[dict]:
    return [{"model_id": model_id, "key": validation.key(k, "tag"), "value": validation.tag_value(k, v)}
            for k, v in sorted((tags or {}).items())]


def _param_rows(model_id: str, params: dict[str, str] | None) -> list[dict]:
    return [{"model_id": model_id, "key": validation.key(k, "param"), "value": validation.param_value(k, v)}
            for k, v in sorted((params or {}).items())]


def _datasets(datasets: Sequence[dict] | None) -> list[dict]:
    out = []
    for d in datasets or ():
        if not isinstance(d, dict) or not d.get("dataset_name"):
            raise InvalidParameter("`dataset_name` in the `datasets` clause must be specified.")
        out.append({"dataset_name": str(d["dataset_name"]), "dataset_digest": d.get("dataset_digest") or None})
    return out


class LoggedModelsMixin:
    """The logged-model half of SqlTrackingStore."""

    def create_logged_model(self, experiment_id: str, name: str | None = None, source_run_id: str | None = None,
                            tags: dict[str, str] | None = None, params: dict[str, str] | None = None,
                            model_type: str | None = None) -> LoggedModel:
        name = name or generate_run_name()
        if len(name) > MAX_NAME:
            raise InvalidParameter(f"Logged model name '{name[:40]}...' exceeds the maximum length of {MAX_NAME}.")
        model_id = f"m-{uuid.uuid4().hex}"
        tag_rows, param_rows = _tag_rows(model_id, tags), _param_rows(model_id, params)
        return self._write(self._create_logged_model, experiment_id, model_id, name, source_run_id or None,
                           model_type or None, tag_rows, param_rows)

    def _create_logged_model(self, conn: Connection, experiment_id: str, model_id: str, name: str,
                             source_run_id: str | None, model_type: str | None, tag_rows: list[dict],
                             param_rows: list[dict]) -> LoggedModel:
        experiment = self._active_experiment(conn, experiment_id)
        if source_run_id is not None:
            self._run_state(self._cursor(conn), source_run_id)  # the run must exist
        now = now_ms()
        row = {"model_id": model_id, "experiment_id": experiment.experiment_id, "name": name,
               "artifact_location": join(experiment.artifact_location, "models", model_id, "artifacts"),
               "creation_timestamp": now, "last_updated_timestamp": now, "status": LoggedModelStatus.PENDING,
               "status_message": None, "model_type": model_type, "source_run_id": source_run_id,
               "lifecycle_stage": LifecycleStage.ACTIVE}
        conn.execute(sa.insert(schema.logged_models), row)
        if tag_rows:
            conn.execute(sa.insert(schema.logged_model_tags), tag_rows)
        if param_rows:
            conn.execute(sa.insert(schema.logged_model_params), param_rows)
        return self._to_logged_model(row, {r["key"]: r["value"] for r in tag_rows},
                                     {r["key"]: r["value"] for r in param_rows}, [])

    @staticmethod
    def _to_logged_model(row: Any, tags: dict[str, str], params: dict[str, str], metrics: list[Metric]) -> LoggedModel:
        get = row.get if isinstance(row, dict) else row._mapping.get
        return LoggedModel(get("model_id"), str(get("experiment_id")), get("name"), get("artifact_location"),
                           get("creation_timestamp"), get("last_updated_timestamp"), get("status"),
                           get("status_message") or "", get("model_type") or "", get("source_run_id") or "",
                           tags, params, metrics)

    def _active_model(self, conn: Connection, model_id: str) -> Row:
        row = conn.execute(_ACTIVE_MODEL, {"model_id": model_id}).first()
        if row is None:
            raise _not_found(model_id)
        return row

    def _load_models(self, conn: Connection, model_rows: Sequence[Row]) -> list[LoggedModel]:
        """Models with their tags, params and metrics, in a fixed number of queries per page."""
        model_ids = [r.model_id for r in model_rows]
        tags: dict[str, dict[str, str]] = {i: {} for i in model_ids}
        params: dict[str, dict[str, str]] = {i: {} for i in model_ids}
        metrics: dict[str, list[Metric]] = {i: [] for i in model_ids}
        for chunk in chunks(model_ids):
            for model_id, key, value in conn.execute(_TAGS_OF, {"ids": list(chunk)}):
                tags[model_id][key] = value
            for model_id, key, value in conn.execute(_PARAMS_OF, {"ids": list(chunk)}):
                params[model_id][key] = value
            for model_id, run_id, key, value, ts, step, is_nan, dataset_name, digest in conn.execute(
                    _METRICS_OF, {"ids": list(chunk)}):
                metrics[model_id].append(Metric(key, rows.decode_value(value, bool(is_nan)), ts, step, run_id,
                                                dataset_name, digest, model_id))
        return [self._to_logged_model(r, tags[r.model_id], params[r.model_id], metrics[r.model_id])
                for r in model_rows]

    def get_logged_model(self, model_id: str) -> LoggedModel:
        with self._read() as conn:
            return self._load_models(conn, [self._active_model(conn, model_id)])[0]

    def search_logged_models(self, experiment_ids: Sequence[str], filter_string: str | None = None,
                             datasets: Sequence[dict] | None = None, max_results: int | None = None,
                             order_by: Sequence[dict] | None = None,
                             page_token: str | None = None) -> PagedList[LoggedModel]:
        page_size = validation.max_results(DEFAULT_PAGE_SIZE if max_results is None else max_results)
        comparisons = parse_filter(filter_string, "logged_models")
        orders = parse_structured_order_by(list(order_by or ()))
        on_datasets = _datasets(datasets)
        offset = paging.decode(page_token)
        experiments = ids.experiment_ids(experiment_ids)
        if not experiments:
            return PagedList([], None)
        query = (sa.select(schema.logged_models)
                 .where(_LM.experiment_id.in_(experiments), _LM.lifecycle_stage == LifecycleStage.ACTIVE,
                        *[logged_model_filters.clause(c, on_datasets) for c in comparisons])
                 .order_by(*logged_model_filters.ordering(orders))
                 .limit(page_size + 1).offset(offset))
        with self._read() as conn:
            found = conn.execute(query).all()
            page = self._load_models(conn, found[:page_size])
        return PagedList(page, paging.next_token(offset, len(page), page_size, has_more=len(found) > page_size))

    def finalize_logged_model(self, model_id: str, status: str) -> LoggedModel:
        final = LoggedModelStatus.parse(status)
        if final not in LoggedModelStatus.FINAL:
            raise InvalidParameter(f"Invalid logged model status {status!r}: a model is finalized as "
                                   f"{LoggedModelStatus.READY} or {LoggedModelStatus.FAILED}.")
        self._write(self._update_model, model_id, {"status": final})
        return self.get_logged_model(model_id)

    def _update_model(self, conn: Connection, model_id: str, values: dict) -> None:
        self._active_model(conn, model_id)
        conn.execute(_SET_MODEL, dict(values, target_model_id=model_id, last_updated_timestamp=now_ms()))

    def delete_logged_model(self, model_id: str) -> None:
        self._write(self._update_model, model_id, {"lifecycle_stage": LifecycleStage.DELETED})

    def set_logged_model_tags(self, model_id: str, tags: dict[str, str]) -> None:
        tag_rows = _tag_rows(model_id, tags)
        self._write(self._set_tags, model_id, tag_rows)

    def _set_tags(self, conn: Connection, model_id: str, tag_rows: list[dict]) -> None:
        self._update_model(conn, model_id, {})
        if tag_rows:
            conn.execute(self._sql.upsert_logged_model_tags, tag_rows)

    def delete_logged_model_tag(self, model_id: str, key: str) -> None:
        self._write(self._delete_tag_of_model, model_id, key)

    def _delete_tag_of_model(self, conn: Connection, model_id: str, key: str) -> None:
        self._update_model(conn, model_id, {})
        if conn.execute(_DELETE_TAG, {"model_id": model_id, "tag_key": key}).rowcount == 0:
            raise NotFound(f"No tag with key '{key}' on logged model '{model_id}'.")

    def log_logged_model_params(self, model_id: str, params: dict[str, str]) -> None:
        param_rows = _param_rows(model_id, params)
        self._write(self._log_params, model_id, param_rows)

    def _log_params(self, conn: Connection, model_id: str, param_rows: list[dict]) -> None:
        self._update_model(conn, model_id, {})
        if not param_rows:
            return
        conn.execute(self._sql.insert_logged_model_params, param_rows)
        stored = dict(conn.execute(_PARAM_VALUES, {"model_id": model_id, "keys": [r["key"] for r in param_rows]}).all())
        for r in param_rows:
            if stored.get(r["key"]) != r["value"]:
                raise InvalidParameter(
                    f"Changing param values is not allowed. Param with key='{r['key']}' was already logged with "
                    f"value='{stored.get(r['key'])}' for logged model ID='{model_id}'. Attempted logging new "
                    f"value '{r['value']}'.")
