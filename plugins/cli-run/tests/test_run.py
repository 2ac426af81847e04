"""`mlplug run` end to end with the local backend and `--env-manager local`: real processes, a real
SQLite store, real git repositories."""
from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from mlplug.entities import ViewType
from mlplug.tracking.client import MlplugClient


def all_runs(uri: str) -> list:
    client = MlplugClient(uri)
    ids = [e.experiment_id for e in client.search_experiments(ViewType.ALL)]
    return list(client.search_runs(ids, run_view_type=ViewType.ALL)) if ids else []


def only_run(uri: str):
    runs = all_runs(uri)
    assert len(runs) == 1, [r.info.run_id for r in runs]
    return runs[0]


def test_the_example_project_trains_and_tracks(tracking_uri, mlplug_run, example_project):
    done = mlplug_run(str(example_project), "--env-manager", "local", "-P", "alpha=0.05", "-P", "epochs=3",
                      "--experiment-name", "diabetes-project", "--run-name", "local-3")
    assert done.returncode == 0, done.stderr
    run = only_run(tracking_uri)
    client = MlplugClient(tracking_uri)
    assert client.get_experiment(run.info.experiment_id).name == "diabetes-project"
    assert (run.info.status, run.info.run_name) == ("FINISHED", "local-3")
    assert run.data.params == {"alpha": "0.05", "l1_ratio": "0.5", "epochs": "3", "model": "SGDRegressor",
                               "seed": "42", "n_train": "331"}
    history = client.get_metric_history(run.info.run_id, "val_rmse")
    assert [m.step for m in history] == [0, 1, 2] and 40 < history[-1].value < 80
    tags = run.data.tags
    assert {k: tags[k] for k in ("mlflow.source.name", "mlflow.source.type", "mlflow.project.entryPoint",
                                 "mlflow.project.env", "mlflow.project.backend", "mlflow.runName")} == {
        "mlflow.source.name": str(example_project), "mlflow.source.type": "PROJECT",
        "mlflow.project.entryPoint": "main", "mlflow.project.env": "local", "mlflow.project.backend": "local",
        "mlflow.runName": "local-3"}
    assert [f.path for f in client.list_artifacts(run.info.run_id, "model")] == ["model/coefficients.json"]
    assert f"=== Running command 'python train.py --alpha 0.05 --l1-ratio 0.5 --epochs 3' in run with ID " \
           f"'{run.info.run_id}' ===" in done.stderr
    assert f"=== Run (ID '{run.info.run_id}') succeeded ===" in done.stderr
    assert f"run {run.info.run_id}: val_rmse=" in done.stdout  # the child's output is streamed


def test_the_child_gets_the_run_and_its_exit_status_ends_it(tracking_uri, mlplug_run, probe_project, tmp_path):
    out = tmp_path / "seen.json"
    done = mlplug_run(str(probe_project), "--env-manager", "local", "-P", f"out={out}", "-P", "code=3",
                      "-P", "extra=x y")
    assert done.returncode == 1
    run = only_run(tracking_uri)
    assert run.info.status == "FAILED"
    assert f"=== Run (ID '{run.info.run_id}') failed: the command exited with status 3 ===" in done.stderr
    seen = json.loads(out.read_text())
    absolute_uri = f"sqlite:///{tmp_path / 'mlplug.db'}"
    for prefix in ("MLFLOW_", "MLPLUG_"):
        assert seen["env"][prefix + "RUN_ID"] == run.info.run_id
        assert seen["env"][prefix + "EXPERIMENT_ID"] == "0"
        assert seen["env"][prefix + "TRACKING_URI"] == absolute_uri
    assert seen["cwd"] == str(probe_project)
    assert seen["argv"] == ["--out", str(out), "--code", "3", "--alpha", "0.5", "--extra", "x y"]
    assert run.data.metrics == {"recorded": 1.0}  # mlplug inside logged into the same run
    assert run.data.params == {"out": shlex.quote(str(out)), "code": "3", "alpha": "0.5", "extra": "'x y'"}


def test_a_relative_tracking_uri_reaches_the_child(tmp_path, mlplug_run, probe_project, monkeypatch):
    monkeypatch.chdir(tmp_path)
    done = mlplug_run(str(probe_project), "--env-manager", "local", "-P", f"out={tmp_path / 'o.json'}",
                      env={"MLPLUG_TRACKING_URI": "sqlite:///relative.db"})
    assert done.returncode == 0, done.stderr
    run = only_run(f"sqlite:///{tmp_path / 'relative.db'}")
    assert (run.info.status, run.data.metrics) == ("FINISHED", {"recorded": 1.0})


