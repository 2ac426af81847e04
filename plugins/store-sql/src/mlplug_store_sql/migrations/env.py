"""Alembic environment: always runs on a connection that mlplug_store_sql.migrate hands over.

There is no alembic.ini and no URL here; `migrate.upgrade` opens the transaction (and the lock that keeps
two processes from migrating one database at once) and passes the connection in `config.attributes`.
"""
from __future__ import annotations

from alembic import context

from mlplug_store_sql.migrate import VERSION_TABLE

if context.is_offline_mode():
    raise SystemExit("mlplug-store-sql migrations run online only: use 'mlplug db upgrade URI'.")

context.configure(connection=context.config.attributes["connection"], version_table=VERSION_TABLE)
with context.begin_transaction():
    context.run_migrations()
