"""The search grammar: filter strings and order_by clauses as every store receives them."""
from __future__ import annotations

import pytest

from mlplug.errors import InvalidParameter
from mlplug.search import (Comparison, OrderBy, like_to_regex, parse_filter, parse_order_by,
                           parse_structured_order_by)


@pytest.mark.parametrize("text, expected", [
    ("metrics.acc > 0.5", [Comparison("metric", "acc", ">", 0.5)]),
    ("metric.loss <= -1e-3", [Comparison("metric", "loss", "<=", -0.001)]),
    ("params.lr = '0.1'", [Comparison("param", "lr", "=", "0.1")]),
    ('parameters.model != "cnn"', [Comparison("param", "model", "!=", "cnn")]),
    ("tags.team LIKE 'ml%'", [Comparison("tag", "team", "LIKE", "ml%")]),
    ("tags.team ilike 'ML%'", [Comparison("tag", "team", "ILIKE", "ML%")]),
    ("tags.`mlflow.runName` = 'first'", [Comparison("tag", "mlflow.runName", "=", "first")]),
    ('tags."my key" = \'v\'', [Comparison("tag", "my key", "=", "v")]),
    ("attributes.status = 'FINISHED'", [Comparison("attribute", "status", "=", "FINISHED")]),
    ("run_name = 'a'", [Comparison("attribute", "run_name", "=", "a")]),
    ("`Run name` = 'a'", [Comparison("attribute", "run_name", "=", "a")]),
    ("created > 1700000000000", [Comparison("attribute", "start_time", ">", 1700000000000.0)]),
    ("attr.run_id IN ('a', 'b')", [Comparison("attribute", "run_id", "IN", ("a", "b"))]),
    ("run_id NOT IN ('a')", [Comparison("attribute", "run_id", "NOT IN", ("a",))]),
    ("params.opt IS NULL", [Comparison("param", "opt", "IS NULL", None)]),
    ("tags.x IS NOT NULL", [Comparison("tag", "x", "IS NOT NULL", None)]),
    ("params.q = 'it''s'", [Comparison("param", "q", "=", "it's")]),
    ("metrics.a <> 1", [Comparison("metric", "a", "!=", 1.0)]),
    ("datasets.name IN ('train', 'test')", [Comparison("dataset", "name", "IN", ("train", "test"))]),
])
def test_run_filters(text, expected):
    assert parse_filter(text) == expected


def test_comparisons_joined_by_and_in_any_case():
    assert parse_filter("metrics.acc >= 0.9 AND params.lr = '0.1' and tags.t != 'x'") == [
        Comparison("metric", "acc", ">=", 0.9),
        Comparison("param", "lr", "=", "0.1"),
        Comparison("tag", "t", "!=", "x"),
    ]


@pytest.mark.parametrize("text", [None, "", "   "])
def test_empty_filter_matches_everything(text):
    assert parse_filter(text) == []


@pytest.mark.parametrize("text, message", [
    ("metrics.a > 1 OR metrics.b > 2", "supports only AND"),
    ("metrics.acc > 'high'", "Expected numeric value type for metric 'acc'. Found 'high'"),
    ("params.lr = 0.1", "Parameter value is either not quoted"),
    ("metrics.acc LIKE '1%'", "Invalid comparator 'LIKE' not one of"),
    ("nonsense = 'x'", "Invalid attribute key 'nonsense' specified."),
    ("metrics.acc >", "ends in the middle of a comparison"),
    ("metrics.acc > 1 metrics.b > 2", "Expected AND between comparisons"),
    ("params.a = 'x' ; drop", "unexpected character"),
    ("run_id IN 'a'", "IN expects a parenthesised list"),
    ("start_time LIKE 'x'", "Invalid comparator 'LIKE'"),
])
def test_invalid_filters_are_invalid_parameter(text, message):
    with pytest.raises(InvalidParameter) as raised:
        parse_filter(text)
    assert raised.value.error_code == "INVALID_PARAMETER_VALUE"
    assert message in raised.value.message


def test_experiment_filters_have_their_own_attributes():
    assert parse_filter("name LIKE 'exp%' and tags.team = 'a' and creation_time > 5", "experiments") == [
        Comparison("attribute", "name", "LIKE", "exp%"),
        Comparison("tag", "team", "=", "a"),
        Comparison("attribute", "creation_time", ">", 5.0),
    ]
    with pytest.raises(InvalidParameter, match="Invalid attribute key 'metrics.acc' specified"):
        parse_filter("metrics.acc > 1", "experiments")
    with pytest.raises(InvalidParameter, match="Invalid attribute key 'status'"):
        parse_filter("status = 'x'", "experiments")


