"""With only mlplug-core installed (`tox -e kernel`), the CLI still works and says what to install.

Elsewhere these tests skip, unless MLPLUG_EXPECT_KERNEL_ONLY is set (the tox env sets it), in which case
a plugin distribution in the environment is a failure rather than a skip.
"""
from __future__ import annotations

import os
from importlib.metadata import distributions

import pytest

from mlplug.testing import run_console_script as run_mlplug


def installed_plugin_distributions() -> list[str]:
    names = {(d.metadata["Name"] or "").lower() for d in distributions()}
    return sorted(n for n in names if n.startswith("mlplug-") and n != "mlplug-core")


_plugins = installed_plugin_distributions()
if _plugins and os.environ.get("MLPLUG_EXPECT_KERNEL_ONLY"):
    raise RuntimeError(f"MLPLUG_EXPECT_KERNEL_ONLY is set but plugins are installed: {', '.join(_plugins)}")
pytestmark = pytest.mark.skipif(bool(_plugins), reason="needs an environment with mlplug-core alone (tox -e kernel)")

MISSING = {
    "experiments": "mlplug-cli-experiments",
    "runs": "mlplug-cli-runs",
    "server": "mlplug-cli-server",
    "ui": "mlplug-cli-server",
    "db": "mlplug-store-sql",
    "artifacts": "mlplug-cli-artifacts",
}


def test_help_works_and_names_the_missing_plugins():
    result = run_mlplug("--help")

    assert result.returncode == 0, result.stderr
    listed = {line.split()[0]: line for line in result.stdout.splitlines() if line.startswith("  ")}
    for command, dist in MISSING.items():
        assert f"[not installed: pip install {dist}]" in listed[command]
    assert "List installed plugins" in listed["plugins"]
    assert "Check this install" in listed["doctor"]


def test_a_missing_command_says_what_to_install():
    result = run_mlplug("experiments", "search")

    assert result.returncode == 1
    assert result.stderr == ("Error: The 'experiments' command is not installed. "
                             "Install it with: pip install mlplug-cli-experiments\n")


def test_plugins_and_doctor_work_on_a_bare_kernel():
    plugins = run_mlplug("plugins")
    doctor = run_mlplug("doctor")

    assert plugins.returncode == 0, plugins.stderr
    rows = [line.split()[:5] for line in plugins.stdout.splitlines()[2:]]
    assert rows == [["commands", "doctor", "mlplug-core", rows[0][3], "ok"],
                    ["commands", "plugins", "mlplug-core", rows[1][3], "ok"]]
    assert doctor.returncode == 0, doctor.stderr
    assert doctor.stdout.splitlines()[-1] == "No problems found."


def test_a_store_that_is_not_installed_says_what_to_install():
    from mlplug.errors import PluginError
    from mlplug.host import PluginHost

    with pytest.raises(PluginError) as raised:
        PluginHost().tracking_store("sqlite:///mlplug.db")

    assert raised.value.message == ("Cannot open tracking URI 'sqlite:///mlplug.db': No tracking store for URI "
                                    "scheme 'sqlite' is installed (installed: none). "
                                    "Install it with: pip install mlplug-store-sql")
