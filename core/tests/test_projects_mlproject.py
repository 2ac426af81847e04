"""MLproject parsing, parameter checks and command building (mlplug.projects)."""
from __future__ import annotations

import os
import shlex
import subprocess

import pytest

from mlplug.errors import InvalidParameter
from mlplug.projects import mlproject, parameters
from mlplug.projects.mlproject import load_project

pytest.importorskip("yaml")

FULL = """
name: demo
python_env: envs/python_env.yaml
entry_points:
  main:
    parameters:
      alpha: float
      name: {type: string, default: world}
      data: {type: path, default: data.csv}
      source: {type: uri, default: "s3://bucket/key"}
      plain:
    command: "python train.py --alpha {alpha} --name {name} --data {data} --source {source} --plain {plain}"
  other:
    command: "echo other"
"""


def write(directory, files: dict[str, str]):
    for name, text in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return directory


def test_a_full_mlproject(tmp_path):
    write(tmp_path, {"MLproject": FULL, "envs/python_env.yaml": "python: '3.11'\n"})
    project = load_project(str(tmp_path))
    assert (project.name, project.env_kind, project.env_file) == ("demo", "python_env",
                                                                  str(tmp_path / "envs" / "python_env.yaml"))
    main = project.entry_point("main")
    assert list(main.parameters) == ["alpha", "name", "data", "source", "plain"]
    assert [(p.type, p.default, p.required) for p in main.parameters.values()] == [
        ("float", None, True), ("string", "world", False), ("path", "data.csv", False),
        ("uri", "s3://bucket/key", False), ("string", None, True)]
    assert project.entry_point("other").command == "echo other"


def test_the_file_name_is_matched_case_insensitively_and_defaults_apply(tmp_path):
    write(tmp_path, {"mlProject": "entry_points:\n  main:\n    command: python a.py\n", "conda.yaml": "dependencies: []\n"})
    project = load_project(str(tmp_path))
    assert (project.name, project.env_kind, project.env_file) == (None, "conda_env", str(tmp_path / "conda.yaml"))


def test_a_directory_without_mlproject_runs_its_scripts(tmp_path, monkeypatch):
    write(tmp_path, {"my train.py": "", "prep.sh": "", "python_env.yaml": "python: '3.11'\n"})
    monkeypatch.setenv("SHELL", "/bin/zsh")
    project = load_project(str(tmp_path))
    assert (project.entry_points, project.env_kind) == ({}, "python_env")
    assert project.entry_point("my train.py").command == "python 'my train.py'"
    assert project.entry_point("prep.sh").command == "/bin/zsh prep.sh"
    monkeypatch.delenv("SHELL")
    assert project.entry_point("prep.sh").command == "bash prep.sh"
    assert load_project(str(write(tmp_path / "bare", {"x.py": ""}))).env_kind == "none"


def test_docker_env_is_parsed(tmp_path):
    write(tmp_path, {"MLproject": "docker_env:\n  image: python:3.11\n  volumes: ['/a:/b']\n"
                                  "  environment: [HOME, [MODE, fast]]\nentry_points: {}\n"})
    project = load_project(str(tmp_path))
    assert project.env_kind == "docker_env"
    assert (project.docker.image, project.docker.volumes, project.docker.environment) == (
        "python:3.11", ("/a:/b",), ("HOME", ("MODE", "fast")))


@pytest.mark.parametrize("files, message", [
    ({"MLproject": "python_env: p.yaml\nconda_env: c.yaml\n", "p.yaml": "", "c.yaml": ""},
     "only one of python_env, conda_env and docker_env (it has python_env, conda_env)"),
    ({"MLproject": "python_env: missing.yaml\n"}, "python_env names 'missing.yaml', but there is no such file"),
    ({"MLproject": "docker_env: {volumes: []}\n"}, "docker_env needs an 'image'"),
    ({"MLproject": "entry_points:\n  main: {parameters: {}}\n"}, "entry point 'main' has no command"),
    ({"MLproject": "entry_points:\n  main: {command: x, parameters: {a: int}}\n"}, "unknown type 'int'"),
    ({"MLproject": "entry_points: [main]\n"}, "'entry_points' must be a mapping"),
    ({"MLproject": "name: 'x\n"}, "is not valid YAML"),
    ({"MLproject": "- a\n"}, "must hold a mapping"),
])
def test_invalid_mlprojects_are_one_line_errors(tmp_path, files, message):
    write(tmp_path, files)
    with pytest.raises(InvalidParameter) as info:
        load_project(str(tmp_path))
    assert message in info.value.message and "\n" not in info.value.message


def test_missing_entry_points_and_scripts(tmp_path):
    project = load_project(str(write(tmp_path, {"MLproject": "entry_points:\n  main: {command: x}\n"})))
    with pytest.raises(InvalidParameter, match=r"Entry point 'train' is not defined in the project \(entry points: main\)"):
        project.entry_point("train")
    with pytest.raises(InvalidParameter, match="no script 'gone.py' exists"):
        project.entry_point("gone.py")
    with pytest.raises(InvalidParameter, match="no script '../escape.py' exists"):
        project.entry_point("../escape.py")
    with pytest.raises(InvalidParameter, match="does not exist"):
        load_project(str(tmp_path / "nowhere"))


