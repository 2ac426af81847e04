"""--env-manager virtualenv: the model's own environment (python_env.yaml, requirements.txt with mlplug in
place of MLflow) is built once, cached, and the server and `predict` run inside it.

The first build installs the model's pinned requirements (from uv's cache when it has them); later
commands find the environment in the cache."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import requests
from mlplug.testing.servers import mlplug_executable


@pytest.fixture(scope="module")
def env_root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("envs")


def run_mlplug(*args: str, env_root: Path, timeout: float = 900, input: str | None = None):
    import os

    return subprocess.run([mlplug_executable(), *args], capture_output=True, text=True, timeout=timeout, input=input,
                          env={**os.environ, "MLPLUG_ENV_ROOT": str(env_root)})


@pytest.fixture(scope="module")
def environment(models, env_root) -> Path:
    """`prepare-env` builds the environment and says where its interpreter is."""
    done = run_mlplug("models", "prepare-env", "-m", str(models["diabetes"]), "--env-manager", "virtualenv",
                      env_root=env_root)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Environment ready: ")
    python = Path(done.stdout.split(": ", 1)[1].strip())
    assert python.is_relative_to(env_root)
    return python


def test_the_environment_has_the_models_requirements_and_mlplug_not_mlflow(environment):
    probe = ("import importlib.metadata as m, importlib.util as u, platform; "
             "print(platform.python_version(), m.version('scikit-learn'), m.version('skops'), m.version('numpy'), "
             "u.find_spec('mlflow') is None, u.find_spec('mlplug_flavor_sklearn') is not None)")
    done = subprocess.run([str(environment), "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["3.11.7", "1.9.1", "0.16.0", "2.4.6", "True", "True"], done.stderr


def test_serve_runs_inside_the_environment(environment, models, expected, check_predictions, env_root,
                                           start_scoring_server):
    server = start_scoring_server(models["diabetes"], "--env-manager", "virtualenv",
                                  env={"MLPLUG_ENV_ROOT": str(env_root)})
    response = requests.post(f"{server.url}/invocations", data=(models["diabetes"] / "serving_input_example.json")
                             .read_bytes(), headers={"Content-Type": "application/json"}, timeout=30)
    assert response.status_code == 200, response.text
    check_predictions(response.json()["predictions"], expected["diabetes"])
    # The command replaced itself with the environment's mlplug: the server process runs its interpreter.
    argv = Path(f"/proc/{server.proc.pid}/cmdline").read_bytes().split(b"\0")
    assert Path(argv[0].decode()).resolve() == environment.resolve()
    assert "--env-manager" in [a.decode() for a in argv] and b"local" in argv


def test_predict_reuses_the_cached_environment(environment, models, expected, check_predictions, env_root):
    entries = sorted(p.name for p in env_root.iterdir())
    done = run_mlplug("models", "predict", "-m", str(models["diabetes"]), "--env-manager", "virtualenv",
                      "-i", str(models["diabetes"] / "serving_input_example.json"), env_root=env_root, timeout=120)
    assert done.returncode == 0, done.stderr
    check_predictions(json.loads(done.stdout)["predictions"], expected["diabetes"])
    assert sorted(p.name for p in env_root.iterdir()) == entries


def test_a_model_asking_for_a_missing_python_is_one_error_line(models, env_root, tmp_path):
    import shutil

    model = tmp_path / "model"
    shutil.copytree(models["iris"], model)
    (model / "python_env.yaml").write_text("python: 3.4.1\nbuild_dependencies: []\ndependencies: []\n")
    done = run_mlplug("models", "serve", "-m", str(model), "--env-manager", "virtualenv", env_root=env_root,
                      timeout=120)
    assert done.returncode == 1
    assert done.stderr.startswith("Error: No Python 3.4.1 interpreter found") and len(done.stderr.splitlines()) == 1
