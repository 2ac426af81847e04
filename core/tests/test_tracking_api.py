"""The Python API (fluent functions and MlplugClient), against SQLite directly and against a real server.

Every test that takes `backend` runs twice: once on `sqlite:///<tmp>/mlplug.db` (store-sql and the file
artifact repository in-process) and once on `http://127.0.0.1:<port>` of a real `mlplug server` (the REST
store and the artifact proxy).
"""
from __future__ import annotations

import getpass
import os
import sys
import uuid
from fractions import Fraction
from pathlib import Path

import pytest

import mlplug
from mlplug import config, known_plugins
from mlplug.entities import DatasetInput, Metric, Param, RunTag, ViewType
from mlplug.errors import InvalidParameter, MlplugError, NotFound, PluginError
from mlplug.tracking import artifacts, context, fluent
from mlplug.tracking.client import MlplugClient, split_batch


@pytest.fixture
def experiment(backend) -> str:
    """A new experiment, made the active one."""
    return mlplug.set_experiment(f"exp-{uuid.uuid4().hex[:10]}").experiment_id


@pytest.fixture
def client(backend) -> MlplugClient:
    return mlplug.MlflowClient()


# --- fluent runs ---------------------------------------------------------------------------------

def test_start_run_logs_everything_and_finishes(experiment, client):
    with mlplug.start_run(run_name="first", tags={"team": "blue"}, description="notes") as run:
        assert mlplug.log_param("lr", 0.1) == 0.1
        mlplug.log_params({"layers": 3, "act": "relu"})
        mlplug.log_metric("acc", 0.5, step=1, timestamp=1000)
        mlplug.log_metric("acc", 0.7, step=2)
        mlplug.log_metrics({"loss": 0.25, "f1": 0.6}, step=2)
        mlplug.set_tag("stage", "dev")
        mlplug.set_tags({"a": 1, "b": "x"})
        mlplug.delete_tag("b")
        assert mlplug.active_run().info.run_id == run.info.run_id

    got = client.get_run(run.info.run_id)
    assert got.info.status == "FINISHED" and got.info.end_time >= got.info.start_time
    assert got.info.experiment_id == experiment and got.info.run_name == "first"
    assert got.data.params == {"lr": "0.1", "layers": "3", "act": "relu"}
    assert got.data.metrics == {"acc": 0.7, "loss": 0.25, "f1": 0.6}
    tags = got.data.tags
    assert {k: tags[k] for k in ("team", "stage", "a", "mlflow.runName", "mlflow.note.content")} == {
        "team": "blue", "stage": "dev", "a": "1", "mlflow.runName": "first", "mlflow.note.content": "notes"}
    assert "b" not in tags
    assert tags["mlflow.source.type"] == "LOCAL" and tags["mlflow.user"] == getpass.getuser()
    assert got.info.user_id == getpass.getuser()
    history = client.get_metric_history(run.info.run_id, "acc")
    assert [(m.step, m.value) for m in history] == [(1, 0.5), (2, 0.7)] and history[0].timestamp == 1000
    assert mlplug.active_run() is None
    assert mlplug.last_active_run().info.run_id == run.info.run_id


def test_an_exception_marks_the_run_failed(experiment, client):
    with pytest.raises(RuntimeError, match="boom"):
        with mlplug.start_run() as run:
            raise RuntimeError("boom")
    assert client.get_run(run.info.run_id).info.status == "FAILED"
    assert mlplug.active_run() is None


def test_nested_runs_record_their_parent(experiment, client):
    with mlplug.start_run() as parent:
        with pytest.raises(MlplugError, match="already active.*nested=True"):
            mlplug.start_run()
        with mlplug.start_run(nested=True) as child:
            assert mlplug.active_run().info.run_id == child.info.run_id
        assert mlplug.active_run().info.run_id == parent.info.run_id
    assert client.get_run(child.info.run_id).data.tags["mlflow.parentRunId"] == parent.info.run_id
    assert "mlflow.parentRunId" not in client.get_run(parent.info.run_id).data.tags
    assert client.get_run(child.info.run_id).info.status == "FINISHED"


