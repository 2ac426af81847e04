"""The sklearn flavour's own behaviour: formats, skops trust, predict_fn, the fast path, logging and
registering, and `mlplug.sklearn`."""
from __future__ import annotations

import json

import numpy as np
import pytest
import yaml
from mlplug.errors import InvalidParameter, PluginError
from mlplug.models import Model
from mlplug.models.environment import read_requirements, requirement_name
from mlplug.pyfunc import load_model

import mlplug_flavor_sklearn


class Doubler:
    """An estimator type skops does not trust by default."""

    def fit(self, X, y=None):
        return self

    def predict(self, X):
        return np.asarray(X, dtype=float).sum(axis=1) * 2


@pytest.mark.parametrize("fmt, file, extra", [("skops", "model.skops", "skops"),
                                              ("cloudpickle", "model.pkl", "cloudpickle"),
                                              ("pickle", "model.pkl", None)])
def test_each_format_writes_its_file_and_requirements(tmp_path, elastic_net, diabetes, fmt, file, extra):
    X, _ = diabetes
    mlplug_flavor_sklearn.save_model(elastic_net, tmp_path / "m", serialization_format=fmt)
    conf = Model.load(str(tmp_path / "m")).flavors
    assert conf["sklearn"]["serialization_format"] == fmt and conf["sklearn"]["pickled_model"] == file
    assert conf["python_function"]["model_path"] == file and (tmp_path / "m" / file).is_file()
    names = [requirement_name(r) for r in read_requirements(str(tmp_path / "m"))]
    assert names[0] == "mlflow" and {"scikit-learn", "numpy", "pandas", "scipy"} <= set(names)
    assert ("skops" in names) == (extra == "skops") and ("cloudpickle" in names) == (extra == "cloudpickle")
    loaded = mlplug_flavor_sklearn.load_model(str(tmp_path / "m"))
    assert np.allclose(loaded.predict(X.head(4)), elastic_net.predict(X.head(4)), rtol=0, atol=0)


def test_unknown_format_is_refused(tmp_path, elastic_net):
    with pytest.raises(InvalidParameter, match="Unrecognized serialization format: 'joblib'"):
        mlplug_flavor_sklearn.save_model(elastic_net, tmp_path / "m", serialization_format="joblib")
    assert not (tmp_path / "m").exists()


def test_skops_refuses_untrusted_types_unless_listed(tmp_path):
    model = Doubler().fit([[1.0]])
    with pytest.raises(InvalidParameter, match="types skops does not trust.*Doubler"):
        mlplug_flavor_sklearn.save_model(model, tmp_path / "refused")
    assert not (tmp_path / "refused").exists()
    trusted = [f"{Doubler.__module__}.Doubler"]
    mlplug_flavor_sklearn.save_model(model, tmp_path / "m", skops_trusted_types=trusted)
    assert Model.load(str(tmp_path / "m")).flavors["sklearn"]["skops_trusted_types"] == trusted
    assert load_model(str(tmp_path / "m")).predict(np.array([[1.0, 2.0]])).tolist() == [6.0]


def test_untrusted_types_in_a_file_are_refused_at_load(tmp_path):
    model = Doubler().fit([[1.0]])
    mlplug_flavor_sklearn.save_model(model, tmp_path / "m", skops_trusted_types=[f"{Doubler.__module__}.Doubler"])
    mlmodel = Model.load(str(tmp_path / "m"))
    mlmodel.flavors["sklearn"]["skops_trusted_types"] = None  # as if someone swapped the file
    mlmodel.save(str(tmp_path / "m"))
    with pytest.raises(InvalidParameter, match="not trusted"):
        mlplug_flavor_sklearn.load_model(str(tmp_path / "m"))


def test_predict_fn_selects_the_method(tmp_path, logistic, iris):
    X, _ = iris
    mlplug_flavor_sklearn.save_model(logistic, tmp_path / "m", pyfunc_predict_fn="predict_proba",
                                     input_example=X.head(2))
    model = load_model(str(tmp_path / "m"))
    assert model.metadata.flavors["python_function"]["predict_fn"] == "predict_proba"
    assert np.allclose(model.predict(X.head(3)), logistic.predict_proba(X.head(3)))
    with pytest.raises(InvalidParameter, match="no method 'transform'"):
        mlplug_flavor_sklearn.save_model(logistic, tmp_path / "bad", pyfunc_predict_fn="transform")


def test_signature_inferred_like_mlflow(tmp_path, logistic, iris):
    X, _ = iris
    mlplug_flavor_sklearn.save_model(logistic, tmp_path / "m", input_example=X.head(2))
    signature = yaml.safe_load((tmp_path / "m" / "MLmodel").read_text())["signature"]
    assert json.loads(signature["inputs"])[0] == {"type": "double", "name": "sepal length (cm)", "required": True}
    assert json.loads(signature["outputs"]) == [{"type": "long", "required": True}]  # a column, as MLflow infers


