"""`generate-dockerfile` writes a complete build context; `build-docker` says in one line when there is
no Docker engine to build it with."""
from __future__ import annotations

import filecmp
import json
import os
import re

import pytest


@pytest.fixture(scope="module")
def context(models, tmp_path_factory):
    from mlplug.testing import CliRunner

    out = tmp_path_factory.mktemp("docker") / "ctx"
    result = CliRunner().invoke(["models", "generate-dockerfile", "-m", str(models["diabetes"]), "-d", str(out)])
    assert result.exit_code == 0, result.stderr
    assert str(out) in result.stdout
    return out


def _instructions(context) -> list[str]:
    return [line for line in (context / "Dockerfile").read_text().splitlines() if line and not line.startswith("#")]


def test_the_model_is_copied_unchanged(context, models):
    compare = filecmp.dircmp(models["diabetes"], context / "model_dir")
    assert sorted(compare.common_files) == sorted(os.listdir(models["diabetes"]))
    assert not compare.diff_files and not compare.left_only and not compare.right_only
    _, mismatch, errors = filecmp.cmpfiles(models["diabetes"], context / "model_dir", compare.common_files,
                                           shallow=False)
    assert (mismatch, errors) == ([], [])


def test_the_base_image_is_the_models_python(context):
    assert _instructions(context)[0] == "FROM python:3.11.7-slim"


def test_build_dependencies_then_requirements_without_mlflow(context, models):
    lines = _instructions(context)
    assert 'RUN ["python", "-m", "pip", "install", "pip==23.2.1", "setuptools==65.5.0", "wheel"]' in lines
    wanted = [line for line in (models["diabetes"] / "requirements.txt").read_text().split()
              if not line.startswith("mlflow")]
    assert (context / "requirements.txt").read_text().split() == wanted


def test_mlplug_is_installed_from_the_context(context):
    install = next(json.loads(line[4:]) for line in _instructions(context) if "/opt/mlplug/requirements.txt" in line
                   and line.startswith("RUN"))
    assert install[:6] == ["python", "-m", "pip", "install", "-r", "/opt/mlplug/requirements.txt"]
    dists = {os.path.basename(p) for p in install[6:]}
    assert {"mlplug-core", "mlplug-cli-models", "mlplug-flavor-sklearn", "mlplug-env-local"} <= dists
    for name in dists:  # each one a buildable source tree, without tests or caches
        tree = context / "mlplug" / name
        assert (tree / "pyproject.toml").is_file()
        assert not (tree / "tests").exists()
        assert not [p for p in tree.rglob("__pycache__")]
    assert "COPY mlplug /opt/mlplug/dists" in _instructions(context)


def test_the_image_serves_on_8080(context):
    lines = _instructions(context)
    assert "COPY model_dir /opt/ml/model" in lines
    assert "EXPOSE 8080" in lines
    assert lines[-1] == ('ENTRYPOINT ["mlplug", "models", "serve", "--model-uri", "/opt/ml/model", "--env-manager", '
                         '"local", "--host", "0.0.0.0", "--port", "8080"]')
    copied = {line.split()[1] for line in lines if line.startswith("COPY")}
    assert all((context / source).exists() for source in copied)


def test_a_non_empty_output_directory_is_refused(cli_runner, models, context):
    result = cli_runner.invoke(["models", "generate-dockerfile", "-m", str(models["diabetes"]), "-d", str(context)])
    assert result.exit_code == 1
    assert re.match(r"Error: '.*' already exists and is not an empty directory", result.stderr)


def test_build_docker_without_an_engine_is_one_error_line(cli_runner, models, tmp_path):
    # A docker client that cannot reach any engine (this machine has none; the socket path makes sure).
    result = cli_runner.invoke(["models", "build-docker", "-m", str(models["diabetes"]), "-n", "mlplug-test"],
                               env={"DOCKER_HOST": f"unix://{tmp_path}/no-docker.sock"})
    assert result.exit_code == 1
    assert result.stderr.startswith(("Error: No Docker engine is reachable", "Error: Docker is not installed"))
    assert len(result.stderr.strip().splitlines()) == 1


def test_build_docker_without_docker_names_what_to_install(cli_runner, models, tmp_path):
    result = cli_runner.invoke(["models", "build-docker", "-m", str(models["diabetes"])], env={"PATH": str(tmp_path)})
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: Docker is not installed") and "Install Docker" in result.stderr
