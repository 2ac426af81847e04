"""The plugin host against real (fake-but-installed) distributions: discovery, lazy loading, failures."""
from __future__ import annotations

import sys

import pytest

from mlplug.errors import PluginError

COMMANDS = "mlplug.commands"

HELLO = """
    import click
    from mlplug.hookspecs import hookimpl

    @click.command("{name}")
    def command():
        '''Say hello.'''
        click.echo("hello from {name}")

    @hookimpl
    def mlplug_cli_command(name):
        return command if name == "{name}" else None
"""


def hello_module(name: str) -> str:
    return HELLO.format(name=name)


def test_names_lists_plugins_without_importing_them(fake_plugins, plugin_host):
    fake_plugins("mlplug-fake-quiet", {COMMANDS: {"quiet": "fake_quiet_mod"}},
                 {"fake_quiet_mod.py": hello_module("quiet")})

    assert "quiet" in plugin_host.names(COMMANDS)
    assert "fake_quiet_mod" not in sys.modules


def test_load_imports_only_the_named_plugin(fake_plugins, plugin_host):
    fake_plugins("mlplug-fake-first", {COMMANDS: {"first": "fake_first_mod"}},
                 {"fake_first_mod.py": hello_module("first")})
    fake_plugins("mlplug-fake-second", {COMMANDS: {"second": "fake_second_mod"}},
                 {"fake_second_mod.py": hello_module("second")})

    command = plugin_host.cli_command("first")

    assert command.name == "first"
    assert "fake_first_mod" in sys.modules
    assert "fake_second_mod" not in sys.modules
    assert plugin_host.load(COMMANDS, "first") is sys.modules["fake_first_mod"]


def test_load_failure_is_recorded_with_distribution_version_and_one_line(fake_plugins, plugin_host):
    fake_plugins("mlplug-fake-broken", {COMMANDS: {"kaput": "fake_kaput_mod"}},
                 {"fake_kaput_mod.py": "import a_module_that_is_not_there\n"}, version="2.3.4")

    with pytest.raises(PluginError) as raised:
        plugin_host.cli_command("kaput")

    failure = plugin_host.failures[(COMMANDS, "kaput")]
    assert (failure.distribution, failure.version) == ("mlplug-fake-broken", "2.3.4")
    assert failure.target == "fake_kaput_mod"
    assert failure.error == "ModuleNotFoundError: No module named 'a_module_that_is_not_there'"
    assert "\n" not in failure.error
    assert "Traceback" in failure.details
    assert raised.value.message == (
        "plugin 'kaput' (mlplug.commands) from mlplug-fake-broken 2.3.4 failed to load: "
        "ModuleNotFoundError: No module named 'a_module_that_is_not_there'")


def test_failure_is_remembered_not_retried(fake_plugins, plugin_host):
    fake_plugins("mlplug-fake-once", {COMMANDS: {"once": "fake_once_mod"}},
                 {"fake_once_mod.py": "import builtins\nbuiltins.fake_once_imports = "
                                      "getattr(builtins, 'fake_once_imports', 0) + 1\nraise ImportError('nope')\n"})
    import builtins

    for _ in range(3):
        with pytest.raises(PluginError, match="ImportError: nope"):
            plugin_host.load(COMMANDS, "once")

    assert builtins.fake_once_imports == 1
    del builtins.fake_once_imports


def test_two_distributions_claiming_one_name_is_a_conflict_naming_both(fake_plugins, plugin_host):
    fake_plugins("mlplug-fake-left", {COMMANDS: {"twin": "fake_left_mod"}},
                 {"fake_left_mod.py": hello_module("twin")}, version="1.0")
    fake_plugins("mlplug-fake-right", {COMMANDS: {"twin": "fake_right_mod"}},
                 {"fake_right_mod.py": hello_module("twin")}, version="2.0")

    with pytest.raises(PluginError) as raised:
        plugin_host.load(COMMANDS, "twin")

    message = raised.value.message
    assert "Conflict" in message and "'twin'" in message
    assert "mlplug-fake-left==1.0 (fake_left_mod)" in message
    assert "mlplug-fake-right==2.0 (fake_right_mod)" in message
    assert "Uninstall all but one" in message
    assert "fake_left_mod" not in sys.modules and "fake_right_mod" not in sys.modules
    assert set(plugin_host.conflicts()) == {(COMMANDS, "twin")}
    [record] = [r for r in plugin_host.inventory() if r.name == "twin"][:1]
    assert record.status == "conflict"


def test_misspelled_hook_is_reported_broken(fake_plugins, plugin_host):
    fake_plugins("mlplug-fake-typo", {COMMANDS: {"typo": "fake_typo_mod"}}, {"fake_typo_mod.py": """
        from mlplug.hookspecs import hookimpl

        @hookimpl
        def mlplug_cli_comand(name):
            return None
    """})

    with pytest.raises(PluginError, match=r"unknown hook\(s\) mlplug_cli_comand — misspelled\?"):
        plugin_host.load(COMMANDS, "typo")

    [record] = [r for r in plugin_host.inventory() if r.name == "typo"]
    assert record.status == "broken"
    assert "mlplug-fake-typo 1.0" in record.error
    assert "mlplug_cli_comand" in record.error


def test_factory_returning_nothing_is_a_plugin_error(fake_plugins, plugin_host):
    fake_plugins("mlplug-fake-mute", {COMMANDS: {"mute": "fake_mute_mod"}}, {"fake_mute_mod.py": """
        from mlplug.hookspecs import hookimpl

        @hookimpl
        def mlplug_cli_command(name):
            return None
    """})

    with pytest.raises(PluginError, match="returned nothing from mlplug_cli_command"):
        plugin_host.cli_command("mute")


def test_unknown_name_says_what_is_installed_and_what_to_do(plugin_host):
    with pytest.raises(PluginError) as raised:
        plugin_host.tracking_store("nosuchscheme://somewhere")

    message = raised.value.message
    assert message.startswith("Cannot open tracking URI 'nosuchscheme://somewhere': "
                              "No tracking store for URI scheme 'nosuchscheme' is installed (installed: ")
    assert message.endswith("Install a plugin that provides it")


def test_missing_known_scheme_names_the_distribution_to_install(plugin_host, monkeypatch):
    monkeypatch.setattr(plugin_host, "entry_points", lambda group: [])  # as if mlplug-store-sql were absent

    with pytest.raises(PluginError) as raised:
        plugin_host.tracking_store("postgresql+psycopg://u:secret@db/mlflow")

    assert raised.value.message == (
        "Cannot open tracking URI 'postgresql+psycopg://u:***@db/mlflow': No tracking store for URI scheme "
        "'postgresql' is installed (installed: none). Install it with: pip install mlplug-store-sql")


def test_hosts_are_isolated(fake_plugins, plugin_host):
    from mlplug.host import PluginHost

    fake_plugins("mlplug-fake-iso", {COMMANDS: {"iso": "fake_iso_mod"}},
                 {"fake_iso_mod.py": "raise ImportError('broken here')\n"})
    with pytest.raises(PluginError):
        plugin_host.load(COMMANDS, "iso")

    other = PluginHost()
    assert (COMMANDS, "iso") in plugin_host.failures
    assert other.failures == {}


def test_plugin_host_fixture_is_the_default_host(plugin_host):
    from mlplug.host import get_host

    assert get_host() is plugin_host
