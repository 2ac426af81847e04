"""The TrackingStore contract as tests. Every tracking store passes them: the suite is the spec.

Subclass `TrackingStoreContract` in a test module and provide a `store` fixture returning the store::

    from mlplug.testing.contracts.tracking import TrackingStoreContract

    @pytest.fixture(scope="module")
    def my_store(tmp_path_factory):
        return MyStore(str(tmp_path_factory.mktemp("db")))

    class TestMyStore(TrackingStoreContract):
        @pytest.fixture
        def store(self, my_store):
            return my_store

Each test creates its own uniquely named experiments and looks only at those, so one store (even a
shared, long-lived tracking server) can serve the whole suite. Nothing here imports more than pytest
and mlplug's entities and errors.
"""
from __future__ import annotations

import math
import re
import time
import uuid

import pytest

from mlplug.entities import DatasetInput, LifecycleStage, Metric, Param, RunInfo, RunStatus, RunTag, ViewType
from mlplug.errors import AlreadyExists, InvalidParameter, InvalidState, NotFound
from mlplug.testing.contracts.logged_models import LoggedModelContract
from mlplug.testing.contracts.metric_buckets import MetricBucketsContract

RUN_NAME_TAG = "mlflow.runName"
UNKNOWN_EXPERIMENT_ID = "987654321"
UNKNOWN_RUN_ID = "0123456789abcdef0123456789abcdef"
T0 = 1_700_000_000_000  # a fixed start time in ms, so orderings do not depend on the clock


def unique(prefix: str = "contract") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def now_ms() -> int:
    return int(time.time() * 1000)


def _names(runs) -> list[str]:
    return [r.info.run_name for r in runs]


