"""A small project for `mlplug run` tests: it records what its process saw and logs through mlplug."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "diabetes_project"

MLPROJECT = """
name: probe
python_env: python_env.yaml
entry_points:
  main:
    parameters:
      out: string
      code: {type: float, default: 0}
      alpha: {type: float, default: 0.5}
    command: "python record.py --out {out} --code {code} --alpha {alpha}"
  sleep:
    parameters:
      pidfile: string
    command: "python sleeper.py {pidfile}"
  data:
    parameters:
      file: path
    command: "python record.py --out out.json --file {file}"
"""

RECORD = '''
"""Write what this process was given to --out (JSON), log a metric into the run, exit with --code."""
import json, os, sys

args = sys.argv[1:]
out = args[args.index("--out") + 1]
code = int(float(args[args.index("--code") + 1])) if "--code" in args else 0
seen = {"argv": args, "cwd": os.getcwd(), "python": sys.executable,
        "env": {k: v for k, v in os.environ.items() if k.startswith(("MLFLOW_", "MLPLUG_"))}}
with open(out, "w") as f:
    json.dump(seen, f)
import mlplug
with mlplug.start_run():
    mlplug.log_metric("recorded", 1.0)
    if code:
        sys.exit(code)
'''

SLEEPER = '''
import os, sys, time
with open(sys.argv[1], "w") as f:
    f.write(str(os.getpid()))
time.sleep(120)
'''


def write_project(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "MLproject").write_text(MLPROJECT)
    (directory / "python_env.yaml").write_text(f"python: '{sys.version_info.major}.{sys.version_info.minor}'\n"
                                               "dependencies: []\n")
    (directory / "record.py").write_text(textwrap.dedent(RECORD))
    (directory / "sleeper.py").write_text(textwrap.dedent(SLEEPER))
    return directory


@pytest.fixture
def probe_project(tmp_path) -> Path:
    return write_project(tmp_path / "probe project")  # a space in the path, on purpose


def run_argv(*args: str) -> list[str]:
    return [sys.executable, os.path.join(os.path.dirname(sys.executable), "mlplug"), "run", *args]


@pytest.fixture
def mlplug_run():
    """`mlplug_run(*args)`: `mlplug run ARGS` as a user's shell runs it (a fresh process, output captured)."""
    def run(*args: str, timeout: float = 600, env: dict | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(run_argv(*args), capture_output=True, text=True, timeout=timeout,
                              env={**os.environ, **(env or {})}, stdin=subprocess.DEVNULL)
    run.argv = run_argv
    return run


@pytest.fixture
def example_project() -> Path:
    return EXAMPLE
