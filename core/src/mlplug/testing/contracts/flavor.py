"""The Flavor contract as tests. Every model flavour passes them: the suite is the spec.

Subclass `FlavorContract` and provide three fixtures:

- `flavor`: the flavour object (what the `mlplug_flavor` hook returns);
- `model`: a native model the flavour saves (fitted, ready to predict);
- `example`: a pandas DataFrame the model predicts on, with at least one `double` column.

::

    from mlplug.testing.contracts.flavor import FlavorContract

    class TestMyFlavor(FlavorContract):
        @pytest.fixture
        def flavor(self):
            return MyFlavor()

        @pytest.fixture
        def model(self):
            return train_tiny_model()

        @pytest.fixture
        def example(self):
            return pandas.DataFrame({"x": [0.5, 1.5], "y": [2.0, 3.0]})

Optionally override `save_options` (extra keyword arguments for the flavour's `save_model`). The suite
saves through the kernel's shared steps (`mlplug.models.saving.save_model`), loads through
`mlplug.pyfunc.load_model` (so the flavour's entry point must be installed), and logs through
`mlplug.models.log.log_model` against a fresh SQLite tracking store (the `tracking_uri` fixture).
"""
from __future__ import annotations

import importlib
import json
import os
import re

import pytest

from mlplug.errors import InvalidParameter
from mlplug.models import environment
from mlplug.models.enforcement import SchemaEnforcementError
from mlplug.models.input_example import EXAMPLE_FILE, SERVING_EXAMPLE_FILE
from mlplug.models.mlmodel import MLFLOW_COMPAT_VERSION, PYFUNC, Model
from mlplug.models.saving import save_model

_ENV_FILES = (environment.REQUIREMENTS_FILE, environment.PYTHON_ENV_FILE, environment.CONDA_ENV_FILE)


