"""Throw-away databases on PostgreSQL and MariaDB/MySQL servers, for store tests.

Each `fresh_database` is uniquely named, created on entry and dropped on exit. The servers default to
the local ones; point MLPLUG_TEST_POSTGRES_URI / MLPLUG_TEST_MYSQL_URI at an administrative database URL
to use others. The URIs handed out carry no driver (`postgresql://...`), so a store's driver choice is
exercised too. SQLAlchemy is imported only when a database is made.
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
        message = f"database server {admin_url.render_as_string()} is unreachable: {err.orig}"
        if os.environ.get("CI"):  # CI starts both servers: an unreachable one is a failure there
            pytest.fail(message)
        pytest.skip(message)
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
