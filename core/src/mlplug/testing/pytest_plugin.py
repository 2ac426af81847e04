"""pytest fixtures for testing mlplug and mlplug plugins. Opt in from a conftest.py::

    pytest_plugins = ["mlplug.testing.pytest_plugin"]

- `plugin_host`: a fresh PluginHost installed as the process default for the test, restored after.
- `fake_plugins`: writes fake distributions (real `.dist-info` + modules) and puts them on sys.path.
- `cli_runner`: runs `mlplug ...` in-process against that host: ``cli_runner.invoke(["plugins"])``.
- `tracking_uri`: a fresh SQLite tracking database for the test, set through MLPLUG_TRACKING_URI.
- `postgres_uri` / `mysql_uri`: a fresh database on the PostgreSQL / MariaDB server, per module.
- `mlplug_server`: a real `mlplug server` (2 gunicorn workers, SQLite) per module.
"""
from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Iterator, Mapping

import pytest

from mlplug.host import PluginHost, get_host, set_host
from mlplug.testing import CliRunner, databases, write_fake_distribution
from mlplug.testing.servers import MlplugServer


@pytest.fixture
def plugin_host() -> Iterator[PluginHost]:
    """A PluginHost of its own for this test, so discovery caches and load failures do not leak."""
    previous = get_host()
    host = PluginHost()
    set_host(host)
    try:
        yield host
    finally:
        set_host(previous)


class FakePlugins:
    """Factory behind the `fake_plugins` fixture; every call adds one distribution on its own path entry.

    A separate directory per distribution changes sys.path each time, so the entry-point caches (keyed
    by sys.path) always see the new distribution. Create fakes before the host first lists their group.
    """

    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch):
        self.root = root
        self._monkeypatch = monkeypatch
        self.site_dirs: list[Path] = []

    def __call__(self, name: str, entry_points: Mapping[str, Mapping[str, str]],
                 modules: Mapping[str, str] | None = None, version: str = "1.0") -> Path:
        """Install a fake distribution; see `mlplug.testing.write_fake_distribution` for the arguments."""
        site_dir = self.root / f"site{len(self.site_dirs)}"
        dist_info = write_fake_distribution(site_dir, name, entry_points, modules, version)
        self.site_dirs.append(site_dir)
        self._monkeypatch.syspath_prepend(str(site_dir))
        importlib.invalidate_caches()
        return dist_info

    def forget_modules(self) -> None:
        """Drop modules imported from the fakes, so the next test imports its own versions."""
        roots = tuple(str(d) for d in self.site_dirs)
        for name, module in list(sys.modules.items()):
            if (getattr(module, "__file__", None) or "").startswith(roots):
                del sys.modules[name]


@pytest.fixture
def fake_plugins(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch,
                 plugin_host: PluginHost) -> Iterator[FakePlugins]:
    """Factory: ``fake_plugins("mlplug-fake-x", {"mlplug.commands": {"x": "fake_x"}}, {"fake_x.py": src})``."""
    fakes = FakePlugins(tmp_path_factory.mktemp("fake_plugins"), monkeypatch)
    try:
        yield fakes
    finally:
        fakes.forget_modules()


@pytest.fixture
def cli_runner(plugin_host: PluginHost) -> CliRunner:
    """Runs the real `mlplug` entry point in-process: ``result = cli_runner.invoke(["doctor"])``."""
    return CliRunner()


@pytest.fixture
def tracking_uri(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh SQLite tracking URI, exported as MLPLUG_TRACKING_URI; the test runs in `tmp_path`.

    Working in `tmp_path` keeps default artifact roots (relative to the current directory) out of the
    project tree.
    """
    from mlplug import config

    uri = f"sqlite:///{tmp_path / 'mlplug.db'}"
    monkeypatch.setenv("MLPLUG_TRACKING_URI", uri)
    monkeypatch.chdir(tmp_path)
    config.set_tracking_uri(None)
    config.set_registry_uri(None)
    try:
        yield uri
    finally:
        config.set_tracking_uri(None)
        config.set_registry_uri(None)


@pytest.fixture(scope="module")
def postgres_uri() -> Iterator[str]:
    with databases.fresh_database(databases.POSTGRES_ADMIN) as uri:
        yield uri


@pytest.fixture(scope="module")
def mysql_uri() -> Iterator[str]:
    with databases.fresh_database(databases.MYSQL_ADMIN) as uri:
        yield uri


@pytest.fixture(scope="module")
def mlplug_server(tmp_path_factory) -> Iterator[MlplugServer]:
    """A real `mlplug server` on SQLite with the artifact proxy; `.url`, `.api(path)`, `.destination`."""
    with MlplugServer(tmp_path_factory.mktemp("mlplug-server"), workers=2) as server:
        yield server
