"""The RegistryStore contract as tests. Every model-registry store passes them: the suite is the spec.

Subclass `RegistryStoreContract` and provide two fixtures: `registry`, the store under test, and
`tracking`, a TrackingStore whose logged models and runs that registry sees (the same database, or the
same server)::

    from mlplug.testing.contracts.registry import RegistryStoreContract

    class TestMyRegistry(RegistryStoreContract):
        @pytest.fixture
        def registry(self, my_registry):
            return my_registry

        @pytest.fixture
        def tracking(self, my_tracking_store):
            return my_tracking_store

Each test creates uniquely named models and looks only at those, so one long-lived store (even a shared
server) can serve the whole suite.
"""
from __future__ import annotations

import time
import uuid

import pytest

from mlplug.entities import ModelVersionStage
from mlplug.errors import AlreadyExists, InvalidParameter, NotFound
from mlplug.uri import join

PROMPT_TAG = "mlflow.prompt.is_prompt"


def unique(prefix: str = "model") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def _versions(versions) -> list[str]:
    return [v.version for v in versions]


def _names(models) -> list[str]:
    return [m.name for m in models]


class RegistryStoreContract:
    """Plain pytest tests; subclasses provide the `registry` and `tracking` fixtures."""

    @pytest.fixture
    def registry(self):
        raise NotImplementedError("Subclasses provide a `registry` fixture that returns the RegistryStore under test.")

    @pytest.fixture
    def tracking(self):
        raise NotImplementedError("Subclasses provide a `tracking` fixture: the TrackingStore the registry sees.")

    @pytest.fixture
    def name(self, registry) -> str:
        """A new registered model without versions."""
        name = unique()
        registry.create_registered_model(name)
        return name

    def _add_versions(self, registry, name: str, count: int, source: str = "s3://bucket/model") -> list[str]:
        return [registry.create_model_version(name, f"{source}/{i}").version for i in range(count)]

    # --- registered models --------------------------------------------------------------------------
    def test_create_and_get_registered_model(self, registry):
        name = unique()
        created = registry.create_registered_model(name, tags={"team": "red"}, description="first")
        assert (created.name, created.description, created.tags) == (name, "first", {"team": "red"})
        got = registry.get_registered_model(name)
        assert (got.name, got.description, got.tags, got.latest_versions, got.aliases) == (
            name, "first", {"team": "red"}, [], {})
        assert got.creation_timestamp and got.last_updated_timestamp >= got.creation_timestamp

    def test_duplicate_registered_model_raises_already_exists(self, registry, name):
        with pytest.raises(AlreadyExists) as err:
            registry.create_registered_model(name)
        assert (err.value.error_code, err.value.http_status) == ("RESOURCE_ALREADY_EXISTS", 400)
        assert f"Registered Model (name={name}) already exists" in err.value.message

    @pytest.mark.parametrize("bad", ["", "a/b", "a:b", "x" * 257])
    def test_invalid_registered_model_names_are_rejected(self, registry, bad):
        with pytest.raises(InvalidParameter) as err:
            registry.create_registered_model(bad)
        assert err.value.http_status == 400

    def test_unknown_registered_model_raises_not_found(self, registry):
        name = unique()
        for call in (lambda: registry.get_registered_model(name), lambda: registry.delete_registered_model(name),
                     lambda: registry.update_registered_model(name, "d"),
                     lambda: registry.create_model_version(name, "s3://b/m"),
                     lambda: registry.get_latest_versions(name)):
            with pytest.raises(NotFound) as err:
                call()
            assert (err.value.error_code, err.value.http_status) == ("RESOURCE_DOES_NOT_EXIST", 404)

    def test_update_registered_model_description(self, registry, name):
        before = registry.get_registered_model(name).last_updated_timestamp
        time.sleep(0.002)
        updated = registry.update_registered_model(name, "better")
        assert updated.description == "better"
        assert registry.get_registered_model(name).last_updated_timestamp > before

    def test_rename_moves_versions_tags_and_aliases(self, registry, name):
        self._add_versions(registry, name, 2)
        registry.set_registered_model_tag(name, "k", "v")
        registry.set_model_version_tag(name, "2", "vk", "vv")
        registry.set_registered_model_alias(name, "champion", "2")
        new_name = unique("renamed")
        assert registry.rename_registered_model(name, new_name).name == new_name
        with pytest.raises(NotFound):
            registry.get_registered_model(name)
        model = registry.get_registered_model(new_name)
        assert (model.tags, model.aliases) == ({"k": "v"}, {"champion": "2"})
        version = registry.get_model_version_by_alias(new_name, "champion")
        assert (version.name, version.version, version.tags) == (new_name, "2", {"vk": "vv"})
        assert registry.create_model_version(new_name, "s3://b/m").version == "3"

    def test_rename_to_a_taken_name_raises_already_exists(self, registry, name):
        other = unique()
        registry.create_registered_model(other)
        with pytest.raises(AlreadyExists):
            registry.rename_registered_model(name, other)

    def test_delete_registered_model_removes_versions_tags_and_aliases(self, registry, name):
        self._add_versions(registry, name, 2)
        registry.set_registered_model_tag(name, "k", "v")
        registry.set_registered_model_alias(name, "champion", "1")
        registry.delete_registered_model(name)
        with pytest.raises(NotFound):
            registry.get_registered_model(name)
        with pytest.raises(NotFound):
            registry.get_model_version(name, "1")
        assert list(registry.search_model_versions(f"name = '{name}'")) == []
        registry.create_registered_model(name)  # the name is free again, with nothing left over
        fresh = registry.get_registered_model(name)
        assert (fresh.tags, fresh.aliases, fresh.latest_versions) == ({}, {}, [])
        with pytest.raises(NotFound):
            registry.get_model_version_by_alias(name, "champion")
        assert registry.create_model_version(name, "s3://b/m").version == "1"

    def test_registered_model_tags(self, registry, name):
        registry.set_registered_model_tag(name, "a", "1")
        registry.set_registered_model_tag(name, "a", "2")
        registry.set_registered_model_tag(name, "b", "x" * 5000)
        assert registry.get_registered_model(name).tags == {"a": "2", "b": "x" * 5000}
        registry.delete_registered_model_tag(name, "a")
        registry.delete_registered_model_tag(name, "a")  # already gone: not an error, as in MLflow
        assert registry.get_registered_model(name).tags == {"b": "x" * 5000}
        with pytest.raises(InvalidParameter):
            registry.set_registered_model_tag(name, "bad/../key", "v")

    # --- search registered models -------------------------------------------------------------------
    @pytest.fixture
    def three_models(self, registry) -> dict[str, str]:
        prefix = unique("search")
        names = {k: f"{prefix}-{k}" for k in ("apple", "Banana", "cherry")}
        registry.create_registered_model(names["apple"], tags={"fruit": "yes", "color": "red"})
        registry.create_registered_model(names["Banana"], tags={"fruit": "yes", "color": "yellow"})
        registry.create_registered_model(names["cherry"], tags={"color": "red"})
        return {"prefix": prefix, **names}

    @pytest.mark.parametrize("filter_template, expected", [
        ("name LIKE '{prefix}-%'", ["Banana", "apple", "cherry"]),
        ("name = '{prefix}-apple'", ["apple"]),
        ("name != '{prefix}-apple' AND name LIKE '{prefix}%'", ["Banana", "cherry"]),
        ("name LIKE '%{prefix}-b%'", []),
        ("name ILIKE '%{prefix}-b%'", ["Banana"]),
        ("name IN ('{prefix}-apple', '{prefix}-cherry')", ["apple", "cherry"]),
        ("name LIKE '{prefix}%' AND tags.color = 'red'", ["apple", "cherry"]),
        ("name LIKE '{prefix}%' AND tags.fruit = 'yes' AND tags.color LIKE 'y%'", ["Banana"]),
    ])
    def test_search_registered_models_filter(self, registry, three_models, filter_template, expected):
        found = registry.search_registered_models(filter_template.format(prefix=three_models["prefix"]))
        assert _names(found) == [three_models[k] for k in expected]

    def test_search_registered_models_order_and_pages(self, registry, three_models):
        query = f"name LIKE '{three_models['prefix']}%'"
        assert _names(registry.search_registered_models(query, order_by=["name DESC"])) == [
            three_models[k] for k in ("cherry", "apple", "Banana")]
        first = registry.search_registered_models(query, max_results=2)
        assert _names(first) == [three_models["Banana"], three_models["apple"]] and first.token
        second = registry.search_registered_models(query, max_results=2, page_token=first.token)
        assert _names(second) == [three_models["cherry"]] and second.token is None

    @pytest.mark.parametrize("prompt_clause, expected", [
        ("", "model"),
        (f" AND tag.`{PROMPT_TAG}` != 'true'", "model"),  # what MLflow clients add to every search
        (f" AND tags.`{PROMPT_TAG}` = 'false'", "model"),
        (f" AND tags.`{PROMPT_TAG}` = 'true'", "prompt"),
        (f" AND tags.`{PROMPT_TAG}` != 'false'", "prompt"),
    ])
    def test_search_keeps_prompts_and_models_apart(self, registry, prompt_clause, expected):
        prefix = unique("prompts")
        for kind in ("model", "prompt"):
            registry.create_registered_model(f"{prefix}-{kind}", tags={PROMPT_TAG: "true"} if kind == "prompt" else {})
            registry.create_model_version(f"{prefix}-{kind}", "s3://b/m")
        assert _names(registry.search_registered_models(f"name LIKE '{prefix}%'{prompt_clause}")) == [
            f"{prefix}-{expected}"]
        assert _names(registry.search_model_versions(f"name LIKE '{prefix}%'{prompt_clause}")) == [
            f"{prefix}-{expected}"]

    @pytest.mark.parametrize("kwargs", [
        {"filter_string": "name = x"},
        {"filter_string": "version_number = 1"},
        {"filter_string": "name = 'a' OR name = 'b'"},
        {"order_by": ["nope"]},
        {"max_results": 0},
        {"max_results": 1001},
        {"page_token": "not a token"},
    ])
    def test_search_registered_models_rejects_bad_arguments(self, registry, kwargs):
        with pytest.raises(InvalidParameter):
            registry.search_registered_models(**kwargs)

    # --- model versions -----------------------------------------------------------------------------------
    def test_create_and_get_model_version(self, registry, tracking, name):
        experiment_id = tracking.create_experiment(unique("exp"))
        run_id = tracking.create_run(experiment_id, start_time=1).info.run_id
        created = registry.create_model_version(name, "s3://bucket/m", run_id=run_id, tags={"t": "1"},
                                                run_link="http://link", description="v1")
        assert (created.name, created.version, created.current_stage, created.status) == (
            name, "1", ModelVersionStage.NONE, "READY")
        got = registry.get_model_version(name, "1")
        assert (got.source, got.run_id, got.tags, got.run_link, got.description) == (
            "s3://bucket/m", run_id, {"t": "1"}, "http://link", "v1")
        assert got.creation_timestamp and got.last_updated_timestamp >= got.creation_timestamp
        assert registry.get_model_version_download_uri(name, "1") == "s3://bucket/m"
        assert _versions(registry.get_registered_model(name).latest_versions) == ["1"]

    def test_version_numbers_are_never_reused(self, registry, name):
        assert self._add_versions(registry, name, 3) == ["1", "2", "3"]
        registry.delete_model_version(name, "3")  # the newest
        assert registry.create_model_version(name, "s3://b/m").version == "4"
        registry.delete_model_version(name, "1")
        registry.delete_model_version(name, "4")
        assert registry.create_model_version(name, "s3://b/m").version == "5"
        assert sorted(_versions(registry.search_model_versions(f"name = '{name}'")), key=int) == ["2", "5"]

    def test_unknown_model_version_raises_not_found(self, registry, name):
        self._add_versions(registry, name, 1)
        with pytest.raises(NotFound) as err:
            registry.get_model_version(name, "9")
        assert err.value.http_status == 404
        assert f"Model Version (name={name}, version=9) not found" in err.value.message
        for call in (lambda: registry.delete_model_version(name, "9"),
                     lambda: registry.update_model_version(name, "9", "d"),
                     lambda: registry.get_model_version_download_uri(name, "9"),
                     lambda: registry.set_model_version_tag(name, "9", "k", "v"),
                     lambda: registry.transition_model_version_stage(name, "9", "Staging")):
            with pytest.raises(NotFound):
                call()

    def test_version_must_be_a_number(self, registry, name):
        with pytest.raises(InvalidParameter):
            registry.get_model_version(name, "one")

    def test_create_model_version_needs_a_source(self, registry, name):
        with pytest.raises(InvalidParameter):
            registry.create_model_version(name, "")

    def test_update_model_version_description(self, registry, name):
        self._add_versions(registry, name, 1)
        before = registry.get_model_version(name, "1").last_updated_timestamp
        time.sleep(0.002)
        assert registry.update_model_version(name, "1", "better").description == "better"
        assert registry.get_model_version(name, "1").last_updated_timestamp > before

    def test_model_version_tags(self, registry, name):
        self._add_versions(registry, name, 2)
        registry.set_model_version_tag(name, "1", "a", "1")
        registry.set_model_version_tag(name, "1", "a", "2")
        registry.set_model_version_tag(name, "2", "b", "3")
        assert registry.get_model_version(name, "1").tags == {"a": "2"}
        registry.delete_model_version_tag(name, "1", "a")
        registry.delete_model_version_tag(name, "1", "a")
        assert registry.get_model_version(name, "1").tags == {}
        assert registry.get_model_version(name, "2").tags == {"b": "3"}

    # --- search model versions -------------------------------------------------------------------------------
    @pytest.fixture
    def versions(self, registry, tracking, name) -> dict:
        experiment_id = tracking.create_experiment(unique("exp"))
        runs = [tracking.create_run(experiment_id, start_time=1).info.run_id for _ in range(2)]
        for i, run_id in enumerate([runs[0], runs[0], runs[1]]):
            registry.create_model_version(name, f"s3://bucket/{name}/v{i + 1}", run_id=run_id,
                                          tags={"parity": "odd" if i % 2 == 0 else "even"})
            time.sleep(0.002)
        return {"name": name, "runs": runs}

    @pytest.mark.parametrize("filter_template, expected", [
        ("name = '{name}'", ["3", "2", "1"]),
        ("name = '{name}' AND run_id = '{run0}'", ["2", "1"]),
        ("run_id IN ('{run1}')", ["3"]),
        ("name = '{name}' AND version_number > 1", ["3", "2"]),
        ("name = '{name}' AND version_number <= 2 AND tags.parity = 'odd'", ["1"]),
        ("source_path = 's3://bucket/{name}/v2'", ["2"]),
        ("name LIKE '{name}' AND source_path LIKE '%/v3'", ["3"]),
    ])
    def test_search_model_versions_filter(self, registry, versions, filter_template, expected):
        query = filter_template.format(name=versions["name"], run0=versions["runs"][0], run1=versions["runs"][1])
        assert _versions(registry.search_model_versions(query)) == expected

    def test_search_model_versions_order_and_pages(self, registry, versions):
        query = f"name = '{versions['name']}'"
        assert _versions(registry.search_model_versions(query, order_by=["version_number ASC"])) == ["1", "2", "3"]
        first = registry.search_model_versions(query, max_results=2, order_by=["version_number ASC"])
        assert _versions(first) == ["1", "2"] and first.token
        second = registry.search_model_versions(query, max_results=2, order_by=["version_number ASC"],
                                                page_token=first.token)
        assert _versions(second) == ["3"] and second.token is None

    @pytest.mark.parametrize("kwargs", [
        {"filter_string": "version_number = 'one'"},
        {"filter_string": "stage = 'None'"},
        {"order_by": ["version_number ASC", "version_number DESC"]},
        {"max_results": 0},
    ])
    def test_search_model_versions_rejects_bad_arguments(self, registry, kwargs):
        with pytest.raises(InvalidParameter):
            registry.search_model_versions(**kwargs)

    # --- stages ---------------------------------------------------------------------------------------------
    def test_transition_stage_and_latest_versions(self, registry, name):
        self._add_versions(registry, name, 4)
        assert registry.transition_model_version_stage(name, "1", "production").current_stage == "Production"
        registry.transition_model_version_stage(name, "2", "STAGING")
        registry.transition_model_version_stage(name, "3", "Staging")
        latest = {v.current_stage: v.version for v in registry.get_latest_versions(name)}
        assert latest == {"None": "4", "Staging": "3", "Production": "1"}
        assert _versions(registry.get_latest_versions(name, ["Staging"])) == ["3"]
        assert _versions(registry.get_latest_versions(name, ["production", "None"])) == ["4", "1"]
        assert _versions(registry.get_latest_versions(name, ["Archived"])) == []
        model = registry.get_registered_model(name)
        assert sorted(_versions(model.latest_versions), key=int) == ["1", "3", "4"]

    def test_transition_can_archive_the_versions_in_the_stage(self, registry, name):
        self._add_versions(registry, name, 3)
        registry.transition_model_version_stage(name, "1", "Production")
        registry.transition_model_version_stage(name, "2", "Production")
        registry.transition_model_version_stage(name, "3", "Production", archive_existing_versions=True)
        stages = {v: registry.get_model_version(name, v).current_stage for v in ("1", "2", "3")}
        assert stages == {"1": "Archived", "2": "Archived", "3": "Production"}

    def test_transition_rejects_bad_stages(self, registry, name):
        self._add_versions(registry, name, 1)
        with pytest.raises(InvalidParameter):
            registry.transition_model_version_stage(name, "1", "Deployed")
        with pytest.raises(InvalidParameter):
            registry.transition_model_version_stage(name, "1", "Archived", archive_existing_versions=True)
        with pytest.raises(InvalidParameter):
            registry.get_latest_versions(name, ["Deployed"])

    # --- aliases --------------------------------------------------------------------------------------------
    def test_aliases_point_at_versions_and_move(self, registry, name):
        self._add_versions(registry, name, 2)
        registry.set_registered_model_alias(name, "champion", "1")
        registry.set_registered_model_alias(name, "challenger", "2")
        champion = registry.get_model_version_by_alias(name, "champion")
        assert (champion.version, champion.aliases) == ("1", ["champion"])
        registry.set_registered_model_alias(name, "champion", "2")
        assert registry.get_model_version_by_alias(name, "champion").version == "2"
        assert registry.get_registered_model(name).aliases == {"challenger": "2", "champion": "2"}
        assert sorted(registry.get_model_version(name, "2").aliases) == ["challenger", "champion"]
        assert registry.get_model_version(name, "1").aliases == []

    def test_deleting_a_version_drops_its_aliases(self, registry, name):
        self._add_versions(registry, name, 2)
        registry.set_registered_model_alias(name, "champion", "2")
        registry.set_registered_model_alias(name, "old", "1")
        registry.delete_model_version(name, "2")
        with pytest.raises(NotFound):
            registry.get_model_version_by_alias(name, "champion")
        assert registry.get_registered_model(name).aliases == {"old": "1"}

    def test_delete_alias(self, registry, name):
        self._add_versions(registry, name, 1)
        registry.set_registered_model_alias(name, "champion", "1")
        registry.delete_registered_model_alias(name, "champion")
        registry.delete_registered_model_alias(name, "champion")  # already gone: not an error, as in MLflow
        with pytest.raises(NotFound) as err:
            registry.get_model_version_by_alias(name, "champion")
        assert err.value.http_status == 404
        assert registry.get_registered_model(name).aliases == {}

    def test_latest_alias_is_the_newest_version(self, registry, name):
        self._add_versions(registry, name, 3)
        registry.transition_model_version_stage(name, "3", "Archived")
        assert registry.get_model_version_by_alias(name, "latest").version == "3"
        assert registry.get_model_version_by_alias(name, "LATEST").version == "3"

    @pytest.mark.parametrize("bad", ["", "latest", "Latest", "v1", "V12", "has space", "a/b", "x" * 256])
    def test_invalid_aliases_are_rejected(self, registry, name, bad):
        self._add_versions(registry, name, 1)
        with pytest.raises(InvalidParameter):
            registry.set_registered_model_alias(name, bad, "1")

    def test_alias_needs_an_existing_version(self, registry, name):
        self._add_versions(registry, name, 1)
        with pytest.raises(NotFound):
            registry.set_registered_model_alias(name, "champion", "2")
        with pytest.raises(NotFound):
            registry.set_registered_model_alias(unique(), "champion", "1")

    # --- versions from MLflow 3 logged models ---------------------------------------------------------------
    def test_version_from_a_logged_model(self, registry, tracking, name):
        experiment_id = tracking.create_experiment(unique("exp"))
        run_id = tracking.create_run(experiment_id, start_time=1).info.run_id
        model = tracking.create_logged_model(experiment_id, "model", run_id)
        version = registry.create_model_version(name, f"models:/{model.model_id}", model_id=model.model_id)
        assert (version.source, version.model_id, version.run_id) == (f"models:/{model.model_id}", model.model_id,
                                                                      run_id)
        location = registry.get_model_version_download_uri(name, version.version)
        assert location == model.artifact_location
        assert location == join(tracking.get_experiment(experiment_id).artifact_location, "models", model.model_id,
                                "artifacts")

    def test_version_from_a_logged_model_uri_alone(self, registry, tracking, name):
        experiment_id = tracking.create_experiment(unique("exp"))
        model = tracking.create_logged_model(experiment_id, "model")
        version = registry.create_model_version(name, f"models:/{model.model_id}")
        assert (version.model_id, version.run_id) == (model.model_id, "")
        assert registry.get_model_version_download_uri(name, version.version) == model.artifact_location

    def test_version_from_another_version(self, registry, name):
        self._add_versions(registry, name, 1, source="s3://bucket/first")
        copy = registry.create_model_version(name, f"models:/{name}/1")
        assert registry.get_model_version_download_uri(name, copy.version) == "s3://bucket/first/0"

    def test_version_from_an_unknown_logged_model_raises_not_found(self, registry, name):
        with pytest.raises(NotFound):
            registry.create_model_version(name, "models:/m-0123456789abcdef0123456789abcdef")
        assert list(registry.search_model_versions(f"name = '{name}'")) == []
