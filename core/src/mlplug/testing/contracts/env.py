"""The EnvManager contract as tests. Every environment manager passes them: the suite is the spec.

Subclass `EnvManagerContract` and provide a `manager` fixture; set `isolated = False` for a manager
that runs in the current interpreter instead of building an environment (like `local`)::

    from mlplug.testing.contracts.env import EnvManagerContract

    class TestMyManager(EnvManagerContract):
        @pytest.fixture
        def manager(self):
            return MyManager()

The suite points `MLPLUG_ENV_ROOT` at a fresh directory for each test class (fixture `env_root`), so
a manager keeps its cache there. Specs are directories as MLflow writes them for a model or project:
`python_env.yaml` naming this interpreter's Python version, with `-r requirements.txt`; the
requirements name `mlflow` (which mlplug replaces) and a small local wheel, so an isolated manager
must install it without any package index. One environment is built per test class and reused by
its tests (each test prepares it again, which is itself a check of the cache).
"""
from __future__ import annotations

import base64
import hashlib
import os
import platform
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from mlplug.contracts.env import EnvManager, Environment
from mlplug.errors import MlplugError

PROBE = "mlplug_contract_probe"
PROBE_VALUE = "installed from requirements.txt"


def write_probe_wheel(directory: Path) -> Path:
    """A minimal pure-Python wheel (one module), built by hand so no build backend or index is needed."""
    dist_info = f"{PROBE}-1.0.dist-info"
    files = {
        f"{PROBE}/__init__.py": f"VALUE = {PROBE_VALUE!r}\n",
        f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: {PROBE}\nVersion: 1.0\n",
        f"{dist_info}/WHEEL": "Wheel-Version: 1.0\nGenerator: mlplug-testing\nRoot-Is-Purelib: true\n"
                              "Tag: py3-none-any\n",
    }

    def digest(text: str) -> str:
        raw = hashlib.sha256(text.encode()).digest()
        return "sha256=" + base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    record = "".join(f"{name},{digest(text)},{len(text.encode())}\n" for name, text in files.items())
    files[f"{dist_info}/RECORD"] = record + f"{dist_info}/RECORD,,\n"
    path = Path(directory) / f"{PROBE}-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as wheel:
        for name, text in files.items():
            wheel.writestr(name, text)
    return path


