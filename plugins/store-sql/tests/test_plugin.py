"""The plugin's entry modules stay light, and `mlplug db` is wired into the CLI."""
from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner

from mlplug.cli.root import cli
from mlplug_store_sql import commands


def _python(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def test_entry_modules_import_no_database_library():
    loaded = _python("import sys, mlplug_store_sql.plugin, mlplug_store_sql.commands; "
                     "print(sorted(m for m in ('sqlalchemy', 'alembic') if m in sys.modules))")
    assert loaded == "[]"


def test_db_help_does_not_import_sqlalchemy():
    loaded = _python("import sys\nfrom mlplug.cli.root import cli\n"
                     "cli.main(['db', 'upgrade', '--help'], prog_name='mlplug', standalone_mode=False)\n"
                     "print('sqlalchemy' in sys.modules)")
    assert loaded == "False"


def test_the_db_command_is_served_by_this_plugin():
    assert commands.mlplug_cli_command("db") is commands.db
    assert commands.mlplug_cli_command("runs") is None
    result = CliRunner().invoke(cli, ["db", "--help"])
    assert result.exit_code == 0
    assert "upgrade" in result.output and "current" in result.output
