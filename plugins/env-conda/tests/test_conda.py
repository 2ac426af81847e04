"""The conda manager: finding the tool, reading conda.yaml, and saying what to install when there is none.

Building a real conda environment needs conda and its channels, neither of which this test machine
has; what can be checked without them is checked here.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from mlplug.errors import MlplugError
from mlplug.host import PluginHost
from mlplug_env_conda.manager import CondaManager
from mlplug_env_conda.spec import read_conda_env
from mlplug_env_conda.tools import CondaTool, find_tool


@pytest.fixture
def no_conda(monkeypatch, tmp_path):
    """An environment in which no conda, mamba or micromamba can be found."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    for name in ("CONDA_EXE", "MAMBA_EXE", "MLFLOW_CONDA_HOME", "MLPLUG_CONDA_HOME"):
        monkeypatch.delenv(name, raising=False)
    return empty


def executable(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_the_host_finds_it_by_name():
    assert isinstance(PluginHost().env_manager("conda"), CondaManager)


def test_without_conda_it_says_what_to_install(no_conda, tmp_path, monkeypatch):
    monkeypatch.setenv("MLPLUG_ENV_ROOT", str(tmp_path / "envs"))
    (tmp_path / "spec").mkdir()
    (tmp_path / "spec" / "conda.yaml").write_text("dependencies:\n- python=3.11\n")
    manager = CondaManager()
    reason = manager.available()
    assert reason and "\n" not in reason
    assert "conda is not installed" in reason and "Miniforge" in reason and "micromamba" in reason
    with pytest.raises(MlplugError) as info:
        manager.prepare(str(tmp_path / "spec"))
    assert info.value.message.startswith("--env-manager conda cannot be used here: conda is not installed")
    assert not (tmp_path / "envs").exists()  # nothing was started


def test_the_faster_tools_are_preferred_and_each_gets_its_arguments(no_conda, monkeypatch):
    conda = executable(no_conda / "conda")
    assert find_tool() == CondaTool(str(conda))
    assert CondaTool(str(conda)).create_args("/p", "/f.yaml") == [str(conda), "env", "create", "--prefix", "/p",
                                                                 "--file", "/f.yaml"]
    micromamba = executable(no_conda / "micromamba")
    assert find_tool() == CondaTool(str(micromamba))
    assert CondaTool(str(micromamba)).create_args("/p", "/f.yaml") == [str(micromamba), "create", "--yes",
                                                                       "--prefix", "/p", "--file", "/f.yaml"]
    assert CondaManager().available() is None


def test_an_installation_named_by_mlflow_conda_home_wins(no_conda, monkeypatch, tmp_path):
    executable(no_conda / "micromamba")
    home_conda = executable(tmp_path / "miniforge" / "bin" / "conda")
    monkeypatch.setenv("MLFLOW_CONDA_HOME", str(tmp_path / "miniforge"))
    assert find_tool() == CondaTool(str(home_conda))


CONDA_YAML = """name: mlflow-env
channels: [conda-forge]
dependencies:
- python=3.11.7
- conda-forge::mlflow=3.17.2
- numpy
- pip:
  - mlflow==3.17.2
  - mlflow-skinny
  - -r requirements.txt
  - -e ./src/pkg
  - ./wheels/a.whl
  - scikit-learn==1.9.1
"""


def test_conda_yaml_is_made_ready_to_build_elsewhere(tmp_path):
    (tmp_path / "conda.yaml").write_text(CONDA_YAML)
    spec = read_conda_env(str(tmp_path))
    assert spec == {"channels": ["conda-forge"], "dependencies": [
        "python=3.11.7", "numpy",
        {"pip": [f"-r {tmp_path}/requirements.txt", f"-e {tmp_path}/src/pkg", f"{tmp_path}/wheels/a.whl",
                 "scikit-learn==1.9.1"]},
        "pip"]}


def test_a_project_keeps_the_mlflow_it_asks_for(tmp_path):
    (tmp_path / "conda.yaml").write_text(CONDA_YAML)
    spec = read_conda_env(str(tmp_path), replace_mlflow=False)
    assert "conda-forge::mlflow=3.17.2" in spec["dependencies"]
    assert spec["dependencies"][3]["pip"][:2] == ["mlflow==3.17.2", "mlflow-skinny"]


@pytest.mark.parametrize("files, message", [
    ({}, "No conda.yaml in"),
    ({"conda.yaml": "dependencies: numpy\n"}, "'dependencies' must be a list"),
    ({"conda.yaml": "dependencies:\n- [a]\n"}, "each dependency must be a package spec or a 'pip:' list"),
    ({"conda.yaml": "name: 'x\n"}, "is not valid YAML"),
])
def test_broken_conda_files_are_one_line_errors(tmp_path, files, message):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    with pytest.raises(MlplugError) as info:
        read_conda_env(str(tmp_path))
    assert message in info.value.message and "\n" not in info.value.message


def test_a_failed_build_leaves_no_entry(monkeypatch, no_conda, tmp_path):
    """A tool that fails (here: a micromamba stand-in that exits 1) leaves the cache as it was."""
    tool = no_conda / "micromamba"
    tool.write_text("#!/bin/sh\necho 'solver: nothing provides python 2.1' >&2\nexit 1\n")
    tool.chmod(0o755)
    monkeypatch.setenv("MLPLUG_ENV_ROOT", str(tmp_path / "envs"))
    (tmp_path / "spec").mkdir()
    (tmp_path / "spec" / "conda.yaml").write_text("dependencies:\n- python=2.1\n")
    with pytest.raises(MlplugError) as info:
        CondaManager().prepare(str(tmp_path / "spec"))
    assert "'micromamba create --yes' failed: solver: nothing provides python 2.1" in info.value.message
    assert [p.name for p in (tmp_path / "envs").iterdir() if not p.name.startswith(".")] == []
    assert os.listdir(tmp_path / "envs" / ".builds") == []
