"""Scoring-server benchmark: ../shared/bench/serve_bench.py against `mlplug models serve` and `mlflow models
serve` (MLflow 3.17.2), both `--env-manager local` with one worker, on the same model, one session.

Usage: .venv/bin/python bench/serve.py [--model DIR] [--mlflow-venv DIR] [--repeat N]

MLflow runs from its own venv with the full `mlflow==3.17.2` (its server needs uvicorn on PATH), created
with uv on first use (default /tmp/mlflow-full, or $MLFLOW_SERVE_VENV), never in the project's venv.
With --repeat N the two servers take turns N times and each figure keeps its best run. Prints each
figure for both servers and the ratio (mlplug over MLflow for requests/s, MLflow over mlplug for
latency, so higher is better everywhere) against the targets, and writes bench/results/serve-<time>.json.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _servers import MLPLUG, ROOT  # noqa: E402

from mlplug.testing.servers import answers_health, free_port, running_process  # noqa: E402

WORKLOAD = ROOT.parent / "shared" / "bench" / "serve_bench.py"
DEFAULT_MODEL = ROOT.parent / "shared" / "fixtures" / "mlflow_sklearn_diabetes"
DEFAULT_MLFLOW_VENV = Path(os.environ.get("MLFLOW_SERVE_VENV", "/tmp/mlflow-full"))
# figure -> (workload scenario, measure, target ratio)
FIGURES = {
    "1row_c1_rps": ("1row_c1", "rps", 10),
    "1row_c8_rps": ("1row_c8", "rps", 10),
    "100rows_c4_rps": ("100rows_c4", "rps", 3),
    "1row_c1_p50_ms": ("1row_c1", "p50_ms", 5),
    "1row_c8_p50_ms": ("1row_c8", "p50_ms", 5),
}


def ensure_mlflow(venv: Path, model: Path) -> Path:
    """The venv's `mlflow`, installing mlflow==3.17.2 and the model's requirements on first use."""
    mlflow = venv / "bin" / "mlflow"
    if mlflow.exists():
        return mlflow
    uv = shutil.which("uv") or str(Path(sys.executable).with_name("uv"))
    print(f"creating {venv} with mlflow==3.17.2 (once) ...", file=sys.stderr, flush=True)
    for argv in ([uv, "venv", "--quiet", "--python", "3.11", str(venv)],
                 [uv, "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"), "mlflow==3.17.2",
                  "-r", str(model / "requirements.txt")]):
        if subprocess.run(argv).returncode != 0:
            shutil.rmtree(venv, ignore_errors=True)
            sys.exit(f"could not create the MLflow venv: {' '.join(argv)} failed")
    return mlflow


def measure(kind: str, argv: list[str], port: int, workdir: Path, env: dict | None = None) -> dict:
    url = f"http://127.0.0.1:{port}"
    with running_process(argv, lambda: answers_health(url), workdir / f"{kind}-serve.log", env=env, cwd=workdir,
                         startup_timeout=180):
        print(f"running the workload against {kind} at {url} ...", file=sys.stderr, flush=True)
        out = subprocess.run([sys.executable, str(WORKLOAD), url], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def best(runs: list[dict]) -> dict:
    """Per scenario, the highest requests/s and the lowest latencies over the runs."""
    out = {}
    for scenario in runs[0]:
        out[scenario] = {"rps": max(r[scenario]["rps"] for r in runs),
                         "p50_ms": min(r[scenario]["p50_ms"] for r in runs),
                         "p99_ms": min(r[scenario]["p99_ms"] for r in runs),
                         "errors": sum(r[scenario]["errors"] for r in runs)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    ap.add_argument("--mlflow-venv", type=Path, default=DEFAULT_MLFLOW_VENV)
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    mlflow = ensure_mlflow(args.mlflow_venv, args.model)
    mlflow_env = {"PATH": f"{mlflow.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    runs: dict[str, list[dict]] = {"mlplug": [], "mlflow": []}
    with tempfile.TemporaryDirectory(prefix="mlplug-serve-bench-") as tmp:
        for _ in range(args.repeat):
            port = free_port()
            runs["mlplug"].append(measure("mlplug", [MLPLUG, "models", "serve", "-m", str(args.model), "--env-manager",
                                                     "local", "-w", "1", "-p", str(port)], port, Path(tmp)))
            port = free_port()
            runs["mlflow"].append(measure("mlflow", [str(mlflow), "models", "serve", "-m", str(args.model),
                                                     "--env-manager", "local", "-w", "1", "-p", str(port)],
                                          port, Path(tmp), env=mlflow_env))
    results = {kind: best(kind_runs) for kind, kind_runs in runs.items()}
    print(f"model={args.model} workers=1 env-manager=local repeat={args.repeat}")
    print(f"{'figure':18} {'mlplug':>10} {'mlflow':>10} {'ratio':>8} {'target':>7}  met")
    verdicts = {}
    for figure, (scenario, key, target) in FIGURES.items():
        a, b = results["mlplug"][scenario][key], results["mlflow"][scenario][key]
        ratio = a / b if key == "rps" else (b / a if a else float("inf"))
        verdicts[figure] = {"mlplug": a, "mlflow": b, "ratio": round(ratio, 2), "target": target,
                            "met": ratio >= target}
        print(f"{figure:18} {a:10.2f} {b:10.2f} {ratio:7.1f}x {target:6}x  {'yes' if ratio >= target else 'NO'}")
    for kind in ("mlplug", "mlflow"):
        errors = sum(s["errors"] for s in results[kind].values())
        if errors:
            print(f"{kind}: {errors} failed requests", file=sys.stderr)
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(exist_ok=True)
    path = out_dir / f"serve-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps({"args": {k: str(v) for k, v in vars(args).items()}, "runs": runs,
                                "best": results, "ratios": verdicts}, indent=2))
    print(f"written {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
