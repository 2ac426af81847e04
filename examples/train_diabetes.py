"""Train a linear model on scikit-learn's bundled diabetes data and track it with mlplug.

    python examples/train_diabetes.py [--epochs 30] [--learning-rate 0.01] [--alpha 0.0001]

The tracking URI comes from MLPLUG_TRACKING_URI (or MLFLOW_TRACKING_URI), e.g. http://127.0.0.1:5000
for a running `mlplug server`; without one, runs go to ./mlplug.db. The script logs its parameters, the
training and validation error after every epoch (step = epoch), a tag, the learned coefficients as JSON
and the validation predictions as CSV, then prints the run's id.
"""
from __future__ import annotations

import argparse
import csv
import math
import os
import tempfile

import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.linear_model import SGDRegressor
from sklearn.metrics import mean_squared_error, r2_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

import mlplug


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--learning-rate", type=float, default=0.01, help="SGD's initial learning rate (eta0)")
    parser.add_argument("--alpha", type=float, default=1e-4, help="L2 regularisation strength")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--experiment-name", default="diabetes")
    parser.add_argument("--run-name", default=None)
    return parser.parse_args()


def rmse(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return math.sqrt(mean_squared_error(y_true, y_pred))


def write_predictions(path: str, y_true: np.ndarray, y_pred: np.ndarray) -> None:
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["actual", "predicted"])
        writer.writerows((f"{a:.6g}", f"{p:.6g}") for a, p in zip(y_true, y_pred))


def main() -> str:
    args = parse_args()
    data = load_diabetes()
    x_train, x_val, y_train, y_val = train_test_split(data.data, data.target, test_size=0.25,
                                                      random_state=args.seed)
    scaler = StandardScaler().fit(x_train)
    x_train, x_val = scaler.transform(x_train), scaler.transform(x_val)
    model = SGDRegressor(learning_rate="invscaling", eta0=args.learning_rate, alpha=args.alpha,
                         random_state=args.seed)

    mlplug.set_experiment(args.experiment_name)
    with mlplug.start_run(run_name=args.run_name) as run:
        mlplug.log_params({"model": "SGDRegressor", "epochs": args.epochs, "learning_rate": args.learning_rate,
                           "alpha": args.alpha, "seed": args.seed, "n_train": len(y_train), "n_val": len(y_val)})
        mlplug.set_tag("dataset", "sklearn.datasets.load_diabetes")
        shuffle = np.random.default_rng(args.seed)
        for epoch in range(args.epochs):
            order = shuffle.permutation(len(y_train))
            model.partial_fit(x_train[order], y_train[order])
            mlplug.log_metrics({"train_rmse": rmse(y_train, model.predict(x_train)),
                                "val_rmse": rmse(y_val, model.predict(x_val)),
                                "val_r2": r2_score(y_val, model.predict(x_val))}, step=epoch)

        mlplug.log_dict({"intercept": float(model.intercept_[0]),
                         "coefficients": dict(zip(data.feature_names, map(float, model.coef_)))},
                        "model/coefficients.json")
        with tempfile.TemporaryDirectory() as tmp:
            predictions = os.path.join(tmp, "predictions.csv")
            write_predictions(predictions, y_val, model.predict(x_val))
            mlplug.log_artifact(predictions, "evaluation")
    print(f"Run {run.info.run_id} in experiment {run.info.experiment_id}: "
          f"val_rmse={rmse(y_val, model.predict(x_val)):.2f}")
    return run.info.run_id


if __name__ == "__main__":
    main()
