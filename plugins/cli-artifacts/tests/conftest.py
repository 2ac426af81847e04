"""Every test runs against a SQLite store with the local file repository in-process, or against a real
`mlplug server` (gunicorn) whose runs keep their artifacts behind the artifact proxy."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest
from mlplug import config
from mlplug.testing.servers import MlplugServer

# One name per character that has bitten URL and path code: space, %, #, :, +, ?, & and non-ASCII.
TREE = {
    "top.txt": b"top\n",
    "empty.txt": b"",
    "nested/100%.csv": b"a,b\n1,2\n",
    "nested/hash#1.txt": b"# not a fragment\n",
    "nested/deeper/with space.txt": b"spaced out\n",
    "nested/deeper/a:b.txt": b"colon\n",
    "nested/deeper/q?x&y=1+2.txt": b"query-ish\n",
    "ünï/cødé ✓.bin": bytes(range(256)) * 300,
}


def _write(root: Path, files: dict[str, bytes]) -> Path:
    for rel, data in files.items():
        target = root.joinpath(*rel.split("/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return root


def _read(root: Path) -> dict[str, bytes]:
    """Every file below `root` by its `/`-separated relative path."""
    found = {}
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            full = Path(dirpath, name)
            found[full.relative_to(root).as_posix()] = full.read_bytes()
    return found


@pytest.fixture
def tree() -> dict[str, bytes]:
    return dict(TREE)


@pytest.fixture
def source_tree(tmp_path, tree) -> Path:
    """TREE written below tmp_path/src."""
    return _write(tmp_path / "src", tree)


@pytest.fixture
def write_tree():
    """``write_tree(root, {rel: bytes})`` -> root."""
    return _write


@pytest.fixture
def read_tree():
    """``read_tree(root)`` -> {rel: bytes} of every file below root."""
    return _read


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[MlplugServer]:
    with MlplugServer(tmp_path_factory.mktemp("server"), workers=2) as running:
        yield running


@pytest.fixture(params=["sqlite", "server"])
def backend(request, tmp_path, monkeypatch) -> str:
    """The tracking URI of a fresh SQLite file, or of the module's real server; the test runs in tmp_path."""
    uri = f"sqlite:///{tmp_path / 'mlplug.db'}" if request.param == "sqlite" else request.getfixturevalue("server").url
    monkeypatch.chdir(tmp_path)
    for name in ("RUN_ID", "EXPERIMENT_ID", "EXPERIMENT_NAME", "ARTIFACT_TRANSFER_WORKERS",
                 "ENABLE_ARTIFACTS_PROGRESS_BAR"):
        monkeypatch.delenv("MLPLUG_" + name, raising=False)
        monkeypatch.delenv("MLFLOW_" + name, raising=False)
    monkeypatch.setenv("MLPLUG_TRACKING_URI", uri)
    config.set_tracking_uri(None)
    return uri


@pytest.fixture
def client(backend):
    from mlplug.tracking.client import MlplugClient

    return MlplugClient(backend)


@pytest.fixture
def run_id(client) -> str:
    experiment_id = client.create_experiment(f"artifacts-cli-{os.urandom(5).hex()}")
    return client.create_run(experiment_id).info.run_id
