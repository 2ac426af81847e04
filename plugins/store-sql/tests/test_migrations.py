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
from mlplug_store_sql import migrate, registry_schema, schema  # noqa: F401 (registry tables join the metadata)
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
    assert "Applied 0001: Tracking schema" in result.output
    assert "Applied 0002: Model registry and MLflow 3 logged models" in result.output
    assert f"to revision {migrate.HEAD_REVISION}" in result.output
    assert set(schema.metadata.tables) | {migrate.VERSION_TABLE} <= _tables(empty_db_uri)
    assert {"registered_models", "model_versions", "registered_model_aliases", "logged_models"} <= _tables(empty_db_uri)

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


def test_a_database_at_0001_upgrades_to_the_registry_and_keeps_its_data(empty_db_uri):
    """A database made before the registry existed: opening it asks for an upgrade, `mlplug db upgrade`
    adds the registry and logged-model tables, and every experiment and run is still there."""
    from mlplug.entities import Metric, Param
    from mlplug_store_sql.registry import SqlRegistryStore

    engine = create_engine(empty_db_uri)
    try:
        migrate.upgrade(engine, empty_db_uri, "0001")
        with engine.begin() as conn:  # rows as a 0001 store wrote them
            conn.execute(sa.text("INSERT INTO experiments VALUES (0, 'Default', '/a/0', 'active', 1, 1), "
                                 "(1, 'old', '/a/1', 'active', 2, 2)"))
            conn.execute(sa.text("INSERT INTO runs VALUES ('r1', 1, 'run', 'me', 'FINISHED', 5, 6, "
                                 "'/a/1/r1/artifacts', 'active', NULL)"))
            conn.execute(sa.text("INSERT INTO params VALUES ('r1', 'lr', '0.1')"))
    finally:
        engine.dispose()
    with pytest.raises(MlplugError, match="has schema revision 0001, older than this .*mlplug db upgrade"):
        SqlTrackingStore(empty_db_uri)

    result = CliRunner().invoke(cli, ["db", "upgrade", empty_db_uri])
    assert result.exit_code == 0, result.output
    assert "Applied 0002: Model registry" in result.output and "Applied 0001" not in result.output

    tracking, registry = SqlTrackingStore(empty_db_uri), SqlRegistryStore(empty_db_uri)
    try:
        assert tracking.get_experiment("1").name == "old"
        run = tracking.get_run("r1")
        assert (run.info.run_name, run.info.status, run.data.params) == ("run", "FINISHED", {"lr": "0.1"})
        tracking.log_batch("r1", metrics=[Metric("acc", 1.0, 7, 0)], params=[Param("lr", "0.1")])
        model = tracking.create_logged_model("1", "model", "r1")
        registry.create_registered_model("upgraded")
        version = registry.create_model_version("upgraded", model.model_uri)
        assert registry.get_model_version_download_uri("upgraded", version.version) == "/a/1/models/" \
            f"{model.model_id}/artifacts"
    finally:
        registry.close()
        tracking.close()


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
