"""The CLI root with broken, missing and working command plugins, run through the real entry point."""
from __future__ import annotations

import json

import pytest

from mlplug import known_plugins

COMMANDS = "mlplug.commands"
BROKEN_ERROR = "ImportError: the fake plugin's dependency is missing"

GOOD = """
    import click
    from mlplug.errors import NotFound
    from mlplug.hookspecs import hookimpl

    @click.group("good")
    def group():
        '''A working fake command.'''

    @group.command("hello")
    def hello():
        click.echo("hello from good")

    @group.command("fail")
    def fail():
        raise NotFound("Run with id 'abc' not found")

    @group.command("usage")
    def usage():
        raise click.ClickException("you asked for it")

    @hookimpl
    def mlplug_cli_command(name):
        return group if name == "good" else None
"""


@pytest.fixture
def plugins(fake_plugins):
    """One working and one broken command plugin, installed as distributions."""
    fake_plugins("mlplug-fake-good", {COMMANDS: {"good": "fake_good_cmd"}}, {"fake_good_cmd.py": GOOD})
    fake_plugins("mlplug-fake-broken", {COMMANDS: {"kaput": "fake_kaput_cmd"}},
                 {"fake_kaput_cmd.py": f"raise ImportError(\"{BROKEN_ERROR.split(': ', 1)[1]}\")\n"},
                 version="2.3.4")
    return fake_plugins


BROKEN_MESSAGE = f"plugin 'kaput' (mlplug.commands) from mlplug-fake-broken 2.3.4 failed to load: {BROKEN_ERROR}"


def test_help_lists_broken_command_as_broken_and_working_ones_normally(plugins, cli_runner):
    result = cli_runner.invoke(["--help"])

    assert result.exit_code == 0, result
    lines = {line.split()[0]: line for line in result.stdout.splitlines() if line.startswith("  ")}
    assert "[broken plugin: run 'mlplug plugins' for details]" in lines["kaput"]
    assert "A working fake command." in lines["good"]
    assert "plugins" in lines and "doctor" in lines


def test_running_a_broken_command_prints_its_error_and_fails(plugins, cli_runner):
    result = cli_runner.invoke(["kaput", "--some-option", "x"])

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == f"Error: {BROKEN_MESSAGE}\n"


def test_other_commands_keep_working_next_to_a_broken_one(plugins, cli_runner):
    result = cli_runner.invoke(["good", "hello"])

    assert (result.exit_code, result.stdout, result.stderr) == (0, "hello from good\n", "")


def test_mlplug_error_becomes_one_error_line_and_exit_1(plugins, cli_runner):
    result = cli_runner.invoke(["good", "fail"])

    assert result.exception is None
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", "Error: Run with id 'abc' not found\n")


def test_click_exception_becomes_one_error_line_and_exit_1(plugins, cli_runner):
    result = cli_runner.invoke(["good", "usage"])

    assert (result.exit_code, result.stderr) == (1, "Error: you asked for it\n")


def test_unknown_command_is_a_usage_error(cli_runner):
    result = cli_runner.invoke(["no-such-command"])

    assert result.exit_code == 2
    assert "No such command 'no-such-command'" in result.stderr


def test_missing_default_command_shows_the_pip_hint(cli_runner, monkeypatch):
    monkeypatch.setitem(known_plugins.DISTRIBUTIONS[COMMANDS], "fakedefault", "mlplug-fake-default")

    listing = cli_runner.invoke(["--help"])
    run = cli_runner.invoke(["fakedefault", "anything"])

    assert "[not installed: pip install mlplug-fake-default]" in listing.stdout
    assert run.exit_code == 1
    assert run.stderr == ("Error: The 'fakedefault' command is not installed. "
                          "Install it with: pip install mlplug-fake-default\n")


