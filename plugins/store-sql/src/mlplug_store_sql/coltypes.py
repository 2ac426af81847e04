"""Column types that behave the same on SQLite, PostgreSQL and MySQL/MariaDB.

Strings compare and sort byte-wise everywhere (SQLite's default BINARY collation, `C` on PostgreSQL,
`utf8mb4_bin` on MySQL), so `=` and `LIKE` are case-sensitive and `ORDER BY` gives one order on every
backend. Migrations import these, so change them only together with a new migration.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql

_MYSQL_COLLATION = "utf8mb4_bin"


def string(length: int) -> sa.types.TypeEngine:
    """VARCHAR(length) with byte-wise comparison."""
    mysql_type = mysql.VARCHAR(length, charset="utf8mb4", collation=_MYSQL_COLLATION)
    return (sa.String(length)
            .with_variant(postgresql.VARCHAR(length, collation="C"), "postgresql")
            .with_variant(mysql_type, "mysql", "mariadb"))


def long_text(max_chars: int) -> sa.types.TypeEngine:
    """Unbounded text; on MySQL the smallest TEXT type that holds `max_chars` 4-byte characters."""
    if max_chars * 4 <= 65535:
        mysql_type = mysql.TEXT(charset="utf8mb4", collation=_MYSQL_COLLATION)
    elif max_chars * 4 <= 16777215:
        mysql_type = mysql.MEDIUMTEXT(charset="utf8mb4", collation=_MYSQL_COLLATION)
    else:
        mysql_type = mysql.LONGTEXT(charset="utf8mb4", collation=_MYSQL_COLLATION)
    return sa.Text().with_variant(mysql_type, "mysql", "mariadb")


RUN_ID = string(32)
KEY = string(250)