class FlavorContract:
    @pytest.fixture
    def save_options(self) -> dict:
        return {}

    @pytest.fixture
    def saved(self, flavor, model, example, save_options, tmp_path) -> str:
        path = str(tmp_path / "model")
        save_model(flavor, model, path, input_example=example, **save_options)
        return path

    @pytest.fixture
    def loaded(self, saved):
        from mlplug.pyfunc import load_model

        return load_model(saved)

    @staticmethod
    def _double_column(example) -> str:
        columns = [c for c in example.columns if example[c].dtype.kind == "f"]
        assert columns, "the `example` fixture needs at least one float column"
        return columns[0]

    @staticmethod
    def _assert_same(got, want) -> None:
        import numpy as np

        got, want = np.asarray(got), np.asarray(want)
        assert got.shape == want.shape
        if got.dtype.kind == "f":
            np.testing.assert_allclose(got, want, rtol=1e-12)
        else:
            assert got.tolist() == want.tolist()

    # --- the plugin ------------------------------------------------------------------------------
    def test_hook_and_public_module(self, flavor):
        from mlplug.host import PluginHost
        from mlplug.models.flavors import flavor_name_for_loader

        assert flavor.name and flavor.loader_module and flavor.api_module
        assert isinstance(PluginHost().flavor(flavor.name), type(flavor))
        assert flavor_name_for_loader(flavor.loader_module) == flavor.name
        api = importlib.import_module(flavor.api_module)
        for function in ("save_model", "log_model", "load_model"):
            assert callable(getattr(api, function, None)), f"{flavor.api_module}.{function} is missing"

    # --- the MLmodel file and the files beside it -----------------------------------------------------
    def test_mlmodel_has_the_fields_mlflow_writes(self, flavor, saved):
        mlmodel = Model.load(saved)
        pyfunc = mlmodel.flavors[PYFUNC]
        assert pyfunc["loader_module"] == flavor.loader_module
        assert pyfunc["env"] == {"conda": "conda.yaml", "virtualenv": "python_env.yaml"}
        assert re.fullmatch(r"\d+\.\d+\.\d+", pyfunc["python_version"])
        assert flavor.name in mlmodel.flavors
        assert re.fullmatch(r"[0-9a-f]{32}", mlmodel.model_uuid)
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}", mlmodel.utc_time_created)
        assert mlmodel.mlflow_version == MLFLOW_COMPAT_VERSION
        assert mlmodel.signature is not None and mlmodel.signature.inputs is not None
        assert mlmodel.saved_input_example_info == {
            "artifact_path": EXAMPLE_FILE, "pandas_orient": "split", "serving_input_path": SERVING_EXAMPLE_FILE,
            "type": "dataframe"}
        with open(os.path.join(saved, "MLmodel"), encoding="utf-8") as f:
            text = f.read()
        assert "model_id: null" in text and "prompts: null" in text

    def test_model_size_counts_model_files_and_examples(self, saved):
        counted = 0
        for root, _dirs, files in os.walk(saved):
            counted += sum(os.path.getsize(os.path.join(root, f)) for f in files
                           if os.path.relpath(os.path.join(root, f), saved) not in _ENV_FILES + ("MLmodel",))
        assert Model.load(saved).model_size_bytes == counted > 0

    def test_environment_files_pin_what_the_flavour_needs(self, flavor, saved):
        import yaml

        requirements = environment.read_requirements(saved)
        assert requirements[0] == f"mlflow=={MLFLOW_COMPAT_VERSION}"
        names = {environment.requirement_name(r) for r in requirements}
        for package in flavor.pip_packages(Model.load(saved)):
            assert environment.requirement_name(package) in names
        for line in requirements[1:]:
            assert "==" in line, f"{line!r} is not pinned"
        with open(os.path.join(saved, environment.PYTHON_ENV_FILE), encoding="utf-8") as f:
            python_env = yaml.safe_load(f)
        assert python_env["python"] == environment.python_version()
        assert python_env["dependencies"] == ["-r requirements.txt"]
        with open(os.path.join(saved, environment.CONDA_ENV_FILE), encoding="utf-8") as f:
            conda = yaml.safe_load(f)
        assert conda["dependencies"][0] == f"python={environment.python_version()}"
        assert conda["dependencies"][-1] == {"pip": requirements}

    def test_input_example_files(self, saved, example):
        with open(os.path.join(saved, EXAMPLE_FILE), encoding="utf-8") as f:
            stored = json.load(f)
        with open(os.path.join(saved, SERVING_EXAMPLE_FILE), encoding="utf-8") as f:
            serving = json.load(f)
        assert stored == {"columns": [str(c) for c in example.columns], "data": example.values.tolist()}
        assert serving == {"dataframe_split": stored}

    def test_explicit_signature_is_kept(self, flavor, model, example, save_options, tmp_path):
        from mlplug.models import infer_signature

        signature = infer_signature(example)
        save_model(flavor, model, str(tmp_path / "m"), signature=signature, **save_options)
        assert Model.load(str(tmp_path / "m")).signature == signature

    def test_mlmodel_round_trips_unknown_keys(self, saved):
        mlmodel = Model.load(saved)
        mlmodel.extra["written_by_another_tool"] = {"keep": True}
        mlmodel.save(saved)
        again = Model.load(saved)
        assert again.extra == {"written_by_another_tool": {"keep": True}}
        assert again.to_dict() == mlmodel.to_dict()

    # --- saving failures ------------------------------------------------------------------------------
    def test_refuses_a_non_empty_target(self, flavor, model, save_options, tmp_path):
        (tmp_path / "m").mkdir()
        (tmp_path / "m" / "keep.txt").write_text("mine")
        with pytest.raises(InvalidParameter, match="already exists"):
            save_model(flavor, model, str(tmp_path / "m"), **save_options)
        assert os.listdir(tmp_path / "m") == ["keep.txt"]

    def test_a_failed_save_leaves_nothing(self, flavor, model, save_options, tmp_path):
        with pytest.raises(InvalidParameter, match="not both"):
            save_model(flavor, model, str(tmp_path / "m"), pip_requirements=["a"], extra_pip_requirements=["b"],
                       **save_options)
        assert not (tmp_path / "m").exists()

    # --- loading and predicting -----------------------------------------------------------------------
    def test_round_trip_predicts_like_the_flavour(self, flavor, saved, loaded, example):
        direct = flavor.load_pyfunc(saved, Model.load(saved)).predict(example)
        self._assert_same(loaded.predict(example), direct)
        assert loaded.model_path == saved
        assert loaded.metadata.flavors == Model.load(saved).flavors

    def test_every_input_form_predicts_the_same(self, loaded, example):
        want = loaded.predict(example)
        as_columns = {c: example[c].tolist() for c in example.columns}
        as_records = example.to_dict(orient="records")
        self._assert_same(loaded.predict(as_columns), want)
        self._assert_same(loaded.predict(as_records), want)

    def test_file_uri_loads(self, saved, example, loaded):
        from mlplug.pyfunc import load_model
        from mlplug.uri import file_uri

        self._assert_same(load_model(file_uri(saved)).predict(example), loaded.predict(example))

    def test_missing_column_is_a_400_naming_it(self, loaded, example):
        column = example.columns[0]
        with pytest.raises(SchemaEnforcementError) as caught:
            loaded.predict(example.drop(columns=[column]))
        assert caught.value.error_code == "INVALID_PARAMETER_VALUE" and caught.value.http_status == 400
        assert f"Model is missing inputs ['{column}']" in caught.value.message
        with pytest.raises(SchemaEnforcementError, match=re.escape(f"missing inputs ['{column}']")):
            loaded.predict({c: example[c].tolist() for c in example.columns if c != column})

    def test_extra_columns_are_ignored(self, loaded, example):
        self._assert_same(loaded.predict(example.assign(not_in_signature=1)), loaded.predict(example))

    def test_unsafe_conversions_are_refused(self, loaded, example):
        column = self._double_column(example)
        with pytest.raises(SchemaEnforcementError, match=f"Incompatible input types for column {re.escape(column)}"):
            loaded.predict(example.assign(**{column: ["text"] * len(example)}))
        with pytest.raises(SchemaEnforcementError, match="Can not safely convert bool to float64"):
            loaded.predict({**{c: example[c].tolist() for c in example.columns}, column: [True] * len(example)})

    def test_integers_are_accepted_for_double_columns(self, loaded, example):
        column = self._double_column(example)
        rounded = example.assign(**{column: example[column].round().astype("int64")})
        as_floats = rounded.assign(**{column: rounded[column].astype("float64")})
        self._assert_same(loaded.predict(rounded), loaded.predict(as_floats))

    # --- logging ----------------------------------------------------------------------------------------
    def test_log_model_to_a_run(self, flavor, model, example, save_options, tracking_uri):
        import mlplug
        from mlplug.models.log import LOG_MODEL_HISTORY_TAG, log_model
        from mlplug.pyfunc import load_model

        with mlplug.start_run() as run:
            info = log_model(lambda path, mlmodel: save_model(flavor, model, path, mlmodel=mlmodel,
                                                              input_example=example, **save_options), "my_model")
        run_id = run.info.run_id
        assert info.model_uri == f"runs:/{run_id}/my_model"
        assert info.run_id == run_id and info.artifact_path == "my_model"
        assert PYFUNC in info.flavors and info.signature is not None
        loaded = load_model(info.model_uri)
        assert loaded.metadata.run_id == run_id and loaded.metadata.artifact_path == "my_model"
        self._assert_same(loaded.predict(example),
                          flavor.load_pyfunc(loaded.model_path, loaded.metadata).predict(example))
        history = json.loads(mlplug.get_run(run_id).data.tags[LOG_MODEL_HISTORY_TAG])
        assert [h["artifact_path"] for h in history] == ["my_model"]
        assert history[0]["run_id"] == run_id and history[0]["flavors"] == info.flavors