def test_plugins_table_shows_the_broken_plugin(plugins, cli_runner):
    result = cli_runner.invoke(["plugins"])

    assert result.exit_code == 0, result
    header, dashes, *rows = result.stdout.splitlines()
    assert header.split() == ["Kind", "Name", "Distribution", "Status", "Hooks", "/", "error"]
    kaput = next(row for row in rows if " kaput " in row)
    assert kaput.split()[:5] == ["commands", "kaput", "mlplug-fake-broken", "2.3.4", "broken"]
    assert kaput.endswith(BROKEN_MESSAGE)
    good = next(row for row in rows if " good " in row)
    assert good.split()[3:] == ["1.0", "ok", "mlplug_cli_command"]
    assert "Some plugins are broken" in result.stderr


def test_plugins_json_shows_the_broken_plugin(plugins, cli_runner):
    result = cli_runner.invoke(["plugins", "--output", "json"])

    assert result.exit_code == 0, result
    records = {r["name"]: r for r in json.loads(result.stdout)}
    assert records["kaput"] == {"group": COMMANDS, "name": "kaput", "target": "fake_kaput_cmd",
                                "distribution": "mlplug-fake-broken", "version": "2.3.4", "status": "broken",
                                "hooks": [], "error": BROKEN_MESSAGE}
    assert records["good"]["status"] == "ok"
    assert records["plugins"]["distribution"] == "mlplug-core"


def test_plugins_no_load_lists_without_importing(plugins, cli_runner):
    import sys

    result = cli_runner.invoke(["plugins", "--no-load", "--output", "json"])

    records = {r["name"]: r for r in json.loads(result.stdout)}
    assert records["kaput"]["status"] == records["good"]["status"] == "not loaded"
    assert "fake_good_cmd" not in sys.modules


def test_doctor_reports_the_broken_plugin(plugins, cli_runner):
    result = cli_runner.invoke(["doctor"])

    assert result.exit_code == 0, result
    assert f"  [broken] commands:kaput (mlplug-fake-broken 2.3.4) {BROKEN_MESSAGE}" in result.stdout.splitlines()
    assert "  [ok] commands:good (mlplug-fake-good 1.0) mlplug_cli_command" in result.stdout.splitlines()
    assert result.stdout.splitlines()[-1].endswith("problem(s) found.")


def test_doctor_verbose_includes_the_traceback(plugins, cli_runner):
    result = cli_runner.invoke(["doctor", "--verbose"])

    assert "Traceback (most recent call last)" in result.stdout
    assert "fake_kaput_cmd.py" in result.stdout


def test_doctor_json_reports_the_broken_plugin(plugins, cli_runner, monkeypatch):
    monkeypatch.setenv("MLPLUG_TRACKING_URI", "postgresql://me:secret@db/mlflow")

    result = cli_runner.invoke(["doctor", "--output", "json"])

    assert result.exit_code == 0, result
    report = json.loads(result.stdout)
    assert report["tracking_uri"] == "postgresql://me:***@db/mlflow"
    assert report["tracking_uri_source"] == "MLPLUG_TRACKING_URI"
    plugins_by_name = {p["name"]: p for p in report["plugins"]}
    assert plugins_by_name["kaput"] == {"group": COMMANDS, "name": "kaput",
                                        "distribution": "mlplug-fake-broken 2.3.4", "status": "broken",
                                        "hooks": [], "error": BROKEN_MESSAGE}
    assert plugins_by_name["good"]["status"] == "ok"


def test_doctor_masks_environment_values(cli_runner, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_TOKEN", "very-secret")

    result = cli_runner.invoke(["doctor", "--mask-envs"])

    assert "  MLFLOW_TRACKING_TOKEN: ***" in result.stdout.splitlines()
    assert "very-secret" not in result.stdout


def test_version(cli_runner):
    from importlib.metadata import version

    result = cli_runner.invoke(["--version"])

    assert (result.exit_code, result.stdout) == (0, f"mlplug {version('mlplug-core')}\n")


def test_usage_errors_are_one_line_naming_the_commands_help(cli_runner):
    result = cli_runner.invoke(["plugins", "--no-such-option"])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "Error: No such option '--no-such-option'. (see 'mlplug plugins --help')"]
