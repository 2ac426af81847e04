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
