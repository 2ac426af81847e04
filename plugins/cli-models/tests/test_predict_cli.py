"""`mlplug models predict` on the MLflow-saved fixtures: JSON and CSV input, files and standard streams."""
from __future__ import annotations

import json

import pandas as pd
import pytest

KEYS = ["diabetes", "iris"]


def _csv(serving_example, key: str) -> str:
    split = serving_example(key)["dataframe_split"]
    return pd.DataFrame(split["data"], columns=split["columns"]).to_csv(index=False)


@pytest.mark.parametrize("key", KEYS)
def test_json_file_to_stdout(cli_runner, models, expected, check_predictions, key):
    result = cli_runner.invoke(["models", "predict", "-m", str(models[key]), "--env-manager", "local",
                                "-i", str(models[key] / "serving_input_example.json")])
    assert result.exit_code == 0, result.stderr
    check_predictions(json.loads(result.stdout)["predictions"], expected[key])


@pytest.mark.parametrize("key", KEYS)
def test_csv_from_stdin_to_a_file(cli_runner, models, expected, check_predictions, serving_example, tmp_path, key):
    out = tmp_path / "predictions.json"
    result = cli_runner.invoke(["models", "predict", "-m", str(models[key]), "--env-manager", "local", "-t", "csv",
                                "-o", str(out)], input=_csv(serving_example, key))
    assert (result.exit_code, result.stdout) == (0, ""), result.stderr
    check_predictions(json.loads(out.read_text())["predictions"], expected[key])


@pytest.mark.parametrize("key", KEYS)
def test_json_and_csv_give_the_same_predictions(cli_runner, models, serving_example, tmp_path, key):
    csv = tmp_path / "input.csv"
    csv.write_text(_csv(serving_example, key))
    answers = []
    for content_type, path in (("json", models[key] / "serving_input_example.json"), ("csv", csv)):
        result = cli_runner.invoke(["models", "predict", "-m", str(models[key]), "--env-manager", "local",
                                    "-t", content_type, "-i", str(path)])
        assert result.exit_code == 0, result.stderr
        answers.append(json.loads(result.stdout))
    assert answers[0] == answers[1]


@pytest.mark.parametrize("args, input, message", [
    (["-i", "/nonexistent/input.json"], None, "Error: Cannot read the input file '/nonexistent/input.json'"),
    ([], "not json", "Error: Invalid input. Ensure that input is a valid JSON formatted string."),
    ([], '{"dataframe_records": [{"age": 1.0}]}', "Model is missing inputs ['sex', 'bmi'"),
    (["-t", "csv"], "age,sex\n\"1,2\n", "Error: Failed to parse input as a Pandas DataFrame."),
    (["-t", "xml"], "", "Error: Invalid value for '-t' / '--content-type'"),
])
def test_bad_input_is_one_error_line(cli_runner, models, args, input, message):
    result = cli_runner.invoke(["models", "predict", "-m", str(models["diabetes"]), "--env-manager", "local", *args],
                               input=input)
    assert result.exit_code == (2 if "Invalid value" in message else 1)  # usage errors: 2, as click
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and result.exception is None


def test_a_missing_model_is_one_error_line(cli_runner, tmp_path):
    result = cli_runner.invoke(["models", "predict", "-m", str(tmp_path / "nothing"), "--env-manager", "local"],
                               input="{}")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: Cannot load a model from") and len(result.stderr.splitlines()) == 1


def test_a_model_logged_to_a_run_is_found_by_its_runs_uri(cli_runner, tracking_uri, models, expected,
                                                          check_predictions):
    from mlplug.tracking.client import MlplugClient

    client = MlplugClient(tracking_uri)
    run = client.create_run(client.create_experiment("served"))
    client.log_artifacts(run.info.run_id, str(models["iris"]), "model")
    result = cli_runner.invoke(["models", "predict", "-m", f"runs:/{run.info.run_id}/model", "--env-manager", "local",
                                "-i", str(models["iris"] / "serving_input_example.json")])
    assert result.exit_code == 0, result.stderr
    check_predictions(json.loads(result.stdout)["predictions"], expected["iris"])
