"""SqlRegistryStore: the RegistryStore contract on SQLAlchemy Core, in the same database as tracking.

A version's number comes from its model's `last_version` counter, bumped in the transaction that
creates the version (the row lock, or SQLite's BEGIN IMMEDIATE, serializes concurrent creators), so
numbers are never handed out twice and never reused. Where a version's files are (`storage_location`)
is settled when it is created: `models:/` sources are resolved by `mlplug.tracking.artifacts` (a logged
model through the tracking store at `tracking_uri`), `runs:/` sources through the run.
"""
from __future__ import annotations

from typing import Any, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from mlplug import paging, validation
from mlplug.contracts.registry import RegistryStore
from mlplug.contracts.tracking import TrackingStore, now_ms
from mlplug.entities import ModelVersion, ModelVersionStage, PagedList, RegisteredModel
from mlplug.errors import AlreadyExists, InvalidParameter, NotFound
from mlplug.search import parse_filter, parse_order_by
from mlplug.tracking import artifacts
from mlplug.uri import redact, scheme_of
from mlplug_store_sql import registry_filters
from mlplug_store_sql.database import Database, chunks
from mlplug_store_sql.registry_schema import (model_version_tags, model_versions, registered_model_aliases,
                                              registered_model_tags, registered_models)

DEFAULT_MODELS_PAGE = 100
DEFAULT_VERSIONS_PAGE = 10000
READY = "READY"

_RM, _RMT, _MV = registered_models.c, registered_model_tags.c, model_versions.c
_MVT, _AL = model_version_tags.c, registered_model_aliases.c
_MODEL = sa.select(registered_models).where(_RM.name == sa.bindparam("name"))
_SET_MODEL = registered_models.update().where(_RM.name == sa.bindparam("target_name"))
_NEXT_VERSION = registered_models.update().where(_RM.name == sa.bindparam("target_name")).values(
    last_version=_RM.last_version + 1, last_updated_timestamp=sa.bindparam("now"))
_VERSION = sa.select(model_versions).where(_MV.name == sa.bindparam("name"), _MV.version == sa.bindparam("version"))
_SET_VERSION = model_versions.update().where(_MV.name == sa.bindparam("target_name"),
                                             _MV.version == sa.bindparam("target_version"))
_ALIAS = sa.select(_AL.version).where(_AL.name == sa.bindparam("name"), _AL.alias == sa.bindparam("alias"))
_NEWEST = sa.select(sa.func.max(_MV.version)).where(_MV.name == sa.bindparam("name"))
_NEWEST_IN_STAGE = sa.select(sa.func.max(_MV.version)).where(_MV.name == sa.bindparam("name"),
                                                            _MV.current_stage == sa.bindparam("stage"))


def _model_missing(name: str) -> NotFound:
    return NotFound(f"Registered Model with name={name} not found")


def _version_missing(name: str, version: Any) -> NotFound:
    return NotFound(f"Model Version (name={name}, version={version}) not found")


def _tag_rows(tags: dict[str, str] | None, **owner: Any) -> list[dict]:
    rows = []
    for k, v in sorted((tags or {}).items()):
        key, value = validation.registry_tag(k, v)
        rows.append(dict(owner, key=key, value=value))
    return rows


