"""Schema migrations: `mlplug db upgrade/current`, the cheap up-to-date check, and refusing foreign databases."""
from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from mlplug.cli.root import cli
from mlplug.errors import MlplugError
from mlplug_store_sql import migrate, schema
from mlplug_store_sql.engine import create_engine
from mlplug_store_sql.store import SqlTrackingStore


def _tables(uri: str) -> set[str]:
    engine = create_engine(uri)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_head_revision_constant_is_the_newest_migration():
    from alembic.script import ScriptDirectory

    assert ScriptDirectory.from_config(migrate._config()).get_current_head() == migrate.HEAD_REVISION


def test_db_upgrade_creates_the_schema_and_is_idempotent(empty_db_uri):
    runner = CliRunner()
    result = runner.invoke(cli, ["db", "current", empty_db_uri])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("none:")

    result = runner.invoke(cli, ["db", "upgrade", empty_db_uri])
    assert result.exit_code == 0, result.output
    assert f"Applied {migrate.HEAD_REVISION}: Tracking schema" in result.output
    assert f"to revision {migrate.HEAD_REVISION}" in result.output
    assert set(schema.metadata.tables) | {migrate.VERSION_TABLE} <= _tables(empty_db_uri)

    again = runner.invoke(cli, ["db", "upgrade", empty_db_uri])
    assert again.exit_code == 0, again.output
    assert "already at the newest revision" in again.output

    current = runner.invoke(cli, ["db", "current", empty_db_uri])
    assert current.output.strip() == f"{migrate.HEAD_REVISION} (head)"

    store = SqlTrackingStore(empty_db_uri)  # a store opens an upgraded database as it is
    try:
        assert store.get_experiment("0").name == "Default"
    finally:
        store.close()


def test_migrated_schema_matches_the_tables_the_store_queries(empty_db_uri):
    """The migrations and schema.py describe the same tables, columns, types and keys."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = create_engine(empty_db_uri)
    try:
        migrate.upgrade(engine, empty_db_uri)
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            differences = compare_metadata(context, schema.metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_db_upgrade_reports_an_unreachable_server():
    result = CliRunner().invoke(cli, ["db", "upgrade", "postgresql://nobody@127.0.0.1:1/nothing"])
    assert result.exit_code != 0
    assert "Cannot use the database" in result.output


def _run_python(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_opening_a_current_database_does_not_import_alembic(tmp_path):
    uri = f"sqlite:///{tmp_path / 'current.db'}"
    SqlTrackingStore(uri).close()  # creates the schema (this one does import alembic)
    out = _run_python(f"""
        import sys
        from mlplug_store_sql.store import SqlTrackingStore
        store = SqlTrackingStore({uri!r})
        store.create_experiment("still works")
        print(sorted(m for m in sys.modules if m == "alembic" or m.startswith("alembic.")))
    """)
    assert out.strip() == "[]"


def test_a_database_at_an_unknown_revision_is_refused(tmp_path):
    uri = f"sqlite:///{tmp_path / 'future.db'}"
    SqlTrackingStore(uri).close()
    engine = create_engine(uri)
    with engine.begin() as conn:
        conn.execute(sa.text(f"UPDATE {migrate.VERSION_TABLE} SET version_num = 'ffff9999'"))
    engine.dispose()
    with pytest.raises(MlplugError, match="ffff9999, which this mlplug-store-sql does not know"):
        SqlTrackingStore(uri)


def test_a_database_with_foreign_tables_is_refused(tmp_path):
    uri = f"sqlite:///{tmp_path / 'foreign.db'}"
    engine = create_engine(uri)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE experiments (id INTEGER PRIMARY KEY)"))
    engine.dispose()
    with pytest.raises(MlplugError, match="already has tables but no mlplug schema version"):
        SqlTrackingStore(uri)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_processes_opening_a_fresh_database_together_migrate_it_once(backend, tmp_path, request):
    uri = f"sqlite:///{tmp_path / 'race.db'}" if backend == "sqlite" else request.getfixturevalue("postgres_uri")
    code = textwrap.dedent(f"""
        from mlplug_store_sql.store import SqlTrackingStore
        store = SqlTrackingStore({uri!r})
        print(store.get_experiment("0").name)
    """)
    procs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    results = [p.communicate(timeout=120) + (p.returncode,) for p in procs]
    assert [(out.strip(), rc) for out, _err, rc in results] == [("Default", 0)] * 2, [r[1] for r in results]
    engine = create_engine(uri)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM experiments")).scalar() == 1
        assert migrate.current_revision(conn) == migrate.HEAD_REVISION
    engine.dispose()
