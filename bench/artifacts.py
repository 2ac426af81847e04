"""Artifact benchmark: mlplug against MLflow 3.17.2, one session, same destination kind and workers.

Usage: .venv/bin/python bench/artifacts.py [--destination file|s3] [--workers N] [--big-mib M]
                                           [--small-files N] [--repeat R] [--workdir DIR]

Both tools run side by side, taking turns case by case: one server each (`mlplug server` / `mlflow
server`) and one client process each (mlplug's Python API / the real MLflow client in its venv, see
`_artifact_client.py`) time, for one large file (1 GiB by default) and for 10,000 small files of
1-4 KB in nested directories, upload and download both **direct** (the run's artifact location is the
destination itself, which the client writes) and **through the proxy** (`mlflow-artifacts:/`, the
server writes). The destination is a local directory, or with `--destination s3` a bucket in moto's S3
server (MLflow's venv then needs boto3), where the sizes default to 256 MiB and 2,000 files because
moto itself sets the pace. A file run takes about 5 minutes on 2 cores, an s3 run about 6.

Before each timed transfer the page cache's dirty data is written out (`sync`), so neither tool pays
for the other's writes, and after each case its uploads and downloads are deleted: on a virtual machine
page cache that lands on never-touched guest memory is several times slower to write than memory freed
a moment ago, so keeping every large case's output would hand the slow memory to whoever comes later
(the memory is primed once, untimed, before the first case). The disk of such a machine still moves
figures by a factor of five from run to run; `--workdir /dev/shm` runs everything in memory, which
leaves only what the tools themselves do. With `--repeat R` every case runs R times and
the median counts.

Prints throughput (MB/s, files/s), the server's peak resident memory during each case (the largest of
its processes, VmHWM) and how much it grew, and mlplug/MLflow ratios against the issue's targets:
proxy memory growth < 200 MiB for the large file, throughput >= MLflow's everywhere and >= 3x on the
small files. It prints figures and asserts nothing. Writes bench/results/artifacts-<dest>-<time>.json.
"""
from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterator

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _servers import MLFLOW_VENV, ROOT, require_mlflow, server_process  # noqa: E402

from mlplug.testing import emulators  # noqa: E402
from mlplug.testing.memory import MIB, descendants, peak_growth  # noqa: E402

CLIENT = Path(__file__).resolve().with_name("_artifact_client.py")
PYTHON = {"mlplug": sys.executable, "mlflow": str(MLFLOW_VENV / "bin" / "python")}
BUCKET = "bench-artifacts"
PROXY_MEMORY_TARGET_MIB = 200
SMALL_FILES_TARGET = 3.0  # times MLflow's throughput
DEFAULT_SIZES = {"file": (1024, 10_000), "s3": (256, 2_000)}  # (large file MiB, small files) by destination


@dataclass
class Figure:
    tool: str
    mode: str  # direct | proxy
    case: str  # large | small
    direction: str  # upload | download
    seconds: float
    files: int
    bytes: int
    server_peak_mib: float
    server_growth_mib: float
    error: str = ""

    @property
    def mb_per_s(self) -> float:
        return self.bytes / 1e6 / self.seconds if self.seconds else 0.0

    @property
    def files_per_s(self) -> float:
        return self.files / self.seconds if self.seconds else 0.0


# --- data ------------------------------------------------------------------------------------------
def make_large_file(path: Path, size_mib: int) -> int:
    block = os.urandom(MIB)
    with open(path, "wb") as f:
        for i in range(size_mib):
            f.write(block[i % 251:] + block[:i % 251])
    return size_mib * MIB


def make_small_tree(root: Path, count: int) -> int:
    """`count` files of 1-4 KB, 100 per directory, two directory levels deep; returns the total size."""
    rng, total = random.Random(20240601), 0
    for i in range(count):
        directory = root / f"group{i // 1000:02d}" / f"batch{i // 100 % 10}"
        directory.mkdir(parents=True, exist_ok=True)
        size = rng.randint(1024, 4096)
        (directory / f"file{i:05d}.bin").write_bytes(rng.randbytes(size))
        total += size
    return total


