"""Write bench/ui.py's data set into a fresh MLflow 3.17.2 SQLite database. Runs in MLflow's own venv:

    /tmp/mlflow-client/bin/python bench/_ui_mlflow_db.py DB_PATH ARTIFACT_ROOT N_RUNS POINTS

MLflow's SqlAlchemyStore creates the schema and the experiment; the rows go in with SQLAlchemy Core
inserts into MLflow's own tables (its ORM models' tables), in batches, since logging 100,000 runs
through MLflow's API one by one would take hours. Prints the experiment id.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import sqlalchemy as sa  # noqa: E402
from mlflow.store.tracking.dbmodels import models  # noqa: E402
from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore  # noqa: E402

import _ui_data as data  # noqa: E402

BATCH = 5000


def main(db: str, artifact_root: str, n_runs: int, points: int) -> None:
    store = SqlAlchemyStore(f"sqlite:///{db}", artifact_root)
    experiment_id = store.create_experiment("bench-100k")
    runs, params, tags, metrics, latest = (t.__table__ for t in (
        models.SqlRun, models.SqlParam, models.SqlTag, models.SqlMetric, models.SqlLatestMetric))
    eid = int(experiment_id)

    def run_row(run_id: str, name: str, start: int) -> dict:
        return {"run_uuid": run_id, "name": name, "source_type": "LOCAL", "source_name": "", "entry_point_name": "",
                "user_id": "bench", "status": "FINISHED", "start_time": start, "end_time": start + 500,
                "source_version": "", "lifecycle_stage": "active",
                "artifact_uri": f"{artifact_root}/{eid}/{run_id}/artifacts", "experiment_id": eid}

    def metric(run_id: str, key: str, value: float, ts: int, step: int) -> dict:
        return {"run_uuid": run_id, "key": key, "value": value, "timestamp": ts, "step": step, "is_nan": False}

    with store.engine.begin() as conn:
        batch: dict[str, list] = {"runs": [], "params": [], "tags": [], "metrics": []}

        def flush() -> None:
            conn.execute(sa.insert(runs), batch["runs"])
            conn.execute(sa.insert(params), batch["params"])
            conn.execute(sa.insert(tags), batch["tags"])
            conn.execute(sa.insert(metrics), batch["metrics"])
            conn.execute(sa.insert(latest), batch["metrics"])
            for rows in batch.values():
                rows.clear()

        for row in data.run_rows(n_runs):
            rid = row["run_id"]
            batch["runs"].append(run_row(rid, row["name"], row["start_time"]))
            batch["params"] += [{"run_uuid": rid, "key": k, "value": v} for k, v in row["params"].items()]
            batch["tags"] += [{"run_uuid": rid, "key": k, "value": v} for k, v in row["tags"].items()]
            batch["metrics"] += [metric(rid, k, v, row["start_time"], 0) for k, v in row["metrics"].items()]
            if len(batch["runs"]) >= BATCH:
                flush()
        if batch["runs"]:
            flush()
        for spec in (data.long_run(n_runs, points), data.short_run(n_runs)):
            rid = spec["run_id"]
            conn.execute(sa.insert(runs), [run_row(rid, spec["name"], spec["start_time"])])
            conn.execute(sa.insert(tags), [{"run_uuid": rid, "key": "mlflow.runName", "value": spec["name"]}])
            chunk, last = [], None
            for step, ts, value in data.curve(spec["points"], spec["start_time"]):
                last = metric(rid, spec["key"], value, ts, step)
                chunk.append(last)
                if len(chunk) >= 50_000:
                    conn.execute(sa.insert(metrics), chunk)
                    chunk = []
            if chunk:
                conn.execute(sa.insert(metrics), chunk)
            conn.execute(sa.insert(latest), [last])
    print(experiment_id)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
