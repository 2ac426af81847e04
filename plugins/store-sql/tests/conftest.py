"""Fixtures: throw-away databases on the PostgreSQL and MariaDB servers, and SQLite files.

Each module that asks for `postgres_uri` / `mysql_uri` gets a freshly created, uniquely named database,
dropped afterwards. The servers default to the local ones; point MLPLUG_TEST_POSTGRES_URI /
MLPLUG_TEST_MYSQL_URI at an administrative database URL to use others. The URIs handed to tests carry no
driver (`postgresql://...`), so the store's driver choice is exercised too.
"""
from __future__ import annotations

import contextlib
import os
import uuid
from typing import Iterator

import pytest

POSTGRES_ADMIN = os.environ.get("MLPLUG_TEST_POSTGRES_URI", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
MYSQL_ADMIN = os.environ.get("MLPLUG_TEST_MYSQL_URI", "mysql+pymysql://root@127.0.0.1:3306/test")


@contextlib.contextmanager
def fresh_database(admin_uri: str) -> Iterator[str]:
    import sqlalchemy as sa

    name = f"mlplug_test_{uuid.uuid4().hex[:12]}"
    admin_url = sa.engine.make_url(admin_uri)
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
    except sa.exc.OperationalError as err:
        admin.dispose()
        pytest.skip(f"database server {admin_url.render_as_string()} is unreachable: {err.orig}")
    backend = admin_url.get_backend_name()
    try:
        yield admin_url.set(drivername=backend, database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            if backend == "postgresql":
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            else:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
        admin.dispose()


@pytest.fixture(scope="module")
def postgres_uri() -> Iterator[str]:
    with fresh_database(POSTGRES_ADMIN) as uri:
        yield uri


@pytest.fixture(scope="module")
def mysql_uri() -> Iterator[str]:
    with fresh_database(MYSQL_ADMIN) as uri:
        yield uri


@pytest.fixture(scope="module")
def sqlite_uri(tmp_path_factory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'mlplug.db'}"


@pytest.fixture(scope="module")
def artifact_root(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("artifacts"))


@pytest.fixture(params=["sqlite", "postgresql", "mysql"])
def empty_db_uri(request, tmp_path) -> Iterator[str]:
    """A URI of an empty database on each backend in turn (a new one for every test)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    with fresh_database(POSTGRES_ADMIN if request.param == "postgresql" else MYSQL_ADMIN) as uri:
        yield uri


@pytest.fixture(scope="module", params=["sqlite", "postgresql", "mysql"])
def any_store(request, artifact_root):
    """A SqlTrackingStore on each backend in turn, shared by the tests of a module."""
    from mlplug_store_sql.store import SqlTrackingStore

    fixture = {"sqlite": "sqlite_uri", "postgresql": "postgres_uri", "mysql": "mysql_uri"}[request.param]
    store = SqlTrackingStore(request.getfixturevalue(fixture), artifact_root)
    yield store
    store.close()