class SqlRegistryStore(Database, RegistryStore):
    """Model registry in a SQL database; `tracking_uri` is where logged models are looked up."""

    what = "model registry database"

    def __init__(self, store_uri: str, tracking_uri: str | None = None):
        self.tracking_uri = tracking_uri or store_uri
        super().__init__(store_uri)

    def __repr__(self) -> str:
        return f"SqlRegistryStore({redact(self.store_uri)!r})"

    def _tracking(self) -> TrackingStore:
        from mlplug.host import get_host

        return get_host().tracking_store(self.tracking_uri)

    # --- reading -------------------------------------------------------------------------------
    def _model_row(self, conn: Connection, name: str) -> Row:
        row = conn.execute(_MODEL, {"name": name}).first()
        if row is None:
            raise _model_missing(name)
        return row

    def _version_row(self, conn: Connection, name: str, version: Any) -> Row:
        number = validation.model_version(version)
        row = conn.execute(_VERSION, {"name": name, "version": number}).first()
        if row is None:
            self._model_row(conn, name)
            raise _version_missing(name, version)
        return row

    def _load_versions(self, conn: Connection, rows: Sequence[Row]) -> list[ModelVersion]:
        """Versions with their tags and aliases, in a fixed number of queries per page."""
        versions = {(r.name, r.version): ModelVersion(
            r.name, str(r.version), r.creation_timestamp, r.last_updated_timestamp, r.user_id or "",
            r.current_stage, r.description or "", r.source, r.run_id or "", r.status, r.status_message or "",
            {}, r.run_link or "", [], r.model_id) for r in rows}
        for chunk in chunks(list(versions)):
            pairs = sa.tuple_(_MVT.name, _MVT.version).in_(list(chunk))
            for name, version, key, value in conn.execute(sa.select(_MVT.name, _MVT.version, _MVT.key, _MVT.value)
                                                          .where(pairs).order_by(_MVT.key)):
                versions[(name, version)].tags[key] = value
            aliased = sa.tuple_(_AL.name, _AL.version).in_(list(chunk))
            for name, version, alias in conn.execute(sa.select(_AL.name, _AL.version, _AL.alias)
                                                     .where(aliased).order_by(_AL.alias)):
                versions[(name, version)].aliases.append(alias)
        return list(versions.values())

    def _load_models(self, conn: Connection, rows: Sequence[Row]) -> list[RegisteredModel]:
        """Models with tags, aliases and their latest version per stage."""
        models = {r.name: RegisteredModel(r.name, r.creation_timestamp, r.last_updated_timestamp, "",
                                          r.description or "") for r in rows}
        for chunk in chunks(list(models)):
            names = list(chunk)
            for name, key, value in conn.execute(sa.select(_RMT.name, _RMT.key, _RMT.value)
                                                 .where(_RMT.name.in_(names)).order_by(_RMT.key)):
                models[name].tags[key] = value
            for name, alias, version in conn.execute(sa.select(_AL.name, _AL.alias, _AL.version)
                                                     .where(_AL.name.in_(names)).order_by(_AL.alias)):
                models[name].aliases[alias] = str(version)
            newest = (sa.select(_MV.name, sa.func.max(_MV.version).label("version"))
                      .where(_MV.name.in_(names)).group_by(_MV.name, _MV.current_stage).subquery())
            latest = conn.execute(sa.select(model_versions).join(
                newest, sa.and_(_MV.name == newest.c.name, _MV.version == newest.c.version))
                .order_by(_MV.name, _MV.version)).all()
            for version in self._load_versions(conn, latest):
                models[version.name].latest_versions.append(version)
        return list(models.values())

    def _model(self, conn: Connection, name: str) -> RegisteredModel:
        return self._load_models(conn, [self._model_row(conn, name)])[0]

    def _version(self, conn: Connection, name: str, version: Any) -> ModelVersion:
        return self._load_versions(conn, [self._version_row(conn, name, version)])[0]

    # --- registered models ---------------------------------------------------------------------
    def create_registered_model(self, name: str, tags: dict[str, str] | None = None,
                                description: str | None = None) -> RegisteredModel:
        validation.model_name(name)
        tag_rows = _tag_rows(tags, name=name)
        try:
            self._write(self._create_model, name, tag_rows, description)
        except sa.exc.IntegrityError:  # another writer took the name between our check and insert
            raise AlreadyExists(f"Registered Model (name={name}) already exists.") from None
        return self.get_registered_model(name)

    def _create_model(self, conn: Connection, name: str, tag_rows: list[dict], description: str | None) -> None:
        if conn.execute(_MODEL, {"name": name}).first() is not None:
            raise AlreadyExists(f"Registered Model (name={name}) already exists.")
        now = now_ms()
        conn.execute(sa.insert(registered_models), {"name": name, "creation_timestamp": now,
                                                    "last_updated_timestamp": now, "description": description or None,
                                                    "last_version": 0})
        if tag_rows:
            conn.execute(sa.insert(registered_model_tags), tag_rows)

    def get_registered_model(self, name: str) -> RegisteredModel:
        with self._read() as conn:
            return self._model(conn, name)

    def rename_registered_model(self, name: str, new_name: str) -> RegisteredModel:
        validation.model_name(new_name)
        try:
            self._write(self._rename_model, name, new_name)
        except sa.exc.IntegrityError:
            raise AlreadyExists(f"Registered Model (name={new_name}) already exists.") from None
        return self.get_registered_model(new_name)

    def _rename_model(self, conn: Connection, name: str, new_name: str) -> None:
        self._model_row(conn, name)
        if new_name != name and conn.execute(_MODEL, {"name": new_name}).first() is not None:
            raise AlreadyExists(f"Registered Model (name={new_name}) already exists.")
        # Versions, tags and aliases follow through ON UPDATE CASCADE.
        conn.execute(_SET_MODEL, {"target_name": name, "name": new_name, "last_updated_timestamp": now_ms()})

    def update_registered_model(self, name: str, description: str | None) -> RegisteredModel:
        self._write(self._touch_model, name, {"description": description or None})
        return self.get_registered_model(name)

    def _touch_model(self, conn: Connection, name: str, values: dict | None = None) -> None:
        changes = dict(values or {}, target_name=name, last_updated_timestamp=now_ms())
        if conn.execute(_SET_MODEL, changes).rowcount == 0:
            raise _model_missing(name)

    def delete_registered_model(self, name: str) -> None:
        self._write(self._delete_model, name)

    def _delete_model(self, conn: Connection, name: str) -> None:
        # Versions, their tags and aliases, and the model's tags go through ON DELETE CASCADE.
        if conn.execute(registered_models.delete().where(_RM.name == name)).rowcount == 0:
            raise _model_missing(name)

    def search_registered_models(self, filter_string: str | None = None, max_results: int = DEFAULT_MODELS_PAGE,
                                 order_by: Sequence[str] | None = None,
                                 page_token: str | None = None) -> PagedList[RegisteredModel]:
        validation.max_results(max_results, validation.MAX_RESULTS_REGISTERED_MODELS)
        comparisons = parse_filter(filter_string, "registered_models")
        orders = parse_order_by(list(order_by or ()), "registered_models")
        offset = paging.decode(page_token)
        query = (sa.select(registered_models).where(*registry_filters.model_clauses(comparisons))
                 .order_by(*registry_filters.model_ordering(orders)).limit(max_results + 1).offset(offset))
        with self._read() as conn:
            found = conn.execute(query).all()
            page = self._load_models(conn, found[:max_results])
        return PagedList(page, paging.next_token(offset, len(page), max_results, has_more=len(found) > max_results))

    def set_registered_model_tag(self, name: str, key: str, value: str) -> None:
        rows = _tag_rows({key: value}, name=name)
        self._write(self._set_model_tag, name, rows)

    def _set_model_tag(self, conn: Connection, name: str, rows: list[dict]) -> None:
        self._touch_model(conn, name)
        conn.execute(self._sql.upsert_registered_model_tags, rows)

    def delete_registered_model_tag(self, name: str, key: str) -> None:
        self._write(self._delete_model_tag, name, key)

    def _delete_model_tag(self, conn: Connection, name: str, key: str) -> None:
        self._touch_model(conn, name)
        conn.execute(registered_model_tags.delete().where(_RMT.name == name, _RMT.key == key))

    # --- model versions --------------------------------------------------------------------------
    def create_model_version(self, name: str, source: str, run_id: str | None = None,
                             tags: dict[str, str] | None = None, run_link: str | None = None,
                             description: str | None = None, model_id: str | None = None) -> ModelVersion:
        if not isinstance(source, str) or not source.strip():
            raise InvalidParameter("Missing value for required parameter 'source'.")
        tag_rows = _tag_rows(tags)
        location, run_id, model_id = self._lineage(source, run_id or None, model_id or None)
        row = {"name": name, "current_stage": ModelVersionStage.NONE, "source": source,
               "storage_location": location, "run_id": run_id, "run_link": run_link or None,
               "description": description or None, "user_id": None, "status": READY, "status_message": None,
               "model_id": model_id}
        version = self._write(self._create_version, row, tag_rows)
        return self.get_model_version(name, str(version))

    def _lineage(self, source: str, run_id: str | None, model_id: str | None) -> tuple[str, str | None, str | None]:
        """(where the files are, run id, logged model id) of a new version's source."""
        scheme = scheme_of(source)
        if scheme == "models":
            ref = artifacts.parse_models(source)
            if ref.model_id is not None:
                if model_id is not None and model_id != ref.model_id:
                    raise InvalidParameter(f"The model_id '{model_id}' does not match the source '{source}'.")
                model_id = ref.model_id
            location = artifacts.models_uri_location(source, self._tracking, lambda: self)
        elif scheme == "runs":
            location = artifacts.resolve_uri(source, self.tracking_uri)
        else:
            location = source
        if model_id is not None and run_id is None:
            run_id = self._tracking().get_logged_model(model_id).source_run_id or None
        return location, run_id, model_id

    def _create_version(self, conn: Connection, row: dict, tag_rows: list[dict]) -> int:
        now = now_ms()
        if conn.execute(_NEXT_VERSION, {"target_name": row["name"], "now": now}).rowcount == 0:
            raise _model_missing(row["name"])
        version = conn.execute(sa.select(_RM.last_version).where(_RM.name == row["name"])).scalar_one()
        conn.execute(sa.insert(model_versions), dict(row, version=version, creation_timestamp=now,
                                                     last_updated_timestamp=now))
        if tag_rows:
            conn.execute(sa.insert(model_version_tags), [dict(r, name=row["name"], version=version) for r in tag_rows])
        return version

    def get_model_version(self, name: str, version: str) -> ModelVersion:
        with self._read() as conn:
            return self._version(conn, name, version)

    def update_model_version(self, name: str, version: str, description: str | None) -> ModelVersion:
        self._write(self._touch_version, name, version, {"description": description or None})
        return self.get_model_version(name, version)

    def _touch_version(self, conn: Connection, name: str, version: Any, values: dict | None = None) -> int:
        number = self._version_row(conn, name, version).version
        now = now_ms()
        conn.execute(_SET_VERSION, dict(values or {}, target_name=name, target_version=number,
                                        last_updated_timestamp=now))
        return number

    def delete_model_version(self, name: str, version: str) -> None:
        self._write(self._delete_version, name, version)

    def _delete_version(self, conn: Connection, name: str, version: str) -> None:
        number = self._version_row(conn, name, version).version
        # Its tags and aliases go through ON DELETE CASCADE; the model's counter keeps the number taken.
        conn.execute(model_versions.delete().where(_MV.name == name, _MV.version == number))
        self._touch_model(conn, name)

    def search_model_versions(self, filter_string: str | None = None, max_results: int = DEFAULT_VERSIONS_PAGE,
                              order_by: Sequence[str] | None = None,
                              page_token: str | None = None) -> PagedList[ModelVersion]:
        validation.max_results(max_results, validation.MAX_RESULTS_MODEL_VERSIONS)
        comparisons = parse_filter(filter_string, "model_versions")
        orders = parse_order_by(list(order_by or ()), "model_versions")
        offset = paging.decode(page_token)
        query = (sa.select(model_versions).where(*registry_filters.version_clauses(comparisons))
                 .order_by(*registry_filters.version_ordering(orders)).limit(max_results + 1).offset(offset))
        with self._read() as conn:
            found = conn.execute(query).all()
            page = self._load_versions(conn, found[:max_results])
        return PagedList(page, paging.next_token(offset, len(page), max_results, has_more=len(found) > max_results))

    def get_model_version_download_uri(self, name: str, version: str) -> str:
        with self._read() as conn:
            return self._version_row(conn, name, version).storage_location

    def set_model_version_tag(self, name: str, version: str, key: str, value: str) -> None:
        rows = _tag_rows({key: value}, name=name)
        self._write(self._set_version_tag, name, version, rows)

    def _set_version_tag(self, conn: Connection, name: str, version: str, rows: list[dict]) -> None:
        number = self._touch_version(conn, name, version)
        conn.execute(self._sql.upsert_model_version_tags, [dict(r, version=number) for r in rows])

    def delete_model_version_tag(self, name: str, version: str, key: str) -> None:
        self._write(self._delete_version_tag, name, version, key)

    def _delete_version_tag(self, conn: Connection, name: str, version: str, key: str) -> None:
        number = self._touch_version(conn, name, version)
        conn.execute(model_version_tags.delete().where(_MVT.name == name, _MVT.version == number, _MVT.key == key))

    # --- legacy stages ---------------------------------------------------------------------------
    def transition_model_version_stage(self, name: str, version: str, stage: str,
                                       archive_existing_versions: bool = False) -> ModelVersion:
        canonical = validation.stage(stage)
        if archive_existing_versions and canonical not in ModelVersionStage.ACTIVE:
            raise InvalidParameter(f"Model version transition cannot archive existing model versions because "
                                   f"'{stage}' is not an active stage. Valid stages are "
                                   f"{', '.join(ModelVersionStage.ACTIVE)}.")
        self._write(self._transition, name, version, canonical, archive_existing_versions)
        return self.get_model_version(name, version)

    def _transition(self, conn: Connection, name: str, version: str, stage: str, archive: bool) -> None:
        number = self._touch_version(conn, name, version, {"current_stage": stage})
        if archive:
            conn.execute(model_versions.update()
                         .where(_MV.name == name, _MV.current_stage == stage, _MV.version != number)
                         .values(current_stage=ModelVersionStage.ARCHIVED, last_updated_timestamp=now_ms()))
        self._touch_model(conn, name)

    def get_latest_versions(self, name: str, stages: Sequence[str] | None = None) -> list[ModelVersion]:
        wanted = [validation.stage(s) for s in stages or ()] or list(ModelVersionStage.ALL)
        with self._read() as conn:
            self._model_row(conn, name)
            numbers = [conn.execute(_NEWEST_IN_STAGE, {"name": name, "stage": stage}).scalar()
                       for stage in ModelVersionStage.ALL if stage in wanted]
            return [self._version(conn, name, n) for n in numbers if n is not None]

    # --- aliases -----------------------------------------------------------------------------------
    def set_registered_model_alias(self, name: str, alias: str, version: str) -> None:
        validation.alias(alias)
        self._write(self._set_alias, name, alias, version)

    def _set_alias(self, conn: Connection, name: str, alias: str, version: str) -> None:
        number = self._version_row(conn, name, version).version
        conn.execute(self._sql.upsert_aliases, [{"name": name, "alias": alias, "version": number}])
        self._touch_model(conn, name)

    def delete_registered_model_alias(self, name: str, alias: str) -> None:
        validation.alias(alias)
        self._write(self._delete_alias, name, alias)

    def _delete_alias(self, conn: Connection, name: str, alias: str) -> None:
        self._touch_model(conn, name)
        conn.execute(registered_model_aliases.delete().where(_AL.name == name, _AL.alias == alias))

    def get_model_version_by_alias(self, name: str, alias: str) -> ModelVersion:
        with self._read() as conn:
            self._model_row(conn, name)
            if alias.lower() == "latest":
                number = conn.execute(_NEWEST, {"name": name}).scalar()
                if number is None:
                    raise NotFound(f"Registered model '{name}' has no versions, so alias '{alias}' names none.")
            else:
                number = conn.execute(_ALIAS, {"name": name, "alias": alias}).scalar()
                if number is None:
                    raise NotFound(f"Registered model alias {alias} not found.")
            return self._version(conn, name, number)