def test_hostile_values_and_paths_reach_the_program_unchanged(tracking_uri, mlplug_run, probe_project, tmp_path):
    data = tmp_path / "my data; $(touch pwned).csv"
    data.write_text("x\n")
    done = mlplug_run(str(probe_project), "-e", "data", "--env-manager", "local", "-P", f"file={data}",
                      "-P", "note=`touch pwned` & 'quoted' \"double\" | > <")
    assert done.returncode == 0, done.stderr
    seen = json.loads((probe_project / "out.json").read_text())
    assert seen["argv"] == ["--out", "out.json", "--file", str(data), "--note", "`touch pwned` & 'quoted' \"double\" | > <"]
    assert not list(tmp_path.rglob("pwned"))


def test_a_script_entry_point_in_a_directory_without_mlproject(tracking_uri, mlplug_run, tmp_path):
    project = tmp_path / "scripts"
    project.mkdir()
    (project / "go.py").write_text("import sys, mlplug\nwith mlplug.start_run():\n"
                                   "    mlplug.log_metric('argc', len(sys.argv))\n")
    done = mlplug_run(str(project), "-e", "go.py", "--env-manager", "local", "-P", "a=1", "-P", "b=2")
    assert done.returncode == 0, done.stderr
    run = only_run(tracking_uri)
    assert (run.data.metrics, run.data.params, run.data.tags["mlflow.project.entryPoint"]) == (
        {"argc": 5.0}, {"a": "1", "b": "2"}, "go.py")


def test_an_existing_run_is_taken_over_with_run_id(tracking_uri, mlplug_run, probe_project, tmp_path):
    client = MlplugClient(tracking_uri)
    run_id = client.create_run("0").info.run_id
    client.set_terminated(run_id, "FAILED")
    done = mlplug_run(str(probe_project), "--env-manager", "local", "--run-id", run_id,
                      "-P", f"out={tmp_path / 'o.json'}")
    assert done.returncode == 0, done.stderr
    run = only_run(tracking_uri)
    assert (run.info.run_id, run.info.status, run.data.metrics) == (run_id, "FINISHED", {"recorded": 1.0})
    assert run.data.tags["mlflow.project.entryPoint"] == "main"


# --- git sources --------------------------------------------------------------------------------------

