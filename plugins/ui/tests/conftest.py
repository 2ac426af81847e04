"""A real `mlplug server` with the UI, real headless Chromium (Playwright driving Debian's
/usr/bin/chromium), and a folder for the screenshots every browser test saves for review."""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Iterator

import pytest
from mlplug.testing.servers import MlplugServer

CHROMIUM = os.environ.get("MLPLUG_TEST_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = (Path(os.environ["MLPLUG_TEST_ARTIFACTS"]) / "ui-screenshots" if os.environ.get("MLPLUG_TEST_ARTIFACTS")
               else Path(__file__).resolve().parent / "screenshots")
VIEWPORT = {"width": 1280, "height": 800}


def _missing(what: str) -> None:
    """Locally a missing browser skips; in CI (whose setup installs it) it is a failure."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} — .ci/run should have installed it")
    pytest.skip(what)


@pytest.fixture(scope="module")
def ui_server(tmp_path_factory) -> Iterator[MlplugServer]:
    with MlplugServer(tmp_path_factory.mktemp("ui-server"), workers=2) as server:
        yield server


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        _missing(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed (uv sync --group dev)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


class PageErrors(list):
    """Uncaught errors and console errors of the page, which a test fails on."""


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport=VIEWPORT, reduced_motion="reduce")
    page = context.new_page()
    errors = PageErrors()
    page.on("pageerror", lambda err: errors.append(f"uncaught: {err}"))
    page.on("console", lambda msg: errors.append(f"console.{msg.type}: {msg.text}") if msg.type == "error" else None)
    page.on("dialog", lambda dialog: dialog.accept())  # confirm() before deleting
    page.set_default_timeout(10_000)
    page.errors = errors
    yield page
    context.close()
    unexpected = [e for e in errors if not getattr(page, "expected_errors", None) or not re.search(page.expected_errors, e)]
    assert not unexpected, f"the page reported errors: {unexpected}"


@pytest.fixture(scope="session")
def screenshot():
    """`screenshot(page, "runs-table")` saves a full-page PNG for review."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def save(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save


def png_bytes(width: int = 40, height: int = 24) -> bytes:
    """A small valid PNG (a colour gradient), for the image preview."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + bytes(v for x in range(width) for v in (x * 6 % 256, y * 10 % 256, 160))
                    for y in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


MLMODEL_FIXTURE = Path(__file__).resolve().parents[4] / "shared" / "fixtures" / "mlflow_sklearn_diabetes"
T0 = 1_700_000_000_000


class Demo:
    """What the `demo` fixture logged: ids and names the tests look for."""

    def __init__(self, **fields):
        self.__dict__.update(fields)


@pytest.fixture(scope="module")
def demo(ui_server, tmp_path_factory) -> Demo:
    """An experiment with five runs (params, metric histories, tags, notes, a child run, artifacts of every
    previewable kind) and a registered model with a version and an alias, logged through the API."""
    import json
    import math
    import shutil
    import uuid

    from mlplug.entities import Metric, Param, RunTag
    from mlplug.tracking.client import MlplugClient

    client = MlplugClient(ui_server.url)
    suffix = uuid.uuid4().hex[:6]
    experiment_id = client.create_experiment(f"ui-demo-{suffix}")
    specs = [("alpha", "0.1", "cnn", "vision"), ("beta", "0.01", "mlp", "nlp"), ("gamma", "0.001", "cnn", "vision"),
             ("delta", "0.05", "rf", "tabular"), ("epsilon", "0.2", "mlp", "nlp")]
    runs = {}
    for i, (name, lr, model, team) in enumerate(specs):
        run = client.create_run(experiment_id, start_time=T0 + i * 60_000, run_name=name)
        run_id = run.info.run_id
        history = [Metric("loss", 1.0 / (s + 1) + i * 0.1, T0 + i * 60_000 + s * 100, s) for s in range(200)]
        history += [Metric("accuracy", 0.5 + 0.4 * (1 - math.exp(-s / 50)) - i * 0.02, T0 + s * 100, s) for s in range(200)]
        client.log_batch(run_id, metrics=history,
                         params=[Param("lr", lr), Param("model", model), Param("epochs", str(10 + i))],
                         tags=[RunTag("team", team), RunTag("mlflow.source.name", f"train_{name}.py"),
                               RunTag("mlflow.source.type", "LOCAL")])
        client.set_terminated(run_id, "FINISHED" if i != 3 else "FAILED", end_time=T0 + i * 60_000 + 45_000)
        runs[name] = run_id
    client.set_tag(runs["gamma"], "mlflow.parentRunId", runs["alpha"])
    client.set_tag(runs["alpha"], "mlflow.note.content", "# Baseline\n\nThe **first** try, see `train.py`.\n\n- fast\n- small")

    files = tmp_path_factory.mktemp("artifacts")
    (files / "notes.txt").write_text("hello from the alpha run\nsecond line\n")
    (files / "metrics.json").write_text(json.dumps({"rmse": 53.4, "folds": [1, 2, 3]}))
    (files / "config.yaml").write_text("optimizer:\n  name: adam\n  lr: 0.1\nlayers: [64, 32]\n")
    (files / "table.csv").write_text('name,score,comment\na,1.5,"with, comma"\nb,2.5,plain\n')
    (files / "plot.png").write_bytes(png_bytes())
    model_dir = files / "model"
    model_dir.mkdir()
    for name in ("MLmodel", "conda.yaml", "requirements.txt"):
        shutil.copy(MLMODEL_FIXTURE / name, model_dir / name)
    for name in ("notes.txt", "metrics.json", "config.yaml", "table.csv", "plot.png"):
        client.log_artifact(runs["alpha"], str(files / name))
    client.log_artifacts(runs["alpha"], str(model_dir), "model")

    model_name = f"ui-model-{suffix}"
    client.create_registered_model(model_name, tags={"owner": "vision-team"}, description="Predicts **things**.")
    version = client.create_model_version(model_name, f"runs:/{runs['alpha']}/model", run_id=runs["alpha"],
                                          tags={"validated": "yes"})
    client.set_registered_model_alias(model_name, "champion", version.version)
    return Demo(client=client, experiment_id=experiment_id, runs=runs, model_name=model_name,
                version=str(version.version), experiment_name=f"ui-demo-{suffix}")
