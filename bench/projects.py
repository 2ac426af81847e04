"""Project start-up benchmark: `mlplug run --env-manager virtualenv|uv` against `mlflow run --env-manager
virtualenv` (MLflow 3.17.2), on examples/diabetes_project, cold and with a warm environment cache.

Usage: .venv/bin/python bench/projects.py [--repeat N] [--mlflow-venv DIR]

Each figure is the time from launching `<tool> run ... -e startup` until the entry point's first line
runs (it prints `time.time()`): fetching and reading the project, creating the run and building or
reusing the environment. "cold" starts from an empty environment cache (each tool's package cache —
uv's, pip's — stays warm, as on a developer's machine); "warm" reuses the environment the cold run
built (the median of N runs). Every tool tracks to its own SQLite database, created before timing.

Both tools run the same copy of the example whose python_env.yaml names this interpreter's exact
version, which MLflow's virtualenv manager needs (it asks pyenv for it). `mlflow` comes from the full
MLflow 3.17.2 venv (default /tmp/mlflow-client, which the tests' `mlflow_python` fixture builds); its
virtualenv manager needs the `virtualenv` package, installed there on first use. Prints a table with
the ratios against the targets and writes bench/results/projects-<time>.json.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "diabetes_project"
MLPLUG = Path(sys.executable).with_name("mlplug")
DEFAULT_MLFLOW_VENV = Path(os.environ.get("MLFLOW_VENV", "/tmp/mlflow-client"))
MARKER = "entry point started at"
# (figure, mlplug setup, target ratio of MLflow's virtualenv time over mlplug's)
TARGETS = {("warm", "virtualenv"): 5, ("warm", "uv"): 5, ("cold", "uv"): 3}


def ensure_mlflow(venv: Path) -> Path:
    mlflow = venv / "bin" / "mlflow"
    if not mlflow.exists():
        sys.exit(f"{mlflow} is missing: run the tests once (the mlflow_python fixture builds it) or pass --mlflow-venv")
    python = venv / "bin" / "python"
    if subprocess.run([python, "-c", "import virtualenv"], capture_output=True).returncode != 0:
        uv = shutil.which("uv") or str(Path(sys.executable).with_name("uv"))
        print(f"installing virtualenv into {venv} (MLflow's virtualenv manager needs it) ...", file=sys.stderr)
        subprocess.run([uv, "pip", "install", "--quiet", "--python", str(python), "virtualenv"], check=True)
    return mlflow


def project_copy(workdir: Path) -> Path:
    target = workdir / "diabetes_project"
    shutil.copytree(EXAMPLE, target)
    spec = target / "python_env.yaml"
    spec.write_text(spec.read_text().replace('python: "3.11"', f'python: "{platform.python_version()}"'))
    return target


def timed(argv: list[str], env: dict, cwd: Path) -> float:
    """Seconds from launch until the entry point printed its start time."""
    started = time.time()
    done = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                          timeout=1800)
    if done.returncode != 0:
        raise RuntimeError(f"`{' '.join(argv)}` failed ({done.returncode}): {done.stderr[-1500:]}")
    line = next((line for line in done.stdout.splitlines() if line.startswith(MARKER)), None)
    if line is None:
        raise RuntimeError(f"`{' '.join(argv)}` printed no start time: {done.stdout[-500:]}")
    return float(line.split()[-1]) - started


def bench(tool: str, executable: Path, manager: str, project: Path, workdir: Path, repeat: int,
          extra_env: dict | None = None) -> dict:
    home = workdir / f"{tool}-{manager}"
    home.mkdir()
    env = {**os.environ, **(extra_env or {}), "MLFLOW_TRACKING_URI": f"sqlite:///{home / 'tracking.db'}",
           "MLPLUG_TRACKING_URI": f"sqlite:///{home / 'tracking.db'}",
           "MLFLOW_ENV_ROOT": str(home / "envs"), "MLPLUG_ENV_ROOT": str(home / "envs")}
    env.pop("VIRTUAL_ENV", None)
    argv = [str(executable), "run", str(project), "-e", "startup"]
    timed([*argv, "--env-manager", "local"], env, home)  # creates the tracking database, untimed
    cold = timed([*argv, "--env-manager", manager], env, home)
    warm = [timed([*argv, "--env-manager", manager], env, home) for _ in range(repeat)]
    return {"tool": tool, "env_manager": manager, "cold_s": cold, "warm_s": statistics.median(warm), "warm_all_s": warm}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="warm runs per setup (the median is reported)")
    parser.add_argument("--mlflow-venv", type=Path, default=DEFAULT_MLFLOW_VENV)
    args = parser.parse_args()
    mlflow = ensure_mlflow(args.mlflow_venv)
    with tempfile.TemporaryDirectory(prefix="mlplug-bench-projects-") as tmp:
        workdir = Path(tmp)
        project = project_copy(workdir)
        rows = [bench("mlflow", mlflow, "virtualenv", project, workdir, args.repeat),
                bench("mlplug", MLPLUG, "virtualenv", project, workdir, args.repeat),
                bench("mlplug", MLPLUG, "uv", project, workdir, args.repeat)]
    baseline = rows[0]
    print(f"\n{'tool':8} {'env manager':12} {'cold s':>8} {'warm s':>8} {'cold ratio':>11} {'warm ratio':>11}  targets")
    checks = []
    for row in rows:
        ratios = {kind: baseline[f"{kind}_s"] / row[f"{kind}_s"] for kind in ("cold", "warm")}
        targets = {kind: TARGETS.get((kind, row["env_manager"])) for kind in ("cold", "warm")} if row["tool"] == "mlplug" else {}
        notes = []
        for kind, target in targets.items():
            if target:
                met = ratios[kind] >= target
                checks.append(met)
                notes.append(f"{kind} >= {target}x: {'met' if met else 'NOT met'}")
        row["ratios_vs_mlflow_virtualenv"] = ratios
        print(f"{row['tool']:8} {row['env_manager']:12} {row['cold_s']:8.2f} {row['warm_s']:8.2f} "
              f"{ratios['cold']:10.1f}x {ratios['warm']:10.1f}x  {'; '.join(notes)}")
    print("\nratio = MLflow virtualenv time / this setup's time (higher is better); "
          f"warm = median of {args.repeat}. 2 shared cores: figures are indicative.")
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    out = results / f"projects-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps({"rows": rows, "targets_met": all(checks), "python": platform.python_version()}, indent=2))
    print(f"written: {out}")


if __name__ == "__main__":
    main()
