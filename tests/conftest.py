"""Fixtures for the cross-plugin tests: throwaway environments built from this workspace with uv."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _uv() -> str:
    beside = Path(sys.executable).with_name("uv")
    found = str(beside) if beside.exists() else shutil.which("uv")
    if not found:
        pytest.fail("uv is needed to build throwaway environments: pip install uv")
    return found


def _run(*cmd: str) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, stdin=subprocess.DEVNULL, timeout=600)
    if done.returncode:
        pytest.fail(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")


@pytest.fixture(scope="session")
def workspace_venv(tmp_path_factory):
    """Factory: ``workspace_venv("core", "plugins/cli-runs", ...)`` -> the Python of a new venv with those
    projects installed editable, their dependencies pinned to uv.lock's versions."""
    uv = _uv()
    root = tmp_path_factory.mktemp("venvs")
    constraints = root / "constraints.txt"
    _run(uv, "export", "--frozen", "--all-packages", "--no-hashes", "--no-emit-workspace", "--no-header",
         "--no-dev", "-o", str(constraints))

    def build(*projects: str) -> str:
        venv = root / f"venv{len(list(root.glob('venv*')))}"
        _run(uv, "venv", "--quiet", "--python", sys.executable, str(venv))
        python = str(venv / "bin" / "python")
        editables = [arg for project in projects for arg in ("-e", str(REPO / project))]
        _run(uv, "pip", "install", "--quiet", "--python", python, "-c", str(constraints), *editables)
        return python

    return build


@pytest.fixture
def clean_mlplug_env(tmp_path, monkeypatch):
    """No MLPLUG_/MLFLOW_ settings leak in from the caller's shell; a tracking database in tmp_path."""
    for name in list(os.environ):
        if name.startswith(("MLPLUG_", "MLFLOW_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("MLPLUG_TRACKING_URI", f"sqlite:///{tmp_path / 'mlplug.db'}")
    monkeypatch.chdir(tmp_path)
    return tmp_path
