"""Swapping the artifact backend is installing one package.

Whatever artifact backends are installed carry a run's artifacts end to end (the Python API, then
`mlplug artifacts log-artifact`, `download` and `delete`) when the run's experiment keeps its artifacts
there, against that backend's emulator; every scheme whose backend is not installed fails with one
message naming the package to install.

`tox -e backend-file|backend-s3|backend-gcs|backend-azure` runs this file with mlplug-core,
mlplug-store-sql, mlplug-cli-artifacts and that one backend (MLPLUG_TEST_ARTIFACT_BACKENDS says which,
so an env that installs more, or less, fails instead of passing vacuously). In the full workspace every
backend is installed and exercised; there a backend counts as missing through a plugin host that hides
its entry point, exactly as the host sees an uninstalled distribution.
"""
from __future__ import annotations

import contextlib
import os
import uuid
from pathlib import Path

import pytest

import mlplug
from mlplug.errors import PluginError
from mlplug.host import PluginHost, get_host, set_host
from mlplug.testing import emulators
from mlplug.tracking.client import MlplugClient
from mlplug.uri import file_uri, scheme_of

GROUP = "mlplug.artifact_repository"
REPO = Path(__file__).resolve().parent.parent
# Scheme -> the distribution that serves it, as its "not installed" message must name it.
PACKAGES = {"file": "mlplug-artifacts-file", "s3": "mlplug-artifacts-s3", "gs": "mlplug-artifacts-gcs",
            "wasbs": "mlplug-artifacts-azure", "mlflow-artifacts": "mlplug-artifacts-http"}
# The schemes whose round trip runs here, on a directory or an emulator (mlflow-artifacts: the server's tests).
ROUND_TRIP = {"file", "s3", "gs", "wasbs"}
# An artifact location per scheme, for the schemes that are not installed (nothing is ever contacted).
UNREACHABLE = {"file": "file:///nowhere/mlplug", "s3": "s3://no-bucket/mlplug", "gs": "gs://no-bucket/mlplug",
               "wasbs": "wasbs://none@noaccount.blob.core.windows.net/mlplug",
               "mlflow-artifacts": "mlflow-artifacts:/mlplug"}
INSTALLED = set(get_host().names(GROUP)) & set(PACKAGES)


BUCKET = "mlplug-backend-swap"
AZURITE_DIR = REPO / "plugins" / "artifacts-azure" / "tests" / "azurite"  # Azurite's pinned npm project


@pytest.fixture(autouse=True)
def cloud_isolation(monkeypatch) -> None:
    """None of the caller's cloud settings: a test can only ever reach an emulator."""
    for isolation in (emulators.AWS_ISOLATION, emulators.GOOGLE_ISOLATION, emulators.AZURE_ISOLATION):
        isolation.apply(monkeypatch)


@pytest.fixture(scope="module")
def started(tmp_path_factory):
    """Factory: ``started("s3")`` -> that emulator, started on first use and kept for the module."""
    launchers = {"s3": emulators.moto_s3, "gs": emulators.gcs_emulator,
                 "wasbs": lambda workdir: emulators.azurite(workdir, AZURITE_DIR)}
    running: dict[str, emulators.Emulator] = {}
    with contextlib.ExitStack() as stack:
        def start(kind: str) -> emulators.Emulator:
            if kind not in running:
                try:
                    running[kind] = stack.enter_context(launchers[kind](tmp_path_factory.mktemp(kind)))
                except emulators.EmulatorUnavailable as err:
                    pytest.skip(f"{err}; the {kind}:// backend test needs it (or run .ci/run)")
            return running[kind]

        yield start


@pytest.fixture
def root_for(started, tmp_path, monkeypatch):
    """Factory: ``root_for(scheme)`` -> a fresh artifact root on that backend, its emulator configured."""
    def root(scheme: str) -> str:
        if scheme == "file":
            return file_uri(str(tmp_path / "artifact-root"))
        emulator = started(scheme)
        emulator.apply(monkeypatch)
        emulator.create_bucket(BUCKET)
        return emulator.uri(BUCKET, uuid.uuid4().hex)

    return root


@pytest.fixture
def fluent_state(tracking_uri, monkeypatch):
    """The fluent API on this test's tracking database, with no run or experiment left from elsewhere."""
    from mlplug.tracking import fluent

    for name in ("RUN_ID", "EXPERIMENT_ID", "EXPERIMENT_NAME"):
        monkeypatch.delenv("MLPLUG_" + name, raising=False)
        monkeypatch.delenv("MLFLOW_" + name, raising=False)
    monkeypatch.setattr(fluent, "_active_experiment_id", None)
    monkeypatch.setattr(fluent, "_clients", {})
    yield MlplugClient(tracking_uri)
    while mlplug.active_run():
        mlplug.end_run()