def test_logging_without_an_active_run_starts_one(experiment, client):
    mlplug.log_metric("x", 1.5)
    run = mlplug.active_run()
    assert run is not None and run.info.experiment_id == experiment
    mlplug.end_run(status="KILLED")
    assert client.get_run(run.info.run_id).info.status == "KILLED"
    assert mlplug.active_run() is None
    mlplug.end_run()  # nothing active: a no-op


def test_resumes_the_run_named_by_the_environment(experiment, client, monkeypatch):
    existing = client.create_run(experiment, run_name="resumable")
    client.set_terminated(existing.info.run_id)
    monkeypatch.setenv("MLFLOW_RUN_ID", existing.info.run_id)
    with mlplug.start_run(tags={"resumed": "yes"}) as run:
        assert run.info.run_id == existing.info.run_id
        assert client.get_run(run.info.run_id).info.status == "RUNNING"
        mlplug.log_param("p", "v")
    assert "MLFLOW_RUN_ID" not in os.environ  # consumed: the next run is a new one
    got = client.get_run(existing.info.run_id)
    assert got.info.status == "FINISHED" and got.data.params == {"p": "v"} and got.data.tags["resumed"] == "yes"
    with mlplug.start_run() as fresh:
        assert fresh.info.run_id != existing.info.run_id


def test_resuming_checks_experiment_and_lifecycle(experiment, client):
    run = client.create_run(experiment)
    with pytest.raises(InvalidParameter, match="belongs to experiment"):
        mlplug.start_run(run_id=run.info.run_id, experiment_id="0")
    client.delete_run(run.info.run_id)
    with pytest.raises(InvalidParameter, match="deleted"):
        mlplug.start_run(run_id=run.info.run_id)
    with pytest.raises(NotFound):
        mlplug.start_run(run_id="f" * 32)
    assert mlplug.active_run() is None


# --- experiments ---------------------------------------------------------------------------------

def test_set_experiment_creates_by_name_and_selects_by_id(backend, client):
    name = f"made-{uuid.uuid4().hex[:8]}"
    created = mlplug.set_experiment(name)
    assert created.name == name and client.get_experiment_by_name(name).experiment_id == created.experiment_id
    assert mlplug.set_experiment(name).experiment_id == created.experiment_id
    with mlplug.start_run() as run:
        assert run.info.experiment_id == created.experiment_id
    assert mlplug.set_experiment(experiment_id="0").experiment_id == "0"
    with mlplug.start_run() as run:
        assert run.info.experiment_id == "0"
    client.delete_experiment(created.experiment_id)
    with pytest.raises(InvalidParameter, match="deleted experiment"):
        mlplug.set_experiment(name)
    with pytest.raises(InvalidParameter, match="exactly one"):
        mlplug.set_experiment()


def test_experiment_comes_from_the_environment_else_default(backend, client, monkeypatch):
    with mlplug.start_run() as run:
        assert run.info.experiment_id == "0"
    name = f"env-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("MLFLOW_EXPERIMENT_NAME", name)
    with mlplug.start_run() as run:
        by_name = client.get_experiment_by_name(name)
        assert by_name is not None and run.info.experiment_id == by_name.experiment_id
    other = client.create_experiment(f"env-id-{uuid.uuid4().hex[:8]}")
    monkeypatch.setenv("MLFLOW_EXPERIMENT_ID", "0")
    monkeypatch.setenv("MLPLUG_EXPERIMENT_ID", other)  # MLPLUG_ wins over MLFLOW_, and the id over the name
    with mlplug.start_run() as run:
        assert run.info.experiment_id == other