def test_registry_filters():
    assert parse_filter("name = 'm' and run_id IN ('r1')", "model_versions") == [
        Comparison("attribute", "name", "=", "m"), Comparison("attribute", "run_id", "IN", ("r1",))]
    assert parse_filter("tags.stage = 'prod'", "registered_models") == [Comparison("tag", "stage", "=", "prod")]


def test_logged_model_filters():
    assert parse_filter("metrics.acc >= 0.5 AND params.alpha = '1' AND status = 'READY' AND creation_time > 5",
                        "logged_models") == [
        Comparison("metric", "acc", ">=", 0.5), Comparison("param", "alpha", "=", "1"),
        Comparison("attribute", "status", "=", "READY"), Comparison("attribute", "creation_timestamp", ">", 5.0)]
    assert parse_filter("source_run_id IN ('r1', 'r2')", "logged_models") == [
        Comparison("attribute", "source_run_id", "IN", ("r1", "r2"))]
    with pytest.raises(InvalidParameter, match="Invalid attribute key 'run_id'"):
        parse_filter("run_id = 'r1'", "logged_models")
    with pytest.raises(InvalidParameter, match="Invalid comparator 'IS NULL'"):
        parse_filter("tags.t IS NULL", "logged_models")


def test_structured_order_by():
    assert parse_structured_order_by([
        {"field_name": "metrics.acc", "ascending": False, "dataset_name": "val", "dataset_digest": "d1"},
        {"field_name": "creation_time"}, {"field_name": "name", "ascending": True}]) == [
        OrderBy("metric", "acc", False, "val", "d1"), OrderBy("attribute", "creation_timestamp", True),
        OrderBy("attribute", "name", True)]
    assert parse_structured_order_by(None) == []


@pytest.mark.parametrize("items, message", [
    (["name"], "expected an object with a 'field_name'"),
    ([{"ascending": True}], "expected an object with a 'field_name'"),
    ([{"field_name": "name", "ascending": "yes"}], "'ascending' must be true or false"),
    ([{"field_name": "params.alpha"}], "Invalid order_by entity type 'param'"),
    ([{"field_name": "name", "dataset_name": "val"}], "a dataset applies only to metrics"),
    ([{"field_name": "metrics.acc", "dataset_digest": "d1"}], "'dataset_digest' needs 'dataset_name'"),
    ([{"field_name": "name"}, {"field_name": "name", "ascending": False}], "duplicate fields"),
])
def test_invalid_structured_order_by(items, message):
    with pytest.raises(InvalidParameter) as raised:
        parse_structured_order_by(items)
    assert message in raised.value.message


def test_order_by():
    assert parse_order_by(["metrics.acc DESC", "params.lr", "start_time asc", "tags.`a b` DESC"]) == [
        OrderBy("metric", "acc", False), OrderBy("param", "lr", True), OrderBy("attribute", "start_time", True),
        OrderBy("tag", "a b", False)]
    assert parse_order_by(None) == []
    assert parse_order_by(["name DESC", "creation_time"], "experiments") == [
        OrderBy("attribute", "name", False), OrderBy("attribute", "creation_time", True)]
    with pytest.raises(InvalidParameter, match="Invalid attribute key 'metrics.acc' specified in order_by"):
        parse_order_by(["metrics.acc"], "experiments")
    assert parse_order_by(["timestamp DESC"], "registered_models") == [
        OrderBy("attribute", "last_updated_timestamp", False)]


@pytest.mark.parametrize("clauses, message", [
    (["metrics.acc DESC", "metrics.acc"], "`order_by` contains duplicate fields"),
    (["bogus"], "Invalid attribute key 'bogus' specified in order_by clause"),
    (["metrics.acc sideways"], "Could not be parsed"),
    (["datasets.name"], "Invalid order_by entity type 'dataset'"),
])
def test_invalid_order_by(clauses, message):
    with pytest.raises(InvalidParameter) as raised:
        parse_order_by(clauses)
    assert message in raised.value.message


def test_like_to_regex():
    assert like_to_regex("ml%").match("mlplug")
    assert not like_to_regex("ml%").match("xml")
    assert like_to_regex("a_c").match("abc") and not like_to_regex("a_c").match("abbc")
    assert like_to_regex("a.c").match("a.c") and not like_to_regex("a.c").match("abc")
    assert not like_to_regex("ML%").match("mlplug")
    assert like_to_regex("ML%", case_sensitive=False).match("mlplug")
