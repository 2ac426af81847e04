"""What the tracking and registry stores share: one database, its schema check, and transactions.

Every write is one short transaction (BEGIN IMMEDIATE on SQLite), run again when it hit a deadlock or a
serialization failure; reads run in a read-only transaction, one snapshot for all of their queries.
"""
from __future__ import annotations

import contextlib
import time
from typing import Any, Callable, Iterator, Sequence, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from mlplug.errors import MlplugError
from mlplug.uri import redact
from mlplug_store_sql.engine import READ_ONLY, create_engine, is_memory
from mlplug_store_sql.migrate import ensure_schema
from mlplug_store_sql.raw import Compiler, Cursor, write_transaction
from mlplug_store_sql.statements import Statements

T = TypeVar("T")
_ATTEMPTS = 3  # tries of a write transaction that hit a deadlock or serialization failure
CHUNK = 500  # ids per IN (...) list, well below every backend's bind-parameter limit


def chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    """`items` in slices small enough for one IN (...) list."""
    for i in range(0, len(items), CHUNK):
        yield items[i:i + CHUNK]


def is_transient(err: sa.exc.DBAPIError) -> bool:
    """A deadlock or serialization failure, which succeeds when the transaction is run again."""
    orig = err.orig
    if (getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)) in ("40001", "40P01"):
        return True
    args = getattr(orig, "args", ())
    return bool(args) and args[0] in (1205, 1213)  # MySQL: lock wait timeout, deadlock


class Database:
    """Opens `store_uri` (migrating an empty database), then `_prepare`s it; `what` names it in errors."""

    what = "database"

    def __init__(self, store_uri: str):
        self.store_uri = store_uri
        self._engine = create_engine(store_uri)
        self._reader = self._engine.execution_options(**{READ_ONLY: True})
        self._sql = Statements(self._engine.dialect.name)
        self._compiler = Compiler(self._engine.dialect)
        try:
            ensure_schema(self._engine, store_uri)
            self._prepare()
        except sa.exc.OperationalError as err:
            raise MlplugError(f"Cannot open the {self.what} {redact(store_uri)}: {str(err.orig).strip()}\n"
                              "Check that the database server is running and the URI is right.",
                              "TEMPORARILY_UNAVAILABLE") from None
        if not is_memory(self._engine.url):
            self._engine.dispose()  # leave nothing open for a forked worker to inherit

    def _prepare(self) -> None:
        """Rows every database of this kind needs (run once when the store opens)."""

    @property
    def engine(self) -> sa.Engine:
        return self._engine

    def close(self) -> None:
        self._engine.dispose()

    @contextlib.contextmanager
    def _read(self) -> Iterator[Connection]:
        """A read-only transaction: one snapshot for all of its queries."""
        with self._reader.connect() as conn, conn.begin():
            yield conn

    def _cursor(self, conn: Connection) -> Cursor:
        """The raw cursor of `conn`'s transaction, for the hot statements."""
        return Cursor.of(conn, self._compiler)

    def _write(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(conn, *args)` in one write transaction, again if it hit a deadlock."""
        return self._retrying(self._engine.begin, fn, *args)

    def _write_raw(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(cursor, *args)` in one write transaction straight on the driver (the hot writes)."""
        return self._retrying(lambda: write_transaction(self._engine, self._compiler), fn, *args)

    def _retrying(self, transaction: Callable[[], Any], fn: Callable[..., T], *args: Any) -> T:
        for attempt in range(1, _ATTEMPTS + 1):
            try:
                with transaction() as handle:
                    return fn(handle, *args)
            except sa.exc.DBAPIError as err:
                if attempt == _ATTEMPTS or not is_transient(err):
                    raise
                time.sleep(0.01 * attempt)
        raise AssertionError("unreachable")
