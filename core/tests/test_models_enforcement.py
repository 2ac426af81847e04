"""Signature enforcement at predict time, checked against what MLflow 3.17.2 does with the same input
(each accepted/refused case below was observed with the real MLflow's pyfunc)."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from mlplug.errors import InvalidParameter
from mlplug.models import ColSpec, ParamSchema, ParamSpec, Schema, TensorSpec
from mlplug.models.enforcement import InputEnforcer, ParamsEnforcer, SchemaEnforcementError, describe_schema

SCHEMA = Schema([ColSpec("double", "a"), ColSpec("long", "b"), ColSpec("float", "c"), ColSpec("integer", "d"),
                 ColSpec("string", "e", required=False)])
ROW = {"a": [1.5], "b": [2], "c": np.array([1.25], dtype=np.float32), "d": np.array([3], dtype=np.int32)}


def enforce(**changes):
    return InputEnforcer(SCHEMA)(pd.DataFrame({**ROW, **changes}))


@pytest.mark.parametrize("column, values, dtype", [
    ("a", [1], "float64"),                                   # int -> double
    ("a", np.array([1.5], dtype=np.float32), "float64"),     # float32 -> double
    ("b", np.array([2], dtype=np.int32), "int64"),           # int32 -> long
    ("c", [1], "float32"),                                   # int64 -> float (MLflow allows it)
    ("a", [np.nan], "float64"),                              # NaN is a double
])
def test_safe_conversions_are_made(column, values, dtype):
    out = enforce(**{column: values})
    assert list(out.columns) == ["a", "b", "c", "d"] and str(out[column].dtype) == dtype


@pytest.mark.parametrize("column, values, reason", [
    ("b", [2.0], "column b. Can not safely convert float64 to int64."),
    ("c", [0.1], "column c. Can not safely convert float64 to float32."),
    ("d", [3], "column d. Can not safely convert int64 to int32."),
    ("a", [True], "column a. Can not safely convert bool to float64."),
    ("a", ["1.5"], "column a. Can not safely convert "),
    ("b", [None], "column b. Can not safely convert object to int64."),
    ("e", [5], "column e. Can not safely convert int64 to object."),
])
def test_unsafe_conversions_are_refused(column, values, reason):
    with pytest.raises(SchemaEnforcementError) as caught:
        enforce(**{column: values})
    assert caught.value.error_code == "INVALID_PARAMETER_VALUE" and caught.value.http_status == 400
    assert caught.value.error_class == "SCHEMA_ENFORCEMENT_FAILED"
    assert f"Error: Incompatible input types for {reason}" in caught.value.message


def test_missing_and_extra_columns():
    enforcer = InputEnforcer(SCHEMA)
    with pytest.raises(SchemaEnforcementError, match=r"Error: Model is missing inputs \['b'\]\.$"):
        enforcer({k: v for k, v in ROW.items() if k != "b"})
    with pytest.raises(SchemaEnforcementError,
                       match=r"missing inputs \['b'\]\. Note that there were extra inputs: \['zz'\]\.$"):
        enforcer({**{k: v for k, v in ROW.items() if k != "b"}, "zz": [1]})
    assert list(enforcer({**ROW, "zz": [1]}).columns) == ["a", "b", "c", "d"]  # extras dropped
    assert list(enforcer({**ROW, "e": ["s"]}).columns) == ["a", "b", "c", "d", "e"]  # optional kept when given


def test_inputs_without_names_miss_every_named_column():
    with pytest.raises(SchemaEnforcementError, match=r"missing inputs \['a', 'b', 'c', 'd'\]\. Note that there "
                                                     r"were extra inputs: \[0, 1, 2, 3\]"):
        InputEnforcer(SCHEMA)(np.array([[1.5, 2, 1.25, 3]]))


def test_accepted_input_forms_agree():
    enforcer = InputEnforcer(SCHEMA)
    want = enforcer(pd.DataFrame(ROW))
    scalars = {k: v[0] for k, v in ROW.items()}
    for data in (ROW, scalars, [scalars]):
        pd.testing.assert_frame_equal(enforcer(data), want)


def test_error_message_shows_data_and_schema_like_mlflow():
    with pytest.raises(SchemaEnforcementError) as caught:
        InputEnforcer(Schema([ColSpec("double", "a"), ColSpec("long", "b")]))({"a": [1.0]})
    assert caught.value.message == ("Failed to enforce schema of data '{'a': [1.0]}' with schema "
                                    "'['a': double (required), 'b': long (required)]'. "
                                    "Error: Model is missing inputs ['b'].")
    assert describe_schema(Schema([TensorSpec("float32", (-1, 2))])) == "[Tensor('float32', (-1, 2))]"
    assert describe_schema(Schema([ColSpec("double"), ColSpec("long")])) == "[double (required), long (required)]"


def test_unnamed_columns_match_by_position():
    enforcer = InputEnforcer(Schema([ColSpec("double"), ColSpec("long")]))
    out = enforcer(pd.DataFrame({"p": [1.0], "q": [2]}))
    assert list(out.columns) == ["p", "q"]
    assert enforcer([[1.0, 2]]).values.tolist() == [[1.0, 2.0]]
    with pytest.raises(SchemaEnforcementError, match="column 1. Can not safely convert float64 to int64"):
        enforcer(np.array([[1.0, 2.0]]))


def test_other_types():
    enforcer = InputEnforcer(Schema([ColSpec("datetime", "t"), ColSpec("boolean", "f"), ColSpec("binary", "by"),
                                     ColSpec("string", "s")]))
    ok = {"t": [pd.Timestamp("2024-01-01")], "f": [True], "by": [b"x"], "s": ["text"]}
    assert enforcer(ok).shape == (1, 4)
    assert enforcer({**ok, "t": [dt.datetime(2024, 1, 1)]})["t"].dtype.kind == "M"
    with pytest.raises(SchemaEnforcementError, match="column t. Can not safely convert"):
        enforcer({**ok, "t": ["2024-01-01"]})
    with pytest.raises(SchemaEnforcementError, match="column f. Can not safely convert int64 to bool"):
        enforcer({**ok, "f": [1]})


def test_tensors_need_the_exact_dtype_and_compatible_shape():
    enforcer = InputEnforcer(Schema([TensorSpec("float32", (-1, 2))]))
    ok = np.array([[1, 2]], dtype=np.float32)
    assert enforcer(ok) is ok
    for bad, message in [(ok.astype(np.float64), "dtype of input float64 does not match expected dtype float32"),
                         (ok.astype(np.int8), "dtype of input int8 does not match"),
                         (np.zeros((1, 3), dtype=np.float32), r"Shape of input \(1, 3\) does not match expected "
                                                               r"shape \(-1, 2\)"),
                         ([[1.0, 2.0]], "takes a numpy array")]:
        with pytest.raises(SchemaEnforcementError, match=message):
            enforcer(bad)
    named = InputEnforcer(Schema([TensorSpec("int64", (-1,), "ids"), TensorSpec("float64", (-1, 2), "x")]))
    out = named({"ids": [1, 2], "x": np.zeros((2, 2)), "extra": 1})
    assert sorted(out) == ["ids", "x"] and out["ids"].dtype == np.int64
    with pytest.raises(SchemaEnforcementError, match=r"missing inputs \['x'\]"):
        named({"ids": [1]})


def test_no_signature_passes_data_through():
    data = object()
    assert InputEnforcer(None)(data) is data and InputEnforcer(None).matrix_columns is None


# --- the fast path ----------------------------------------------------------------------------------

NUMERIC = Schema([ColSpec("double", "a"), ColSpec("long", "b")])


def test_matrix_from_each_input_form():
    enforcer = InputEnforcer(NUMERIC)
    assert enforcer.matrix_columns == ["a", "b"]
    want = np.array([[1.5, 2.0]])
    for data in ({"a": [1.5], "b": [2]}, {"a": 1.5, "b": 2}, [{"a": 1.5, "b": 2}], pd.DataFrame({"a": [1.5], "b": [2]}),
                 {"b": [2], "a": [1.5], "extra": ["x"]}):
        got = enforcer.matrix(data)
        assert got.dtype == np.float64 and got.tolist() == want.tolist()
    assert InputEnforcer(Schema([ColSpec("long", "a"), ColSpec("long", "b")])).matrix({"a": [1], "b": [2]}).dtype \
        == np.int64


def test_matrix_defers_to_the_general_path_and_refuses_what_it_refuses():
    enforcer = InputEnforcer(NUMERIC)
    assert enforcer.matrix({"a": [1.5]}) is None  # missing column: the general path names it
    assert enforcer.matrix({"a": [1.5, 2.5], "b": [1]}) is None  # ragged
    assert enforcer.matrix(np.array([[1.5, 2]])) is None
    with pytest.raises(SchemaEnforcementError, match="column b. Can not safely convert float64 to int64"):
        enforcer.matrix({"a": [1.5], "b": [2.5]})
    assert InputEnforcer(Schema([ColSpec("double", "a"), ColSpec("string", "s")])).matrix_columns is None
    assert InputEnforcer(Schema([ColSpec("double", "a"), ColSpec("long", "b", required=False)])).matrix_columns is None


# --- params -------------------------------------------------------------------------------------------

PARAMS = ParamSchema([ParamSpec("alpha", "double", 0.5), ParamSpec("k", "long", 3),
                      ParamSpec("tags", "string", ["x"], (-1,))])


def test_params_defaults_conversion_and_unknown_keys():
    enforcer = ParamsEnforcer(PARAMS)
    assert enforcer(None) == {"alpha": 0.5, "k": 3, "tags": ["x"]}
    assert enforcer({"alpha": 1, "k": 5}) == {"alpha": 1.0, "k": 5, "tags": ["x"]}
    assert enforcer({"tags": ["a", "b"], "unknown": 1}) == {"alpha": 0.5, "k": 3, "tags": ["a", "b"]}
    assert ParamsEnforcer(None)(None) is None and ParamsEnforcer(None)({"x": 1}) == {}


@pytest.mark.parametrize("params, message", [
    ({"k": "abc"}, "'k': cannot safely convert str value 'abc' to long"),
    ({"k": 2.5}, "'k': cannot safely convert float value 2.5 to long"),
    ({"alpha": "0.7"}, "'alpha': cannot safely convert str"),
    ({"tags": "a"}, "'tags': expected a 1-D list of string"),
    ({"alpha": True}, "'alpha': cannot safely convert bool"),
])
def test_bad_params_are_refused(params, message):
    with pytest.raises(InvalidParameter, match=f"Invalid parameters found: {message}"):
        ParamsEnforcer(PARAMS)(params)
