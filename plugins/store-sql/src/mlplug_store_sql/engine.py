"""SQLAlchemy engines for `sqlite:`, `postgresql:` and `mysql:` URIs.

- A URI without a driver (`postgresql://`) gets SQLAlchemy's default driver when it is installed, else the
  other supported one (psycopg 3, PyMySQL); with neither, the error names the package to install.
- SQLite runs in WAL mode with a long busy timeout, and every write transaction starts with
  `BEGIN IMMEDIATE`: writers queue on the lock up front instead of failing with "database is locked" when
  a deferred transaction tries to upgrade, so several processes can write one file.
- Engines are fork-safe: a child process drops (without closing) the pool it inherited, so a store made in
  a gunicorn master never shares a connection with its workers.
"""
from __future__ import annotations

import importlib.util
import os
import weakref

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.pool import StaticPool

from mlplug.errors import InvalidParameter, MlplugError, PluginError
from mlplug.uri import redact

SQLITE_BUSY_TIMEOUT_S = 120
SQLITE_MMAP_BYTES = 256 * 1024 * 1024  # address space, not memory: the OS shares and evicts the pages
# Execution option marking a read-only transaction, which SQLite may begin DEFERRED.
READ_ONLY = "mlplug_read_only"

# backend -> ((module, SQLAlchemy driver name), ...) in SQLAlchemy's order of preference, the package to
# suggest and the mlplug-store-sql extra that installs it.
_DRIVERS = {
    "postgresql": ((("psycopg2", "psycopg2"), ("psycopg", "psycopg")), "psycopg[binary]", "postgresql"),
    "mysql": ((("MySQLdb", "mysqldb"), ("pymysql", "pymysql")), "pymysql", "mysql"),
}

_forkable: "weakref.WeakSet[Engine]" = weakref.WeakSet()


def _forget_inherited_pools() -> None:
    for engine in list(_forkable):
        engine.dispose(close=False)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_inherited_pools)


def is_memory(url: URL) -> bool:
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def resolve_url(uri: str) -> URL:
    """The URL to connect with: SQLite paths made absolute (relative = to the CWD now), a driver chosen."""
    try:
        url = make_url(uri)
    except sa.exc.ArgumentError as err:
        raise InvalidParameter(f"Invalid database URI '{redact(uri)}': {err}. "
                               "Expected e.g. sqlite:///mlplug.db or postgresql://user@host/db.") from None
    backend = url.get_backend_name()
    if backend == "sqlite":
        if not is_memory(url):
            url = url.set(database=os.path.abspath(url.database))
        return url
    if backend in _DRIVERS and "+" not in url.drivername:
        url = url.set(drivername=f"{backend}+{_installed_driver(backend, uri)}")
    if backend == "mysql" and "charset" not in url.query:
        url = url.update_query_dict({"charset": "utf8mb4"})
    return url


def _installed_driver(backend: str, uri: str) -> str:
    candidates, package, extra = _DRIVERS[backend]
    for module, driver in candidates:
        if importlib.util.find_spec(module) is not None:
            return driver
    raise PluginError(f"No {backend} database driver is installed, so '{redact(uri)}' cannot be opened. "
                      f"Install one with: pip install '{package}' (or pip install 'mlplug-store-sql[{extra}]').")


def create_engine(uri: str) -> Engine:
    url = resolve_url(uri)
    backend = url.get_backend_name()
    try:
        if backend == "sqlite":
            engine = _sqlite_engine(url)
        elif backend == "mysql":
            engine = _mysql_engine(url)
        else:
            engine = sa.create_engine(url)
    except ImportError as err:
        raise PluginError(f"The database driver for '{url.drivername}' is not installed ({err}). Install it, "
                          f"or leave the driver out of the URI ({backend}://...) to use an installed one.") from None
    if not is_memory(url):
        _forkable.add(engine)
    return engine


def _mysql_engine(url: URL) -> Engine:
    # READ COMMITTED avoids InnoDB gap locks (and the deadlocks they cause) on concurrent upserts;
    # recycling beats MySQL's wait_timeout closing idle pooled connections.
    engine = sa.create_engine(url, isolation_level="READ COMMITTED", pool_recycle=3600)

    @event.listens_for(engine, "connect")
    def _session(dbapi_conn, _record) -> None:
        # The Default experiment has id 0, which AUTO_INCREMENT would otherwise replace.
        cursor = dbapi_conn.cursor()
        cursor.execute("SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',NO_AUTO_VALUE_ON_ZERO')")
        cursor.close()

    return engine


def _sqlite_engine(url: URL) -> Engine:
    memory = is_memory(url)
    if memory:
        # One shared connection, or every checkout would see its own empty database.
        engine = sa.create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})
    else:
        directory = os.path.dirname(url.database)
        if not os.path.isdir(directory):
            raise MlplugError(f"Cannot create the SQLite database {url.database}: the directory {directory} "
                              "does not exist. Create it, or point the URI at an existing directory.")
        engine = sa.create_engine(url, connect_args={"check_same_thread": False,
                                                     "timeout": SQLITE_BUSY_TIMEOUT_S})

    @event.listens_for(engine, "connect")
    def _configure(dbapi_conn, _record) -> None:
        dbapi_conn.isolation_level = None  # pysqlite must not BEGIN on its own; the begin hook below does
        cursor = dbapi_conn.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_S * 1000}")
        if not memory and cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")  # durable in WAL mode except on power loss
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA case_sensitive_like = ON")  # LIKE is case-sensitive on every backend
        if not memory:
            # Read pages straight from the OS page cache instead of copying each into the connection's own
            # (small, and emptied whenever another connection writes): a search touches thousands of pages.
            cursor.execute(f"PRAGMA mmap_size = {SQLITE_MMAP_BYTES}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn) -> None:
        # Straight to the driver: this runs for every transaction, and a full execute costs more than it.
        statement = "BEGIN" if conn.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE"
        conn.connection.driver_connection.execute(statement)

    return engine
