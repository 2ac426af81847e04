"""Custom python_function models: artifacts, model_config, code_paths, predict forms, params, user loader
modules, logging, and custom models saved by the real MLflow."""
from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest
import yaml
from mlplug.errors import InvalidParameter
from mlplug.models import Model
from mlplug.pyfunc import load_model

import mlplug_flavor_pyfunc
from mlplug_flavor_pyfunc import PythonModel


class AddFromArtifact(PythonModel):
    def load_context(self, context):
        with open(context.artifacts["offset"], encoding="utf-8") as f:
            self.offset = float(f.read())
        self.lookup = sorted(p.name for p in __import__("pathlib").Path(context.artifacts["table"]).iterdir())
        self.scale = context.model_config.get("scale", 1.0)

    def predict(self, context, model_input, params=None):
        return (model_input["x"].to_numpy() + self.offset) * self.scale


class NoContext(PythonModel):
    def predict(self, model_input, params=None):
        return model_input["x"].to_numpy() * (params or {}).get("factor", 1.0)


class EchoParams(PythonModel):
    def predict(self, context, model_input, params=None):
        return [params]


def test_artifacts_and_model_config(tmp_path):
    (tmp_path / "offset.txt").write_text("2.5")
    (tmp_path / "table").mkdir()
    (tmp_path / "table" / "a.csv").write_text("1")
    model = AddFromArtifact()
    mlplug_flavor_pyfunc.save_model(tmp_path / "m", python_model=model, model_config={"scale": 2.0},
                                    artifacts={"offset": str(tmp_path / "offset.txt"), "table": str(tmp_path / "table")})
    conf = Model.load(str(tmp_path / "m")).flavors["python_function"]
    assert conf["loader_module"] == "mlflow.pyfunc.model" and conf["python_model"] == "python_model.pkl"
    assert conf["artifacts"] == {"offset": {"path": "artifacts/offset.txt", "uri": str(tmp_path / "offset.txt")},
                                 "table": {"path": "artifacts/table", "uri": str(tmp_path / "table")}}
    assert conf["config"] == {"scale": 2.0} and conf["streamable"] is False and conf["cloudpickle_version"]
    (tmp_path / "offset.txt").write_text("100")  # the model reads its own copy
    loaded = load_model(str(tmp_path / "m"))
    assert loaded.predict(pd.DataFrame({"x": [1.0, 2.0]})).tolist() == [7.0, 9.0]
    python_model = loaded.unwrap_python_model()
    assert isinstance(python_model, AddFromArtifact) and python_model.lookup == ["a.csv"]


def test_a_missing_artifact_is_refused(tmp_path):
    with pytest.raises(InvalidParameter, match="Artifact 'x'"):
        mlplug_flavor_pyfunc.save_model(tmp_path / "m", python_model=NoContext(), artifacts={"x": str(tmp_path / "no")})
    assert not (tmp_path / "m").exists()


def test_predict_without_context_and_params(tmp_path):
    mlplug_flavor_pyfunc.save_model(tmp_path / "m", python_model=NoContext(),
                                    input_example=(pd.DataFrame({"x": [1.0, 2.0]}), {"factor": 3.0}))
    model = load_model(str(tmp_path / "m"))
    assert model.metadata.signature.params.to_dict() == [{"name": "factor", "default": 3.0, "shape": None,
                                                          "type": "double"}]
    assert model.metadata.saved_input_example_info["params"] == "true"
    assert model.predict({"x": [1.0]}).tolist() == [3.0]  # the default
    assert model.predict({"x": [1.0]}, params={"factor": 4}).tolist() == [4.0]  # int accepted for double
    with pytest.raises(InvalidParameter, match="Invalid parameters found: 'factor'"):
        model.predict({"x": [1.0]}, params={"factor": "big"})


def test_params_ignored_without_a_params_schema(tmp_path):
    mlplug_flavor_pyfunc.save_model(tmp_path / "m", python_model=EchoParams(),
                                    input_example=pd.DataFrame({"x": [1.0]}))
    model = load_model(str(tmp_path / "m"))
    assert model.predict({"x": [1.0]}) == [None]
    assert model.predict({"x": [1.0]}, params={"k": 1}) == [{}]  # dropped, as MLflow does