def test_fast_path_falls_back_for_estimators_that_need_names(tmp_path, diabetes):
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = diabetes
    # Columns picked by name, in an order unlike the signature's: an array in signature order is refused.
    pipe = make_pipeline(ColumnTransformer([("s", StandardScaler(), ["bmi", "age", "s5"])]), Ridge()).fit(X, y)
    mlplug_flavor_sklearn.save_model(pipe, tmp_path / "m", serialization_format="cloudpickle", input_example=X.head(2))
    model = load_model(str(tmp_path / "m"))
    assert model.uses_fast_path
    rows = {c: X[c].iloc[5:8].tolist() for c in X.columns}
    for _ in range(2):
        assert np.allclose(model.predict(rows), pipe.predict(X.iloc[5:8]))
    assert model.get_raw_model()._matrix_ok is False


def test_fast_path_is_used_once_proven(tmp_path, elastic_net, diabetes):
    X, _ = diabetes
    mlplug_flavor_sklearn.save_model(elastic_net, tmp_path / "m", input_example=X.head(2))
    model = load_model(str(tmp_path / "m"))
    row = {c: float(X[c].iloc[7]) for c in X.columns}  # scalars: one row
    first, second = model.predict(row), model.predict(row)
    assert model.get_raw_model()._matrix_ok is True
    assert first.tolist() == second.tolist() == elastic_net.predict(X.iloc[7:8]).tolist()


def test_code_paths_are_bundled(tmp_path, elastic_net):
    helper = tmp_path / "helper_mod.py"
    helper.write_text("VALUE = 1\n")
    mlplug_flavor_sklearn.save_model(elastic_net, tmp_path / "m", code_paths=[str(helper)])
    conf = Model.load(str(tmp_path / "m")).flavors
    assert conf["python_function"]["code"] == "code" and conf["sklearn"]["code"] == "code"
    assert (tmp_path / "m" / "code" / "helper_mod.py").read_text() == "VALUE = 1\n"


def test_mlplug_sklearn_is_the_public_module():
    import mlplug
    from mlplug import sklearn

    assert sklearn is mlplug_flavor_sklearn and mlplug.sklearn.log_model is mlplug_flavor_sklearn.log_model


def test_log_and_register(tracking_uri, elastic_net, diabetes):
    import mlplug

    X, _ = diabetes
    with mlplug.start_run() as run:
        info = mlplug.sklearn.log_model(elastic_net, name="net", input_example=X.head(2),
                                        registered_model_name="diabetes-net")
        again = mlplug.sklearn.log_model(elastic_net, name="net2", registered_model_name="diabetes-net")
    assert info.model_uri == f"runs:/{run.info.run_id}/net"
    assert (info.registered_model_version, again.registered_model_version) == (1, 2)
    by_version = load_model("models:/diabetes-net/1")
    assert by_version.predict(X.head(3)).tolist() == elastic_net.predict(X.head(3)).tolist()
    assert load_model("models:/diabetes-net/latest").metadata.artifact_path == "net2"
    history = json.loads(mlplug.get_run(run.info.run_id).data.tags["mlflow.log-model.history"])
    assert [h["artifact_path"] for h in history] == ["net", "net2"]


def test_log_model_without_a_run_starts_one(tracking_uri, elastic_net):
    import mlplug

    info = mlplug.sklearn.log_model(elastic_net, name="model")
    try:
        assert mlplug.active_run().info.run_id == info.run_id
        assert mlplug.sklearn.load_model(info.model_uri).alpha == elastic_net.alpha
    finally:
        mlplug.end_run()


def test_a_model_of_a_missing_flavour_names_its_package(tmp_path):
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "MLmodel").write_text(yaml.safe_dump({"flavors": {
        "python_function": {"loader_module": "mlflow.xgboost", "data": "model.xgb"}, "xgboost": {}}}))
    with pytest.raises(PluginError, match=r"flavour 'xgboost' \(loader_module 'mlflow.xgboost'\) is not installed. "
                                          r"Install it with: pip install mlplug-flavor-xgboost"):
        load_model(str(tmp_path / "m"))


def test_a_model_without_python_function_is_refused(tmp_path):
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "MLmodel").write_text(yaml.safe_dump({"flavors": {"sklearn": {"pickled_model": "x.pkl"}}}))
    with pytest.raises(InvalidParameter, match='does not have the "python_function" flavor'):
        load_model(str(tmp_path / "m"))
