"""`mlplug db`: create or upgrade a tracking database's schema, and show its revision.

Only click is imported at module level (`mlplug --help` loads this module); SQLAlchemy and alembic are
imported inside the commands.
"""
from __future__ import annotations

import contextlib
from typing import Iterator

import click

from mlplug.hookspecs import hookimpl
from mlplug.uri import redact


@contextlib.contextmanager
def _engine(url: str) -> Iterator:
    import sqlalchemy as sa

    from mlplug_store_sql.engine import create_engine

    engine = create_engine(url)
    try:
        yield engine
    except sa.exc.OperationalError as err:
        raise click.ClickException(f"Cannot use the database {redact(url)}: {str(err.orig).strip()}\n"
                                   "Check that the server is running and the URL is right.") from None
    finally:
        engine.dispose()


@click.group("db")
def db() -> None:
    """Manage the schema of a SQL tracking database (SQLite, PostgreSQL, MySQL/MariaDB)."""


@db.command("upgrade")
@click.argument("url")
def upgrade(url: str) -> None:
    """Create or upgrade the schema of the database at URL to the newest revision.

    URL is a database URL such as sqlite:///mlplug.db, postgresql://user@host/db or
    mysql://user@host/db. Back up a database you care about first: migrations of big databases
    can take a while.
    """
    from mlplug_store_sql import migrate

    with _engine(url) as engine:
        before, after = migrate.upgrade(engine, url)
    steps = migrate.revisions_between(before, after)
    if not steps:
        click.echo(f"Database {redact(url)} is already at the newest revision ({after}); nothing to do.")
        return
    for revision, doc in steps:
        click.echo(f"Applied {revision}: {doc.splitlines()[0] if doc else ''}")
    click.echo(f"Upgraded {redact(url)} from {before or 'an empty database'} to revision {after}.")


@db.command("current")
@click.argument("url")
def current(url: str) -> None:
    """Print the schema revision of the database at URL (e.g. sqlite:///mlplug.db)."""
    from mlplug_store_sql import migrate

    with _engine(url) as engine, engine.connect() as conn:
        revision = migrate.current_revision(conn)
    if revision is None:
        click.echo(f"none: {redact(url)} has no mlplug schema yet. Create it with: mlplug db upgrade URL")
    elif revision == migrate.HEAD_REVISION:
        click.echo(f"{revision} (head)")
    elif migrate.is_known_revision(revision):
        click.echo(f"{revision} (behind head {migrate.HEAD_REVISION}: run 'mlplug db upgrade URL')")
    else:
        click.echo(f"{revision} (unknown to this mlplug-store-sql; not an mlplug database?)")


@hookimpl
def mlplug_cli_command(name: str):
    if name == "db":
        return db
    return None