def write_spec(directory: Path, python: str | None = None, requirements: list[str] | None = None) -> Path:
    """A spec directory: python_env.yaml (+ requirements.txt) as MLflow writes them for a model."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    lines = ["mlflow==3.17.2", str(write_probe_wheel(directory))] if requirements is None else requirements
    (directory / "requirements.txt").write_text("".join(f"{line}\n" for line in lines))
    (directory / "python_env.yaml").write_text(
        f"python: {python or platform.python_version()}\nbuild_dependencies: []\n"
        "dependencies:\n- -r requirements.txt\n")
    return directory


def run(env: Environment, argv: list[str] | str) -> subprocess.CompletedProcess:
    return subprocess.run(env.command(argv), capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


def prefix(env: Environment) -> str:
    """The environment's `sys.prefix`, symlinks resolved (a venv's `bin/python` links to its base)."""
    done = subprocess.run([env.python, "-c", "import sys; print(sys.prefix)"], capture_output=True, text=True,
                          timeout=60)
    return os.path.realpath(done.stdout.strip())


def cache_entries(root: Path) -> set[str]:
    """What a manager publishes in its root (hidden names are its working state)."""
    return {p.name for p in root.iterdir() if not p.name.startswith(".")} if root.exists() else set()


class EnvManagerContract:
    isolated: bool = True

    @pytest.fixture(scope="class", autouse=True)
    @classmethod
    def env_root(cls, tmp_path_factory) -> Path:
        root = tmp_path_factory.mktemp("envs")
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("MLPLUG_ENV_ROOT", str(root))
            yield root

    @pytest.fixture(scope="class")
    @classmethod
    def spec_dir(cls, tmp_path_factory) -> Path:
        return write_spec(tmp_path_factory.mktemp("spec"))

    @pytest.fixture
    def environment(self, manager, spec_dir) -> Environment:
        """The environment for `spec_dir`: built by the first test that asks, then taken from the cache."""
        return manager.prepare(str(spec_dir))

    # --- every manager ------------------------------------------------------------------------------
    def test_has_a_name_the_host_finds_it_by(self, manager):
        from mlplug.host import PluginHost

        assert isinstance(manager, EnvManager) and manager.name
        assert type(PluginHost().env_manager(manager.name)) is type(manager)

    def test_available_is_none_or_one_line(self, manager):
        reason = manager.available()
        assert reason is None or (isinstance(reason, str) and reason and "\n" not in reason)

    def test_prepare_gives_a_python_of_the_spec_version(self, environment):
        assert isinstance(environment, Environment)
        assert os.access(environment.python, os.X_OK)
        done = subprocess.run([environment.python, "-c", "import platform; print(platform.python_version())"],
                              capture_output=True, text=True, timeout=60)
        assert done.stdout.strip() == platform.python_version()

    def test_command_runs_a_list_with_the_environments_python(self, environment):
        done = run(environment, ["python", "-c", "import sys; print(sys.prefix)"])
        assert done.returncode == 0, done.stderr
        assert os.path.realpath(done.stdout.strip()) == prefix(environment)

    def test_command_runs_a_shell_string(self, environment):
        done = run(environment, "echo $((6 * 7)) && python -c 'print(\"inside\")'")
        assert (done.returncode, done.stdout.split()) == (0, ["42", "inside"]), done.stderr

    def test_mlplug_runs_inside(self, environment):
        done = run(environment, ["mlplug", "--version"])
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("mlplug ")

    def test_prepare_again_reuses_the_environment(self, manager, environment, spec_dir, env_root):
        entries = cache_entries(env_root)
        again = manager.prepare(str(spec_dir))
        assert prefix(again) == prefix(environment)
        assert cache_entries(env_root) == entries

    # --- managers that build an environment ---------------------------------------------------------
    def _isolated_only(self) -> None:
        if not self.isolated:
            pytest.skip("this manager runs in the current interpreter")

    def test_environment_is_separate_from_this_interpreter(self, environment):
        self._isolated_only()
        assert prefix(environment) != os.path.realpath(sys.prefix)

    def test_requirements_are_installed_and_mlflow_is_not(self, environment):
        self._isolated_only()
        done = run(environment, ["python", "-c", f"import {PROBE}, importlib.util; "
                                 f"print({PROBE}.VALUE); print(importlib.util.find_spec('mlflow'))"])
        assert done.returncode == 0, done.stderr
        assert done.stdout.splitlines() == [PROBE_VALUE, "None"]

    def test_a_different_spec_gets_a_different_environment(self, manager, environment, tmp_path):
        self._isolated_only()
        other = manager.prepare(str(write_spec(tmp_path / "other", requirements=[])))
        assert prefix(other) != prefix(environment)
        assert run(other, ["python", "-c", f"import {PROBE}"]).returncode != 0

    def test_a_failed_build_leaves_no_entry(self, manager, env_root, tmp_path):
        self._isolated_only()
        spec = write_spec(tmp_path / "broken", requirements=[str(tmp_path / "mlplug_missing_probe-1.0-py3-none-any.whl")])
        before = cache_entries(env_root)
        for _attempt in range(2):  # a retry builds again (and fails again): nothing half-built was kept
            with pytest.raises(MlplugError) as info:
                manager.prepare(str(spec))
            assert "\n" not in info.value.message
            assert cache_entries(env_root) == before

    def test_an_unavailable_python_is_a_clear_error(self, manager, env_root, tmp_path):
        self._isolated_only()
        before = cache_entries(env_root)
        with pytest.raises(MlplugError) as info:
            manager.prepare(str(write_spec(tmp_path / "old", python="2.1.0", requirements=[])))
        assert "2.1.0" in info.value.message and "\n" not in info.value.message
        assert cache_entries(env_root) == before
