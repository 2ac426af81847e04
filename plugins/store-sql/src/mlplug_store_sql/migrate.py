"""Schema versions: a cheap "is this database current?" check, and alembic upgrades.

Opening a store calls `ensure_schema`: on a current database that is one plain query and alembic is not
imported; an empty database is migrated to the head; a database at an older revision is left alone and
the error says to run `mlplug db upgrade` (back-ups first: migrations can be slow on big databases).
"""
from __future__ import annotations

import contextlib
from typing import Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from mlplug.errors import MlplugError
from mlplug.uri import redact

# The newest revision in migrations/versions; a test keeps the two in step.
HEAD_REVISION = "0002"
VERSION_TABLE = "alembic_version"
SCRIPT_LOCATION = "mlplug_store_sql:migrations"
_LOCK_NAME = "mlplug_store_sql_migrate"
_PG_LOCK_KEY = 0x6D6C706C7567  # any constant shared by every mlplug process


def current_revision(conn: Connection) -> str | None:
    """The revision recorded in the database, or None when it has no version table (or an empty one)."""
    if not sa.inspect(conn).has_table(VERSION_TABLE):
        return None
    return conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()


def ensure_schema(engine: Engine, uri: str) -> None:
    with engine.connect() as conn:
        revision = current_revision(conn)
    if revision == HEAD_REVISION:
        return
    if revision is None:
        upgrade(engine, uri)
        return
    if is_known_revision(revision):
        raise MlplugError(f"The database {redact(uri)} has schema revision {revision}, older than this "
                          f"mlplug-store-sql ({HEAD_REVISION}). Back it up, then run: mlplug db upgrade "
                          f"'{redact(uri)}'")
    raise MlplugError(f"The database {redact(uri)} has schema revision {revision}, which this "
                      "mlplug-store-sql does not know: it was made by a newer mlplug or by another tool "
                      "(MLflow's own databases are not compatible). Upgrade mlplug-store-sql or use a new database.")


def upgrade(engine: Engine, uri: str, target: str = "head") -> tuple[str | None, str | None]:
    """Run migrations up to `target` under a database-wide lock; returns (revision before, after)."""
    from alembic import command

    config = _config()
    with engine.begin() as conn, _migration_lock(conn):
        before = current_revision(conn)
        if before is None and sa.inspect(conn).has_table("experiments"):
            raise MlplugError(f"The database {redact(uri)} already has tables but no mlplug schema version, "
                              "so it was not made by mlplug (MLflow's databases are not compatible). "
                              "Use an empty database.")
        config.attributes["connection"] = conn
        command.upgrade(config, target)
        after = current_revision(conn)
    return before, after


def revisions_between(before: str | None, after: str | None) -> list[tuple[str, str]]:
    """(revision, description) of each migration that takes `before` to `after`, oldest first."""
    if after is None or before == after:
        return []
    script = _script_directory()
    steps = script.iterate_revisions(after, before or "base")
    return [(s.revision, (s.doc or "").strip()) for s in reversed(list(steps))]


def is_known_revision(revision: str) -> bool:
    from alembic.util import CommandError

    try:
        return _script_directory().get_revision(revision) is not None
    except CommandError:
        return False


def _config():
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    return config


def _script_directory():
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config())


@contextlib.contextmanager
def _migration_lock(conn: Connection) -> Iterator[None]:
    """Only one process migrates a database at a time; the others wait, then find it current.

    SQLite is already locked by the transaction's BEGIN IMMEDIATE.
    """
    backend = conn.dialect.name
    if backend == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
        yield
    elif backend in ("mysql", "mariadb"):
        conn.execute(sa.text("SELECT GET_LOCK(:name, 300)"), {"name": _LOCK_NAME})
        try:
            yield
        finally:
            conn.execute(sa.text("SELECT RELEASE_LOCK(:name)"), {"name": _LOCK_NAME})
    else:
        yield
