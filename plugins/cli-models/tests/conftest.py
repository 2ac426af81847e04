"""MLflow-saved fixture models and real `mlplug models serve` processes for the tests of this plugin."""
from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from mlplug.testing.servers import answers_health, free_port, mlplug_executable, running_process

# ../shared beside the repository, as the root conftest finds it (present on developers' machines and in CI).
FIXTURES = Path(__file__).resolve().parents[3].parent / "shared" / "fixtures"
DIABETES = FIXTURES / "mlflow_sklearn_diabetes"
IRIS = FIXTURES / "mlflow_sklearn_iris_cloudpickle"
MODELS = {"diabetes": DIABETES, "iris": IRIS}


def _expected_predictions() -> dict[str, list]:
    """The predictions the fixtures' README lists for each model's serving_input_example.json."""
    table = (FIXTURES / "README.md").read_text()
    out = {}
    for key, path in MODELS.items():
        row = next(line for line in table.splitlines() if line.startswith(f"| {path.name} |"))
        out[key] = json.loads(re.search(r"\[[^\]]*\]", row).group(0))
    return out


def _check_predictions(actual: list, expected: list) -> None:
    assert len(actual) == len(expected)
    for got, want in zip(actual, expected):
        assert got == pytest.approx(want, rel=1e-9)
        assert type(got) is type(want)  # integers stay integers (class labels), floats floats


@pytest.fixture(scope="session")
def models() -> dict[str, Path]:
    """{"diabetes": skops fixture dir, "iris": cloudpickle fixture dir}."""
    if not (FIXTURES / "README.md").exists():
        pytest.skip(f"{FIXTURES} is missing (../shared beside the repository)")
    return dict(MODELS)


@pytest.fixture(scope="session")
def expected(models) -> dict[str, list]:
    return _expected_predictions()


@pytest.fixture(scope="session")
def serving_example(models):
    """serving_example(key) -> the model's serving_input_example.json as a dict."""
    return lambda key: json.loads((models[key] / "serving_input_example.json").read_text())


@pytest.fixture(scope="session")
def check_predictions():
    """check_predictions(actual, expected): equal within rel 1e-9, same JSON types."""
    return _check_predictions


class ScoringServer:
    """A real `mlplug models serve` process on a free port, run until `stop()`."""

    def __init__(self, model: Path, workdir: Path, *args: str, env: dict | None = None,
                 startup_timeout: float = 120):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = workdir / f"serve-{self.port}.log"
        self.argv = [mlplug_executable(), "models", "serve", "-m", str(model), "-p", str(self.port), *args]
        self._ctx = running_process(self.argv, lambda: answers_health(self.url), self.log, env=env, cwd=workdir,
                                    startup_timeout=startup_timeout)
        self.proc: subprocess.Popen = self._ctx.__enter__()

    def stop(self) -> None:
        self._ctx.__exit__(None, None, None)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture(scope="module")
def start_scoring_server(tmp_path_factory):
    """Factory: `start_scoring_server(model_dir, *args, env=None)` -> a running ScoringServer, stopped after
    the module."""
    started: list[ScoringServer] = []

    def start(model: Path, *args: str, env: dict | None = None, startup_timeout: float = 120) -> ScoringServer:
        server = ScoringServer(model, tmp_path_factory.mktemp("serve"), *args, env=env,
                               startup_timeout=startup_timeout)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