def test_client_experiment_lifecycle(client):
    name = f"life-{uuid.uuid4().hex[:8]}"
    eid = client.create_experiment(name, tags={"team": "blue"})
    assert client.get_experiment(eid).tags == {"team": "blue"}
    client.set_experiment_tag(eid, "owner", 7)
    client.rename_experiment(eid, name + "-renamed")
    got = client.get_experiment_by_name(name + "-renamed")
    assert got.experiment_id == eid and got.tags == {"team": "blue", "owner": "7"}
    assert client.get_experiment_by_name(name) is None
    client.delete_experiment(eid)
    assert client.get_experiment(eid).lifecycle_stage == "deleted"
    assert eid in [e.experiment_id for e in client.search_experiments(view_type=ViewType.DELETED_ONLY)]
    assert eid not in [e.experiment_id for e in mlplug.search_experiments()]
    client.restore_experiment(eid)
    assert client.get_experiment(eid).lifecycle_stage == "active"
    found = mlplug.search_experiments(filter_string=f"name = '{name}-renamed'")
    assert [e.experiment_id for e in found] == [eid]


# --- runs through the client ----------------------------------------------------------------------

def test_client_run_lifecycle(experiment, client):
    run = client.create_run(experiment, start_time=1234, tags={"mlflow.user": "ann", "k": 1}, run_name="r1")
    rid = run.info.run_id
    assert (run.info.user_id, run.info.start_time, run.info.status, run.data.tags["k"]) == ("ann", 1234, "RUNNING", "1")
    info = client.update_run(rid, status="KILLED", name="renamed")
    assert info.status == "KILLED" and info.end_time is not None and info.run_name == "renamed"
    assert client.get_run(rid).data.tags["mlflow.runName"] == "renamed"
    info = client.set_terminated(rid, end_time=99999)
    assert (info.status, info.end_time) == ("FINISHED", 99999)
    client.log_batch(rid, metrics=[Metric("m", 2, 5, 0)], params=[Param("p", 3)], tags=[RunTag("t", "v")])
    got = client.get_run(rid)
    assert (got.data.metrics, got.data.params, got.data.tags["t"]) == ({"m": 2.0}, {"p": "3"}, "v")
    client.set_tag(rid, "gone", "soon")
    client.delete_tag(rid, "gone")
    assert "gone" not in client.get_run(rid).data.tags
    client.delete_run(rid)
    assert client.get_run(rid).info.lifecycle_stage == "deleted"
    assert rid not in [r.info.run_id for r in client.search_runs([experiment])]
    assert rid in [r.info.run_id for r in client.search_runs(experiment, run_view_type=ViewType.DELETED_ONLY)]
    client.restore_run(rid)
    assert [r.info.run_id for r in client.search_runs([experiment])] == [rid]


def test_numpy_like_metric_values_are_accepted(experiment, client):
    with mlplug.start_run() as run:
        mlplug.log_metric("m", Fraction(1, 2))  # like numpy.float32: a numbers.Real that is not a float
        with pytest.raises(InvalidParameter):
            mlplug.log_metric("bad", "high")
    assert client.get_run(run.info.run_id).data.metrics == {"m": 0.5}


def test_search_runs_filters_orders_and_pages(experiment, client):
    ids = []
    for value in (3, 1, 2):
        with mlplug.start_run(run_name=f"v{value}") as run:
            mlplug.log_metric("m", value)
            mlplug.log_param("parity", "odd" if value % 2 else "even")
            ids.append(run.info.run_id)
    by_value = dict(zip((3, 1, 2), ids, strict=True))
    runs = mlplug.search_runs(filter_string="metrics.m > 1", order_by=["metrics.m DESC"])
    assert [r.info.run_id for r in runs] == [by_value[3], by_value[2]]
    assert [r.info.run_id for r in mlplug.search_runs(filter_string="params.parity = 'odd'", order_by=["metrics.m"])] \
        == [by_value[1], by_value[3]]
    assert len(mlplug.search_runs(max_results=2)) == 2
    name = client.get_experiment(experiment).name
    assert len(mlplug.search_runs(experiment_names=[name])) == 3
    assert mlplug.search_runs(experiment_names=["no-such-experiment"]) == []
    page = client.search_runs([experiment], max_results=2, order_by=["metrics.m ASC"])
    rest = client.search_runs([experiment], max_results=2, order_by=["metrics.m ASC"], page_token=page.token)
    assert [r.info.run_id for r in page + rest] == [by_value[1], by_value[2], by_value[3]] and rest.token is None
    with pytest.raises(InvalidParameter, match="output_format"):
        mlplug.search_runs(output_format="csv")