# --- the client process ----------------------------------------------------------------------------
class Client:
    """A running `_artifact_client.py` for one tool, one command at a time."""

    def __init__(self, tool: str, url: str, env: dict[str, str], log: Path):
        self._log = open(log, "w")
        self.proc = subprocess.Popen([PYTHON[tool], str(CLIENT), tool, url], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self._log, text=True, env=env)
        self.log_path = log
        self._answer()

    def call(self, **command) -> dict:
        self.proc.stdin.write(json.dumps(command) + "\n")
        self.proc.stdin.flush()
        return self._answer()

    def _answer(self) -> dict:
        for line in self.proc.stdout:
            if line.startswith("RESULT "):
                return json.loads(line[len("RESULT "):])
        raise RuntimeError(f"the client exited ({self.proc.wait()}); see {self.log_path}")

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=60)
        self._log.close()


@contextlib.contextmanager
def client(tool: str, url: str, env: dict[str, str], log: Path) -> Iterator[Client]:
    running = Client(tool, url, env, log)
    try:
        yield running
    finally:
        running.close()


# --- one session -----------------------------------------------------------------------------------
@dataclass
class Setup:
    """Where each tool's artifacts go, and the environment its server and client run with."""

    kind: str
    workdir: Path
    env: dict[str, str]
    emulator: emulators.Emulator | None = None

    def destination(self, tool: str, mode: str) -> str:
        if self.emulator is not None:
            return self.emulator.uri(BUCKET, f"{tool}-{mode}")
        path = self.workdir / f"{tool}-{mode}"
        path.mkdir(parents=True, exist_ok=True)
        return path.as_uri() if mode == "direct" else str(path)


def measure(server, run) -> tuple[dict, float, float]:
    """Run `run()` and return its answer, the server's peak RSS (MiB) during it and its growth."""
    os.sync()
    with peak_growth([server.pid, *descendants(server.pid)]) as growth:
        answer = run()
    return answer, growth.peak_mib, growth.mib


@dataclass
class Contender:
    """One tool's running server and client, with a warmed-up run per mode."""

    tool: str
    proc: subprocess.Popen
    client: Client
    workdir: Path
    runs: dict[str, str]  # mode -> run ID


@contextlib.contextmanager
def contender(tool: str, setup: Setup, workers: int, data: dict) -> Iterator[Contender]:
    workdir = setup.workdir / tool
    with server_process(tool, workdir, workers, destination=setup.destination(tool, "proxy"),
                        env=setup.env) as (url, proc), client(tool, url, setup.env, workdir / "client.log") as c:
        runs = {}
        for mode in ("direct", "proxy"):
            location = setup.destination(tool, "direct") if mode == "direct" else None
            run = c.call(op="run", experiment=f"bench-{mode}", artifact_location=location)
            if "error" in run:
                raise RuntimeError(f"{tool}: could not create a run: {run['error']}\n{run.get('traceback', '')}")
            # The first transfer imports the repository's modules and opens connections: not timed.
            for op in ({"op": "upload", "local": str(data["warm-up"]), "artifact_path": "warm-up"},
                       {"op": "download", "artifact_path": "warm-up", "dst": str(workdir / f"warm-up-{mode}")}):
                answer = c.call(run_id=run["run_id"], **op)
                if "error" in answer:
                    raise RuntimeError(f"{tool} {mode}: warm-up {op['op']} failed: {answer['error']}\n"
                                       f"{answer.get('traceback', '')}")
            runs[mode] = run["run_id"]
        yield Contender(tool, proc, c, workdir, runs)


def bench_case(who: Contender, mode: str, case: str, local: Path, files: int, size: int,
               attempt: int) -> list[Figure]:
    """Upload one case into a fresh artifact path, download it back; both timed."""
    run_id, path, c = who.runs[mode], f"{case}-{attempt}", who.client
    up, peak, grown = measure(who.proc, lambda: c.call(op="upload", run_id=run_id, local=str(local),
                                                       artifact_path=path))
    figures = [Figure(who.tool, mode, case, "upload", up.get("seconds", 0), files, size, peak, grown,
                      up.get("error", ""))]
    dst = who.workdir / f"download-{mode}-{path}"
    down, peak, grown = measure(who.proc, lambda: c.call(op="download", run_id=run_id, artifact_path=path,
                                                         dst=str(dst)))
    error = down.get("error", "")
    if not error and (down["files"], down["bytes"]) != (files, size):
        error = f"downloaded {down['files']} files, {down['bytes']} bytes; expected {files}, {size}"
    figures.append(Figure(who.tool, mode, case, "download", down.get("seconds", 0), files, size, peak, grown,
                          error))
    shutil.rmtree(dst, ignore_errors=True)
    if case == "large":  # small trees are a few MiB of memory, and deleting 10,000 files keeps ext4 busy
        discard_uploads(who, path)
    for figure in figures:
        outcome = f"failed: {figure.error}" if figure.error else (
            f"{_rate(figure).strip()}, server peak {figure.server_peak_mib:.0f} MiB")
        print(f"  {who.tool} {mode} {case} {figure.direction}: {outcome}", file=sys.stderr, flush=True)
    return figures


