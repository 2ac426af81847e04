"""The registry half of the Python API (MlplugClient's registry and logged-model methods, `register_model`)
and `models:/` URIs resolved to files, against SQLite directly and against a real server.

Every test that takes `backend` runs twice: on `sqlite:///<tmp>/mlplug.db` in-process, and on a real
`mlplug server` (the REST stores and the artifact proxy).
"""
from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import pytest

import mlplug
from mlplug.entities import LoggedModelStatus
from mlplug.errors import InvalidParameter, NotFound
from mlplug.tracking import artifacts
from mlplug.tracking.client import MlplugClient


@pytest.fixture
def client(backend) -> MlplugClient:
    return mlplug.MlflowClient()


def _model_dir(tmp_path: Path, marker: str) -> Path:
    """A directory shaped like a saved model: an MLmodel file and a data file."""
    model = tmp_path / f"model-{marker}"
    (model / "data").mkdir(parents=True)
    (model / "MLmodel").write_text(f"artifact_path: model\nflavors: {{}}\nmarker: {marker}\n")
    (model / "data" / "weights.bin").write_bytes(os.urandom(2048))
    return model


@pytest.fixture
def logged(client, tmp_path):
    """A READY logged model (with files) from a run of a new experiment: (model, run_id, local dir)."""
    experiment_id = client.create_experiment(f"exp-{uuid.uuid4().hex[:10]}")
    run_id = client.create_run(experiment_id).info.run_id
    model = client.create_logged_model(experiment_id, "model", run_id, params={"alpha": 0.5})
    local = _model_dir(tmp_path, model.model_id)
    client.log_model_artifacts(model.model_id, str(local))
    client.finalize_logged_model(model.model_id, LoggedModelStatus.READY)
    client.log_outputs(run_id, [(model.model_id, 0)])
    return client.get_logged_model(model.model_id), run_id, local


def _downloaded_marker(uri: str, tmp_path: Path) -> str:
    local = Path(artifacts.download_artifacts(artifact_uri=uri, dst_path=str(tmp_path / uuid.uuid4().hex)))
    mlmodel = local / "MLmodel" if local.is_dir() else local
    return mlmodel.read_text().split("marker: ")[1].strip()


def test_registry_uri_follows_an_explicit_tracking_uri(backend, tmp_path):
    other = f"sqlite:///{tmp_path / 'other.db'}"
    assert MlplugClient(other).registry_uri == other
    mlplug.set_registry_uri(f"sqlite:///{tmp_path / 'registry.db'}")
    assert MlplugClient(other).registry_uri == f"sqlite:///{tmp_path / 'registry.db'}"
    assert MlplugClient(other, registry_uri=other).registry_uri == other


def test_client_registry_round_trip(client):
    name = f"clf-{uuid.uuid4().hex[:8]}"
    client.create_registered_model(name, tags={"team": 1}, description="first")
    v1 = client.create_model_version(name, "s3://bucket/one", tags={"k": "v"})
    v2 = client.create_model_version(name, "s3://bucket/two")
    assert (v1.version, v2.version) == ("1", "2")
    client.set_registered_model_alias(name, "champion", 1)
    assert client.get_model_version_by_alias(name, "champion").source == "s3://bucket/one"
    client.transition_model_version_stage(name, 2, "production")
    assert [v.version for v in client.get_latest_versions(name, ["Production"])] == ["2"]
    assert [m.name for m in client.search_registered_models(f"name = '{name}'")] == [name]
    assert [v.version for v in client.search_model_versions(f"name = '{name}'", order_by=["version_number"])] == [
        "1", "2"]
    client.update_model_version(name, 1, "described")
    client.set_model_version_tag(name, 1, "k", "w")
    got = client.get_model_version(name, 1)
    assert (got.description, got.tags, got.aliases) == ("described", {"k": "w"}, ["champion"])
    model = client.get_registered_model(name)
    assert (model.tags, model.description, model.aliases) == ({"team": "1"}, "first", {"champion": "1"})
    client.delete_model_version(name, 2)
    assert client.create_model_version(name, "s3://bucket/three").version == "3"
    client.delete_registered_model(name)
    with pytest.raises(NotFound):
        client.get_registered_model(name)


def test_register_model_from_a_logged_model(logged):
    model, run_id, _local = logged
    name = f"clf-{uuid.uuid4().hex[:8]}"
    first = mlplug.register_model(model.model_uri, name, tags={"via": "fluent"})
    second = mlplug.register_model(model.model_uri, name)
    assert (first.version, second.version) == ("1", "2")
    assert (first.source, first.model_id, first.run_id, first.tags) == (model.model_uri, model.model_id, run_id,
                                                                        {"via": "fluent"})
    client = mlplug.MlflowClient()
    assert client.get_model_version_download_uri(name, "1") == model.artifact_location
    assert json.loads(client.get_logged_model(model.model_id).tags["mlflow.modelVersions"]) == [
        {"name": name, "version": "1"}, {"name": name, "version": "2"}]


