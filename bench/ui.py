#!/usr/bin/env python3
"""The web UI at scale, measured in headless Chromium: mlplug's UI and MLflow 3.17.2's on the same data.

Usage: .venv/bin/python bench/ui.py [--runs N] [--points P] [--mlflow-runs N] [--no-mlflow] [--repeat R]
                                    [--workdir DIR]

Builds a SQLite store with N (100,000) runs in one experiment (three params, two tags, two metrics each)
plus a run with a P (1,000,000)-point metric and one with a 100-point metric (bench/_ui_data.py), written
in batches through each tool's own schema: mlplug's store tables, and for MLflow its SqlAlchemyStore and
ORM tables inside its venv (/tmp/mlflow-client). Then it starts each server and measures, in a fresh
browser context each time (nothing cached), from the navigation's start:

  runs page        until the first screen of rows is on the page and the search box takes input
  filter           from pressing Enter in the search box until the matching rows are shown
  sort             from clicking a metric column (mlplug) until the re-sorted rows are shown
  chart (1M)       until the run's chart of the 1,000,000-point metric is drawn (mlplug: step, wall and
                   relative x-axes; and a zoom into 1% of it, from the URL change)
  chart (100)      the same for the 100-point metric

Both tools are timed the same way (text or drawn chart appearing, polled every animation frame); mlplug's
page also leaves performance marks, shown for reference. Each figure is the best of R repeats.
Prints a table and writes bench/results/ui-<time>.json. Data files are kept in the workdir
(default /tmp/mlplug-ui-bench) and reused when they match N and P.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _ui_data as data  # noqa: E402
from _servers import MLFLOW_VENV, ROOT, server_process  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
TIMEOUT_MS = 60_000
def filters(n_runs: int) -> list:
    """(label, filter, predicate giving the expected rows) for a data set of `n_runs` runs."""
    name = f"run-{n_runs * 7 // 9}"
    return [
        ("metric filter (rare)", "metrics.loss < 0.001", lambda r: r["metrics"]["loss"] < 0.001),
        ("param filter", "params.model = 'cnn'", lambda r: r["params"]["model"] == "cnn"),
        ("param + metric filter", "params.model = 'rf' and metrics.accuracy > 0.99",
         lambda r: r["params"]["model"] == "rf" and r["metrics"]["accuracy"] > 0.99),
        ("run name filter", f"attributes.run_name = '{name}'", lambda r: r["name"] == name),
    ]


# --- data ------------------------------------------------------------------------------------------

def build_mlplug(db: Path, artifacts: Path, n_runs: int, points: int) -> str:
    import sqlalchemy as sa
    from mlplug_store_sql import schema
    from mlplug_store_sql.store import SqlTrackingStore

    store = SqlTrackingStore(f"sqlite:///{db}", str(artifacts))
    eid = int(store.create_experiment("bench-100k"))

    def run_row(run_id: str, name: str, start: int) -> dict:
        return {"run_id": run_id, "experiment_id": eid, "name": name, "user_id": "bench", "status": "FINISHED",
                "start_time": start, "end_time": start + 500, "artifact_uri": f"{artifacts}/{eid}/{run_id}/artifacts",
                "lifecycle_stage": "active", "deleted_time": None}

    def metric(run_id: str, key: str, value: float, ts: int, step: int) -> dict:
        return {"run_id": run_id, "key": key, "value": value, "timestamp": ts, "step": step, "is_nan": False,
                "dataset_name": None, "dataset_digest": None, "model_id": None}

    with store.engine.begin() as conn:
        batch: dict[str, list] = {"runs": [], "params": [], "tags": [], "metrics": []}

        def flush() -> None:
            conn.execute(sa.insert(schema.runs), batch["runs"])
            conn.execute(sa.insert(schema.params), batch["params"])
            conn.execute(sa.insert(schema.tags), batch["tags"])
            conn.execute(sa.insert(schema.metrics), batch["metrics"])
            conn.execute(sa.insert(schema.latest_metrics), batch["metrics"])
            for rows in batch.values():
                rows.clear()

        for row in data.run_rows(n_runs):
            rid = row["run_id"]
            batch["runs"].append(run_row(rid, row["name"], row["start_time"]))
            batch["params"] += [{"run_id": rid, "key": k, "value": v} for k, v in row["params"].items()]
            batch["tags"] += [{"run_id": rid, "key": k, "value": v} for k, v in row["tags"].items()]
            batch["metrics"] += [metric(rid, k, v, row["start_time"], 0) for k, v in row["metrics"].items()]
            if len(batch["runs"]) >= 5000:
                flush()
        if batch["runs"]:
            flush()
        for spec in (data.long_run(n_runs, points), data.short_run(n_runs)):
            rid = spec["run_id"]
            conn.execute(sa.insert(schema.runs), [run_row(rid, spec["name"], spec["start_time"])])
            conn.execute(sa.insert(schema.tags), [{"run_id": rid, "key": "mlflow.runName", "value": spec["name"]}])
            chunk, last = [], None
            for step, ts, value in data.curve(spec["points"], spec["start_time"]):
                last = metric(rid, spec["key"], value, ts, step)
                chunk.append(last)
                if len(chunk) >= 50_000:
                    conn.execute(sa.insert(schema.metrics), chunk)
                    chunk = []
            if chunk:
                conn.execute(sa.insert(schema.metrics), chunk)
            conn.execute(sa.insert(schema.latest_metrics), [last])
    store.close()
    return str(eid)


def build_mlflow(db: Path, artifacts: Path, n_runs: int, points: int) -> str:
    python = MLFLOW_VENV / "bin" / "python"
    done = subprocess.run([str(python), str(Path(__file__).with_name("_ui_mlflow_db.py")), str(db), str(artifacts),
                           str(n_runs), str(points)], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"could not write MLflow's database:\n{done.stderr[-3000:]}")
    return done.stdout.strip().splitlines()[-1]


def dataset(workdir: Path, kind: str, n_runs: int, points: int) -> tuple[Path, str]:
    """The tool's database (built once per N and P) and the experiment id."""
    db = workdir / f"{kind}-{n_runs}-{points}.db"
    marker = db.with_suffix(".experiment")
    if db.exists() and marker.exists():
        return db, marker.read_text()
    for stale in workdir.glob(db.name + "*"):
        stale.unlink()
    started = time.perf_counter()
    build = build_mlplug if kind == "mlplug" else build_mlflow
    experiment_id = build(db, workdir / f"{kind}-artifacts", n_runs, points)
    marker.write_text(experiment_id)
    print(f"  wrote {kind}'s database ({n_runs:,} runs, {points:,}-point metric) in "
          f"{time.perf_counter() - started:.0f} s", file=sys.stderr)
    return db, experiment_id


