"""Fit an elastic-net model on scikit-learn's bundled diabetes data, one epoch at a time, and track it.

Run it as a project (`mlplug run examples/diabetes_project -P alpha=0.05`): `mlplug run` creates the
run and hands it to this script through MLFLOW_RUN_ID, so `mlplug.start_run()` continues that run.
Run directly (`python train.py`), it starts a run of its own.
"""
from __future__ import annotations

import argparse
import json
import math

import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.linear_model import SGDRegressor
from sklearn.metrics import mean_squared_error, r2_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

import mlplug


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--alpha", type=float, default=0.1)
    parser.add_argument("--l1-ratio", type=float, default=0.5)
    parser.add_argument("--epochs", type=float, default=20)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    data = load_diabetes()
    x_train, x_val, y_train, y_val = train_test_split(data.data, data.target, test_size=0.25, random_state=args.seed)
    scaler = StandardScaler().fit(x_train)
    x_train, x_val = scaler.transform(x_train), scaler.transform(x_val)
    model = SGDRegressor(penalty="elasticnet", alpha=args.alpha, l1_ratio=args.l1_ratio, random_state=args.seed)
    shuffle = np.random.default_rng(args.seed)

    with mlplug.start_run() as run:
        mlplug.log_params({"model": "SGDRegressor", "seed": args.seed, "n_train": len(y_train)})
        for epoch in range(int(args.epochs)):
            order = shuffle.permutation(len(y_train))
            model.partial_fit(x_train[order], y_train[order])
            predicted = model.predict(x_val)
            mlplug.log_metrics({"val_rmse": math.sqrt(mean_squared_error(y_val, predicted)),
                                "val_r2": r2_score(y_val, predicted)}, step=epoch)
        mlplug.log_dict({"intercept": float(model.intercept_[0]),
                         "coefficients": dict(zip(data.feature_names, map(float, model.coef_)))},
                        "model/coefficients.json")
    print(f"run {run.info.run_id}: val_rmse={math.sqrt(mean_squared_error(y_val, model.predict(x_val))):.2f}")
    print(json.dumps({"run_id": run.info.run_id}))


if __name__ == "__main__":
    main()
