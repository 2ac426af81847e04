"""The batch checks' fast paths (remembered keys, plain type tests) reject exactly what the full checks
reject, in the same order."""
from __future__ import annotations

import pytest

from mlplug import validation
from mlplug.entities import Metric, Param, RunTag
from mlplug.errors import InvalidParameter


def test_a_remembered_key_is_accepted_and_bad_keys_still_fail():
    assert validation.key("loss", "metric") == "loss"
    assert "loss" in validation._VALID_KEYS
    assert validation.key("loss") == "loss"
    for bad, message in [("", "Missing value"), ("a/../b", "must not resolve"), ("/abs", "must not resolve"),
                         ("bad!", "Names may only contain"), ("x" * 251, "exceeds the maximum length")]:
        with pytest.raises(InvalidParameter, match=message):
            validation.key(bad, "metric")
        assert bad not in validation._VALID_KEYS
    with pytest.raises(InvalidParameter, match="Missing value"):
        validation.key(["not", "hashable"], "metric")  # type: ignore[arg-type]


def test_the_remembered_keys_are_bounded(monkeypatch):
    monkeypatch.setattr(validation, "_VALID_KEYS", set())
    monkeypatch.setattr(validation, "_VALID_KEYS_LIMIT", 3)
    for i in range(10):
        validation.key(f"k{i}")
    assert len(validation._VALID_KEYS) == 3


@pytest.mark.parametrize("metric, message", [
    (Metric("ok", True, 1, 0), "invalid value True"),
    (Metric("ok", "1.0", 1, 0), "invalid value '1.0'"),
    (Metric("ok", 1.0, -1, 0), "invalid timestamp -1"),
    (Metric("ok", 1.0, True, 0), "invalid timestamp True"),
    (Metric("ok", 1.0, 1, 2.0), "invalid step 2.0"),
    (Metric("ok", 1.0, 1, False), "invalid step False"),
    (Metric("bad key!", "nan", -1, 0.5), "Invalid metric name"),  # the key is checked first
])
def test_batches_reject_each_bad_metric_field(metric, message):
    good = Metric("ok", 0.5, 1, 0)
    with pytest.raises(InvalidParameter, match=message):
        validation.batch([good, metric, good], [], [])


def test_integer_values_and_valid_batches_pass():
    validation.batch([Metric("a", 3, 0, -5), Metric("a", 0.5, 2**62, 2**62)], [Param("p", "v")], [RunTag("t", "")])


# --- model registry ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["clf", "my model", "ünï-1.2", "x" * 256])
def test_valid_model_names(name):
    assert validation.model_name(name) == name


@pytest.mark.parametrize("name", ["", "  ", None, 5, "a/b", "a:b", "x" * 257, "./x"])
def test_invalid_model_names(name):
    with pytest.raises(InvalidParameter):
        validation.model_name(name)


@pytest.mark.parametrize("alias", ["champion", "Champ-1", "v1a", "a_b", "x" * 255])
def test_valid_aliases(alias):
    assert validation.alias(alias) == alias


@pytest.mark.parametrize("alias", ["", "latest", "LATEST", "v1", "V20", "a b", "a/b", "a.b", "x" * 256, None])
def test_invalid_aliases(alias):
    with pytest.raises(InvalidParameter):
        validation.alias(alias)


def test_model_version_numbers_and_stages():
    assert validation.model_version("3") == validation.model_version(3) == 3
    for bad in ("x", "-1", "1.5", "", None, True):
        with pytest.raises(InvalidParameter, match="must be an integer"):
            validation.model_version(bad)
    assert [validation.stage(s) for s in ("none", "STAGING", "Production", "archived")] == [
        "None", "Staging", "Production", "Archived"]
    with pytest.raises(InvalidParameter, match="Invalid Model Version stage: Deployed"):
        validation.stage("Deployed")


def test_registry_tags_allow_long_values():
    assert validation.registry_tag("k", "v" * validation.MAX_REGISTRY_TAG_VALUE)[1] == "v" * 100000
    with pytest.raises(InvalidParameter):
        validation.registry_tag("k", "v" * (validation.MAX_REGISTRY_TAG_VALUE + 1))
    with pytest.raises(InvalidParameter):
        validation.registry_tag("bad/../key", "v")