# --- browser ---------------------------------------------------------------------------------------

def _wait_ms(page, condition: str, arg=None) -> float:
    """Wait (polling every frame) until `condition` holds, then performance.now()."""
    page.wait_for_function(condition, arg=arg, polling="raf", timeout=TIMEOUT_MS)
    return page.evaluate("performance.now()")


# The first screen: `name` is shown, and the search box (`selector`) takes input.
FIRST_SCREEN = """([name, selector]) => {
  const box = document.querySelector(selector);
  return !!document.body && document.body.innerText.includes(name) && box !== null && !box.disabled
    && box.offsetParent !== null;
}"""
# A filter's answer: `name` is shown and `gone` (a run the filter excludes) no longer is.
ANSWER = "([name, gone]) => !!document.body && document.body.innerText.includes(name) && !document.body.innerText.includes(gone)"


class Tool:
    def __init__(self, kind: str, url: str, experiment_id: str, n_runs: int, points: int):
        self.kind, self.url, self.experiment_id, self.n_runs, self.points = kind, url, experiment_id, n_runs, points

    def runs_url(self) -> str:
        return (f"{self.url}/#/runs?e={self.experiment_id}" if self.kind == "mlplug"
                else f"{self.url}/#/experiments/{self.experiment_id}/runs?workflowType=machine_learning")

    def chart_url(self, spec: dict, x: str = "step", zoom: str | None = None) -> str:
        if self.kind == "mlplug":
            url = f"{self.url}/#/run/{spec['run_id']}?tab=charts&metrics={spec['key']}"
            if x != "step":
                url += f"&x={x}"
            return url + (f"&zoom={zoom}" if zoom else "")
        return f"{self.url}/#/experiments/{self.experiment_id}/runs/{spec['run_id']}/model-metrics"

    @property
    def search_selector(self) -> str:
        if self.kind == "mlplug":
            return "input[name=filter]"
        return "input[placeholder*='metrics.'], input[placeholder*='Search']"

    def chart_drawn(self) -> str:
        if self.kind == "mlplug":
            return "() => document.querySelector('.chart[data-state=drawn]') !== null"
        # MLflow draws metric charts with plotly (SVG paths in a .js-plotly-plot) or on canvas
        return ("() => [...document.querySelectorAll('.js-plotly-plot .scatterlayer path, canvas')]"
                ".some((el) => el.tagName === 'CANVAS' ? el.width > 50 : (el.getAttribute('d') || '').length > 50)")


