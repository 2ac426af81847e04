"""Request bodies into model inputs (`payload`) and predictions into JSON (`predictions`), unit by unit."""
from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from mlplug.errors import MlplugError
from mlplug.models.schema import ColSpec, Schema, TensorSpec
from mlplug_cli_models import predictions
from mlplug_cli_models.payload import Columns, InputParser, decode_json


@pytest.fixture(scope="module")
def diabetes_model(models):
    from mlplug.pyfunc import load_model

    return load_model(str(models["diabetes"]))


def parser_for(schema: Schema | None, fast: bool = False) -> InputParser:
    """A parser for a model with this signature (the parser reads only these two attributes)."""
    return InputParser(SimpleNamespace(input_schema=schema, uses_fast_path=fast))


def test_split_is_a_dataframe_unless_the_model_takes_the_fast_path(diabetes_model, serving_example):
    body = json.dumps(serving_example("diabetes"))
    assert diabetes_model.uses_fast_path
    fast, _ = InputParser(diabetes_model).parse_json(body)
    assert type(fast) is Columns and list(fast) == serving_example("diabetes")["dataframe_split"]["columns"]
    slow, _ = parser_for(None).parse_json(body)
    assert isinstance(slow, pd.DataFrame) and slow.shape == (3, 10)
    assert diabetes_model.predict(fast).tolist() == diabetes_model.predict(slow).tolist()
    assert InputParser.as_frame(fast).equals(slow)


def test_records_become_float64_columns_on_the_fast_path(diabetes_model, serving_example):
    split = serving_example("diabetes")["dataframe_split"]
    records = [dict(zip(split["columns"], row)) for row in split["data"]]
    fast, _ = InputParser(diabetes_model).parse_json(json.dumps({"dataframe_records": records}))
    assert type(fast) is Columns and all(v.dtype == np.float64 for v in fast.values())
    assert InputParser.as_frame(fast).equals(pd.DataFrame(records))
    assert InputParser.as_frame(pd.DataFrame(records)) is None
    assert diabetes_model.predict(fast).tolist() == diabetes_model.predict(pd.DataFrame(records)).tolist()


def test_split_with_an_index_keeps_it():
    frame, _ = parser_for(None, fast=True).parse_json(
        json.dumps({"dataframe_split": {"columns": ["a"], "index": [7, 8], "data": [[1], [2]]}}))
    assert list(frame.index) == [7, 8]


def test_params_come_back_separately():
    data, params = parser_for(None).parse_json(json.dumps({"inputs": [1, 2], "params": {"k": 3}}))
    assert params == {"k": 3} and data.tolist() == [1, 2]


def test_instances_records_become_typed_column_arrays():
    schema = Schema([ColSpec("double", "a"), ColSpec("long", "b")])
    data, _ = parser_for(schema).parse_json(json.dumps({"instances": [{"a": 1, "b": 2}, {"a": 3, "b": 4}]}))
    assert data["a"].dtype == np.float64 and data["a"].tolist() == [1.0, 3.0]
    assert data["b"].dtype == np.int64 and data["b"].tolist() == [2, 4]


def test_inputs_for_a_one_column_signature_name_that_column():
    data, _ = parser_for(Schema([ColSpec("double", "x")])).parse_json(json.dumps({"inputs": [1, 2]}))
    assert list(data) == ["x"] and data["x"].dtype == np.float64


def test_inputs_for_a_tensor_signature_get_its_dtype():
    schema = Schema([TensorSpec("float32", (-1, 2))])
    data, _ = parser_for(schema).parse_json(json.dumps({"inputs": [[1, 2], [3, 4]]}))
    assert data.dtype == np.float32 and data.shape == (2, 2)


def test_inputs_that_do_not_fit_the_dtype_are_a_bad_request():
    with pytest.raises(MlplugError) as info:
        parser_for(Schema([TensorSpec("float32", (-1,))])).parse_json(json.dumps({"inputs": ["a", "b"]}))
    assert info.value.error_code == "BAD_REQUEST" and "float32" in info.value.message


def test_csv_columns_are_read_with_the_signature_types():
    frame = parser_for(Schema([ColSpec("double", "a"), ColSpec("string", "s")])).parse_csv(b"a,s,extra\n1,x,2\n")
    assert frame["a"].dtype == np.float64 and frame["extra"].dtype == np.int64


def test_json_with_nan_is_read_like_the_standard_library_reads_it():
    assert np.isnan(decode_json(b'{"inputs": [NaN]}')["inputs"][0])


# --- predictions -> JSON ---------------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    (np.array([1, 2]), {"predictions": [1, 2]}),
    (np.array([0.5, 1.25]), {"predictions": [0.5, 1.25]}),
    (np.array([[1.0, 2.0]], dtype=np.float32), {"predictions": [[1.0, 2.0]]}),
    (np.array([True, False]), {"predictions": [True, False]}),
    (pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}), {"predictions": [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}]}),
    (pd.Series([3, 4], name="label"), {"predictions": [{"label": 3}, {"label": 4}]}),
    ({"scores": np.array([0.1])}, {"predictions": {"scores": [0.1]}}),
    ([np.int64(1), "a"], {"predictions": [1, "a"]}),
    (np.array(["a", None], dtype=object), {"predictions": ["a", None]}),
])
def test_predictions_are_shaped_as_mlflow_shapes_them(value, expected):
    assert json.loads(predictions.encode(value)) == expected


def test_non_finite_predictions_are_written_as_mlflow_writes_them():
    assert predictions.encode(np.array([np.nan, np.inf])) == b'{"predictions":[NaN,Infinity]}'


def test_dates_are_iso_strings():
    out = json.loads(predictions.encode(pd.DataFrame({"d": pd.to_datetime(["2024-01-02"])})))
    assert out == {"predictions": [{"d": "2024-01-02T00:00:00"}]}
