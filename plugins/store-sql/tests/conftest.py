"""Fixtures: SQLite files, and each backend in turn (`postgres_uri` / `mysql_uri` come from the test kit)."""
from __future__ import annotations

from typing import Iterator

import pytest
from mlplug.testing.databases import MYSQL_ADMIN, POSTGRES_ADMIN, fresh_database

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
