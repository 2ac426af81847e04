"""The UI's server routes over HTTP, against a real `mlplug server`: the page and its files, artifact
downloads wherever a run keeps them, bucketed metric history, YAML reading, and their errors."""
from __future__ import annotations

import re

import pytest
import requests
from mlplug.entities import Metric

from mlplug_ui.page import STATIC, build_id


def _assets(ui_server) -> str:
    return f"{ui_server.url}/static-files/{build_id()}"


def test_the_page_is_served_at_the_root_with_a_strict_policy(ui_server):
    r = requests.get(ui_server.url + "/")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    assert r.headers["Cache-Control"] == "no-cache"
    modules = re.findall(r'<link rel="modulepreload" href="([^"]+)">', r.text)
    assert f"/static-files/{build_id()}/js/main.js" in modules
    assert len(modules) == len(list((STATIC / "js").rglob("*.js")))


def test_static_files_are_cached_for_good_under_their_build_id(ui_server):
    r = requests.get(_assets(ui_server) + "/js/main.js")
    assert r.status_code == 200
    assert r.headers["Content-Type"].split(";")[0] in ("text/javascript", "application/javascript")
    assert "immutable" in r.headers["Cache-Control"]
    assert r.content == (STATIC / "js" / "main.js").read_bytes()
    stale = requests.get(f"{ui_server.url}/static-files/0123456789ab/js/main.js")
    assert stale.status_code == 200 and "immutable" not in stale.headers["Cache-Control"]
    assert requests.get(_assets(ui_server) + "/js/nope.js").status_code == 404
    assert requests.get(_assets(ui_server) + "/../page.py").status_code == 404