def measure_tool(browser, tool: Tool, repeat: int) -> dict:
    out: dict[str, float | str] = {}

    def best(name: str, value: float | None) -> None:
        if value is not None and (name not in out or value < out[name]):
            out[name] = round(value)

    def fresh():
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        return context, context.new_page()

    newest = data.short_run(tool.n_runs)["name"]  # the newest run, which no filter below matches
    for _ in range(repeat):
        context, page = fresh()
        try:
            page.goto(tool.runs_url(), wait_until="commit")  # poll from the start, not from the load event
            best("runs page: first screen interactive", _wait_ms(page, FIRST_SCREEN, [newest, tool.search_selector]))
            if tool.kind == "mlplug":
                best("  (mlplug mark: rows rendered)", page.evaluate(
                    "performance.getEntriesByName('mlplug:runs-rendered')[0].startTime"))
            box = page.locator(tool.search_selector).first
            for label, text, predicate in filters(tool.n_runs):
                expected = data.newest_matching(tool.n_runs, predicate)
                if expected is None:
                    continue  # a small data set may have no such run
                box.fill(text)
                start = page.evaluate("performance.now()")
                box.press("Enter")
                best(f"filter: {label}", _wait_ms(page, ANSWER, [expected, newest]) - start)
                box.fill("")
                box.press("Enter")
                _wait_ms(page, FIRST_SCREEN, [newest, tool.search_selector])
            if tool.kind == "mlplug":
                expected = max(data.run_rows(tool.n_runs), key=lambda r: r["metrics"]["loss"])["name"]
                start = page.evaluate("performance.now()")
                page.get_by_role("button", name="Sort by loss").click()
                end = _wait_ms(page, "(name) => document.querySelector('table.runs tbody td.name')?.innerText === name",
                               expected)
                best("sort by a metric column", end - start)
        finally:
            context.close()

        long, short = data.long_run(tool.n_runs, tool.points), data.short_run(tool.n_runs)
        many = f"{tool.points:,} points"
        charts = [(f"chart: {many}, step axis", long, "step", None), ("chart: 100 points, step axis", short, "step", None)]
        if tool.kind == "mlplug":
            charts += [(f"chart: {many}, wall-time axis", long, "wall", None),
                       (f"chart: {many}, relative-time axis", long, "relative", None)]
        for label, spec, x, zoom in charts:
            context, page = fresh()
            try:
                page.goto(tool.chart_url(spec, x, zoom), wait_until="commit")
                best(label, _wait_ms(page, tool.chart_drawn()))
                if tool.kind == "mlplug" and x == "step" and spec is long:
                    best("  (mlplug mark: chart drawn)", page.evaluate(
                        "performance.getEntriesByName('mlplug:chart-drawn')[0].startTime"))
                    marks = page.evaluate("performance.getEntriesByName('mlplug:chart-drawn').length")
                    start = page.evaluate("performance.now()")
                    lo = tool.points * 2 // 5
                    page.evaluate("(hash) => { location.hash = hash; }",
                                  tool.chart_url(spec, "step", f"{lo},{lo + tool.points // 100}").split("#", 1)[1])
                    end = _wait_ms(page, "(n) => performance.getEntriesByName('mlplug:chart-drawn').length > n", marks)
                    best(f"chart: zoom into 1% of the {many}", end - start)
            except Exception as err:  # MLflow's page may not draw it at all
                out.setdefault(label, f"not drawn within {TIMEOUT_MS // 1000} s ({type(err).__name__})")
            finally:
                context.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--mlflow-runs", type=int, help="run count for MLflow (default: the same)")
    parser.add_argument("--no-mlflow", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--workdir", type=Path, default=Path(os.environ.get("MLPLUG_UI_BENCH_DIR", "/tmp/mlplug-ui-bench")))
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        sys.exit(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    args.workdir.mkdir(parents=True, exist_ok=True)
    plan = [("mlplug", args.runs)]
    if not args.no_mlflow:
        if not (MLFLOW_VENV / "bin" / "mlflow").exists():
            sys.exit(f"MLflow 3.17.2 not found in {MLFLOW_VENV} (see .ci/run), or pass --no-mlflow")
        plan.append(("mlflow", args.mlflow_runs or args.runs))
    results: dict[str, dict] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for kind, n_runs in plan:
            db, experiment_id = dataset(args.workdir, kind, n_runs, args.points)
            print(f"measuring {kind} ({n_runs:,} runs) ...", file=sys.stderr, flush=True)
            with server_process(kind, args.workdir / f"{kind}-server", args.workers, f"sqlite:///{db}") as (url, _proc):
                tool = Tool(kind, url, experiment_id, n_runs, args.points)
                results[kind] = {"runs": n_runs, **measure_tool(browser, tool, args.repeat)}
        browser.close()

    names = list(dict.fromkeys(k for r in results.values() for k in r if k != "runs"))
    print(f"\nmlplug UI vs MLflow {'3.17.2 ' if 'mlflow' in results else ''}UI, ms from navigation start "
          f"(best of {args.repeat}); SQLite, {args.points:,}-point metric")
    header = f"{'':44}" + "".join(f"{k + ' (' + format(r['runs'], ',') + ' runs)':>30}" for k, r in results.items())
    print(header)
    for name in names:
        cells = []
        for r in results.values():
            v = r.get(name, "—")
            cells.append(f"{v:>30}" if isinstance(v, (int, float)) else f"{str(v)[:29]:>30}")
        print(f"{name:44}" + "".join(cells))
    out = ROOT / "bench" / "results" / f"ui-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"points": args.points, "repeat": args.repeat, "results": results}, indent=2))
    print(f"\nwrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
