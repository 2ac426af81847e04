"""MLflow 3 logged models as tests: part of the tracking-store contract (`TrackingStoreContract` runs them).

They use the suite's `store` fixture; stores that keep no logged models fail them, as MLflow 3's
`log_model` would fail against such a store.
"""
from __future__ import annotations

import re
import time
import uuid

import pytest

from mlplug.entities import LoggedModelStatus, Metric
from mlplug.errors import InvalidParameter, NotFound
from mlplug.uri import join

UNKNOWN_MODEL_ID = "m-0123456789abcdef0123456789abcdef"
MODEL_ID = re.compile(r"^m-[0-9a-f]{32}$")


def _ids(models) -> list[str]:
    return [m.model_id for m in models]


class LoggedModelContract:
    """Mixed into TrackingStoreContract; uses its `store`, `experiment_id` and `run_id` fixtures."""

    def test_create_logged_model(self, store, experiment_id, run_id):
        model = store.create_logged_model(experiment_id, "clf", run_id, tags={"t": "1"}, params={"alpha": "0.5"},
                                          model_type="sklearn")
        assert MODEL_ID.match(model.model_id)
        assert model.model_uri == f"models:/{model.model_id}"
        assert (model.experiment_id, model.name, model.source_run_id, model.model_type) == (
            experiment_id, "clf", run_id, "sklearn")
        assert model.status == LoggedModelStatus.PENDING
        location = store.get_experiment(experiment_id).artifact_location
        assert model.artifact_location == join(location, "models", model.model_id, "artifacts")
        assert model.creation_timestamp and model.last_updated_timestamp >= model.creation_timestamp
        fetched = store.get_logged_model(model.model_id)
        assert (fetched.tags, fetched.params, fetched.artifact_location) == (
            {"t": "1"}, {"alpha": "0.5"}, model.artifact_location)

    def test_a_logged_model_without_a_name_gets_one(self, store, experiment_id):
        model = store.create_logged_model(experiment_id)
        assert model.name and model.source_run_id == ""

    def test_logged_model_needs_an_active_experiment_and_a_known_run(self, store, experiment_id):
        with pytest.raises(NotFound):
            store.create_logged_model("987654321", "m")
        with pytest.raises(NotFound):
            store.create_logged_model(experiment_id, "m", "0123456789abcdef0123456789abcdef")
        store.delete_experiment(experiment_id)
        with pytest.raises(InvalidParameter):
            store.create_logged_model(experiment_id, "m")

    def test_unknown_logged_model_raises_not_found(self, store):
        with pytest.raises(NotFound) as err:
            store.get_logged_model(UNKNOWN_MODEL_ID)
        assert err.value.http_status == 404

    @pytest.mark.parametrize("status", [LoggedModelStatus.READY, LoggedModelStatus.FAILED])
    def test_finalize_logged_model(self, store, experiment_id, status):
        model = store.create_logged_model(experiment_id, "m")
        assert store.finalize_logged_model(model.model_id, status).status == status
        assert store.get_logged_model(model.model_id).status == status

    def test_finalize_needs_a_final_status(self, store, experiment_id):
        model = store.create_logged_model(experiment_id, "m")
        with pytest.raises(InvalidParameter):
            store.finalize_logged_model(model.model_id, LoggedModelStatus.PENDING)
        with pytest.raises(NotFound):
            store.finalize_logged_model(UNKNOWN_MODEL_ID, LoggedModelStatus.READY)

    def test_logged_model_tags(self, store, experiment_id):
        model_id = store.create_logged_model(experiment_id, "m", tags={"a": "1"}).model_id
        store.set_logged_model_tags(model_id, {"a": "2", "b": "3"})
        assert store.get_logged_model(model_id).tags == {"a": "2", "b": "3"}
        store.delete_logged_model_tag(model_id, "a")
        assert store.get_logged_model(model_id).tags == {"b": "3"}
        with pytest.raises(NotFound):
            store.delete_logged_model_tag(model_id, "a")
        with pytest.raises(InvalidParameter):
            store.set_logged_model_tags(model_id, {"bad/../key": "x"})

    def test_logged_model_params_are_write_once(self, store, experiment_id):
        model_id = store.create_logged_model(experiment_id, "m", params={"p": "1"}).model_id
        store.log_logged_model_params(model_id, {"p": "1", "q": "2"})
        assert store.get_logged_model(model_id).params == {"p": "1", "q": "2"}
        with pytest.raises(InvalidParameter):
            store.log_logged_model_params(model_id, {"q": "changed"})
        assert store.get_logged_model(model_id).params["q"] == "2"

    def test_deleted_logged_model_is_gone(self, store, experiment_id):
        kept = store.create_logged_model(experiment_id, "kept").model_id
        gone = store.create_logged_model(experiment_id, "gone").model_id
        store.delete_logged_model(gone)
        with pytest.raises(NotFound):
            store.get_logged_model(gone)
        with pytest.raises(NotFound):
            store.delete_logged_model(gone)
        assert _ids(store.search_logged_models([experiment_id])) == [kept]

    def test_metrics_logged_with_a_model_id_belong_to_the_model(self, store, experiment_id, run_id):
        model_id = store.create_logged_model(experiment_id, "m", run_id).model_id
        store.log_batch(run_id, metrics=[Metric("acc", 0.75, 100, 2, model_id=model_id, dataset_name="val",
                                                dataset_digest="abc"), Metric("loss", 0.5, 100, 2)])
        store.log_metric(run_id, Metric("f1", 0.5, 100, 2, model_id=model_id))
        metrics = {m.key: m for m in store.get_logged_model(model_id).metrics}
        assert sorted(metrics) == ["acc", "f1"]
        acc = metrics["acc"]
        assert (acc.value, acc.step, acc.run_id, acc.dataset_name, acc.dataset_digest, acc.model_id) == (
            0.75, 2, run_id, "val", "abc", model_id)

    def test_metrics_already_logged_can_be_attached_to_a_model(self, store, experiment_id, run_id):
        store.log_metric(run_id, Metric("acc", 0.5, 100, 0))
        model_id = store.create_logged_model(experiment_id, "m", run_id).model_id
        store.log_batch(run_id, metrics=[Metric("acc", 0.5, 100, 0, model_id=model_id)])
        assert [(m.key, m.value) for m in store.get_logged_model(model_id).metrics] == [("acc", 0.5)]
        assert [m.value for m in store.get_metric_history(run_id, "acc")] == [0.5]

    def test_run_outputs_name_the_logged_model(self, store, experiment_id, run_id):
        model_id = store.create_logged_model(experiment_id, "m", run_id).model_id
        store.log_outputs(run_id, [(model_id, 3)])
        assert store.get_run(run_id).outputs.model_outputs == [(model_id, 3)]

    # --- search ----------------------------------------------------------------------------------
    @pytest.fixture
    def three_models(self, store, experiment_id, run_id):
        """Models a, b, c (created in that order); a and b from the run, a READY; metric acc a=0.9, b=0.1."""
        a = store.create_logged_model(experiment_id, "a", run_id, tags={"team": "red"}, params={"alpha": "1"})
        time.sleep(0.002)  # distinct creation times, so the default order (newest first) is known
        b = store.create_logged_model(experiment_id, "b", run_id, tags={"team": "blue"}, params={"alpha": "2"},
                                      model_type="agent")
        time.sleep(0.002)
        c = store.create_logged_model(experiment_id, "c")
        store.finalize_logged_model(a.model_id, LoggedModelStatus.READY)
        store.log_batch(run_id, metrics=[Metric("acc", 0.9, 1, 0, model_id=a.model_id, dataset_name="val"),
                                         Metric("acc", 0.1, 1, 0, model_id=b.model_id, dataset_name="train")])
        return {"a": a.model_id, "b": b.model_id, "c": c.model_id}

    @pytest.mark.parametrize("filter_string, expected", [
        ("", "cba"),
        ("name = 'b'", "b"),
        ("name LIKE '%a%'", "a"),
        ("name IN ('a', 'c')", "ca"),
        ("tags.team = 'red'", "a"),
        ("params.alpha != '1'", "b"),
        ("status = 'READY'", "a"),
        ("status = 'LOGGED_MODEL_PENDING'", "cb"),
        ("model_type = 'agent'", "b"),
        ("metrics.acc > 0.5", "a"),
        ("metrics.acc < 1 AND tags.team = 'blue'", "b"),
        ("creation_timestamp > 0", "cba"),
    ])
    def test_search_logged_models_filter(self, store, experiment_id, three_models, filter_string, expected):
        found = store.search_logged_models([experiment_id], filter_string)
        assert _ids(found) == [three_models[k] for k in expected]

    def test_search_logged_models_by_source_run(self, store, experiment_id, run_id, three_models):
        found = store.search_logged_models([experiment_id], f"source_run_id = '{run_id}'")
        assert sorted(_ids(found)) == sorted([three_models["a"], three_models["b"]])

    def test_search_logged_models_restricted_to_datasets(self, store, experiment_id, three_models):
        found = store.search_logged_models([experiment_id], "metrics.acc > 0", datasets=[{"dataset_name": "train"}])
        assert _ids(found) == [three_models["b"]]

    @pytest.mark.parametrize("order_by, expected", [
        ([{"field_name": "name", "ascending": True}], "abc"),
        ([{"field_name": "name", "ascending": False}], "cba"),
        ([{"field_name": "metrics.acc", "ascending": True}], "bac"),
        ([{"field_name": "metrics.acc", "ascending": False}], "abc"),
        ([{"field_name": "creation_timestamp", "ascending": True}], "abc"),
    ])
    def test_search_logged_models_order_by(self, store, experiment_id, three_models, order_by, expected):
        found = store.search_logged_models([experiment_id], order_by=order_by)
        assert _ids(found) == [three_models[k] for k in expected]

    def test_search_logged_models_pages(self, store, experiment_id, three_models):
        order = [{"field_name": "name", "ascending": True}]
        first = store.search_logged_models([experiment_id], max_results=2, order_by=order)
        assert _ids(first) == [three_models["a"], three_models["b"]] and first.token
        second = store.search_logged_models([experiment_id], max_results=2, order_by=order, page_token=first.token)
        assert _ids(second) == [three_models["c"]] and second.token is None

    def test_search_logged_models_only_in_the_given_experiments(self, store, experiment_id, three_models):
        other = store.create_experiment(f"contract-{uuid.uuid4().hex[:12]}")
        mine = store.create_logged_model(other, "x").model_id
        assert _ids(store.search_logged_models([other])) == [mine]
        assert len(store.search_logged_models([experiment_id, other])) == 4

    @pytest.mark.parametrize("kwargs", [
        {"filter_string": "name = a"},
        {"filter_string": "nope = 'a'"},
        {"filter_string": "metrics.acc = 'x'"},
        {"order_by": [{"field_name": "nope"}]},
        {"order_by": [{"field_name": "params.alpha"}]},
        {"max_results": 0},
        {"datasets": [{"dataset_digest": "x"}]},
        {"page_token": "not a token"},
    ])
    def test_search_logged_models_rejects_bad_arguments(self, store, experiment_id, kwargs):
        with pytest.raises(InvalidParameter):
            store.search_logged_models([experiment_id], **kwargs)
