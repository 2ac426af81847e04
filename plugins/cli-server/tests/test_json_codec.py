"""The server's JSON: request bodies decode the same whichever decoder takes them (orjson for plain
bodies, the standard library with the camelCase hook for the rest and for anything orjson refuses), and
responses encode with orjson unless it refuses."""
from __future__ import annotations

import io
import json
import math

import pytest
from mlplug.errors import InvalidParameter

from mlplug.entities import Metric

from mlplug_cli_server.parsing import _decode, decode_body, environ_json
from mlplug_cli_server.responses import EMPTY_BODY, encode

BODIES = [
    b'{"run_id": "abc", "metrics": [{"key": "m", "value": 0.1, "timestamp": 1700000000000, "step": 3}]}',
    b'{"runId": "abc", "maxResults": 5}',                          # camelCase: the hook renames
    b'{"value": NaN, "other": Infinity, "neg": -Infinity}',        # Python's non-standard literals
    b'{"step": 123456789012345678901234567890}',                   # beyond 64 bits: orjson reads floats
    b'{"step": -9223372036854775809, "ts": 18446744073709551616}',
    b'{"value": 1e400}',                                           # orjson refuses infinity
    b'{"value": 0.0017538595716816152, "v": 12345678901234567890.5, "e": 1e-0000000000000000000005}',
    b'12345678901234567890123',
    b'{"key": "\\ud800"}',                                         # lone surrogate: orjson refuses
    b'{"value": 1E5, "x": 1e-7}',
    b'{"nested": {"deep": [1, 2, {"a": null, "b": true}]}, "s": "caf\xc3\xa9"}',
    b'{"a": 1, "a": 2}',                                           # the last duplicate wins
    b'"{\\"run_id\\": \\"abc\\"}"',                                # a JSON string holding JSON
]


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


@pytest.mark.parametrize("raw", BODIES)
def test_every_body_decodes_as_the_standard_library_decodes_it(raw):
    assert _same(decode_body(raw), _decode(raw.decode()))


@pytest.mark.parametrize("raw", [b'{"a": ', b'{"a": 1} x', b'\xff{"a": 1}', b'{"a": tru}'])
def test_malformed_bodies_fail_as_the_standard_library_fails(raw):
    with pytest.raises(ValueError) as ours:
        decode_body(raw)
    with pytest.raises(ValueError) as stdlib:
        _decode(raw.decode())
    assert str(ours.value) == str(stdlib.value)


def test_a_field_in_both_spellings_is_still_rejected():
    with pytest.raises(InvalidParameter, match="given more than once"):
        decode_body(b'{"run_id": "a", "runId": "b"}')


def _environ(body: bytes, **extra) -> dict:
    return {"REQUEST_METHOD": "POST", "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body), **extra}


def test_environ_bodies_are_objects_with_snake_case_keys():
    assert environ_json(_environ(json.dumps({"experimentId": "1"}).encode())) == {"experiment_id": "1"}
    assert environ_json(_environ(b"")) == {}
    with pytest.raises(InvalidParameter, match="must be a JSON object"):
        environ_json(_environ(b"[1, 2]"))
    with pytest.raises(InvalidParameter, match="Malformed JSON"):
        environ_json(_environ(b'{"a": '))


def test_responses_spell_non_finite_metrics_as_strings():
    points = [Metric("m", v, 1, 0).to_dict() for v in (math.nan, math.inf, -math.inf, 0.5)]
    assert json.loads(encode({"metrics": points})) == {"metrics": [
        {"key": "m", "value": v, "timestamp": 1, "step": 0} for v in ("NaN", "Infinity", "-Infinity", 0.5)]}


def test_what_orjson_refuses_is_encoded_by_the_standard_library():
    assert json.loads(encode({"big": 2**70, "keys": {1: "one"}})) == {"big": 2**70, "keys": {"1": "one"}}
    assert encode({}) == EMPTY_BODY
    assert json.loads(encode({"s": "caf\u00e9 \U0001f600"})) == {"s": "caf\u00e9 \U0001f600"}


def test_plain_bodies_take_orjson(monkeypatch):
    import mlplug_cli_server.parsing as parsing

    def no_stdlib(_text):
        raise AssertionError("the standard library decoder was used")

    monkeypatch.setattr(parsing, "_decode", no_stdlib)
    body = b'{"run_id": "ab12", "metrics": [{"key": "m", "value": 0.0017538595716816152, "timestamp": 1700000000000}]}'
    assert decode_body(body)["metrics"][0]["value"] == 0.0017538595716816152