def discard_uploads(who: Contender, path: str) -> None:
    """Delete what a case uploaded to a local destination, so that its pages go back to the free memory
    the next case writes into. On a virtual machine, page cache that lands on guest memory never touched
    before costs a host page fault per page: 1 GiB copies run at ~300 MB/s there against ~2.5 GB/s into
    memory freed a moment ago, and which tool meets fresh memory would otherwise depend on who went first."""
    for root in (who.workdir.parent / f"{who.tool}-direct", who.workdir.parent / f"{who.tool}-proxy"):
        for hit in list(root.rglob(path)) if root.is_dir() else []:
            if hit.is_dir():
                shutil.rmtree(hit, ignore_errors=True)
            else:
                hit.unlink(missing_ok=True)


def prime_memory(workdir: Path, large: Path, copies: int = 3) -> None:
    """Copy the large file a few times and delete the copies, untimed: the memory the timed transfers use
    is then memory the VM has already backed (see `discard_uploads`)."""
    scratch = workdir / "prime"
    scratch.mkdir(exist_ok=True)
    for i in range(copies):
        shutil.copyfile(large, scratch / f"copy{i}")
    shutil.rmtree(scratch)
    os.sync()


def bench_all(tools: list[str], setup: Setup, workers: int, data: dict, repeat: int) -> list[Figure]:
    """Every case for every tool, the tools taking turns case by case (and swapping who goes first on
    each repetition), so a slow spell of the machine falls on both rather than on one."""
    figures: list[Figure] = []
    with contextlib.ExitStack() as stack:
        contenders = [stack.enter_context(contender(tool, setup, workers, data)) for tool in tools]
        prime_memory(setup.workdir, data["cases"]["large"][0])
        for mode, (case, (local, files, size)) in itertools.product(("direct", "proxy"), data["cases"].items()):
            for attempt in range(repeat):
                for who in contenders[::-1] if attempt % 2 else contenders:
                    figures += bench_case(who, mode, case, local, files, size, attempt)
    return figures


@contextlib.contextmanager
def session(kind: str, workdir: Path) -> Iterator[Setup]:
    if kind == "file":
        yield Setup(kind, workdir, dict(os.environ))
        return
    with emulators.moto_s3(workdir) as moto:
        moto.create_bucket(BUCKET)
        # MLflow reads its own name for the endpoint; mlplug reads MLPLUG_ first, then MLflow's.
        env = {**moto.environ(), "MLFLOW_S3_ENDPOINT_URL": moto.endpoint}
        yield Setup(kind, workdir, env, moto)


def require_boto3_for_mlflow() -> None:
    if subprocess.run([PYTHON["mlflow"], "-c", "import boto3"], capture_output=True).returncode != 0:
        sys.exit(f"--destination s3 needs boto3 in MLflow's venv: VIRTUAL_ENV={MLFLOW_VENV} uv pip install boto3")


# --- report ----------------------------------------------------------------------------------------
def _rate(figure: Figure) -> str:
    if figure.error:
        return "failed"
    if figure.case == "small":
        return f"{figure.files_per_s:8.0f} files/s"
    return f"{figure.mb_per_s:8.1f} MB/s"


def _speed(figure: Figure) -> float:
    return figure.files_per_s if figure.case == "small" else figure.mb_per_s


HEADER = f"{'case':<28}{'mlplug':>16}{'MLflow':>16}{'ratio':>8}   server peak RSS MiB (growth) mlplug / MLflow"


def _ratio(ours: Figure, theirs: Figure | None) -> float | None:
    if theirs is None or ours.error or theirs.error or not _speed(theirs):
        return None
    return _speed(ours) / _speed(theirs)


def _line(name: str, ours: Figure, theirs: Figure | None, ratio: float | None) -> str:
    memory = f"{ours.server_peak_mib:6.0f} (+{ours.server_growth_mib:.0f})"
    if theirs is not None:
        memory += f" / {theirs.server_peak_mib:6.0f} (+{theirs.server_growth_mib:.0f})"
    return (f"{name:<28}{_rate(ours):>16}{_rate(theirs) if theirs else '-':>16}"
            f"{f'{ratio:.2f}x' if ratio else '-':>8}   {memory}")


