"""Engine creation: driver choice and its errors, SQLite paths, pragmas and write locking."""
from __future__ import annotations

import importlib.util
import re
import sqlite3
import threading

import pytest

from mlplug.errors import InvalidParameter, MlplugError, PluginError
from mlplug_store_sql import engine as engine_module
from mlplug_store_sql.engine import READ_ONLY, create_engine, resolve_url


@pytest.fixture
def installed(monkeypatch):
    """Pretend exactly the given driver modules are installed."""
    def pretend(*modules: str) -> None:
        real = importlib.util.find_spec
        watched = {"psycopg2", "psycopg", "MySQLdb", "pymysql"}
        monkeypatch.setattr(engine_module.importlib.util, "find_spec",
                            lambda name, *a: (real("json") if name in modules else None) if name in watched
                            else real(name, *a))
    return pretend


@pytest.mark.parametrize("uri, modules, driver", [
    ("postgresql://u@h/db", ("psycopg",), "postgresql+psycopg"),
    ("postgresql://u@h/db", ("psycopg2", "psycopg"), "postgresql+psycopg2"),
    ("mysql://u@h/db", ("pymysql",), "mysql+pymysql"),
    ("mysql://u@h/db", ("MySQLdb", "pymysql"), "mysql+mysqldb"),
    ("postgresql+psycopg://u@h/db", (), "postgresql+psycopg"),  # an explicit driver is kept as given
])
def test_a_uri_without_driver_gets_an_installed_one(installed, uri, modules, driver):
    installed(*modules)
    assert resolve_url(uri).drivername == driver


@pytest.mark.parametrize("uri, package", [("postgresql://u@h/db", "psycopg[binary]"), ("mysql://u@h/db", "pymysql")])
def test_no_installed_driver_says_what_to_install(installed, uri, package):
    installed()
    with pytest.raises(PluginError, match=re.escape(f"pip install '{package}'") + r".*mlplug-store-sql\["):
        resolve_url(uri)


def test_the_drivers_installed_here_are_found():
    assert resolve_url("postgresql://u@h/db").drivername == (
        "postgresql+psycopg2" if importlib.util.find_spec("psycopg2") else "postgresql+psycopg")
    assert resolve_url("mysql://u@h/db").drivername in ("mysql+mysqldb", "mysql+pymysql")


def test_an_explicit_driver_that_is_missing_is_reported():
    if importlib.util.find_spec("pg8000"):
        pytest.skip("pg8000 is installed here")
    with pytest.raises(PluginError, match="driver for 'postgresql\\+pg8000' is not installed"):
        create_engine("postgresql+pg8000://u@127.0.0.1/db")


def test_mysql_connections_use_utf8mb4():
    assert resolve_url("mysql+pymysql://u@h/db").query["charset"] == "utf8mb4"
    assert resolve_url("mysql+pymysql://u@h/db?charset=latin1").query["charset"] == "latin1"


def test_an_invalid_uri_is_a_parameter_error():
    with pytest.raises(InvalidParameter, match="Invalid database URI"):
        resolve_url("sqlite:relative-without-slashes")


def test_relative_sqlite_paths_are_relative_to_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert resolve_url("sqlite:///sub/x.db").database == str(tmp_path / "sub" / "x.db")
    assert resolve_url("sqlite:////abs/x.db").database == "/abs/x.db"
    assert resolve_url("sqlite://").database is None
    assert resolve_url("sqlite:///:memory:").database == ":memory:"


def test_a_missing_sqlite_directory_is_explained(tmp_path):
    with pytest.raises(MlplugError, match="directory .* does not exist"):
        create_engine(f"sqlite:///{tmp_path / 'nope' / 'x.db'}")


def test_sqlite_connections_are_tuned_for_concurrent_writers(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'tuned.db'}")
    try:
        with engine.connect() as conn:
            pragma = lambda name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
            assert pragma("journal_mode") == "wal"
            assert pragma("synchronous") == 1  # NORMAL
            assert pragma("foreign_keys") == 1
            assert pragma("busy_timeout") >= 60000
    finally:
        engine.dispose()


def test_sqlite_write_transactions_take_the_write_lock_when_they_begin(tmp_path):
    """BEGIN IMMEDIATE: a second writer waits at BEGIN instead of failing later on lock upgrade."""
    path = tmp_path / "locks.db"
    engine = create_engine(f"sqlite:///{path}")
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("SELECT 1")  # nothing written yet, but the lock is held
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")  # released at commit
        other.execute("ROLLBACK")
        with engine.execution_options(**{READ_ONLY: True}).connect() as reader:
            reader.exec_driver_sql("SELECT 1")  # a read transaction does not block writers
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
    finally:
        other.close()
        engine.dispose()


def test_a_waiting_sqlite_writer_proceeds_once_the_lock_is_free(tmp_path):
    path = tmp_path / "wait.db"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    released = threading.Timer(0.5, lambda: holder.execute("COMMIT"))
    released.start()
    try:
        with engine.begin() as conn:  # blocks in BEGIN IMMEDIATE until the holder commits
            conn.exec_driver_sql("INSERT INTO t VALUES (1)")
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == 1
    finally:
        released.join()
        holder.close()
        engine.dispose()
