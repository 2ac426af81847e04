"""The `models` command group: MLflow's options, and one `Error:` line for everything a user can get wrong."""
from __future__ import annotations

import socket

import pytest


def test_every_subcommand_is_listed(cli_runner):
    result = cli_runner.invoke(["models", "--help"])
    assert result.exit_code == 0
    for name in ("serve", "predict", "prepare-env", "generate-dockerfile", "build-docker"):
        assert name in result.stdout


def test_serve_has_mlflows_options(cli_runner):
    result = cli_runner.invoke(["models", "serve", "--help"])
    assert result.exit_code == 0
    for option in ("-m, --model-uri", "-p, --port", "-h, --host", "-w, --workers", "-t, --timeout", "--env-manager"):
        assert option in result.stdout


@pytest.mark.parametrize("command", ["serve", "predict", "prepare-env"])
def test_an_unknown_env_manager_names_the_installed_ones(cli_runner, models, command):
    result = cli_runner.invoke(["models", command, "-m", str(models["iris"]), "--env-manager", "pixi"], input="{}")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: No environment manager 'pixi' is installed (installed: ")
    assert "local" in result.stderr and "virtualenv" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_conda_without_conda_says_what_to_install(cli_runner, models, tmp_path):
    """Without the conda plugin the host names its distribution; with it, the plugin says conda is missing
    (PATH holds no conda here)."""
    result = cli_runner.invoke(["models", "serve", "-m", str(models["iris"]), "--env-manager", "conda"],
                               env={"PATH": str(tmp_path), "CONDA_EXE": None, "MAMBA_EXE": None})
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and "conda" in result.stderr.lower()
    assert "install" in result.stderr.lower()
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_busy_port_is_one_error_line(cli_runner, models):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = cli_runner.invoke(["models", "serve", "-m", str(models["iris"]), "--env-manager", "local",
                                    "-p", str(port)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: Port {port} on 127.0.0.1 is already in use.")


def test_a_model_that_does_not_exist_is_one_error_line(cli_runner, tmp_path):
    result = cli_runner.invoke(["models", "serve", "-m", str(tmp_path / "missing"), "--env-manager", "local"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: Cannot load a model from")


def test_a_model_that_cannot_be_loaded_is_one_error_line(cli_runner, models, tmp_path):
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(models["iris"], broken)
    (broken / "model.pkl").write_bytes(b"not a pickle")
    result = cli_runner.invoke(["models", "serve", "-m", str(broken), "--env-manager", "local"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and len(result.stderr.strip().splitlines()) == 1
    assert result.exception is None


def test_bad_option_values_are_one_error_line(cli_runner, models):
    result = cli_runner.invoke(["models", "serve", "-m", str(models["iris"]), "-p", "99999"])
    assert result.exit_code == 2  # click's (and MLflow's) status for a usage error
    assert result.stderr.startswith("Error: Invalid value for '-p' / '--port'")
    assert result.stderr.rstrip().endswith("(see 'mlplug models serve --help')")
    assert len(result.stderr.strip().splitlines()) == 1


def test_prepare_env_local_builds_nothing(cli_runner, models):
    result = cli_runner.invoke(["models", "prepare-env", "-m", str(models["iris"]), "--env-manager", "local"])
    assert result.exit_code == 0
    assert result.stdout.startswith("Nothing to build: --env-manager local runs the model with ")
