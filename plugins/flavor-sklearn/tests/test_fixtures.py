"""Models saved by the real MLflow 3.17.2 (../shared/fixtures) load and predict the recorded values."""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import yaml
from mlplug.models import DataType, Model
from mlplug.pyfunc import load_model

FIXTURES = Path(__file__).resolve().parents[3].parent / "shared" / "fixtures"
EXPECTED = {
    "mlflow_sklearn_diabetes": [155.95407679377735, 141.8571306489549, 153.9644045829141],
    "mlflow_sklearn_iris_cloudpickle": [0, 0],
}


def _fixture(name: str) -> Path:
    path = FIXTURES / name
    if not path.is_dir():
        pytest.skip(f"{path} is missing (../shared beside the repository)")
    return path


def _serving_frame(path: Path):
    import pandas as pd

    split = json.loads((path / "serving_input_example.json").read_text())["dataframe_split"]
    return pd.DataFrame(split["data"], columns=split["columns"])


def _assert_close(got, want):
    assert len(got) == len(want)
    for g, w in zip(list(got), want):
        assert math.isclose(g, w, rel_tol=1e-9), (got, want)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_predicts_recorded_values(name):
    path = _fixture(name)
    model = load_model(str(path))
    frame = _serving_frame(path)
    _assert_close(model.predict(frame), EXPECTED[name])
    # The same rows as a dict of columns and as records take the array fast path: same answers.
    assert model.uses_fast_path
    _assert_close(model.predict({c: frame[c].tolist() for c in frame.columns}), EXPECTED[name])
    _assert_close(model.predict(frame.to_dict(orient="records")), EXPECTED[name])
    _assert_close(model.predict(frame.iloc[:1]), EXPECTED[name][:1])


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_metadata_reads_as_written(name):
    path = _fixture(name)
    model = load_model(str(path))
    meta = model.metadata
    assert model.model_path == str(path)
    assert meta.flavors["python_function"]["loader_module"] == "mlflow.sklearn"
    assert model.flavor_name == "sklearn"
    assert meta.signature.inputs.input_names() == list(_serving_frame(path).columns)
    assert set(meta.signature.inputs.input_types()) == {DataType.double}
    assert meta.model_size_bytes > 0 and meta.mlflow_version == "3.17.2"
    # Every key survives a round trip, byte for byte after YAML parsing.
    on_disk = yaml.safe_load((path / "MLmodel").read_text())
    assert Model.load(str(path)).to_dict() == on_disk
    assert yaml.safe_load(Model.load(str(path)).to_yaml()) == on_disk


def test_fixture_native_estimators_load():
    import mlplug_flavor_sklearn

    net = mlplug_flavor_sklearn.load_model(str(_fixture("mlflow_sklearn_diabetes")))
    assert type(net).__name__ == "ElasticNet" and net.alpha == 0.1
    logistic = mlplug_flavor_sklearn.load_model(str(_fixture("mlflow_sklearn_iris_cloudpickle")))
    assert type(logistic).__name__ == "LogisticRegression"


def test_fixture_missing_column_error_matches_mlflow():
    from mlplug.models.enforcement import SchemaEnforcementError

    path = _fixture("mlflow_sklearn_diabetes")
    with pytest.raises(SchemaEnforcementError) as caught:
        load_model(str(path)).predict(_serving_frame(path).drop(columns=["bmi"]))
    message = caught.value.message
    assert message.startswith("Failed to enforce schema of data '")
    assert "with schema '['age': double (required), 'sex': double (required)," in message
    assert message.endswith("Error: Model is missing inputs ['bmi'].")