def test_search_runs_as_a_dataframe(experiment):
    pd = pytest.importorskip("pandas")
    with mlplug.start_run() as run:
        mlplug.log_metric("m", 2.0)
        mlplug.log_param("p", "x")
    frame = mlplug.search_runs(output_format="pandas")
    assert list(frame["run_id"]) == [run.info.run_id]
    assert frame.loc[0, "metrics.m"] == 2.0 and frame.loc[0, "params.p"] == "x"
    assert frame.loc[0, "status"] == "FINISHED"
    assert isinstance(frame.loc[0, "start_time"], pd.Timestamp)


def test_search_runs_without_pandas_says_what_to_install(experiment, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(MlplugError, match="pip install pandas"):
        mlplug.search_runs(output_format="pandas")


def test_log_input_records_the_dataset(experiment, client):
    dataset = DatasetInput("iris", "abc123", "local", '{"uri": "/data/iris.csv"}')
    with mlplug.start_run() as run:
        mlplug.log_input(dataset, context="train")
    (got,) = client.get_run(run.info.run_id).inputs.dataset_inputs
    assert (got.name, got.digest, got.tags) == ("iris", "abc123", {"mlflow.data.context": "train"})


# --- batching --------------------------------------------------------------------------------------

def test_split_batch_respects_every_limit():
    metrics = [Metric(f"m{i}", 1.0, 1, 0) for i in range(1500)]
    params = [Param(f"p{i}", "v") for i in range(150)]
    tags = [RunTag(f"t{i}", "v") for i in range(150)]
    sizes = [(len(m), len(p), len(t)) for m, p, t in split_batch(metrics, params, tags)]
    assert sizes == [(800, 100, 100), (700, 50, 50)]
    assert [len(m) for m, _, _ in split_batch(metrics * 2, [], [])] == [1000, 1000, 1000]
    assert list(split_batch([], [], [])) == []


def test_log_metrics_above_1000_goes_in_several_batches(experiment, client, monkeypatch):
    store = fluent._client().store
    sizes = []
    real = store.log_batch

    def counting(run_id, metrics=(), params=(), tags=()):
        sizes.append(len(metrics))
        real(run_id, metrics, params, tags)

    with mlplug.start_run() as run:
        with monkeypatch.context() as patch:
            patch.setattr(store, "log_batch", counting)
            mlplug.log_metrics({f"m{i}": float(i) for i in range(2500)}, step=3)
    assert sizes == [1000, 1000, 500]
    metrics = client.get_run(run.info.run_id).data.metrics
    assert len(metrics) == 2500 and metrics["m2499"] == 2499.0


# --- artifacts -------------------------------------------------------------------------------------

def test_artifacts_round_trip(experiment, client, tmp_path):
    src = tmp_path / "src"
    (src / "sub" / "deep").mkdir(parents=True)
    (src / "top.txt").write_text("top")
    (src / "sub" / "deep" / "x.bin").write_bytes(os.urandom(300_000))
    single = tmp_path / "single.csv"
    single.write_text("a,b\n1,2\n")
    with mlplug.start_run() as run:
        mlplug.log_text("hello ✓", "notes/readme.txt")
        mlplug.log_dict({"a": 1, "b": [1, 2]}, "cfg/config.json")
        mlplug.log_artifact(str(single))
        mlplug.log_artifact(str(single), "tables")
        mlplug.log_artifacts(str(src), "dir")
        assert mlplug.get_artifact_uri() == run.info.artifact_uri
        assert mlplug.get_artifact_uri("dir/top.txt") == run.info.artifact_uri.rstrip("/") + "/dir/top.txt"
    rid = run.info.run_id
    assert [(f.path, f.is_dir) for f in client.list_artifacts(rid)] == [
        ("cfg", True), ("dir", True), ("notes", True), ("single.csv", False), ("tables", True)]
    assert [f.path for f in client.list_artifacts(rid, "dir")] == ["dir/sub", "dir/top.txt"]
    deep = client.list_artifacts(rid, "dir/sub/deep")
    assert [(f.path, f.file_size) for f in deep] == [("dir/sub/deep/x.bin", 300_000)]
    local = client.download_artifacts(rid, "dir", str(tmp_path / "down"))
    assert Path(local, "top.txt").read_text() == "top"
    assert Path(local, "sub", "deep", "x.bin").read_bytes() == (src / "sub" / "deep" / "x.bin").read_bytes()
    assert artifacts.load_dict(f"runs:/{rid}/cfg/config.json") == {"a": 1, "b": [1, 2]}
    assert artifacts.load_text(f"runs:/{rid}/notes/readme.txt") == "hello ✓"
    one = artifacts.download_artifacts(f"runs:/{rid}/tables/single.csv", dst_path=str(tmp_path / "one"))
    assert Path(one).read_text() == "a,b\n1,2\n" and Path(one).name == "single.csv"
    whole = artifacts.download_artifacts(run_id=rid, dst_path=str(tmp_path / "whole"))
    assert sorted(os.listdir(whole)) == ["cfg", "dir", "notes", "single.csv", "tables"]
    assert [f.path for f in artifacts.list_artifacts(f"runs:/{rid}/tables")] == ["tables/single.csv"]


def test_client_log_artifact_uploads_a_directory_under_its_name(experiment, client, tmp_path):
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "MLmodel").write_text("flavors: {}\n")
    run = client.create_run(experiment)
    client.log_artifact(run.info.run_id, str(tmp_path / "model"), "outputs")
    assert [f.path for f in client.list_artifacts(run.info.run_id, "outputs/model")] == ["outputs/model/MLmodel"]