def test_code_paths_make_the_models_module_importable(tmp_path, monkeypatch):
    source = tmp_path / "src"
    source.mkdir()
    (source / "my_custom_models.py").write_text(textwrap.dedent("""
        from mlplug_flavor_pyfunc import PythonModel

        class Triple(PythonModel):
            def predict(self, context, model_input, params=None):
                return model_input["x"].to_numpy() * 3
    """))
    monkeypatch.syspath_prepend(str(source))
    import my_custom_models

    mlplug_flavor_pyfunc.save_model(tmp_path / "m", python_model=my_custom_models.Triple(),
                                    code_paths=[str(source / "my_custom_models.py")])
    monkeypatch.delitem(sys.modules, "my_custom_models")
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p != str(source)])
    assert Model.load(str(tmp_path / "m")).flavors["python_function"]["code"] == "code"
    assert load_model(str(tmp_path / "m")).predict(pd.DataFrame({"x": [1.0]})).tolist() == [3.0]


def test_a_user_loader_module(tmp_path, monkeypatch):
    code = tmp_path / "loader_src"
    code.mkdir()
    (code / "my_loader.py").write_text(textwrap.dedent("""
        import os

        class _Model:
            def __init__(self, factor):
                self.factor = factor

            def predict(self, data):
                return data["x"].to_numpy() * self.factor

        def _load_pyfunc(path):
            with open(os.path.join(path, "factor.txt")) as f:
                return _Model(float(f.read()))
    """))
    (tmp_path / "weights").mkdir()
    (tmp_path / "weights" / "factor.txt").write_text("5")
    mlplug_flavor_pyfunc.save_model(tmp_path / "m", loader_module="my_loader", data_path=str(tmp_path / "weights"),
                                    code_paths=[str(code / "my_loader.py")])
    conf = Model.load(str(tmp_path / "m")).flavors["python_function"]
    assert conf["loader_module"] == "my_loader" and conf["data"] == "weights"
    model = load_model(str(tmp_path / "m"))
    assert model.flavor_name == "python_function"
    assert model.predict(pd.DataFrame({"x": [2.0]})).tolist() == [10.0]
    monkeypatch.delitem(sys.modules, "my_loader")


def test_python_model_and_loader_module_together_are_refused(tmp_path):
    with pytest.raises(InvalidParameter, match="not both"):
        mlplug_flavor_pyfunc.save_model(tmp_path / "m", python_model=NoContext(), loader_module="x")


def test_public_names_through_mlplug_pyfunc(tracking_uri):
    import mlplug
    import mlplug.pyfunc

    assert mlplug.pyfunc.PythonModel is PythonModel
    with mlplug.start_run() as run:
        info = mlplug.pyfunc.log_model(name="custom", python_model=NoContext(),
                                       input_example=pd.DataFrame({"x": [1.0]}))
    assert info.model_uri == f"runs:/{run.info.run_id}/custom"
    assert mlplug.pyfunc.load_model(info.model_uri).predict({"x": [2.0]}).tolist() == [2.0]
    requirements = open(mlplug.pyfunc.get_model_dependencies(info.model_uri)).read().splitlines()
    assert requirements[0] == "mlflow==3.17.2" and any(r.startswith("cloudpickle==") for r in requirements)


# Runs in the real MLflow's venv: a custom model whose class lives in __main__ (so cloudpickle stores it
# by value, referring to mlflow.pyfunc.model.PythonModel by name), saved with an artifact.
MLFLOW_SAVES = textwrap.dedent("""
    import sys, warnings
    warnings.filterwarnings("ignore")
    import mlflow, pandas as pd

    class Shift(mlflow.pyfunc.PythonModel):
        def load_context(self, context):
            self.shift = float(open(context.artifacts["shift"]).read())

        def predict(self, context, model_input, params=None):
            return model_input["x"] + self.shift + (params or {}).get("extra", 0.0)

    target, shift_file = sys.argv[1:3]
    mlflow.pyfunc.save_model(target, python_model=Shift(), artifacts={"shift": shift_file},
                             input_example=(pd.DataFrame({"x": [1.0]}), {"extra": 0.0}))
""")


def test_a_custom_model_saved_by_mlflow_loads_here(mlflow_python, tmp_path):
    (tmp_path / "shift.txt").write_text("10")
    (tmp_path / "save.py").write_text(MLFLOW_SAVES)
    done = subprocess.run([mlflow_python, str(tmp_path / "save.py"), str(tmp_path / "m"), str(tmp_path / "shift.txt")],
                          capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr[-3000:]
    assert yaml.safe_load((tmp_path / "m" / "MLmodel").read_text())["flavors"]["python_function"]["loader_module"] \
        == "mlflow.pyfunc.model"
    model = load_model(str(tmp_path / "m"))
    assert model.predict(pd.DataFrame({"x": [1.0, 2.0]})).tolist() == [11.0, 12.0]
    assert model.predict({"x": [1.0]}, params={"extra": 0.5}).tolist() == [11.5]
    assert np.isclose(model.predict([{"x": 0.25}])[0], 10.25)
