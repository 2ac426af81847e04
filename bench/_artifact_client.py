"""One artifact client, the real MLflow client or mlplug's, driven over stdin by bench/artifacts.py.

Usage: PYTHON _artifact_client.py mlflow|mlplug TRACKING_URL

Reads one JSON command per line and answers each with one line `RESULT <json>` on stdout (anything
else a library prints is ignored by the caller):
  {"op": "run", "experiment": NAME, "artifact_location": URI or null}  -> {"run_id": ID}
  {"op": "upload", "run_id": ID, "local": PATH, "artifact_path": P}     -> {"seconds": S}
  {"op": "download", "run_id": ID, "artifact_path": P, "dst": DIR}      -> {"seconds": S, "files": N, "bytes": B}
Only the call itself is timed, not the import of the library. Standard library plus the client, so
it runs in MLflow's venv as well as in mlplug's.
"""
from __future__ import annotations

import json
import os
import sys
import time
import traceback


def _client(lib: str, url: str):
    if lib == "mlflow":
        from mlflow import MlflowClient

        return MlflowClient(url)
    from mlplug import MlplugClient

    return MlplugClient(url)


def _tree(path: str) -> tuple[int, int]:
    """(files, bytes) of a file or directory tree."""
    if os.path.isfile(path):
        return 1, os.path.getsize(path)
    files = size = 0
    for root, _dirs, names in os.walk(path):
        for name in names:
            files += 1
            size += os.path.getsize(os.path.join(root, name))
    return files, size


def _run(client, cmd: dict) -> dict:
    if cmd["op"] == "run":
        name = cmd["experiment"]
        experiment = client.get_experiment_by_name(name)
        experiment_id = experiment.experiment_id if experiment else client.create_experiment(
            name, artifact_location=cmd.get("artifact_location"))
        return {"run_id": client.create_run(experiment_id).info.run_id}
    start = time.perf_counter()
    if cmd["op"] == "upload":
        log = client.log_artifacts if os.path.isdir(cmd["local"]) else client.log_artifact
        log(cmd["run_id"], cmd["local"], cmd["artifact_path"])
        return {"seconds": time.perf_counter() - start}
    if cmd["op"] == "download":
        local = client.download_artifacts(cmd["run_id"], cmd["artifact_path"], cmd["dst"])
        seconds = time.perf_counter() - start
        files, size = _tree(local)
        return {"seconds": seconds, "files": files, "bytes": size}
    raise ValueError(f"unknown op {cmd['op']!r}")


def main() -> None:
    lib, url = sys.argv[1], sys.argv[2]
    client = _client(lib, url)
    print("RESULT " + json.dumps({"ready": lib}), flush=True)
    for line in sys.stdin:
        try:
            result = _run(client, json.loads(line))
        except Exception as err:  # reported to the bench, which prints it and goes on
            result = {"error": f"{type(err).__name__}: {err}", "traceback": traceback.format_exc()[-2000:]}
        print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
