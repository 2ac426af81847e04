"""The store's hot statements, run straight on a DBAPI cursor.

SQLAlchemy's execution path (parameter processing, Result and Row objects, events) costs several times
more than SQLite needs to run a small statement or to hand back ten thousand rows. So the statements on
the hot paths (logging, loading runs, metric history) are still written in SQLAlchemy Core, compiled once
per dialect (and per IN-list length) into the SQL string and bind order of that dialect's paramstyle,
and executed on the DBAPI cursor of a SQLAlchemy transaction (`Cursor.of`) or of a bare pooled connection
(`write_transaction`, for the single writes); rows come back as plain tuples.

Values are passed as the drivers take them (str, int, float, bool, None), so no bind processors run;
booleans read back as the driver gives them (0/1 on SQLite and MySQL), which callers only test for truth.
Driver errors are re-raised as SQLAlchemy's exceptions, so callers handle one family of errors.
Only statements that live as long as the process belong here: they are cached by identity.
"""
from __future__ import annotations

import contextlib
from operator import itemgetter
from typing import Any, Callable, Iterator, Mapping, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect, Engine


class Query:
    """One statement compiled for one dialect: its SQL and how to lay out its bind values."""

    __slots__ = ("sql", "_statement", "_fixed", "_expanded", "_getter")

    def __init__(self, statement: Any, dialect: Dialect, expand: Mapping[str, int], required: Sequence[str]):
        self._statement = statement  # keeps the id() this query is cached under alive
        if expand:
            # Rendering the IN lists needs a value for every bind; only their number and lengths matter.
            statement = statement.params({**dict.fromkeys(required), **{n: [None] * k for n, k in expand.items()}})
        compiled = statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
        self.sql = compiled.string
        # An IN list `name` of n values is rendered as binds `name_1` ... `name_n`.
        self._expanded = {name: tuple(f"{name}_{i}" for i in range(1, n + 1)) for name, n in expand.items()}
        # Values written into the statement itself (`lifecycle_stage == "active"`) keep their value.
        self._fixed = {name: bind.effective_value for bind, name in compiled.bind_names.items()
                       if not bind.required and not bind.expanding and name not in required}
        self._getter: Callable[[Mapping], tuple] | None = None
        if compiled.positional:  # else (pyformat) the driver takes the dict of values
            names = compiled.positiontup
            self._getter = itemgetter(*names) if len(names) != 1 else (lambda row, n=names[0]: (row[n],))

    def bind(self, values: Mapping[str, Any]) -> Any:
        """The driver's parameters for one execution: a tuple (positional styles) or a dict."""
        if self._fixed or self._expanded:
            values = {**self._fixed, **values}
            for name, elements in self._expanded.items():
                values.update(zip(elements, values.pop(name)))
        return self._getter(values) if self._getter is not None else values


# Compiled forms kept per store: a statement has one per IN-list length in use (pages are chunked, so
# at most 500 lengths); the bound only keeps odd clients from growing the cache without end.
MAX_COMPILED = 2000


class Compiler:
    """Compiles statements for one dialect, once each (and once per length of each IN list)."""

    def __init__(self, dialect: Dialect):
        self.dialect = dialect
        self._queries: dict[Any, Query] = {}
        # id -> (statement, its IN-list binds, the binds the caller gives values for)
        self._binds: dict[int, tuple[Any, tuple[str, ...], tuple[str, ...]]] = {}

    def query(self, statement: Any, values: Mapping[str, Any]) -> Query:
        """`statement` compiled for the IN-list lengths in `values`."""
        sid = id(statement)
        known = self._binds.get(sid)
        if known is None:
            binds = set(statement.compile(dialect=self.dialect).binds.values())
            known = self._binds[sid] = (statement, tuple(b.key for b in binds if b.expanding),
                                        tuple(b.key for b in binds if b.required and not b.expanding))
        lists = known[1]
        if not lists:
            key: Any = sid
            sizes: dict[str, int] = {}
        else:
            sizes = {name: len(values[name]) for name in lists}
            key = (sid, *sizes.values())
        query = self._queries.get(key)
        if query is None:
            if len(self._queries) >= MAX_COMPILED:
                self._queries.clear()
            query = self._queries[key] = Query(statement, self.dialect, sizes, known[2])
        return query