def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@e"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout.strip()


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_the_example_from_a_git_repository_subdirectory_at_a_commit(tracking_uri, mlplug_run, example_project, tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(example_project, repo / "projects" / "diabetes")
    git(repo, "init", "--quiet", "--initial-branch=main")
    git(repo, "add", ".")
    git(repo, "commit", "--quiet", "-m", "the example")
    first = git(repo, "rev-parse", "HEAD")
    mlproject = repo / "projects" / "diabetes" / "MLproject"
    mlproject.write_text(mlproject.read_text().replace("default: 0.1", "default: 0.9"))
    git(repo, "commit", "--quiet", "-am", "another default")

    uri = f"file://{repo}#projects/diabetes"
    done = mlplug_run(uri, "--version", first, "--env-manager", "local", "-P", "epochs=2")
    assert done.returncode == 0, done.stderr
    run = only_run(tracking_uri)
    assert (run.info.status, run.data.params["alpha"]) == ("FINISHED", "0.1")  # the first commit's default
    assert {k: run.data.tags[k] for k in ("mlflow.source.name", "mlflow.source.git.commit",
                                          "mlflow.source.git.repoURL", "mlflow.source.git.branch")} == {
        "mlflow.source.name": uri, "mlflow.source.git.commit": first, "mlflow.source.git.repoURL": f"file://{repo}",
        "mlflow.source.git.branch": first}
    assert len(MlplugClient(tracking_uri).get_metric_history(run.info.run_id, "val_rmse")) == 2


# --- Ctrl-C ---------------------------------------------------------------------------------------------

def test_ctrl_c_stops_the_child_and_kills_the_run(tracking_uri, mlplug_run, probe_project, tmp_path):
    pidfile = tmp_path / "child.pid"
    proc = subprocess.Popen(mlplug_run.argv(str(probe_project), "-e", "sleep", "--env-manager", "local",
                                            "-P", f"pidfile={pidfile}"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not pidfile.exists() or not pidfile.read_text():
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.1)
    child = int(pidfile.read_text())
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "was killed ===" in stderr
    assert "mlplug_cli_run" not in stderr and "click" not in stderr  # the child's own KeyboardInterrupt only
    with pytest.raises(ProcessLookupError):
        os.kill(child, 0)
    assert only_run(tracking_uri).info.status == "KILLED"


# --- bad input: one line, exit status != 0, no run left RUNNING ------------------------------------------

def _conda_free_path(tmp_path: Path) -> str:
    """PATH with this interpreter's directory and the system's, none of which holds conda here."""
    dirs = [os.path.dirname(sys.executable), "/usr/bin", "/bin"]
    return os.pathsep.join(d for d in dirs if not any(os.path.exists(os.path.join(d, t))
                                                       for t in ("conda", "mamba", "micromamba")))


@pytest.mark.parametrize("case, args, message", [
    ("missing parameter", ["-P", "code=1"], "No value given for missing parameters: 'out'"),
    ("bad float", ["-P", "out=x", "-P", "alpha=zero"], "Parameter 'alpha' of entry point 'main' must be a float, got 'zero'"),
    ("missing entry point", ["-e", "nope"], "Entry point 'nope' is not defined in the project (entry points: data, main, sleep)"),
    ("missing script", ["-e", "nope.py"], "no script 'nope.py' exists"),
    ("unknown env manager", ["--env-manager", "pixi", "-P", "out=x"], "Unknown --env-manager 'pixi': No environment manager 'pixi' is installed"),
    ("non-existent path", ["-e", "data", "-P", "file=/no/such/file.csv"], "names a path that does not exist: '/no/such/file.csv'"),
    ("bad param syntax", ["-P", "out"], "Parameter 'out' must be given as NAME=VALUE"),
    ("unknown experiment", ["--experiment-id", "4242", "-P", "out=x"], "4242"),
    ("bad backend config", ["-c", "{not json", "-P", "out=x"], "Invalid backend config JSON"),
    ("unknown backend", ["-b", "kubernetes", "-P", "out=x"], "No project backend 'kubernetes' is installed"),
])
def test_bad_input_is_one_line_and_leaves_no_run(tracking_uri, cli_runner, probe_project, case, args, message):
    manager = [] if "--env-manager" in args else ["--env-manager", "local"]
    done = cli_runner.invoke(["run", str(probe_project), *manager, *args])
    assert done.exit_code != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and message in lines[0], done.stderr
    assert all_runs(tracking_uri) == []


@pytest.mark.parametrize("uri, version, message", [
    ("https://127.0.0.1:9/nothing.git", None, "Could not clone 'https://127.0.0.1:9/nothing.git'"),
    ("file:///no/such/repo", None, "Could not clone 'file:///no/such/repo'"),
    ("/no/such/project", None, "Project '/no/such/project' is not a directory or a git URI"),
])
def test_sources_that_cannot_be_fetched(tracking_uri, cli_runner, uri, version, message):
    done = cli_runner.invoke(["run", uri, "--env-manager", "local"])
    lines = done.stderr.strip().splitlines()
    assert done.exit_code != 0 and len(lines) == 1 and message in lines[0], done.stderr
    assert all_runs(tracking_uri) == []


def test_conda_without_conda_names_what_to_install(tracking_uri, mlplug_run, tmp_path):
    project = tmp_path / "conda project"
    project.mkdir()
    (project / "MLproject").write_text("conda_env: conda.yaml\nentry_points:\n  main:\n    command: python -V\n")
    (project / "conda.yaml").write_text("dependencies:\n- python=3.11\n")
    env = {"PATH": _conda_free_path(tmp_path), "CONDA_EXE": "", "MAMBA_EXE": "", "MLFLOW_CONDA_HOME": "",
           "MLPLUG_CONDA_HOME": ""}
    for args in ([], ["--env-manager", "conda"]):  # conda_env projects default to conda
        done = mlplug_run(str(project), *args, env=env)
        lines = done.stderr.strip().splitlines()
        assert done.returncode != 0 and len(lines) == 1, done.stderr
        assert "--env-manager conda cannot be used here: conda is not installed" in lines[0]
        assert "install Miniforge" in lines[0] and "micromamba" in lines[0]
    assert all_runs(tracking_uri) == []


def test_conda_for_a_python_env_project_is_refused(tracking_uri, cli_runner, probe_project):
    done = cli_runner.invoke(["run", str(probe_project), "--env-manager", "conda", "-P", "out=x"])
    assert done.exit_code != 0 and "--env-manager conda needs a project with a conda_env" in done.stderr
    assert all_runs(tracking_uri) == []


@pytest.mark.parametrize("files, args, message", [
    ({"python_env.yaml": "python: '3.4.1'\ndependencies: []\n"}, ["--env-manager", "virtualenv"],
     "No Python 3.4.1 interpreter found"),
    ({"MLproject": "docker_env: {image: 'python:3.11'}\nentry_points:\n  main: {command: 'python -V'}\n"}, [],
     "The project uses docker_env (image python:3.11)"),
])
def test_environments_that_cannot_be_had_here(tracking_uri, cli_runner, tmp_path, files, args, message):
    project = tmp_path / "env project"
    project.mkdir()
    (project / "go.py").write_text("print('never')\n")
    for name, text in files.items():
        (project / name).write_text(text)
    done = cli_runner.invoke(["run", str(project), "-e", "go.py", *args], env={"MLPLUG_ENV_ROOT": str(tmp_path / "envs")})
    lines = done.stderr.strip().splitlines()
    assert done.exit_code != 0 and len(lines) == 1 and message in lines[0], done.stderr
    assert all_runs(tracking_uri) == []


def test_experiment_name_and_id_together_is_a_usage_error(tracking_uri, cli_runner, probe_project):
    done = cli_runner.invoke(["run", str(probe_project), "--experiment-name", "a", "--experiment-id", "0"])
    assert done.exit_code == 2 and "Give --experiment-name or --experiment-id, not both." in done.stderr