def _verdicts(name: str, ours: Figure, ratio: float | None) -> list[str]:
    verdicts = []
    if ratio is not None:
        need = SMALL_FILES_TARGET if ours.case == "small" else 1.0
        verdicts.append(f"{'ok  ' if ratio >= need else 'MISS'} {name}: {ratio:.2f}x MLflow (target >= {need:g}x)")
    if ours.mode == "proxy" and ours.case == "large":
        grown = ours.server_growth_mib
        verdicts.append(f"{'ok  ' if grown < PROXY_MEMORY_TARGET_MIB else 'MISS'} {name}: server grew {grown:.0f} MiB "
                        f"(target < {PROXY_MEMORY_TARGET_MIB} MiB)")
    return verdicts


def medians(figures: list[Figure]) -> dict[tuple[str, str, str, str], Figure]:
    """Per (tool, mode, case, direction), the repetition of median speed (a failed one counts slowest)."""
    runs: dict[tuple[str, str, str, str], list[Figure]] = {}
    for f in figures:
        runs.setdefault((f.tool, f.mode, f.case, f.direction), []).append(f)
    return {key: sorted(group, key=lambda f: 0.0 if f.error else _speed(f))[len(group) // 2]
            for key, group in runs.items()}


def report(figures: list[Figure], labels: dict[str, str]) -> list[str]:
    """The table (mlplug against MLflow, case by case, medians) and the targets met or missed."""
    by_key = medians(figures)
    lines, verdicts = [HEADER, "-" * len(HEADER)], []
    for mode, case, direction in itertools.product(("direct", "proxy"), labels, ("upload", "download")):
        ours = by_key.get(("mlplug", mode, case, direction))
        if ours is None:
            continue
        theirs = by_key.get(("mlflow", mode, case, direction))
        name, ratio = f"{mode} {labels[case]} {direction}", _ratio(ours, theirs)
        lines.append(_line(name, ours, theirs, ratio))
        verdicts += _verdicts(name, ours, ratio)
    return [*lines, "", "targets:", *verdicts]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--destination", choices=["file", "s3"], default="file")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--big-mib", type=int, help="size of the large file in MiB (default 1024; 256 with s3)")
    ap.add_argument("--small-files", type=int, help="number of small files (default 10000; 2000 with s3)")
    ap.add_argument("--tools", default="mlplug,mlflow", help="comma-separated: mlplug, mlflow")
    ap.add_argument("--workdir", help="where the data, destinations and downloads live (default: the system's "
                    "temporary directory); /dev/shm takes the disk out of the figures")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each case; the median counts (default 1)")
    args = ap.parse_args()
    # moto is one Python process that serves S3 at tens of MB/s and about a hundred requests a second
    # here: the full sizes would take 25 minutes, and the figures would be moto's.
    scaled = DEFAULT_SIZES[args.destination]
    args.big_mib = args.big_mib or scaled[0]
    args.small_files = args.small_files or scaled[1]
    tools = args.tools.split(",")
    if "mlflow" in tools:
        require_mlflow()
        if args.destination == "s3":
            require_boto3_for_mlflow()
    labels = {"large": f"{args.big_mib} MiB file", "small": f"{args.small_files} files"}
    started = time.perf_counter()
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="mlplug-bench-artifacts-", dir=args.workdir) as tmp:
        work = Path(tmp)
        print(f"writing {args.big_mib} MiB file and {args.small_files} small files ...", file=sys.stderr, flush=True)
        large, small = work / "data" / "large.bin", work / "data" / "small"
        small.mkdir(parents=True)
        warm_up = work / "data" / "warm-up.txt"
        warm_up.write_text("warm-up")
        data = {"warm-up": warm_up,
                "cases": {"large": (large, 1, make_large_file(large, args.big_mib)),
                          "small": (small, args.small_files, make_small_tree(small, args.small_files))}}
        with session(args.destination, work) as setup:
            print(f"benchmarking {', '.join(tools)} ({args.destination} destination, {args.workers} workers, "
                  f"{args.repeat} repetition(s)) ...", file=sys.stderr, flush=True)
            figures += bench_all(tools, setup, args.workers, data, args.repeat)
    lines = report(figures, labels)
    print(f"\nartifacts: {args.destination} destination, {args.workers} workers, "
          f"{time.perf_counter() - started:.0f} s in all\n")
    print("\n".join(lines))
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    out = results / f"artifacts-{args.destination}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps({"args": vars(args), "figures": [
        {**asdict(f), "mb_per_s": f.mb_per_s, "files_per_s": f.files_per_s} for f in figures]}, indent=2))
    print(f"\nwritten: {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
