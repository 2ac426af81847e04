"""Score a CSV of `actual,predicted` rows (the `path` parameter) and log RMSE and R² to the run."""
from __future__ import annotations

import csv
import math
import sys

import mlplug


def main(path: str) -> None:
    with open(path, newline="") as f:
        rows = [(float(r["actual"]), float(r["predicted"])) for r in csv.DictReader(f)]
    mean = sum(a for a, _ in rows) / len(rows)
    squared = sum((a - p) ** 2 for a, p in rows)
    with mlplug.start_run():
        mlplug.log_metrics({"rmse": math.sqrt(squared / len(rows)),
                            "r2": 1 - squared / sum((a - mean) ** 2 for a, _ in rows)})
    print(f"scored {len(rows)} rows from {path}")


if __name__ == "__main__":
    main(sys.argv[1])
