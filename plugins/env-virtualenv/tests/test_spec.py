"""Reading what environment a directory asks for: python_env.yaml, conda.yaml, requirements.txt."""
from __future__ import annotations

import platform
from pathlib import Path

import pytest
from mlplug.errors import MlplugError
from mlplug.envs import sources
from mlplug_env_virtualenv.interpreters import find_python, matches
from mlplug_env_virtualenv.spec import read_spec

FIXTURES = Path(__file__).resolve().parents[3].parent / "shared" / "fixtures"


def write(directory: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return directory


def test_an_mlflow_model_directory():
    if not FIXTURES.exists():
        pytest.skip(f"{FIXTURES} is missing")
    spec = read_spec(str(FIXTURES / "mlflow_sklearn_diabetes"))
    assert spec.python == "3.11.7"
    assert spec.build_dependencies == ("pip==23.2.1", "setuptools==65.5.0", "wheel")
    assert spec.requirements == ("numpy==2.4.6", "pandas==3.1.1", "scikit-learn==1.9.1", "scipy==1.17.1",
                                 "skops==0.16.0")
    assert spec.flavors == ("python_function", "sklearn")


def test_mlflow_in_any_spelling_is_replaced(tmp_path):
    write(tmp_path, {"python_env.yaml": "python: '3.11'\ndependencies:\n- -r requirements.txt\n- MLflow_Skinny>=2\n",
                     "requirements.txt": "mlflow[extras]==3.17.2  # pinned\nmlflow\nmlflowx==1\n# comment\n\nrequests\n"})
    assert read_spec(str(tmp_path)).requirements == ("mlflowx==1", "requests")


def test_included_files_and_local_paths_resolve_against_the_file_that_names_them(tmp_path):
    write(tmp_path, {"python_env.yaml": "python: 3.11.7\ndependencies:\n- -r reqs/base.txt\n- ./wheels/a.whl\n",
                     "reqs/base.txt": "-r more.txt\n-c constraints.txt\n-e ../src/pkg\npkg @ https://example.org/p.whl\n",
                     "reqs/more.txt": "numpy\n"})
    assert read_spec(str(tmp_path)).requirements == (
        "numpy", f"-c {tmp_path}/reqs/constraints.txt", f"-e {tmp_path}/src/pkg", "pkg @ https://example.org/p.whl",
        f"{tmp_path}/wheels/a.whl")


def test_conda_yaml_when_there_is_no_python_env(tmp_path):
    write(tmp_path, {"conda.yaml": "dependencies:\n- python=3.10.13\n- pip<=23.2.1\n- setuptools=65.5.0\n"
                                   "- pip:\n  - mlflow==3.17.2\n  - scikit-learn==1.9.1\n"})
    spec = read_spec(str(tmp_path))
    assert (spec.python, spec.build_dependencies, spec.requirements) == (
        "3.10.13", ("pip<=23.2.1", "setuptools==65.5.0"), ("scikit-learn==1.9.1",))


def test_requirements_alone_use_this_python(tmp_path):
    write(tmp_path, {"requirements.txt": "requests\n"})
    spec = read_spec(str(tmp_path))
    assert (spec.python, spec.requirements, spec.flavors) == (platform.python_version(), ("requests",), ())


@pytest.mark.parametrize("files, message", [
    ({"python_env.yaml": "python: [3]\n"}, "'python' must be a version string"),
    ({"python_env.yaml": "python: 3.11\ndependencies: numpy\n"}, "lists of requirement strings"),
    ({"python_env.yaml": "python: '3.11\n"}, "is not valid YAML"),
    ({"python_env.yaml": "dependencies:\n- -r missing.txt\n"}, "missing.txt' (named by '-r missing.txt') does not exist"),
    ({"python_env.yaml": "dependencies:\n- -r a.txt\n", "a.txt": "-r a.txt\n"}, "includes itself"),
])
def test_broken_specs_are_clear_errors(tmp_path, files, message):
    write(tmp_path, files)
    with pytest.raises(MlplugError) as info:
        read_spec(str(tmp_path))
    assert message in info.value.message and "\n" not in info.value.message


def test_a_python_version_that_is_not_here(tmp_path):
    with pytest.raises(MlplugError) as info:
        find_python("3.4.1")
    assert info.value.message.startswith("No Python 3.4.1 interpreter found")
    assert "pyenv install 3.4.1" in info.value.message


def test_this_interpreter_matches_its_own_version():
    assert matches(platform.python_version(), platform.python_version())
    assert matches(".".join(platform.python_version_tuple()[:2]), platform.python_version())
    assert not matches("3.1", "3.11.7")
    assert find_python(platform.python_version())


def test_a_model_needs_the_kernel_the_server_and_its_flavours_plugins():
    pytest.importorskip("mlplug_cli_models")
    pytest.importorskip("mlplug_flavor_sklearn")
    needed = sources.needed_distributions(["python_function", "sklearn"])
    assert {"mlplug-core", "mlplug-cli-models", "mlplug-flavor-sklearn", "mlplug-env-local"} <= set(needed)
    assert sources.needed_distributions([]) == ["mlplug-core"]


def test_workspace_distributions_install_from_their_source_directory():
    args = sources.install_args("mlplug-core")
    assert args[0] == "-e" and Path(args[1], "pyproject.toml").is_file()


def test_distributions_from_an_index_are_named_by_version():
    from importlib.metadata import version

    assert sources.install_args("click") == [f"click=={version('click')}"]
