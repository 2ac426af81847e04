"""Choosing the env manager for a project, and presenting its environment file to the manager."""
from __future__ import annotations

import os

import pytest
from mlplug.errors import MlplugError
from mlplug.projects.mlproject import load_project
from mlplug_cli_run.environments import manager_name, spec_directory


def project(tmp_path, files: dict[str, str]):
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return load_project(str(tmp_path))


@pytest.mark.parametrize("files, requested, expected", [
    ({"python_env.yaml": "python: '3.11'\n"}, None, "virtualenv"),
    ({"conda.yaml": "dependencies: []\n"}, None, "conda"),
    ({}, None, "virtualenv"),
    ({"conda.yaml": "dependencies: []\n"}, "uv", "uv"),
    ({"python_env.yaml": "python: '3.11'\n"}, "local", "local"),
])
def test_the_manager_follows_the_project_unless_one_is_asked_for(tmp_path, files, requested, expected):
    assert manager_name(project(tmp_path, files), requested) == expected


def test_a_python_env_project_cannot_use_conda(tmp_path):
    with pytest.raises(MlplugError, match="--env-manager conda needs a project with a conda_env"):
        manager_name(project(tmp_path, {"python_env.yaml": "python: '3.11'\n"}), "conda")


def test_an_environment_file_with_another_name_is_read_with_its_relative_references(tmp_path):
    from mlplug_env_virtualenv.spec import read_spec

    p = project(tmp_path, {"MLproject": "python_env: envs/custom.yaml\n",
                           "envs/custom.yaml": "python: '3.11'\ndependencies:\n- -r reqs.txt\n",
                           "envs/reqs.txt": "numpy==2.4.6\n"})
    with spec_directory(p) as directory:
        assert directory != str(tmp_path / "envs")
        assert read_spec(directory).requirements == ("numpy==2.4.6",)
    assert not os.path.exists(directory)  # the mirror is gone afterwards


def test_a_standard_file_is_read_where_it_is_and_no_file_means_an_empty_spec(tmp_path):
    p = project(tmp_path / "a", {"python_env.yaml": "python: '3.11'\n"})
    with spec_directory(p) as directory:
        assert directory == str(tmp_path / "a")
    with spec_directory(project(tmp_path / "b", {"x.py": ""})) as directory:
        assert os.listdir(directory) == []