def test_log_dict_writes_yaml_by_extension(experiment, client, monkeypatch):
    yaml = pytest.importorskip("yaml")
    with mlplug.start_run() as run:
        mlplug.log_dict({"name": "x", "n": [1, 2]}, "conf/params.yaml")
    text = artifacts.load_text(f"runs:/{run.info.run_id}/conf/params.yaml")
    assert yaml.safe_load(text) == {"name": "x", "n": [1, 2]} and "{" not in text
    assert artifacts.load_dict(f"runs:/{run.info.run_id}/conf/params.yaml") == {"name": "x", "n": [1, 2]}


def test_log_dict_yaml_without_pyyaml_says_what_to_install(experiment, monkeypatch):
    monkeypatch.setitem(sys.modules, "yaml", None)
    with mlplug.start_run():
        with pytest.raises(MlplugError, match="pip install pyyaml"):
            mlplug.log_dict({"a": 1}, "conf.yml")
        mlplug.log_dict({"a": 1}, "conf.txt")  # anything but .yaml/.yml is JSON


def test_a_missing_artifact_plugin_says_what_to_install(backend, monkeypatch):
    monkeypatch.setitem(known_plugins.DISTRIBUTIONS["mlplug.artifact_repository"], "nfs", "mlplug-artifacts-nfs")
    with pytest.raises(PluginError, match=r"Cannot open artifact URI 'nfs://srv/p'.*pip install mlplug-artifacts-nfs"):
        artifacts.repository("nfs://srv/p")


def test_mlflow_artifacts_uri_needs_an_http_tracking_uri(tmp_path):
    with pytest.raises(InvalidParameter, match="tracking server"):
        artifacts.repository("mlflow-artifacts:/1/abc/artifacts", f"sqlite:///{tmp_path / 'x.db'}")


# --- URIs ------------------------------------------------------------------------------------------

def test_tracking_and_registry_uris(backend, tmp_path):
    assert mlplug.get_tracking_uri() == backend
    assert mlplug.get_registry_uri() == backend
    other = f"sqlite:///{tmp_path / 'other.db'}"
    mlplug.set_tracking_uri(other)
    assert mlplug.get_tracking_uri() == other and MlplugClient().tracking_uri == other
    mlplug.set_registry_uri("sqlite:///registry.db")
    assert mlplug.get_registry_uri() == "sqlite:///registry.db"
    mlplug.set_tracking_uri(None)
    assert mlplug.get_tracking_uri() == backend