def test_static_files_revalidate_and_answer_head(ui_server):
    first = requests.get(_assets(ui_server) + "/css/app.css")
    again = requests.get(_assets(ui_server) + "/css/app.css", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.content == b""
    head = requests.head(_assets(ui_server) + "/css/app.css")
    assert head.status_code == 200 and head.content == b"" and head.headers["Content-Length"] == str(len(first.content))
    assert requests.get(_assets(ui_server) + "/index.html").status_code == 404  # only the rendered page is served
    assert requests.post(ui_server.url + "/").status_code == 405


def test_the_page_under_a_static_prefix(tmp_path_factory, page):
    from mlplug.testing.servers import MlplugServer
    from playwright.sync_api import expect

    with MlplugServer(tmp_path_factory.mktemp("prefixed"), "--static-prefix", "/mlplug", workers=1) as server:
        assert requests.get(server.url + "/").status_code == 404
        page.goto(server.url + "/mlplug/#/experiments")
        expect(page.get_by_role("link", name="Default")).to_be_visible()
        page.get_by_role("link", name="Default").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Default")
        expect(page.get_by_text("No runs here yet.")).to_be_visible()


def test_bucketed_history_endpoint(ui_server, demo):
    run_id = demo.runs["alpha"]
    url = ui_server.url + "/ajax-api/2.0/mlplug/metrics/get-history-bucketed"
    r = requests.get(url, params={"run_id": run_id, "metric_key": "loss", "max_buckets": 10})
    assert r.status_code == 200
    body = r.json()
    assert (body["x_axis"], body["min_x"], body["max_x"], body["bucket_width"], body["count"]) == ("step", 0, 199, 20, 200)
    first = body["buckets"][0]
    assert first == {"x_min": 0, "x_max": 19, "first": 1.0, "last": 1 / 20, "min": 1 / 20, "max": 1.0, "count": 20}
    zoomed = requests.get(ui_server.url + "/api/2.0/mlplug/metrics/get-history-bucketed",
                          params={"run_uuid": run_id, "metric_key": "loss", "min_x": "10.4", "max_x": "19.2"}).json()
    assert (zoomed["min_x"], zoomed["max_x"], zoomed["count"]) == (10, 20, 11)  # a range's ends round outwards
    relative = requests.get(url, params={"run_id": run_id, "metric_key": "loss", "x_axis": "relative"}).json()
    assert relative["origin"] == 1_700_000_000_000 and relative["buckets"][1]["x_min"] == 100


@pytest.mark.parametrize("params, status, message", [
    ({"metric_key": "loss"}, 400, "run_id"),
    ({"run_id": "RUN", "max_buckets": "0"}, 400, "max_buckets"),
    ({"run_id": "RUN", "x_axis": "epochs"}, 400, "x_axis"),
    ({"run_id": "RUN", "min_x": "abc"}, 400, "min_x"),
    ({"run_id": "RUN", "min_x": "9", "max_x": "3"}, 400, "min_x"),
    ({"run_id": "0123456789abcdef0123456789abcdef"}, 404, "not found"),
])
def test_bucketed_history_errors(ui_server, demo, params, status, message):
    params = {"metric_key": "loss", **{k: demo.runs["alpha"] if v == "RUN" else v for k, v in params.items()}}
    r = requests.get(ui_server.url + "/ajax-api/2.0/mlplug/metrics/get-history-bucketed", params=params)
    assert r.status_code == status
    body = r.json()
    assert body["error_code"] == ("INVALID_PARAMETER_VALUE" if status == 400 else "RESOURCE_DOES_NOT_EXIST")
    assert message in body["message"]


def test_get_artifact_serves_proxied_run_files(ui_server, demo):
    r = requests.get(ui_server.url + "/get-artifact", params={"run_id": demo.runs["alpha"], "path": "model/MLmodel"})
    assert r.status_code == 200
    assert r.content.startswith(b"flavors:")
    assert r.headers["Content-Disposition"] == "attachment; filename=MLmodel"
    image = requests.get(ui_server.url + "/get-artifact", params={"run_uuid": demo.runs["alpha"], "path": "plot.png"})
    assert image.headers["Content-Type"] == "image/png" and image.content.startswith(b"\x89PNG")


def test_get_artifact_serves_runs_whose_artifacts_live_elsewhere(ui_server, demo, tmp_path):
    experiment_id = demo.client.create_experiment("local-artifacts", artifact_location=str(tmp_path / "store"))
    run_id = demo.client.create_run(experiment_id).info.run_id
    source = tmp_path / "report.txt"
    source.write_text("kept outside the proxy")
    demo.client.log_artifact(run_id, str(source), "reports")
    assert demo.client.get_run(run_id).info.artifact_uri.startswith(str(tmp_path))
    r = requests.get(ui_server.url + "/get-artifact", params={"run_id": run_id, "path": "reports/report.txt"})
    assert r.status_code == 200 and r.text == "kept outside the proxy"


@pytest.mark.parametrize("params, status", [
    ({"path": "missing.txt"}, 404), ({"path": "../../etc/passwd"}, 400), ({"path": ""}, 400), ({}, 400)])
def test_get_artifact_errors(ui_server, demo, params, status):
    r = requests.get(ui_server.url + "/get-artifact", params={"run_id": demo.runs["alpha"], **params})
    assert r.status_code == status
    assert r.json()["message"]


def test_model_version_artifacts(ui_server, demo):
    r = requests.get(ui_server.url + "/model-versions/get-artifact",
                     params={"name": demo.model_name, "version": demo.version, "path": "MLmodel"})
    assert r.status_code == 200 and b"python_function" in r.content
    missing = requests.get(ui_server.url + "/model-versions/get-artifact",
                           params={"name": demo.model_name, "version": "99", "path": "MLmodel"})
    assert missing.status_code == 404


def test_read_yaml(ui_server, demo):
    url = ui_server.url + "/ajax-api/2.0/mlplug/artifacts/read-yaml"
    r = requests.get(url, params={"run_id": demo.runs["alpha"], "path": "model/MLmodel"})
    assert r.status_code == 200
    content = r.json()["content"]
    assert content["mlflow_version"] == "3.17.2" and "sklearn" in content["flavors"]
    bad = requests.get(url, params={"run_id": demo.runs["alpha"], "path": "table.csv"})
    assert bad.status_code == 200  # CSV text is a YAML string
    assert bad.json()["content"].startswith("name,score")
    broken = demo.client.create_run(demo.experiment_id).info.run_id
    demo.client.log_text(broken, "key: [unclosed", "broken.yaml")
    r = requests.get(url, params={"run_id": broken, "path": "broken.yaml"})
    assert r.status_code == 400 and r.json()["message"].startswith("Not valid YAML")
    laughs = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{k}: &{k} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n" for p, k in zip("abcdefgh", "bcdefghi"))
    demo.client.log_text(broken, laughs, "laughs.yaml")
    r = requests.get(url, params={"run_id": broken, "path": "laughs.yaml"})
    assert r.status_code == 400 and "aliases" in r.json()["message"]


def test_bucketed_history_of_a_long_metric_keeps_its_spike(ui_server, demo):
    run_id = demo.client.create_run(demo.experiment_id, run_name="long").info.run_id
    values = [float(s % 7) for s in range(20_000)]
    values[12_345] = 1000.0
    demo.client.log_batch(run_id, metrics=[Metric("m", v, 1_700_000_000_000 + s, s) for s, v in enumerate(values)])
    body = requests.get(ui_server.url + "/ajax-api/2.0/mlplug/metrics/get-history-bucketed",
                        params={"run_id": run_id, "metric_key": "m", "max_buckets": 500}).json()
    assert len(body["buckets"]) == 500 and body["count"] == 20_000
    assert max(b["max"] for b in body["buckets"]) == 1000.0
    spike = next(b for b in body["buckets"] if b["max"] == 1000.0)
    assert spike["x_min"] <= 12_345 <= spike["x_max"] and spike["count"] == 40