class Cursor:
    """A DBAPI cursor inside a transaction: runs Core statements, raises SQLAlchemy's exceptions.

    `invalidate` drops the connection from the pool; it is called when the driver says the connection
    is dead.
    """

    __slots__ = ("_dbapi_connection", "_invalidate", "_compiler", "_cursor", "_error")

    def __init__(self, dbapi_connection: Any, invalidate: Callable[[BaseException], None], compiler: Compiler):
        self._dbapi_connection = dbapi_connection
        self._invalidate = invalidate
        self._compiler = compiler
        self._cursor = dbapi_connection.cursor()
        self._error = compiler.dialect.loaded_dbapi.Error

    @classmethod
    def of(cls, conn: Connection, compiler: Compiler) -> "Cursor":
        """The cursor of a SQLAlchemy connection's transaction."""
        return cls(conn.connection.dbapi_connection, conn.invalidate, compiler)

    def execute(self, statement: Any, values: Mapping[str, Any] = {}) -> int:  # noqa: B006 (never mutated)
        """Run `statement` once; the number of rows it changed."""
        query = self._compiler.query(statement, values)
        params = query.bind(values)
        try:
            self._cursor.execute(query.sql, params)
        except self._error as err:
            raise self.translate(err, query.sql, params) from None
        return self._cursor.rowcount

    def executemany(self, statement: Any, rows: Sequence[Mapping[str, Any]]) -> int:
        """Run `statement` once per row; the number of rows changed in all (as the driver counts them)."""
        if not rows:
            return 0
        query = self._compiler.query(statement, rows[0])
        params = [query.bind(r) for r in rows]
        try:
            self._cursor.executemany(query.sql, params)
        except self._error as err:
            raise self.translate(err, query.sql, params) from None
        return self._cursor.rowcount

    def all(self, statement: Any, values: Mapping[str, Any] = {}) -> list[tuple]:  # noqa: B006
        self.execute(statement, values)
        return self._cursor.fetchall()

    def first(self, statement: Any, values: Mapping[str, Any] = {}) -> tuple | None:  # noqa: B006
        self.execute(statement, values)
        rows = self._cursor.fetchall()  # all of them, so the driver is done with the statement
        return rows[0] if rows else None

    def translate(self, err: Exception, sql: str | None = None, params: Any = None) -> sa.exc.DBAPIError:
        """SQLAlchemy's exception for a driver error; a dead connection is dropped from the pool."""
        dialect = self._compiler.dialect
        invalidated = dialect.is_disconnect(err, self._dbapi_connection, self._cursor)
        if invalidated:
            self._invalidate(err)
        return sa.exc.DBAPIError.instance(sql, params, err, self._error, connection_invalidated=invalidated,
                                          dialect=dialect)


@contextlib.contextmanager
def write_transaction(engine: Engine, compiler: Compiler) -> Iterator[Cursor]:
    """A write transaction on a pooled DBAPI connection, without SQLAlchemy's Connection around it.

    The hot single writes (log_metric, log_batch, ...) are small enough that a SQLAlchemy Connection,
    its events and its transaction object cost as much as the statements. SQLite's transaction begins
    IMMEDIATE, as the engine's own begin hook does; the other drivers begin implicitly.
    """
    fairy = engine.raw_connection()
    try:
        cur = Cursor(fairy.dbapi_connection, fairy.invalidate, compiler)
        try:
            if compiler.dialect.name == "sqlite":
                fairy.driver_connection.execute("BEGIN IMMEDIATE")
            yield cur
            fairy.commit()
        except compiler.dialect.loaded_dbapi.Error as err:  # from BEGIN or COMMIT: the statements translate theirs
            _rollback(fairy)
            raise cur.translate(err) from None
        except BaseException:
            _rollback(fairy)
            raise
    finally:
        fairy.close()


def _rollback(fairy: Any) -> None:
    try:
        fairy.rollback()
    except Exception:  # noqa: BLE001 (the connection is broken; the pool discards it on close)
        fairy.invalidate()
