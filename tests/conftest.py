"""Fixtures for the cross-plugin tests: throwaway environments built from this workspace with uv."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from mlplug.testing.servers import MlplugServer

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


@pytest.fixture(scope="module")
def tracking_server(tmp_path_factory):
    """A real `mlplug server` (gunicorn, 2 workers) on SQLite with the artifact proxy; yields its URL."""
    with MlplugServer(tmp_path_factory.mktemp("server"), workers=2) as server:
        yield server.url
