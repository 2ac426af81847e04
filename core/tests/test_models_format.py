"""The MLmodel format in the kernel: schemas and signatures as MLflow's JSON, inference from data, the
MLmodel file, environment files, input examples, and which flavour a loader_module selects."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import yaml

from mlplug.errors import InvalidParameter, PluginError
from mlplug.models import (ColSpec, DataType, Model, ModelSignature, ParamSchema, ParamSpec, Schema, TensorSpec,
                           infer_signature)
from mlplug.models import environment
from mlplug.models.flavors import distribution_for, flavor_name_for_loader, get_flavor
from mlplug.models.input_example import Example, load_input_example
from mlplug.models.schema import CompositeType


# --- schemas and signatures -----------------------------------------------------------------------

def test_signature_json_is_mlflows():
    signature = ModelSignature(
        Schema([ColSpec("double", "a"), ColSpec("long", "b", required=False)]),
        Schema([TensorSpec("int64", (-1,))]),
        ParamSchema([ParamSpec("alpha", "double", 0.5), ParamSpec("tags", "string", ["x"], (-1,))]))
    assert signature.to_dict() == {
        "inputs": '[{"type": "double", "name": "a", "required": true}, '
                  '{"type": "long", "name": "b", "required": false}]',
        "outputs": '[{"type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1]}}]',
        "params": '[{"name": "alpha", "default": 0.5, "shape": null, "type": "double"}, '
                  '{"name": "tags", "default": ["x"], "shape": [-1], "type": "string"}]'}
    assert ModelSignature.from_dict(signature.to_dict()) == signature


def test_composite_and_named_tensor_specs_round_trip():
    inputs = ('[{"type": "array", "items": {"type": "double"}, "name": "a", "required": true}, '
              '{"type": "object", "properties": {"x": {"type": "long", "required": true}}, "name": "o", '
              '"required": false}, {"type": "map", "values": {"type": "string"}, "name": "m", "required": true}]')
    schema = Schema.from_json(inputs)
    assert isinstance(schema.inputs[0].type, CompositeType) and schema.inputs[0].type.name == "array"
    assert json.loads(schema.to_json()) == json.loads(inputs)
    tensors = '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 28, 28]}, "name": "img"}]'
    assert Schema.from_json(tensors).to_json() == tensors


@pytest.mark.parametrize("bad, message", [
    ([ColSpec("double", "a"), TensorSpec("float32", (-1,))], "not both"),
    ([ColSpec("double", "a"), ColSpec("double")], "all named or all unnamed"),
    ([ColSpec("double", "a"), ColSpec("long", "a")], "Duplicate names"),
])
def test_invalid_schemas_are_refused(bad, message):
    with pytest.raises(InvalidParameter, match=message):
        Schema(bad)


def test_unknown_types_and_param_shapes_are_refused():
    with pytest.raises(InvalidParameter, match="Unsupported type 'decimal'"):
        ColSpec("decimal", "a")
    with pytest.raises(InvalidParameter, match="shape must be null or"):
        ParamSpec("k", "long", [1], (2,))
    with pytest.raises(InvalidParameter, match="must be a JSON list"):
        Schema.from_json('{"type": "double"}')


# --- inference ------------------------------------------------------------------------------------

def test_infer_from_a_dataframe():
    frame = pd.DataFrame({
        "f64": [1.5, np.nan], "f32": np.array([1, 2], dtype=np.float32), "i64": [1, 2],
        "i32": np.array([1, 2], dtype=np.int32), "flag": [True, False], "text": ["a", "b"],
        "maybe": ["a", None], "when": pd.to_datetime(["2024-01-01", "2024-01-02"]), "raw": [b"x", b"y"]})
    specs = infer_signature(frame).inputs.to_dict()
    assert specs == [
        {"type": "double", "name": "f64", "required": True}, {"type": "float", "name": "f32", "required": True},
        {"type": "long", "name": "i64", "required": True}, {"type": "integer", "name": "i32", "required": True},
        {"type": "boolean", "name": "flag", "required": True}, {"type": "string", "name": "text", "required": True},
        {"type": "string", "name": "maybe", "required": False},
        {"type": "datetime", "name": "when", "required": True}, {"type": "binary", "name": "raw", "required": True}]


def test_infer_tensors_records_scalars_and_params():
    assert infer_signature(np.zeros((3, 28, 28), dtype=np.float32)).inputs.to_dict() == [
        {"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 28, 28]}}]
    assert infer_signature({"a": np.zeros(2), "b": np.zeros((2, 3), dtype=np.int64)}).inputs.to_dict() == [
        {"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1]}, "name": "a"},
        {"type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1, 3]}, "name": "b"}]
    assert infer_signature([{"a": 1.0, "b": 2}]).inputs == infer_signature({"a": 1.0, "b": 2}).inputs == Schema(
        [ColSpec("double", "a"), ColSpec("long", "b")])
    assert infer_signature(["x", "y"]).inputs == Schema([ColSpec("string")])
    assert infer_signature(pd.Series([1.0], name="s")).inputs == Schema([ColSpec("double", "s")])
    params = infer_signature(params={"k": 3, "alpha": 0.5, "on": True, "names": ["a", "b"]}).params
    assert params.to_dict() == [
        {"name": "k", "default": 3, "shape": None, "type": "long"},
        {"name": "alpha", "default": 0.5, "shape": None, "type": "double"},
        {"name": "on", "default": True, "shape": None, "type": "boolean"},
        {"name": "names", "default": ["a", "b"], "shape": [-1], "type": "string"}]


@pytest.mark.parametrize("data, message", [
    (pd.DataFrame({"mixed": [1, "a"]}), "found long, string"),
    (np.array([object(), object()]), "object arrays"),
    ({1, 2}, "Cannot infer a schema from set"),
])
def test_uninferable_data_says_why(data, message):
    with pytest.raises(InvalidParameter, match=message):
        infer_signature(data)


# --- the MLmodel file -----------------------------------------------------------------------------

def test_new_model_writes_mlflows_fields(tmp_path):
    model = Model().add_flavor("python_function", loader_module="mlflow.sklearn")
    model.signature = ModelSignature(Schema([ColSpec("double", "a")]))
    model.save(str(tmp_path))
    text = (tmp_path / "MLmodel").read_text()
    data = yaml.safe_load(text)
    assert set(data) == {"flavors", "mlflow_version", "model_id", "model_uuid", "prompts", "signature",
                         "utc_time_created", "is_signature_from_type_hint", "type_hint_from_example"}
    assert data["model_id"] is None and data["prompts"] is None and data["mlflow_version"] == "3.17.2"
    assert data["is_signature_from_type_hint"] is False and data["type_hint_from_example"] is False
    assert data["signature"] == {"inputs": '[{"type": "double", "name": "a", "required": true}]',
                                 "outputs": None, "params": None}
    assert list(data) == sorted(data) and text.index("flavors:") < text.index("mlflow_version:")


def test_unknown_keys_survive_and_absent_keys_stay_absent(tmp_path):
    (tmp_path / "MLmodel").write_text(yaml.safe_dump({
        "flavors": {"python_function": {"loader_module": "x"}}, "run_id": "r1", "artifact_path": "model",
        "future_key": {"nested": [1, 2]}, "metadata": {"owner": "me"}}))
    model = Model.load(str(tmp_path))
    assert model.run_id == "r1" and model.metadata == {"owner": "me"} and model.extra == {"future_key": {"nested": [1, 2]}}
    assert model.model_uuid is None and model.utc_time_created is None
    model.save(str(tmp_path))
    assert yaml.safe_load((tmp_path / "MLmodel").read_text()) == {
        "flavors": {"python_function": {"loader_module": "x"}}, "run_id": "r1", "artifact_path": "model",
        "future_key": {"nested": [1, 2]}, "metadata": {"owner": "me"}, "model_id": None, "prompts": None}


@pytest.mark.parametrize("content, message", [("flavors: [1, 2]\n", "must be a mapping"),
                                              ("- a\n- b\n", "must hold a mapping"),
                                              ("flavors: {a: [\n", "not valid YAML")])
def test_malformed_mlmodel_files_are_clear_errors(tmp_path, content, message):
    (tmp_path / "MLmodel").write_text(content)
    with pytest.raises(InvalidParameter, match=message):
        Model.load(str(tmp_path))


def test_a_directory_without_mlmodel():
    from mlplug.errors import NotFound

    with pytest.raises(NotFound, match="No MLmodel file"):
        Model.load("/nonexistent/model")


# --- environment files ----------------------------------------------------------------------------

def test_requirements_pin_installed_versions_mlflow_first():
    lines = environment.model_requirements(["pyyaml", "click"])
    assert lines == ["mlflow==3.17.2", environment.pinned("click"), environment.pinned("pyyaml")]
    assert all("==" in line for line in lines)


def test_requirements_overrides(tmp_path):
    assert environment.model_requirements(["click"], pip_requirements=["torch==2.0"]) == ["mlflow==3.17.2",
                                                                                          "torch==2.0"]
    assert environment.model_requirements(["click"], extra_pip_requirements=["extra>=1"])[-1] == "extra>=1"
    (tmp_path / "req.txt").write_text("# comment\nmlflow==3.0.0\nnumpy\n")
    assert environment.model_requirements([], pip_requirements=str(tmp_path / "req.txt")) == ["mlflow==3.0.0",
                                                                                              "numpy"]
    with pytest.raises(InvalidParameter, match="not both"):
        environment.model_requirements([], pip_requirements=["a"], extra_pip_requirements=["b"])
    with pytest.raises(InvalidParameter, match="does not exist"):
        environment.model_requirements([], pip_requirements=str(tmp_path / "none.txt"))


def test_environment_files_layout(tmp_path):
    environment.write_environment(str(tmp_path), ["mlflow==3.17.2", "numpy==2.0.0"])
    assert (tmp_path / "requirements.txt").read_text() == "mlflow==3.17.2\nnumpy==2.0.0\n"
    python_env = (tmp_path / "python_env.yaml").read_text()
    assert list(yaml.safe_load(python_env)) == ["python", "build_dependencies", "dependencies"]
    assert yaml.safe_load(python_env)["dependencies"] == ["-r requirements.txt"]
    conda = yaml.safe_load((tmp_path / "conda.yaml").read_text())
    assert conda["channels"] == ["conda-forge"] and conda["name"] == "mlflow-env"
    assert conda["dependencies"][0] == f"python={environment.python_version()}"
    assert conda["dependencies"][2] == {"pip": ["mlflow==3.17.2", "numpy==2.0.0"]}


# --- input examples (the shapes MLflow 3.17.2 writes) -----------------------------------------------

@pytest.mark.parametrize("example, kind, stored, serving", [
    (pd.DataFrame({"a": [1.5], "b": [2]}), "dataframe", {"columns": ["a", "b"], "data": [[1.5, 2]]},
     {"dataframe_split": {"columns": ["a", "b"], "data": [[1.5, 2]]}}),
    (np.array([[1.0, 2.0]]), "ndarray", [[1.0, 2.0]], {"inputs": [[1.0, 2.0]]}),
    ({"a": np.array([1.0]), "b": np.array([2])}, "ndarray", {"a": [1.0], "b": [2]}, {"inputs": {"a": [1.0], "b": [2]}}),
    ({"a": 1.0, "b": 2}, "json_object", {"a": 1.0, "b": 2}, {"inputs": {"a": 1.0, "b": 2}}),
    ([{"a": 1.0}], "json_object", [{"a": 1.0}], {"inputs": [{"a": 1.0}]}),
    ([1.0, 2.0], "json_object", [1.0, 2.0], {"inputs": [1.0, 2.0]}),
])
def test_input_example_files(tmp_path, example, kind, stored, serving):
    info = Example(example).save(str(tmp_path))
    assert info["type"] == kind and info["artifact_path"] == "input_example.json"
    assert ("pandas_orient" in info) == (kind == "dataframe")
    assert json.loads((tmp_path / "input_example.json").read_text()) == stored
    assert json.loads((tmp_path / "serving_input_example.json").read_text()) == serving
    assert (tmp_path / "serving_input_example.json").read_text() == json.dumps(serving, indent=2)
    loaded = load_input_example(str(tmp_path), info)
    if kind == "dataframe":
        pd.testing.assert_frame_equal(loaded, example)


def test_input_example_with_params(tmp_path):
    info = Example((pd.DataFrame({"a": [1.0]}), {"k": 3})).save(str(tmp_path))
    assert info["params"] == "true"
    assert json.loads((tmp_path / "input_example.json").read_text()) == {
        "inputs": {"columns": ["a"], "data": [[1.0]]}, "params": {"k": 3}}
    assert json.loads((tmp_path / "serving_input_example.json").read_text()) == {
        "dataframe_split": {"columns": ["a"], "data": [[1.0]]}, "params": {"k": 3}}
    pd.testing.assert_frame_equal(load_input_example(str(tmp_path), info), pd.DataFrame({"a": [1.0]}))


# --- flavour selection ----------------------------------------------------------------------------

@pytest.mark.parametrize("loader, flavor", [
    ("mlflow.sklearn", "sklearn"), ("mlflow.pyfunc.model", "python_function"), ("mlflow.xgboost", "xgboost"),
    ("mlflow.transformers", "transformers"), ("mlplug_flavor_sklearn", "sklearn"),
    ("mlplug_flavor_pyfunc.flavor", "python_function"), ("my_company.loader", "python_function"),
])
def test_loader_module_selects_the_flavour(loader, flavor):
    assert flavor_name_for_loader(loader) == flavor


def test_a_missing_flavour_names_the_distribution(plugin_host):
    assert distribution_for("sklearn") == "mlplug-flavor-sklearn"
    assert distribution_for("python_function") == "mlplug-flavor-pyfunc"
    with pytest.raises(PluginError, match="flavour 'lightgbm' .*pip install mlplug-flavor-lightgbm"):
        get_flavor("lightgbm", "mlflow.lightgbm")


def test_importing_the_model_api_imports_nothing_heavy():
    code = ("import sys, mlplug, mlplug.models, mlplug.pyfunc, mlplug.models.enforcement, mlplug.models.saving;"
            "print(sorted(m for m in ('numpy', 'pandas', 'yaml', 'sklearn') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