def test_register_model_from_a_run_finds_its_logged_model(logged):
    model, run_id, _local = logged
    version = mlplug.register_model(f"runs:/{run_id}/model", f"clf-{uuid.uuid4().hex[:8]}")
    assert (version.source, version.model_id, version.run_id) == (model.model_uri, model.model_id, run_id)


def test_register_model_from_run_artifacts_holding_an_mlmodel(client, tmp_path):
    experiment_id = client.create_experiment(f"exp-{uuid.uuid4().hex[:10]}")
    run = client.create_run(experiment_id)
    client.log_artifacts(run.info.run_id, str(_model_dir(tmp_path, "in-run")), "packed")
    name = f"clf-{uuid.uuid4().hex[:8]}"
    version = mlplug.register_model(f"runs:/{run.info.run_id}/packed", name)
    assert version.source == f"{run.info.artifact_uri}/packed" and version.run_id == run.info.run_id
    assert _downloaded_marker(f"models:/{name}/1", tmp_path) == "in-run"


def test_register_model_from_a_run_without_such_a_model(client):
    run_id = client.create_run(client.create_experiment(f"exp-{uuid.uuid4().hex[:10]}")).info.run_id
    with pytest.raises(NotFound, match="Unable to find a logged model named 'model'"):
        mlplug.register_model(f"runs:/{run_id}/model", f"clf-{uuid.uuid4().hex[:8]}")


def test_every_models_uri_form_resolves_to_the_models_files(logged, tmp_path):
    model, _run_id, local = logged
    name = f"clf-{uuid.uuid4().hex[:8]}"
    mlplug.register_model(model.model_uri, name)
    client = mlplug.MlflowClient()
    client.set_registered_model_alias(name, "champion", "1")
    client.transition_model_version_stage(name, "1", "Staging")
    for uri in (model.model_uri, f"models:/{name}/1", f"models:/{name}@champion", f"models:/{name}/staging",
                f"models:/{name}/latest", f"models:/{name}@champion/MLmodel", f"models:/{name}/1/MLmodel"):
        assert _downloaded_marker(uri, tmp_path) == model.model_id, uri
    downloaded = Path(artifacts.download_artifacts(artifact_uri=f"models:/{name}@champion",
                                                   dst_path=str(tmp_path / "whole")))
    assert (downloaded / "data" / "weights.bin").read_bytes() == (local / "data" / "weights.bin").read_bytes()
    assert sorted(f.path.rsplit("/", 1)[-1] for f in artifacts.list_artifacts(f"models:/{name}/1")) == [
        "MLmodel", "data"]
    assert artifacts.resolve_uri(f"models:/{name}/1") == model.artifact_location


@pytest.mark.parametrize("uri, error", [
    ("models:/", InvalidParameter),
    ("models:/nobody/1", NotFound),
    ("models:/nobody@champion", NotFound),
    ("models:/m-0123456789abcdef0123456789abcdef", NotFound),
])
def test_unknown_models_uris_raise(client, uri, error):
    with pytest.raises(error):
        artifacts.resolve_uri(uri)


def test_a_stage_without_versions_raises_not_found(client):
    name = f"clf-{uuid.uuid4().hex[:8]}"
    client.create_registered_model(name)
    client.create_model_version(name, "s3://bucket/m")
    with pytest.raises(NotFound, match=f"No versions of model with name '{name}' and stage 'Production'"):
        artifacts.resolve_uri(f"models:/{name}/Production")


def test_cli_downloads_a_models_uri(logged, tmp_path, cli_runner):
    model, _run_id, _local = logged
    name = f"clf-{uuid.uuid4().hex[:8]}"
    mlplug.register_model(model.model_uri, name)
    mlplug.MlflowClient().set_registered_model_alias(name, "champion", "1")
    result = cli_runner.invoke(["artifacts", "download", "--artifact-uri", f"models:/{name}@champion",
                                "-d", str(tmp_path / "cli")])
    assert result.exit_code == 0, result.stderr
    local = Path(result.stdout.strip().splitlines()[-1])
    assert (local / "MLmodel").read_text().endswith(f"marker: {model.model_id}\n")
    missing = cli_runner.invoke(["artifacts", "download", "--artifact-uri", f"models:/{name}@nobody"])
    assert missing.exit_code == 1 and missing.exception is None
    assert missing.stderr.strip().startswith("Error: ") and len(missing.stderr.strip().splitlines()) == 1