class TrackingStoreContract(LoggedModelContract, MetricBucketsContract):
    """Plain pytest tests; subclasses provide the `store` fixture. MLflow 3's logged models and bucketed
    metric history are part of the contract (`mlplug.testing.contracts.logged_models`, `.metric_buckets`)."""

    @pytest.fixture
    def store(self):
        raise NotImplementedError("Subclasses provide a `store` fixture that returns the TrackingStore under test.")

    @pytest.fixture
    def experiment_id(self, store) -> str:
        return store.create_experiment(unique())

    @pytest.fixture
    def run_id(self, store, experiment_id) -> str:
        return store.create_run(experiment_id, user_id="tester", start_time=T0).info.run_id

    def _search_all(self, store, experiment_ids, filter_string="", order_by=None, page_size=1000,
                    view=ViewType.ACTIVE_ONLY) -> list:
        """Every run of a search, following page tokens."""
        found, token = [], None
        while True:
            page = store.search_runs(experiment_ids, filter_string, view, page_size, order_by, token)
            found.extend(page)
            token = page.token
            if not token:
                return found
            assert len(page) == page_size, "a page before the last one is full"

    # --- experiments -----------------------------------------------------------------------------
    def test_default_experiment_exists(self, store):
        experiment = store.get_experiment("0")
        assert experiment.experiment_id == "0"
        assert experiment.name == "Default"

    def test_create_and_get_experiment(self, store):
        name = unique()
        before = now_ms()
        experiment_id = store.create_experiment(name, tags={"team": "red", "note": "x"})
        assert isinstance(experiment_id, str)
        experiment = store.get_experiment(experiment_id)
        assert experiment.experiment_id == experiment_id
        assert experiment.name == name
        assert experiment.lifecycle_stage == LifecycleStage.ACTIVE
        assert experiment.tags == {"team": "red", "note": "x"}
        assert experiment.artifact_location.rstrip("/").endswith(f"/{experiment_id}")
        assert before - 5000 <= experiment.creation_time <= now_ms() + 5000
        assert experiment.last_update_time >= experiment.creation_time

    def test_create_experiment_keeps_given_artifact_location(self, store, tmp_path):
        location = (tmp_path / "elsewhere").as_uri()
        experiment_id = store.create_experiment(unique(), artifact_location=location)
        assert store.get_experiment(experiment_id).artifact_location == location

    def test_duplicate_experiment_name_raises_already_exists(self, store):
        name = unique()
        store.create_experiment(name)
        with pytest.raises(AlreadyExists) as err:
            store.create_experiment(name)
        assert err.value.error_code == "RESOURCE_ALREADY_EXISTS"
        assert err.value.http_status == 400

    def test_empty_experiment_name_is_invalid(self, store):
        with pytest.raises(InvalidParameter) as err:
            store.create_experiment("")
        assert err.value.error_code == "INVALID_PARAMETER_VALUE"

    def test_unknown_experiment_raises_not_found(self, store):
        with pytest.raises(NotFound) as err:
            store.get_experiment(UNKNOWN_EXPERIMENT_ID)
        assert err.value.error_code == "RESOURCE_DOES_NOT_EXIST"
        assert err.value.http_status == 404
        assert f"No Experiment with id={UNKNOWN_EXPERIMENT_ID} exists" in err.value.message

    def test_get_experiment_by_name(self, store):
        name = unique()
        experiment_id = store.create_experiment(name)
        assert store.get_experiment_by_name(name).experiment_id == experiment_id
        assert store.get_experiment_by_name(name.upper()) is None, "names are case-sensitive"
        assert store.get_experiment_by_name(unique("missing")) is None
        store.delete_experiment(experiment_id)
        deleted = store.get_experiment_by_name(name)
        assert deleted.experiment_id == experiment_id
        assert deleted.lifecycle_stage == LifecycleStage.DELETED

    def test_delete_experiment_deletes_its_runs(self, store, experiment_id, run_id):
        store.delete_experiment(experiment_id)
        assert store.get_experiment(experiment_id).lifecycle_stage == LifecycleStage.DELETED
        assert store.get_run(run_id).info.lifecycle_stage == LifecycleStage.DELETED
        with pytest.raises(NotFound):
            store.delete_experiment(experiment_id)

    def test_delete_unknown_experiment_raises_not_found(self, store):
        with pytest.raises(NotFound):
            store.delete_experiment(UNKNOWN_EXPERIMENT_ID)

    def test_restore_experiment_restores_the_runs_deleted_with_it(self, store, experiment_id):
        kept = store.create_run(experiment_id, start_time=T0).info.run_id
        deleted_before = store.create_run(experiment_id, start_time=T0).info.run_id
        store.delete_run(deleted_before)
        time.sleep(0.01)  # the experiment's deletion comes strictly after the run's
        store.delete_experiment(experiment_id)
        store.restore_experiment(experiment_id)
        assert store.get_experiment(experiment_id).lifecycle_stage == LifecycleStage.ACTIVE
        assert store.get_run(kept).info.lifecycle_stage == LifecycleStage.ACTIVE
        assert store.get_run(deleted_before).info.lifecycle_stage == LifecycleStage.DELETED

    def test_restore_active_experiment_raises_not_found(self, store, experiment_id):
        with pytest.raises(NotFound):
            store.restore_experiment(experiment_id)

    def test_rename_experiment(self, store, experiment_id):
        old = store.get_experiment(experiment_id).name
        new = unique("renamed")
        store.rename_experiment(experiment_id, new)
        assert store.get_experiment(experiment_id).name == new
        assert store.get_experiment_by_name(new).experiment_id == experiment_id
        assert store.get_experiment_by_name(old) is None

    def test_rename_deleted_experiment_raises_invalid_state(self, store, experiment_id):
        store.delete_experiment(experiment_id)
        with pytest.raises(InvalidState) as err:
            store.rename_experiment(experiment_id, unique())
        assert err.value.error_code == "INVALID_STATE"

    def test_rename_to_a_taken_name_raises_already_exists(self, store, experiment_id):
        taken = unique()
        store.create_experiment(taken)
        with pytest.raises(AlreadyExists):
            store.rename_experiment(experiment_id, taken)

    def test_experiment_tags_set_overwrite_delete(self, store, experiment_id):
        store.set_experiment_tag(experiment_id, "k", "v1")
        store.set_experiment_tag(experiment_id, "k", "v2")
        store.set_experiment_tag(experiment_id, "other", "o")
        assert store.get_experiment(experiment_id).tags == {"k": "v2", "other": "o"}
        store.delete_experiment_tag(experiment_id, "k")
        assert store.get_experiment(experiment_id).tags == {"other": "o"}
        with pytest.raises(NotFound):
            store.delete_experiment_tag(experiment_id, "k")

    def test_experiment_tag_value_limit(self, store, experiment_id):
        store.set_experiment_tag(experiment_id, "long", "x" * 20000)
        assert len(store.get_experiment(experiment_id).tags["long"]) == 20000
        with pytest.raises(InvalidParameter):
            store.set_experiment_tag(experiment_id, "long", "x" * 20001)

    def test_set_tag_on_deleted_experiment_is_rejected(self, store, experiment_id):
        store.delete_experiment(experiment_id)
        with pytest.raises(InvalidParameter):
            store.set_experiment_tag(experiment_id, "k", "v")

    # --- search_experiments ----------------------------------------------------------------------
    @pytest.fixture
    def three_experiments(self, store) -> dict[str, str]:
        prefix = unique("search")
        ids = {
            "alpha": store.create_experiment(f"{prefix}-alpha", tags={"team": "red"}),
            "Beta": store.create_experiment(f"{prefix}-Beta", tags={"team": "blue"}),
            "gamma": store.create_experiment(f"{prefix}-gamma"),
        }
        return {"prefix": prefix, **ids}

    @pytest.mark.parametrize("filter_string, expected", [
        ("name = '{prefix}-alpha'", {"alpha"}),
        ("name != '{prefix}-alpha'", {"Beta", "gamma"}),
        ("name LIKE '{prefix}-B%'", {"Beta"}),
        ("name LIKE '{prefix}-b%'", set()),
        ("name ILIKE '{prefix}-b%'", {"Beta"}),
        ("attribute.name = '{prefix}-gamma'", {"gamma"}),
        ("tags.team = 'red'", {"alpha"}),
        ("tags.team != 'red'", {"Beta"}),
        ("tags.team LIKE 'r%'", {"alpha"}),
        ("tags.team ILIKE 'R%'", {"alpha"}),
        ("tags.`team` = 'blue'", {"Beta"}),
        ("tags.team IS NULL", {"gamma"}),
        ("tags.team IS NOT NULL", {"alpha", "Beta"}),
        ("experiment_id = '{alpha}'", {"alpha"}),
        ("experiment_id != '{alpha}'", {"Beta", "gamma"}),
        ("experiment_id IN ('{alpha}', '{gamma}')", {"alpha", "gamma"}),
        ("experiment_id NOT IN ('{alpha}')", {"Beta", "gamma"}),
        ("creation_time >= 0", {"alpha", "Beta", "gamma"}),
        ("creation_time < 0", set()),
        ("last_update_time > 0 and tags.team = 'blue'", {"Beta"}),
    ])
    def test_search_experiments_filter(self, store, three_experiments, filter_string, expected):
        full = f"name LIKE '{three_experiments['prefix']}-%' and " + filter_string.format(**three_experiments)
        found = store.search_experiments(filter_string=full)
        assert {e.name.rsplit("-", 1)[1] for e in found} == expected

    def test_search_experiments_view_types(self, store, three_experiments):
        store.delete_experiment(three_experiments["gamma"])
        by_view = {}
        for view in (ViewType.ACTIVE_ONLY, ViewType.DELETED_ONLY, ViewType.ALL):
            found = store.search_experiments(view_type=view,
                                             filter_string=f"name LIKE '{three_experiments['prefix']}-%'")
            by_view[view] = {e.name.rsplit("-", 1)[1] for e in found}
        assert by_view == {ViewType.ACTIVE_ONLY: {"alpha", "Beta"}, ViewType.DELETED_ONLY: {"gamma"},
                           ViewType.ALL: {"alpha", "Beta", "gamma"}}

    @pytest.mark.parametrize("order_by, expected", [
        (["name ASC"], ["Beta", "alpha", "gamma"]),  # byte order: upper case first
        (["name DESC"], ["gamma", "alpha", "Beta"]),
        (["attribute.name"], ["Beta", "alpha", "gamma"]),
    ])
    def test_search_experiments_order_by(self, store, three_experiments, order_by, expected):
        found = store.search_experiments(filter_string=f"name LIKE '{three_experiments['prefix']}-%'",
                                         order_by=order_by)
        assert [e.name.rsplit("-", 1)[1] for e in found] == expected

    def test_search_experiments_order_by_id(self, store, three_experiments):
        prefix_filter = f"name LIKE '{three_experiments['prefix']}-%'"
        ascending = [e.experiment_id for e in store.search_experiments(filter_string=prefix_filter,
                                                                         order_by=["experiment_id ASC"])]
        descending = [e.experiment_id for e in store.search_experiments(filter_string=prefix_filter,
                                                                          order_by=["experiment_id DESC"])]
        assert sorted(ascending) == sorted(three_experiments[k] for k in ("alpha", "Beta", "gamma"))
        assert descending == ascending[::-1]

    def test_search_experiments_default_order_is_newest_first(self, store, three_experiments):
        found = store.search_experiments(filter_string=f"name LIKE '{three_experiments['prefix']}-%'")
        expected = sorted(found, key=lambda e: (-e.creation_time, int(e.experiment_id)
                                                if e.experiment_id.isdigit() else e.experiment_id))
        assert [e.experiment_id for e in found] == [e.experiment_id for e in expected]

    def test_search_experiments_pagination(self, store):
        prefix = unique("page")
        ids = {store.create_experiment(f"{prefix}-{i}") for i in range(7)}
        seen, token, pages = [], None, 0
        while True:
            page = store.search_experiments(max_results=3, filter_string=f"name LIKE '{prefix}-%'",
                                            order_by=["name ASC"], page_token=token)
            seen += [e.experiment_id for e in page]
            pages += 1
            token = page.token
            if not token:
                break
        assert pages == 3
        assert len(seen) == len(set(seen)) == 7
        assert set(seen) == ids

    @pytest.mark.parametrize("kwargs", [
        {"max_results": 0},
        {"max_results": 50001},
        {"filter_string": "name = 'a' OR name = 'b'"},
        {"filter_string": "nonsense_attribute = 'x'"},
        {"filter_string": "name = unquoted"},
        {"order_by": ["nonsense_attribute"]},
        {"page_token": "not a token"},
    ])
    def test_search_experiments_rejects_bad_arguments(self, store, kwargs):
        with pytest.raises(InvalidParameter):
            store.search_experiments(**kwargs)

    # --- runs ------------------------------------------------------------------------------------
    def test_create_run_defaults(self, store, experiment_id):
        run = store.create_run(experiment_id, user_id="alice", start_time=T0)
        info = run.info
        assert re.fullmatch(r"[a-zA-Z0-9][\w\-]{0,255}", info.run_id)
        assert info.experiment_id == experiment_id
        assert info.user_id == "alice"
        assert info.status == RunStatus.RUNNING
        assert info.lifecycle_stage == LifecycleStage.ACTIVE
        assert info.start_time == T0
        assert info.end_time is None
        assert re.fullmatch(r"[a-z]+-[a-z]+-\d{1,3}", info.run_name), info.run_name
        assert run.data.tags[RUN_NAME_TAG] == info.run_name
        location = store.get_experiment(experiment_id).artifact_location.rstrip("/")
        assert info.artifact_uri == f"{location}/{info.run_id}/artifacts"
        fetched = store.get_run(info.run_id)
        assert fetched.info == info
        assert fetched.data.tags == {RUN_NAME_TAG: info.run_name}
        assert fetched.data.metrics == {} and fetched.data.params == {}

    def test_create_run_with_name_and_tags(self, store, experiment_id):
        run = store.create_run(experiment_id, start_time=T0, run_name="my-run",
                               tags=[RunTag("team", "red"), RunTag("mlflow.user", "bob")])
        assert run.info.run_name == "my-run"
        assert store.get_run(run.info.run_id).data.tags == {"team": "red", "mlflow.user": "bob",
                                                            RUN_NAME_TAG: "my-run"}

    def test_create_run_takes_its_name_from_the_run_name_tag(self, store, experiment_id):
        run = store.create_run(experiment_id, start_time=T0, tags=[RunTag(RUN_NAME_TAG, "from-tag")])
        assert store.get_run(run.info.run_id).info.run_name == "from-tag"

    def test_run_ids_are_unique(self, store, experiment_id):
        ids = {store.create_run(experiment_id, start_time=T0).info.run_id for _ in range(20)}
        assert len(ids) == 20

    def test_create_run_in_deleted_experiment_is_rejected(self, store, experiment_id):
        store.delete_experiment(experiment_id)
        with pytest.raises(InvalidParameter) as err:
            store.create_run(experiment_id, start_time=T0)
        assert err.value.http_status == 400

    def test_create_run_in_unknown_experiment_raises_not_found(self, store):
        with pytest.raises(NotFound):
            store.create_run(UNKNOWN_EXPERIMENT_ID, start_time=T0)

    def test_unknown_run_raises_not_found(self, store):
        with pytest.raises(NotFound) as err:
            store.get_run(UNKNOWN_RUN_ID)
        assert err.value.error_code == "RESOURCE_DOES_NOT_EXIST"
        assert f"Run with id={UNKNOWN_RUN_ID} not found" in err.value.message

    def test_update_run_info(self, store, run_id):
        info = store.update_run_info(run_id, run_status=RunStatus.FINISHED, end_time=T0 + 5)
        assert isinstance(info, RunInfo)
        assert (info.status, info.end_time) == (RunStatus.FINISHED, T0 + 5)
        fetched = store.get_run(run_id).info
        assert (fetched.status, fetched.end_time) == (RunStatus.FINISHED, T0 + 5)
        assert store.update_run_info(run_id, run_status=RunStatus.KILLED).end_time == T0 + 5

    def test_update_run_name_rewrites_the_run_name_tag(self, store, run_id):
        info = store.update_run_info(run_id, run_name="renamed")
        assert info.run_name == "renamed"
        run = store.get_run(run_id)
        assert run.info.run_name == "renamed"
        assert run.data.tags[RUN_NAME_TAG] == "renamed"

    def test_setting_the_run_name_tag_renames_the_run(self, store, run_id):
        store.set_tag(run_id, RunTag(RUN_NAME_TAG, "via-tag"))
        assert store.get_run(run_id).info.run_name == "via-tag"

    def test_delete_and_restore_run_are_idempotent(self, store, run_id):
        store.delete_run(run_id)
        store.delete_run(run_id)
        assert store.get_run(run_id).info.lifecycle_stage == LifecycleStage.DELETED
        store.restore_run(run_id)
        store.restore_run(run_id)
        assert store.get_run(run_id).info.lifecycle_stage == LifecycleStage.ACTIVE

    def test_delete_unknown_run_raises_not_found(self, store):
        with pytest.raises(NotFound):
            store.delete_run(UNKNOWN_RUN_ID)

    # --- params, tags, metrics -------------------------------------------------------------------
    def test_log_batch_round_trip(self, store, run_id):
        store.log_batch(run_id, metrics=[Metric("acc", 0.5, T0, 0), Metric("loss", 2.0, T0, 0)],
                        params=[Param("lr", "0.01"), Param("layers", "3")], tags=[RunTag("team", "red")])
        data = store.get_run(run_id).data
        assert data.metrics == {"acc": 0.5, "loss": 2.0}
        assert data.params == {"lr": "0.01", "layers": "3"}
        assert data.tags["team"] == "red"
        by_key = {m.key: m for m in data.metric_list}
        assert (by_key["acc"].timestamp, by_key["acc"].step) == (T0, 0)

    def test_single_writes(self, store, run_id):
        store.log_metric(run_id, Metric("m", 1.5, T0, 3))
        store.log_param(run_id, Param("p", "v"))
        store.set_tag(run_id, RunTag("t", "w"))
        data = store.get_run(run_id).data
        assert (data.metrics, data.params, data.tags["t"]) == ({"m": 1.5}, {"p": "v"}, "w")

    def test_params_are_write_once(self, store, run_id):
        store.log_param(run_id, Param("p", "1"))
        store.log_param(run_id, Param("p", "1"))  # the same value again is fine
        with pytest.raises(InvalidParameter) as err:
            store.log_param(run_id, Param("p", "2"))
        assert "Changing param values is not allowed" in err.value.message
        assert "key='p'" in err.value.message
        assert store.get_run(run_id).data.params == {"p": "1"}

    def test_batch_with_a_changed_param_writes_nothing(self, store, run_id):
        store.log_param(run_id, Param("p", "1"))
        with pytest.raises(InvalidParameter):
            store.log_batch(run_id, metrics=[Metric("m", 1.0, T0, 0)], params=[Param("q", "new"), Param("p", "2")],
                            tags=[RunTag("t", "x")])
        data = store.get_run(run_id).data
        assert data.params == {"p": "1"}
        assert data.metrics == {}
        assert "t" not in data.tags

    def test_tags_are_last_write_wins(self, store, run_id):
        store.set_tag(run_id, RunTag("t", "first"))
        store.set_tag(run_id, RunTag("t", "second"))
        assert store.get_run(run_id).data.tags["t"] == "second"
        store.log_batch(run_id, tags=[RunTag("u", "a"), RunTag("u", "b")])
        assert store.get_run(run_id).data.tags["u"] == "b"

    def test_delete_tag(self, store, run_id):
        store.set_tag(run_id, RunTag("t", "x"))
        store.delete_tag(run_id, "t")
        assert "t" not in store.get_run(run_id).data.tags
        with pytest.raises(NotFound):
            store.delete_tag(run_id, "t")

    def test_values_at_their_limits_are_stored_whole(self, store, run_id):
        key = "k" * 250
        store.log_batch(run_id, params=[Param(key, "p" * 6000)], tags=[RunTag(key, "t" * 8000)])
        data = store.get_run(run_id).data
        assert data.params[key] == "p" * 6000
        assert data.tags[key] == "t" * 8000

    def test_unicode_round_trip(self, store, run_id):
        store.log_batch(run_id, params=[Param("p", "naïve 模型 🚀")], tags=[RunTag("t", "ünïcode ✓")])
        data = store.get_run(run_id).data
        assert (data.params["p"], data.tags["t"]) == ("naïve 模型 🚀", "ünïcode ✓")

    def _latest(self, store, run_id, key):
        (metric,) = [m for m in store.get_run(run_id).data.metric_list if m.key == key]
        return metric

    def test_latest_metric_is_the_highest_step(self, store, run_id):
        store.log_batch(run_id, metrics=[Metric("m", 5.0, T0 + 100, 2), Metric("m", 9.0, T0 + 200, 1)])
        store.log_metric(run_id, Metric("m", 7.0, T0 + 300, 0))
        latest = self._latest(store, run_id, "m")
        assert (latest.value, latest.step, latest.timestamp) == (5.0, 2, T0 + 100)

    def test_latest_metric_at_one_step_is_the_latest_timestamp(self, store, run_id):
        store.log_metric(run_id, Metric("m", 1.0, T0 + 20, 4))
        store.log_metric(run_id, Metric("m", 3.0, T0 + 10, 4))
        assert self._latest(store, run_id, "m").value == 1.0
        store.log_metric(run_id, Metric("m", 0.5, T0 + 30, 4))
        assert self._latest(store, run_id, "m").value == 0.5

    def test_latest_metric_at_one_step_and_time_is_the_highest_value(self, store, run_id):
        store.log_batch(run_id, metrics=[Metric("m", 2.0, T0, 1), Metric("m", 8.0, T0, 1), Metric("m", 4.0, T0, 1)])
        assert self._latest(store, run_id, "m").value == 8.0
        store.log_metric(run_id, Metric("m", 3.0, T0, 1))
        assert self._latest(store, run_id, "m").value == 8.0

    def test_a_later_nan_becomes_the_latest_value(self, store, run_id):
        store.log_metric(run_id, Metric("m", 1.0, T0, 0))
        store.log_metric(run_id, Metric("m", math.nan, T0 + 1, 1))
        assert math.isnan(self._latest(store, run_id, "m").value)
        store.log_metric(run_id, Metric("m", 2.0, T0 + 2, 2))
        assert self._latest(store, run_id, "m").value == 2.0

    @pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, 0.0, -1.5e300, 1e-300])
    def test_metric_values_round_trip(self, store, run_id, value):
        store.log_metric(run_id, Metric("v", value, T0, 0))
        (stored,) = store.get_metric_history(run_id, "v")
        latest = self._latest(store, run_id, "v")
        for got in (stored.value, latest.value):
            assert (math.isnan(got) and math.isnan(value)) or got == value

    def test_nan_and_zero_are_different_points(self, store, run_id):
        store.log_batch(run_id, metrics=[Metric("m", 0.0, T0, 0), Metric("m", math.nan, T0, 0)])
        values = [m.value for m in store.get_metric_history(run_id, "m")]
        assert len(values) == 2 and 0.0 in values and any(math.isnan(v) for v in values)

    def test_metric_history_is_ordered_by_step_then_timestamp(self, store, run_id):
        points = [(3.0, T0 + 5, 2), (1.0, T0 + 9, 0), (2.0, T0 + 1, 1), (2.5, T0 + 2, 1), (0.5, T0 + 3, 0)]
        store.log_batch(run_id, metrics=[Metric("m", v, ts, s) for v, ts, s in points[:3]])
        for v, ts, s in points[3:]:
            store.log_metric(run_id, Metric("m", v, ts, s))
        history = store.get_metric_history(run_id, "m")
        assert [(m.step, m.timestamp, m.value) for m in history] == sorted((s, ts, v) for v, ts, s in points)
        assert all(m.key == "m" for m in history)
        assert history.token is None

    def test_logging_an_identical_point_twice_is_accepted(self, store, run_id):
        store.log_metric(run_id, Metric("m", 1.0, T0, 0))
        store.log_metric(run_id, Metric("m", 1.0, T0, 0))
        store.log_batch(run_id, metrics=[Metric("m", 1.0, T0, 0), Metric("m", 1.0, T0, 0)])
        history = store.get_metric_history(run_id, "m")
        assert {(m.value, m.timestamp, m.step) for m in history} == {(1.0, T0, 0)}
        assert self._latest(store, run_id, "m").value == 1.0

    def test_metric_history_pages(self, store, run_id):
        store.log_batch(run_id, metrics=[Metric("m", float(i), T0 + i, i) for i in range(10)])
        steps, token, pages = [], None, 0
        while True:
            page = store.get_metric_history(run_id, "m", max_results=3, page_token=token)
            steps += [m.step for m in page]
            pages += 1
            token = page.token
            if not token:
                break
        assert steps == list(range(10))
        assert pages == 4

    @pytest.mark.parametrize("max_results", [0, -1])
    def test_metric_history_rejects_non_positive_max_results(self, store, run_id, max_results):
        with pytest.raises(InvalidParameter):
            store.get_metric_history(run_id, "m", max_results=max_results)

    def test_metric_history_of_an_unknown_key_is_empty(self, store, run_id):
        assert list(store.get_metric_history(run_id, "never-logged")) == []

    def test_metric_history_of_an_unknown_run_raises_not_found(self, store):
        with pytest.raises(NotFound):
            store.get_metric_history(UNKNOWN_RUN_ID, "m")

    def test_metric_history_bulk_interval(self, store, experiment_id):
        runs = [store.create_run(experiment_id, start_time=T0).info.run_id for _ in range(2)]
        for rid in runs:
            store.log_batch(rid, metrics=[Metric("m", float(s), T0 + s, s) for s in range(10)])
        points = store.get_metric_history_bulk_interval(runs, "m", max_results=4)
        for rid in runs:
            steps = [m.step for m in points if m.run_id == rid]
            assert len(steps) <= 4 and steps[0] == 0 and steps[-1] == 9
            assert steps == sorted(steps)
        ranged = store.get_metric_history_bulk_interval(runs[:1], "m", max_results=100, start_step=3, end_step=5)
        assert [(m.run_id, m.step) for m in ranged] == [(runs[0], 3), (runs[0], 4), (runs[0], 5)]

    # --- validation: a rejected batch writes nothing --------------------------------------------
    @pytest.mark.parametrize("case", [
        "1001 metrics", "101 params", "101 tags", "1001 in total", "bad metric key", "bad param key",
        "param value too long", "tag value too long", "metric value not a number", "negative timestamp",
        "one key, two param values",
    ])
    def test_invalid_batch_is_rejected_whole(self, store, run_id, case):
        good_metric, good_param, good_tag = Metric("ok", 1.0, T0, 0), Param("ok", "1"), RunTag("ok", "1")
        batch = {
            "1001 metrics": ([Metric("m", 1.0, T0, i) for i in range(1001)], [good_param], []),
            "101 params": ([good_metric], [Param(f"p{i}", "v") for i in range(101)], []),
            "101 tags": ([good_metric], [], [RunTag(f"t{i}", "v") for i in range(101)]),
            "1001 in total": ([Metric("m", 1.0, T0, i) for i in range(900)],
                              [Param(f"p{i}", "v") for i in range(100)], [good_tag]),
            "bad metric key": ([good_metric, Metric("bad/../key", 1.0, T0, 0)], [good_param], []),
            "bad param key": ([good_metric], [Param("/abs", "v")], []),
            "param value too long": ([good_metric], [Param("p", "x" * 6001)], []),
            "tag value too long": ([good_metric], [], [RunTag("t", "x" * 8001)]),
            "metric value not a number": ([good_metric, Metric("m", "abc", T0, 0)], [], []),  # type: ignore[arg-type]
            "negative timestamp": ([good_metric, Metric("m", 1.0, -1, 0)], [], []),
            "one key, two param values": ([good_metric], [Param("p", "1"), Param("p", "2")], []),
        }[case]
        with pytest.raises(InvalidParameter) as err:
            store.log_batch(run_id, *batch)
        assert err.value.error_code == "INVALID_PARAMETER_VALUE"
        data = store.get_run(run_id).data
        assert data.metrics == {} and data.params == {}
        assert set(data.tags) == {RUN_NAME_TAG}

    def test_deleted_run_rejects_writes(self, store, run_id):
        store.set_tag(run_id, RunTag("t", "x"))
        store.delete_run(run_id)
        writes = [
            lambda: store.log_metric(run_id, Metric("m", 1.0, T0, 0)),
            lambda: store.log_param(run_id, Param("p", "1")),
            lambda: store.set_tag(run_id, RunTag("t", "y")),
            lambda: store.log_batch(run_id, metrics=[Metric("m", 1.0, T0, 0)]),
            lambda: store.delete_tag(run_id, "t"),
            lambda: store.update_run_info(run_id, run_status=RunStatus.FINISHED),
        ]
        for write in writes:
            with pytest.raises(InvalidParameter) as err:
                write()
            assert err.value.message == (f"The run {run_id} must be in the 'active' state. "
                                         "Current state is deleted.")
        store.restore_run(run_id)
        assert store.get_run(run_id).data.tags["t"] == "x"
        assert store.get_run(run_id).data.metrics == {}

    def test_finished_run_accepts_writes(self, store, run_id):
        store.update_run_info(run_id, run_status=RunStatus.FINISHED, end_time=T0 + 1)
        store.log_metric(run_id, Metric("late", 1.0, T0 + 2, 0))
        assert store.get_run(run_id).data.metrics == {"late": 1.0}

    def test_writes_to_an_unknown_run_raise_not_found(self, store):
        for write in (lambda: store.log_metric(UNKNOWN_RUN_ID, Metric("m", 1.0, T0, 0)),
                      lambda: store.log_batch(UNKNOWN_RUN_ID, params=[Param("p", "1")]),
                      lambda: store.set_tag(UNKNOWN_RUN_ID, RunTag("t", "1"))):
            with pytest.raises(NotFound):
                write()

    # --- inputs ----------------------------------------------------------------------------------
    def _log_inputs_or_skip(self, store, run_id, datasets):
        try:
            store.log_inputs(run_id, datasets=datasets)
        except NotImplementedError:
            pytest.skip("this store does not record run inputs")

    def test_log_inputs(self, store, run_id):
        dataset = DatasetInput("train", "d1g3st", "local", "/data/train.csv", '{"cols": ["x"]}', None,
                               {"mlflow.data.context": "training"})
        self._log_inputs_or_skip(store, run_id, [dataset])
        store.log_inputs(run_id, datasets=[dataset])  # the same input again is recorded once
        (got,) = store.get_run(run_id).inputs.dataset_inputs
        assert (got.name, got.digest, got.source_type, got.source, got.schema) == (
            "train", "d1g3st", "local", "/data/train.csv", '{"cols": ["x"]}')
        assert got.tags == {"mlflow.data.context": "training"}

    @pytest.mark.parametrize("filter_string, expected", [
        ("datasets.name = 'train'", {"with"}),
        ("datasets.digest IN ('d1g3st', 'other')", {"with"}),
        ("datasets.context = 'training'", {"with"}),
        ("datasets.name LIKE 'tr%'", {"with"}),
        ("datasets.name != 'train'", set()),
    ])
    def test_search_runs_by_dataset(self, store, experiment_id, filter_string, expected):
        with_input = store.create_run(experiment_id, start_time=T0, run_name="with").info.run_id
        store.create_run(experiment_id, start_time=T0, run_name="without")
        self._log_inputs_or_skip(store, with_input, [DatasetInput("train", "d1g3st", "local", "/d", None, None,
                                                                  {"mlflow.data.context": "training"})])
        assert set(_names(store.search_runs([experiment_id], filter_string))) == expected

    # --- search_runs -----------------------------------------------------------------------------
    @pytest.fixture
    def four_runs(self, store, experiment_id) -> dict[str, str]:
        """alpha, Beta, gamma, delta started at T0+0..3, with metrics, params, tags and statuses to filter on."""
        ids = {}
        specs = [
            ("alpha-run", "alice", {"acc": 0.9, "loss": 0.1}, {"lr": "0.01", "opt": "Adam"},
             {"team": "red", "stage": "dev"}, RunStatus.FINISHED, T0 + 10),
            ("Beta-run", "bob", {"acc": 0.5}, {"lr": "0.1", "opt": "sgd"}, {"team": "blue", "stage": "Dev"},
             None, None),
            ("gamma-run", "alice", {"acc": math.nan}, {"lr": "0.1"}, {"team": "red"}, RunStatus.FAILED, T0 + 5),
            ("delta-run", "carol", {}, {}, {}, None, None),
        ]
        for i, (name, user, metrics, params, tags, status, end) in enumerate(specs):
            rid = store.create_run(experiment_id, user_id=user, start_time=T0 + i, run_name=name).info.run_id
            store.log_batch(rid, metrics=[Metric(k, v, T0, 0) for k, v in metrics.items()],
                            params=[Param(k, v) for k, v in params.items()],
                            tags=[RunTag(k, v) for k, v in tags.items()])
            if status:
                store.update_run_info(rid, run_status=status, end_time=end)
            ids[name.split("-")[0].lower()] = rid
        return {"experiment_id": experiment_id, **ids}

    @pytest.mark.parametrize("filter_string, expected", [
        ("", {"alpha", "Beta", "gamma", "delta"}),
        ("metrics.acc > 0.6", {"alpha"}),
        ("metrics.acc >= 0.5", {"alpha", "Beta"}),
        ("metrics.acc < 0.9", {"Beta"}),
        ("metrics.acc <= 0.9", {"alpha", "Beta"}),
        ("metrics.acc = 0.5", {"Beta"}),
        ("metrics.acc != 0.5", {"alpha", "gamma"}),  # NaN differs from every number
        ("metric.loss < 1", {"alpha"}),
        ("metrics.acc > -1e400", {"alpha", "Beta"}),
        ("metrics.missing > 0", set()),
        ("params.lr = '0.1'", {"Beta", "gamma"}),
        ("params.lr != '0.1'", {"alpha"}),
        ("param.opt LIKE 'A%'", {"alpha"}),
        ("params.opt LIKE 'a%'", set()),
        ("params.opt ILIKE 'a%'", {"alpha"}),
        ("params.opt IS NULL", {"gamma", "delta"}),
        ("params.opt IS NOT NULL", {"alpha", "Beta"}),
        ("tags.team = 'red'", {"alpha", "gamma"}),
        ("tags.team != 'red'", {"Beta"}),
        ("tags.stage LIKE 'dev'", {"alpha"}),
        ("tags.stage ILIKE 'DEV'", {"alpha", "Beta"}),
        ("tags.stage LIKE '_ev'", {"alpha", "Beta"}),
        ("tags.team IS NULL", {"delta"}),
        ("tags.`mlflow.runName` = 'alpha-run'", {"alpha"}),
        ('tags."team" = \'blue\'', {"Beta"}),
        ("attributes.run_name = 'Beta-run'", {"Beta"}),
        ("run_name != 'alpha-run'", {"Beta", "gamma", "delta"}),
        ("attributes.run_name LIKE '%ta-run'", {"Beta", "delta"}),
        ("attributes.run_name ILIKE 'beta%'", {"Beta"}),
        ("attributes.status = 'RUNNING'", {"Beta", "delta"}),
        ("status != 'RUNNING'", {"alpha", "gamma"}),
        ("attributes.user_id = 'alice'", {"alpha", "gamma"}),
        ("attributes.start_time > {after_beta}", {"gamma", "delta"}),
        ("created < {after_alpha}", {"alpha"}),
        ("attributes.end_time >= {t0}", {"alpha", "gamma"}),
        ("attributes.run_id = '{beta}'", {"Beta"}),
        ("attributes.run_id IN ('{alpha}', '{gamma}')", {"alpha", "gamma"}),
        ("run_id NOT IN ('{alpha}')", {"Beta", "gamma", "delta"}),
        ("metrics.acc > 0.1 and params.lr = '0.1'", {"Beta"}),
        ("tags.team = 'red' AND attributes.status = 'FAILED'", {"gamma"}),
        ("params.lr = '0.1' and tags.team = 'blue' and metrics.acc < 1", {"Beta"}),
    ])
    def test_search_runs_filter(self, store, four_runs, filter_string, expected):
        text = filter_string.format(t0=T0, after_alpha=T0 + 1, after_beta=T0 + 1, **four_runs)
        found = store.search_runs([four_runs["experiment_id"]], text)
        assert {n.split("-")[0] for n in _names(found)} == expected

    @pytest.mark.parametrize("order_by, expected", [
        (["metrics.acc ASC"], ["Beta", "alpha", "gamma", "delta"]),  # NaN after numbers, missing last
        (["metrics.acc DESC"], ["alpha", "Beta", "gamma", "delta"]),
        (["metrics.`acc`"], ["Beta", "alpha", "gamma", "delta"]),
        (["params.lr ASC"], ["alpha", "gamma", "Beta", "delta"]),  # ties: start_time DESC
        (["params.lr DESC"], ["gamma", "Beta", "alpha", "delta"]),
        (["tags.team ASC"], ["Beta", "gamma", "alpha", "delta"]),
        (["attributes.user_id ASC"], ["gamma", "alpha", "Beta", "delta"]),
        (["start_time ASC"], ["alpha", "Beta", "gamma", "delta"]),
        (["attributes.start_time DESC"], ["delta", "gamma", "Beta", "alpha"]),
        (["attributes.end_time ASC"], ["gamma", "alpha", "delta", "Beta"]),  # no end time: last
        (["attributes.end_time DESC"], ["alpha", "gamma", "delta", "Beta"]),
        (["tags.team DESC", "metrics.acc ASC"], ["alpha", "gamma", "Beta", "delta"]),
    ])
    def test_search_runs_order_by(self, store, four_runs, order_by, expected):
        found = store.search_runs([four_runs["experiment_id"]], order_by=order_by)
        assert [n.split("-")[0] for n in _names(found)] == expected

    def test_search_runs_default_order(self, store, experiment_id):
        same_start = [store.create_run(experiment_id, start_time=T0).info.run_id for _ in range(3)]
        newest = store.create_run(experiment_id, start_time=T0 + 1).info.run_id
        oldest = store.create_run(experiment_id, start_time=T0 - 1).info.run_id
        found = [r.info.run_id for r in store.search_runs([experiment_id])]
        assert found == [newest, *sorted(same_start), oldest]

    def test_search_runs_returns_each_runs_own_data(self, store, four_runs):
        by_name = {r.info.run_name: r for r in store.search_runs([four_runs["experiment_id"]])}
        assert by_name["alpha-run"].data.params == {"lr": "0.01", "opt": "Adam"}
        assert by_name["alpha-run"].data.metrics == {"acc": 0.9, "loss": 0.1}
        assert by_name["Beta-run"].data.tags["team"] == "blue"
        assert math.isnan(by_name["gamma-run"].data.metrics["acc"])
        assert by_name["delta-run"].data.params == {} and by_name["delta-run"].data.metrics == {}
        assert by_name["alpha-run"].info.status == RunStatus.FINISHED

    def test_search_runs_view_types(self, store, four_runs):
        store.delete_run(four_runs["gamma"])
        experiment = [four_runs["experiment_id"]]
        active = {n.split("-")[0] for n in _names(store.search_runs(experiment))}
        deleted = {n.split("-")[0] for n in _names(store.search_runs(experiment, "", ViewType.DELETED_ONLY))}
        every = {n.split("-")[0] for n in _names(store.search_runs(experiment, "", ViewType.ALL))}
        assert (active, deleted, every) == ({"alpha", "Beta", "delta"}, {"gamma"},
                                            {"alpha", "Beta", "gamma", "delta"})

    def test_search_runs_across_experiments(self, store):
        first, second, other = (store.create_experiment(unique()) for _ in range(3))
        a = store.create_run(first, start_time=T0).info.run_id
        b = store.create_run(second, start_time=T0 + 1).info.run_id
        store.create_run(other, start_time=T0)
        assert [r.info.run_id for r in store.search_runs([first, second])] == [b, a]

    @pytest.mark.parametrize("order_by", [None, ["metrics.m DESC"], ["params.p ASC"]])
    def test_search_runs_pagination_has_no_duplicates_or_gaps(self, store, experiment_id, order_by):
        expected = set()
        for i in range(11):
            rid = store.create_run(experiment_id, start_time=T0 + i % 4).info.run_id
            if i % 3:
                store.log_batch(rid, metrics=[Metric("m", float(i % 5), T0, 0)], params=[Param("p", str(i % 2))])
            expected.add(rid)
        whole = [r.info.run_id for r in store.search_runs([experiment_id], order_by=order_by)]
        paged = [r.info.run_id for r in self._search_all(store, [experiment_id], order_by=order_by, page_size=4)]
        assert paged == whole
        assert len(paged) == len(set(paged)) == 11 and set(paged) == expected

    def test_search_runs_short_last_page_has_no_token(self, store, experiment_id):
        for _ in range(3):
            store.create_run(experiment_id, start_time=T0)
        first = store.search_runs([experiment_id], max_results=2)
        assert len(first) == 2 and first.token
        second = store.search_runs([experiment_id], max_results=2, page_token=first.token)
        assert len(second) == 1 and second.token is None

    @pytest.mark.parametrize("kwargs", [
        {"max_results": 0},
        {"max_results": 50001},
        {"filter_string": "metrics.acc > 1 OR metrics.acc < 0"},
        {"filter_string": "params.lr = 0.1"},
        {"filter_string": "metrics.acc > 'high'"},
        {"filter_string": "attributes.nonsense = 'x'"},
        {"filter_string": "metrics.acc LIKE '1%'"},
        {"order_by": ["metrics.acc ASC", "metrics.acc DESC"]},
        {"order_by": ["attributes.nonsense"]},
        {"page_token": "garbage"},
    ])
    def test_search_runs_rejects_bad_arguments(self, store, experiment_id, kwargs):
        with pytest.raises(InvalidParameter) as err:
            store.search_runs([experiment_id], **kwargs)
        assert err.value.http_status == 400