def test_default_tracking_uri_is_a_local_sqlite_file(monkeypatch):
    for prefix in ("MLPLUG_", "MLFLOW_"):
        monkeypatch.delenv(prefix + "TRACKING_URI", raising=False)
    config.set_tracking_uri(None)
    assert mlplug.get_tracking_uri() == "sqlite:///mlplug.db"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://mlflow:5000")
    assert mlplug.get_tracking_uri() == "http://mlflow:5000"
    monkeypatch.setenv("MLPLUG_TRACKING_URI", "http://mlplug:5000")
    assert mlplug.get_tracking_uri() == "http://mlplug:5000"


# --- run context tags ----------------------------------------------------------------------------

def _git_repo(root: Path, sha: str, how: str) -> Path:
    git = root / ".git"
    (git / "refs" / "heads").mkdir(parents=True)
    if how == "loose":
        (git / "HEAD").write_text("ref: refs/heads/main\n")
        (git / "refs" / "heads" / "main").write_text(sha + "\n")
    elif how == "packed":
        (git / "HEAD").write_text("ref: refs/heads/main\n")
        (git / "packed-refs").write_text(f"# pack-refs with: peeled\n{'0' * 40} refs/tags/v1\n{sha} refs/heads/main\n")
    else:
        (git / "HEAD").write_text(sha + "\n")
    return root


@pytest.mark.parametrize("how", ["loose", "packed", "detached"])
def test_git_commit_is_read_from_the_git_directory(tmp_path, how):
    sha = "1234567890abcdef1234567890abcdef12345678"
    repo = _git_repo(tmp_path / "repo", sha, how)
    (repo / "pkg" / "sub").mkdir(parents=True)
    assert context.git_commit(str(repo / "pkg" / "sub")) == sha
    assert context.git_commit(str(tmp_path)) is None


def test_git_commit_of_a_worktree(tmp_path):
    sha = "abcdefabcdefabcdefabcdefabcdefabcdefabcd"
    main = _git_repo(tmp_path / "main", "0" * 40, "loose")
    worktree_git = main / ".git" / "worktrees" / "wt"
    worktree_git.mkdir(parents=True)
    (worktree_git / "HEAD").write_text("ref: refs/heads/feature\n")
    (worktree_git / "commondir").write_text("../..\n")
    (main / ".git" / "refs" / "heads" / "feature").write_text(sha + "\n")
    (tmp_path / "wt").mkdir()
    (tmp_path / "wt" / ".git").write_text(f"gitdir: {worktree_git}\n")
    assert context.git_commit(str(tmp_path / "wt")) == sha


def test_run_context_tags_source_git_and_plugins(backend, experiment, client, tmp_path, monkeypatch, fake_plugins):
    sha = "feedfacefeedfacefeedfacefeedfacefeedface"
    script = _git_repo(tmp_path / "project", sha, "loose") / "train.py"
    script.write_text("print('train')\n")
    monkeypatch.setattr(sys, "argv", [str(script)])
    fake_plugins("mlplug-fake-context", {"mlplug.plugins": {"ctx": "fake_context"}}, {"fake_context.py": """
        from mlplug.hookspecs import hookimpl

        @hookimpl
        def mlplug_run_context_tags(experiment_id, tags):
            return {"ci.job": "42", "mlflow.source.type": "JOB", "team": "from-plugin", "seen": ",".join(sorted(tags))}
    """})
    with mlplug.start_run(tags={"team": "from-user"}) as run:
        pass
    tags = client.get_run(run.info.run_id).data.tags
    assert tags["mlflow.source.name"] == str(script)
    assert tags["mlflow.source.git.commit"] == sha
    assert (tags["ci.job"], tags["mlflow.source.type"], tags["seen"]) == ("42", "JOB", "team")
    assert tags["team"] == "from-user"  # user tags are applied last


def test_console_source_name(monkeypatch):
    monkeypatch.setattr(sys, "argv", [""])
    assert context.source_name() == "<console>"


def test_fluent_names_are_exported_from_mlplug():
    for name in mlplug.__all__:
        assert getattr(mlplug, name) is not None, name
    assert mlplug.MlflowClient is MlplugClient and mlplug.ActiveRun is fluent.ActiveRun