class HostWithout(PluginHost):
    """A plugin host that sees no artifact repository for `scheme`, as if its distribution were not installed."""

    def __init__(self, scheme: str):
        super().__init__()
        self.hidden = scheme

    def entry_points(self, group: str):
        found = super().entry_points(group)
        return [ep for ep in found if not (group == GROUP and ep.name == self.hidden)]


def test_the_environment_has_the_backends_it_was_built_with():
    expected = os.environ.get("MLPLUG_TEST_ARTIFACT_BACKENDS")
    if expected is None:
        pytest.skip("MLPLUG_TEST_ARTIFACT_BACKENDS is set by the tox backend-* envs only")
    assert sorted(INSTALLED) == sorted(expected.split(","))


@pytest.mark.parametrize("scheme", sorted(INSTALLED & ROUND_TRIP))
def test_the_installed_backend_carries_a_runs_artifacts(scheme, root_for, fluent_state, cli_runner, tmp_path):
    client = fluent_state
    root = root_for(scheme)
    experiment_id = client.create_experiment(f"on-{scheme}", artifact_location=root)
    model = tmp_path / "model.pkl"
    model.write_bytes(os.urandom(200_000))
    notes = tmp_path / "notes #1 ✓.txt"
    notes.write_text("kept on the backend\n", encoding="utf-8")

    with mlplug.start_run(experiment_id=experiment_id) as run:
        mlplug.log_artifact(str(model), "model")
    run_id = run.info.run_id
    assert scheme_of(run.info.artifact_uri) == scheme and run.info.artifact_uri.startswith(root)

    up = cli_runner.invoke(["artifacts", "log-artifact", "-l", str(notes), "-r", run_id, "-a", "docs"])
    assert up.exit_code == 0, up
    down = cli_runner.invoke(["artifacts", "download", "-r", run_id, "-d", str(tmp_path / "dst")])
    assert (down.exit_code, down.stdout) == (0, f"\n{tmp_path / 'dst'}\n"), down
    assert (tmp_path / "dst" / "model" / "model.pkl").read_bytes() == model.read_bytes()
    assert (tmp_path / "dst" / "docs" / "notes #1 ✓.txt").read_text(encoding="utf-8") == "kept on the backend\n"

    # The files are on the backend itself: a repository opened straight on the run's URI lists them.
    direct = get_host().artifact_repository(run.info.artifact_uri)
    assert sorted((f.path, f.file_size) for f in direct.iter_files()) == [
        ("docs/notes #1 ✓.txt", 20), ("model/model.pkl", 200_000)]

    removed = cli_runner.invoke(["artifacts", "delete", "-r", run_id, "-a", "model", "-y"])
    assert (removed.exit_code, removed.stdout.splitlines()[0]) == (
        0, f"Deleted 1 file (200.0 kB) from run {run_id}:"), removed
    assert [f.path for f in direct.iter_files()] == ["docs/notes #1 ✓.txt"]


@pytest.mark.parametrize("scheme", sorted(PACKAGES))
def test_a_backend_that_is_not_installed_names_its_package(scheme, plugin_host, fluent_state, cli_runner, tmp_path,
                                                           request):
    if scheme in INSTALLED:
        set_host(HostWithout(scheme))
        request.addfinalizer(lambda: set_host(plugin_host))
    client = fluent_state
    experiment_id = client.create_experiment(f"on-{scheme}", artifact_location=UNREACHABLE[scheme])
    local = tmp_path / "f.txt"
    local.write_text("x")
    install = f"pip install {PACKAGES[scheme]}"

    missing = f"artifact repository for URI scheme '{scheme}'.*{install}$"
    with mlplug.start_run(experiment_id=experiment_id) as run, pytest.raises(PluginError, match=missing):
        mlplug.log_artifact(str(local))
    for command in (["log-artifact", "-l", str(local)], ["download"], ["list"]):
        result = cli_runner.invoke(["artifacts", *command, "-r", run.info.run_id])
        lines = result.stderr.strip().splitlines()
        assert result.exit_code == 1 and result.exception is None, result
        assert len(lines) == 1 and lines[0].startswith("Error: Cannot open artifact URI") and lines[0].endswith(install)
