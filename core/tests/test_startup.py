"""`mlplug --help` stays fast: no heavy library is imported at start-up, whatever plugins are installed.

Each check runs the installed console script in a fresh interpreter with `-X importtime`, so it sees
exactly what a user's shell would import, including every installed command plugin's module.
"""
from __future__ import annotations

import subprocess
import time

import pytest

from mlplug.testing import run_console_script

HEAVY = ("sqlalchemy", "flask", "gunicorn", "pandas", "numpy", "boto3", "werkzeug", "alembic", "requests")
HELP_BUDGET_SECONDS = 1.5  # measured ~0.3 s on a 2-core machine; llm's plugins pushed it to ~10 s


def run_mlplug(*args: str, importtime: bool = False) -> subprocess.CompletedProcess:
    return run_console_script(*args, python_flags=["-X", "importtime"] if importtime else ())


def imported_top_level_modules(importtime_log: str) -> set[str]:
    """Top-level package names from `-X importtime` lines: `import time: self | cumulative | name`."""
    names = set()
    for line in importtime_log.splitlines():
        if line.startswith("import time:") and "|" in line:
            name = line.rsplit("|", 1)[1].strip()
            if name != "imported package":
                names.add(name.split(".", 1)[0])
    return names


@pytest.mark.parametrize("args", [("--help",), ("experiments", "--help"), ("runs", "--help"),
                                  ("server", "--help"), ("plugins", "--no-load")])
def test_no_heavy_import_at_start_up(args):
    from mlplug.host import PluginHost

    if not args[0].startswith("-") and args[0] not in PluginHost().names("mlplug.commands"):
        pytest.skip(f"the '{args[0]}' command is not installed here")
    result = run_mlplug(*args, importtime=True)

    assert result.returncode == 0, result.stderr[-2000:]
    modules = imported_top_level_modules(result.stderr)
    assert "click" in modules, "the -X importtime log was not captured"
    assert sorted(modules & set(HEAVY)) == []


def test_help_is_fast():
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        result = run_mlplug("--help")
        timings.append(time.perf_counter() - started)
        assert result.returncode == 0, result.stderr
    best = min(timings)
    print(f"\nmlplug --help: best of 3 = {best:.3f} s (all: {', '.join(f'{t:.3f}' for t in timings)})")
    assert best < HELP_BUDGET_SECONDS
