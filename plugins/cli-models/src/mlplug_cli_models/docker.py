"""Docker images that serve a model: the build context, and `docker build` on it.

The image is the model's environment installed into `python:<model's python>-slim`: its build
dependencies, its requirements with MLflow replaced by mlplug (the same reading of `python_env.yaml` the
virtualenv manager does), and the mlplug distributions the model needs, copied into the context from
where they are installed here (or named by version when they came from a package index). Like MLflow's
image, it serves the model at /opt/ml/model on port 8080; `MLPLUG_MODELS_WORKERS` (or
`MLFLOW_MODELS_WORKERS`) sets the worker count.

Context layout: `Dockerfile`, `requirements.txt`, `model_dir/` (the model, unchanged), `mlplug/<dist>/`
(distribution sources) and `files/` (local files the requirements name).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from mlplug.envs import sources
from mlplug.errors import MlplugError
from mlplug_env_virtualenv.spec import read_spec

MODEL_IN_IMAGE = "/opt/ml/model"
PORT = 8080
_DISTS_IN_IMAGE = "/opt/mlplug/dists"
_FILES_IN_IMAGE = "/opt/mlplug/files"
_NOT_SOURCES = shutil.ignore_patterns(".venv", "__pycache__", "*.pyc", ".pytest_cache", "tests", "dist", "build",
                                      "*.egg-info", ".git")
ENTRYPOINT = ["mlplug", "models", "serve", "--model-uri", MODEL_IN_IMAGE, "--env-manager", "local",
              "--host", "0.0.0.0", "--port", str(PORT)]


def write_context(model_dir: str, output_dir: str) -> Path:
    """Write the Dockerfile and everything it copies into `output_dir` (which must be new or empty)."""
    out = Path(output_dir)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise MlplugError(f"'{output_dir}' already exists and is not an empty directory: choose another "
                          "--output-directory or remove it.", "INVALID_PARAMETER_VALUE")
    spec = read_spec(model_dir)
    out.mkdir(parents=True, exist_ok=True)
    shutil.copytree(model_dir, out / "model_dir")
    requirements = [_requirement_in_image(line, out) for line in spec.requirements]
    (out / "requirements.txt").write_text("".join(f"{line}\n" for line in requirements), encoding="utf-8")
    install = ["python", "-m", "pip", "install", "-r", "/opt/mlplug/requirements.txt"]
    for name in sources.needed_distributions(spec.flavors):
        install.append(_distribution_in_image(name, out))
    lines = [
        "# Serves the model in model_dir/ with `mlplug models serve` on port 8080 "
        "(written by `mlplug models generate-dockerfile`).",
        f"FROM python:{spec.python}-slim",
        "",
        "ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 "
        "PIP_ROOT_USER_ACTION=ignore",
    ]
    if spec.build_dependencies:
        lines.append("RUN " + json.dumps(["python", "-m", "pip", "install", *spec.build_dependencies]))
    lines += [
        "COPY requirements.txt /opt/mlplug/requirements.txt",
        *(["COPY files " + _FILES_IN_IMAGE] if (out / "files").exists() else []),
        *(["COPY mlplug " + _DISTS_IN_IMAGE] if (out / "mlplug").exists() else []),
        "# The model's requirements (MLflow replaced by mlplug) and the mlplug distributions that serve it.",
        "RUN " + json.dumps(install),
        f"COPY model_dir {MODEL_IN_IMAGE}",
        "",
        f"EXPOSE {PORT}",
        "ENTRYPOINT " + json.dumps(ENTRYPOINT),
    ]
    (out / "Dockerfile").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def _distribution_in_image(name: str, out: Path) -> str:
    """Copy a distribution's source tree into the context when it is installed from a directory."""
    args = sources.install_args(name)
    path = args[-1]
    if os.path.isdir(path):
        shutil.copytree(path, out / "mlplug" / name, ignore=_NOT_SOURCES)
        return f"{_DISTS_IN_IMAGE}/{name}"
    if os.path.isfile(path):
        (out / "mlplug").mkdir(exist_ok=True)
        shutil.copy2(path, out / "mlplug" / os.path.basename(path))
        return f"{_DISTS_IN_IMAGE}/{os.path.basename(path)}"
    return path  # name==version, or name @ url


def _requirement_in_image(line: str, out: Path) -> str:
    """Requirement lines naming local files or directories point at copies inside the image."""
    path = line.split(" ", 1)[-1] if line.startswith(("-e ", "-c ")) else line
    if not os.path.isabs(path) or not os.path.exists(path):
        return line
    target = out / "files" / os.path.basename(path)
    if os.path.isdir(path):
        shutil.copytree(path, target, ignore=_NOT_SOURCES)
    else:
        target.parent.mkdir(exist_ok=True)
        shutil.copy2(path, target)
    return line.replace(path, f"{_FILES_IN_IMAGE}/{os.path.basename(path)}")


def build_image(model_dir: str, name: str) -> None:
    """`docker build` the context for `model_dir` as image `name`; a one-line error without Docker."""
    docker = shutil.which("docker")
    if docker is None:
        raise MlplugError("Docker is not installed (no 'docker' on PATH). Install Docker, or write the build "
                          "context with 'mlplug models generate-dockerfile' and build it elsewhere.", "INVALID_STATE")
    try:
        probe = subprocess.run([docker, "info", "--format", "{{.ServerVersion}}"], capture_output=True, text=True,
                               timeout=60, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        probe = None
    if probe is None or probe.returncode != 0:
        reason = "it did not answer within 60 s" if probe is None else _last_line(probe.stderr or probe.stdout)
        raise MlplugError(f"No Docker engine is reachable ({reason}). Start Docker or set DOCKER_HOST, or write the "
                          "build context with 'mlplug models generate-dockerfile' and build it elsewhere.",
                          "INVALID_STATE")
    with tempfile.TemporaryDirectory(prefix="mlplug-docker-") as tmp:
        context = write_context(model_dir, os.path.join(tmp, "context"))
        done = subprocess.run([docker, "build", "-t", name, str(context)], stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        raise MlplugError(f"'docker build' failed with exit status {done.returncode} (its output is above).",
                          "INVALID_STATE")


def _last_line(text: str) -> str:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines[-1] if lines else "docker info failed"
