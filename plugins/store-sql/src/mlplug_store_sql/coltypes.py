"""Column types that behave the same on SQLite, PostgreSQL and MySQL/MariaDB.

Strings compare and sort byte-wise everywhere (SQLite's default BINARY collation, `C` on PostgreSQL,
`utf8mb4_bin` on MySQL), so `=` and `LIKE` are case-sensitive and `ORDER BY` gives one order on every
backend. The per-backend DDL is rendered by compile hooks, so using these types imports no dialect.
Migrations import these, so change them only together with a new migration.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles

_MYSQL_CHARSET = "CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"


class ByteString(sa.String):
    """VARCHAR(length) with byte-wise comparison."""

    cache_ok = True


class ByteText(sa.Text):
    """Unbounded text; on MySQL the smallest TEXT type that holds `max_chars` 4-byte characters."""

    cache_ok = True

    def __init__(self, max_chars: int):
        super().__init__()
        self.max_chars = max_chars


@compiles(ByteString, "postgresql")
def _postgresql_string(type_: ByteString, compiler, **kw) -> str:
    return f'VARCHAR({type_.length}) COLLATE "C"'


@compiles(ByteString, "mysql")
@compiles(ByteString, "mariadb")
def _mysql_string(type_: ByteString, compiler, **kw) -> str:
    return f"VARCHAR({type_.length}) {_MYSQL_CHARSET}"


@compiles(ByteText, "mysql")
@compiles(ByteText, "mariadb")
def _mysql_text(type_: ByteText, compiler, **kw) -> str:
    size = type_.max_chars * 4
    name = "TEXT" if size <= 65535 else "MEDIUMTEXT" if size <= 16777215 else "LONGTEXT"
    return f"{name} {_MYSQL_CHARSET}"


def string(length: int) -> ByteString:
    return ByteString(length)


def long_text(max_chars: int) -> ByteText:
    return ByteText(max_chars)


RUN_ID = string(32)
KEY = string(250)
