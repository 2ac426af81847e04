"""Tracking benchmark: ../shared/bench/tracking_bench.py against mlplug and MLflow 3.17.2, one session.

Usage: .venv/bin/python bench/tracking.py [--scale S] [--workers N] [--backend sqlite|postgresql|mysql]
Prints each figure for both servers and the ratio (mlplug over MLflow for throughputs, MLflow over
mlplug for latencies, so higher is better everywhere), plus `--help` wall time. Writes
bench/results/tracking-<time>.json.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _servers import MLFLOW, MLPLUG, ROOT, require_mlflow, server  # noqa: E402

WORKLOAD = ROOT.parent / "shared" / "bench" / "tracking_bench.py"
THROUGHPUT = ["runs_create_per_s", "log_batch_100m_10p_per_s", "log_metric_seq_per_s",
              "log_metric_8clients_per_s", "log_batch_1000m_per_s"]
LATENCY = ["get_history_10k_ms", "search_metric_filter_ms", "search_param_tag_ms", "search_all_ms"]
TARGETS = {"runs_create_per_s": 10, "log_batch_100m_10p_per_s": 10, "log_metric_seq_per_s": 10,
           "log_metric_8clients_per_s": 10, "log_batch_1000m_per_s": 10, "get_history_10k_ms": 10,
           "search_metric_filter_ms": 10, "search_param_tag_ms": 10, "search_all_ms": 10}


def backend_uri(kind: str, backend: str, workdir: Path) -> str | None:
    """A fresh database per server for PostgreSQL / MariaDB runs (SQLite gets a file in workdir)."""
    if backend == "sqlite":
        return None
    name = f"bench_{kind}_{int(time.time())}"
    if backend == "postgresql":
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "test", "-c", f"CREATE DATABASE {name}"],
                       check=True, capture_output=True)
        driver = "postgresql+psycopg" if kind == "mlplug" else "postgresql"
        return f"{driver}://postgres@127.0.0.1:5432/{name}"
    subprocess.run(["mariadb", "-h", "127.0.0.1", "-uroot", "-e", f"CREATE DATABASE {name}"], check=True)
    return f"mysql+pymysql://root@127.0.0.1:3306/{name}"


def run_workload(url: str, scale: float) -> dict:
    out = subprocess.run([sys.executable, str(WORKLOAD), url, "--scale", str(scale)], check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def help_time(exe: str, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run([exe, "--help"], check=True, capture_output=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--backend", choices=["sqlite", "postgresql", "mysql"], default="sqlite")
    args = ap.parse_args()
    require_mlflow()
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="mlplug-bench-") as tmp:
        for kind in ("mlplug", "mlflow"):
            workdir = Path(tmp) / kind
            workdir.mkdir()
            with server(kind, workdir, args.workers, backend_uri(kind, args.backend, workdir)) as url:
                print(f"running workload against {kind} at {url} ...", file=sys.stderr, flush=True)
                t = time.perf_counter()
                results[kind] = run_workload(url, args.scale)
                print(f"  {kind} done in {time.perf_counter() - t:.1f}s", file=sys.stderr, flush=True)
    results["mlplug"]["help_s"] = help_time(MLPLUG)
    results["mlflow"]["help_s"] = help_time(MLFLOW, repeat=3)
    rows, verdicts = [], {}
    for key in THROUGHPUT + LATENCY + ["help_s"]:
        a, b = results["mlplug"][key], results["mlflow"][key]
        ratio = (a / b) if key in THROUGHPUT else (b / a if a else float("inf"))
        target = 15 if key == "help_s" else TARGETS.get(key)
        verdicts[key] = {"mlplug": a, "mlflow": b, "ratio": round(ratio, 2), "target": target,
                         "met": ratio >= target}
        rows.append((key, a, b, ratio, target, "yes" if ratio >= target else "NO"))
    print(f"backend={args.backend} workers={args.workers} scale={args.scale}")
    print(f"{'figure':28} {'mlplug':>12} {'mlflow':>12} {'ratio':>8} {'target':>7}  met")
    for key, a, b, ratio, target, met in rows:
        print(f"{key:28} {a:12.2f} {b:12.2f} {ratio:8.1f}x {target:6}x  {met}")
    for key in ("log_metric_8clients_errors", "get_history_points", "search_all_n"):
        print(f"{key:28} {results['mlplug'].get(key)!s:>12} {results['mlflow'].get(key)!s:>12}")
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(exist_ok=True)
    path = out_dir / f"tracking-{args.backend}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps({"args": vars(args), "raw": results, "ratios": verdicts}, indent=2))
    print(f"written {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