# --- parameters and commands ------------------------------------------------------------------------

def entry(command: str, **params: mlproject.Parameter) -> mlproject.EntryPoint:
    return mlproject.EntryPoint("main", command, {name: p for name, p in params.items()})


def test_declared_values_are_quoted_into_the_template_and_extras_appended():
    e = entry("python train.py --alpha {alpha} --name {name}", alpha=mlproject.Parameter("alpha", "float"),
              name=mlproject.Parameter("name", "string", "world"))
    resolved = parameters.resolve(e, {"alpha": "0.1", "extra": "x y"})
    assert resolved.command == "python train.py --alpha 0.1 --name world --extra 'x y'"
    assert resolved.params == {"alpha": "0.1", "name": "world", "extra": "'x y'"}


def test_shell_metacharacters_reach_the_program_unchanged(tmp_path):
    hostile = ["a b", "$(touch pwned)", "`touch pwned`", "x; touch pwned", "it's", '"q"', "a|b&c>d", "*", "$HOME", ""]
    e = entry("python -c 'import sys, json; print(json.dumps(sys.argv[1:]))' {v}", v=mlproject.Parameter("v"))
    for value in hostile:
        resolved = parameters.resolve(e, {"v": value, "k; touch pwned": value})
        done = subprocess.run(["bash", "-c", resolved.command], capture_output=True, text=True, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        import json
        assert json.loads(done.stdout) == [value, "--k; touch pwned", value]
    assert not (tmp_path / "pwned").exists()


def test_missing_required_parameters_are_named():
    e = entry("x {a} {b} {c}", a=mlproject.Parameter("a"), b=mlproject.Parameter("b"), c=mlproject.Parameter("c", default="1"))
    with pytest.raises(InvalidParameter) as info:
        parameters.resolve(e, {})
    assert info.value.message.startswith("No value given for missing parameters: 'a', 'b'")


@pytest.mark.parametrize("value", ["abc", "1.2.3", "", "0x"])
def test_a_float_parameter_must_parse(value):
    e = entry("x {alpha}", alpha=mlproject.Parameter("alpha", "float"))
    with pytest.raises(InvalidParameter, match=f"Parameter 'alpha' of entry point 'main' must be a float, got {value!r}"):
        parameters.resolve(e, {"alpha": value})
    assert parameters.resolve(e, {"alpha": "1e-3"}).command == "x 1e-3"


def test_a_uri_parameter_needs_a_scheme():
    e = entry("x {u}", u=mlproject.Parameter("u", "uri"))
    with pytest.raises(InvalidParameter, match="Expected URI for parameter 'u' but got 'data/file.csv'"):
        parameters.resolve(e, {"u": "data/file.csv"})
    assert parameters.resolve(e, {"u": "s3://b/k"}).command == "x s3://b/k"


def test_a_path_parameter_is_made_absolute_against_the_callers_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, {"my data/file.csv": "a\n"})
    e = entry("x {p}", p=mlproject.Parameter("p", "path"))
    expected = str(tmp_path / "my data" / "file.csv")
    assert parameters.resolve(e, {"p": "my data/file.csv"}).command == f"x {shlex.quote(expected)}"
    assert parameters.resolve(e, {"p": f"file://{expected.replace(' ', '%20')}"}).command == f"x {shlex.quote(expected)}"
    with pytest.raises(InvalidParameter, match="names a path that does not exist: 'nope.csv'"):
        parameters.resolve(e, {"p": "nope.csv"})


def test_a_remote_path_parameter_is_downloaded_into_the_storage_dir(tmp_path):
    e = entry("x {a} {p}", a=mlproject.Parameter("a", default="1"), p=mlproject.Parameter("p", "path"))
    calls = []

    def download(uri, dst):
        calls.append((uri, dst))
        path = os.path.join(dst, "key.csv")
        open(path, "w").close()
        return path
    resolved = parameters.resolve(e, {"p": "s3://bucket/key.csv"}, str(tmp_path), download)
    assert calls == [("s3://bucket/key.csv", str(tmp_path / "param_1"))]
    assert resolved.command == f"x 1 {tmp_path / 'param_1' / 'key.csv'}"


def test_a_placeholder_that_is_no_parameter_is_a_clear_error():
    with pytest.raises(InvalidParameter, match=r"uses \{nope\}, which is not one of its parameters"):
        parameters.resolve(entry("echo {nope}"), {})
    assert parameters.resolve(entry("echo {{literal}}"), {}).command == "echo {literal}"


@pytest.mark.parametrize("pairs, expected", [
    (("a=1", "b=x=y", "c="), {"a": "1", "b": "x=y", "c": ""}),
    ((), {}),
])
def test_param_lists(pairs, expected):
    assert parameters.parse_param_list(pairs) == expected


@pytest.mark.parametrize("pair", ["novalue", "=1"])
def test_malformed_param_pairs(pair):
    with pytest.raises(InvalidParameter, match="must be given as NAME=VALUE"):
        parameters.parse_param_list([pair])
