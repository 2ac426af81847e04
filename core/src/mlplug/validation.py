"""Validation rules for tracking data, shared by every store so that all backends reject the same input.

Limits are MLflow's (see the REST reference): a request that MLflow rejects, mlplug rejects with the
same error code, before anything is written.
"""
from __future__ import annotations

import math
import posixpath
import re
from typing import Iterable

from mlplug.entities import ModelVersionStage
from mlplug.errors import InvalidParameter

MAX_BATCH_METRICS = 1000
MAX_BATCH_PARAMS = 100
MAX_BATCH_TAGS = 100
MAX_BATCH_TOTAL = 1000
MAX_PARAM_VALUE = 6000
MAX_TAG_VALUE = 8000
MAX_KEY = 250
MAX_EXPERIMENT_NAME = 500
MAX_EXPERIMENT_TAG_VALUE = 20000
MAX_RESULTS_SEARCH = 50000
MAX_RESULTS_HISTORY_PAGE = 25000

_KEY = re.compile(r"^[/\w.\- :]*$")
# Keys that passed `key`: a client logs the same few names over and over. Bounded, so odd clients
# cannot grow it without limit.
_VALID_KEYS: set[str] = set()
_VALID_KEYS_LIMIT = 10_000
_RUN_ID = re.compile(r"^[a-zA-Z0-9][\w\-]{0,255}$")
_EXPERIMENT_ID = re.compile(r"^[a-zA-Z0-9][\w\-]{0,63}$")


def key(value: str, what: str = "key") -> str:
    if type(value) is str and value in _VALID_KEYS:
        return value
    if not isinstance(value, str) or value == "":
        raise InvalidParameter(f"Missing value for required parameter '{what}'.")
    if len(value) > MAX_KEY:
        raise InvalidParameter(f"{what.capitalize()} '{value[:40]}...' exceeds the maximum length of {MAX_KEY}.")
    if not _KEY.match(value):
        raise InvalidParameter(
            f"Invalid {what} name: '{value}'. Names may only contain alphanumerics, underscores (_), "
            "dashes (-), periods (.), spaces ( ), colons (:) and slashes (/).")
    if posixpath.normpath(value) != value or value.startswith("/"):
        raise InvalidParameter(f"Invalid {what} name: '{value}'. Names may be treated as files in certain "
                               "cases, and must not resolve to other names when treated as such.")
    if len(_VALID_KEYS) < _VALID_KEYS_LIMIT:
        _VALID_KEYS.add(value)
    return value


def run_id(value: str) -> str:
    if not isinstance(value, str) or not _RUN_ID.match(value):
        raise InvalidParameter(f"Invalid run ID: '{value}'")
    return value


def experiment_id(value) -> str:
    value = str(value) if value is not None else ""
    if not _EXPERIMENT_ID.match(value):
        raise InvalidParameter(f"Invalid experiment ID: '{value}'")
    return value


def experiment_name(value) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidParameter("Invalid experiment name: ''. Experiment names must be non-empty strings.")
    if len(value) > MAX_EXPERIMENT_NAME:
        raise InvalidParameter(f"Experiment name exceeds the maximum length of {MAX_EXPERIMENT_NAME} characters.")
    return value


def param_value(k: str, value) -> str:
    value = "" if value is None else str(value)
    if len(value) > MAX_PARAM_VALUE:
        raise InvalidParameter(f"Param value '{value[:40]}...' had length {len(value)}, which exceeded length "
                               f"limit of {MAX_PARAM_VALUE} for param '{k}'.")
    return value


def tag_value(k: str, value, limit: int = MAX_TAG_VALUE) -> str:
    value = "" if value is None else str(value)
    if len(value) > limit:
        raise InvalidParameter(f"Tag value '{value[:40]}...' had length {len(value)}, which exceeded length "
                               f"limit of {limit} for tag '{k}'.")
    return value


def metric_value(k: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidParameter(f"Got invalid value {value!r} for metric '{k}' (timestamp=?). "
                               "Please specify value as a valid double (64-bit floating point)")
    return float(value)


def timestamp(k: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidParameter(f"Got invalid timestamp {value!r} for metric '{k}'. "
                               "Timestamp must be a non-negative long (64-bit integer)")
    return value


def step(k: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidParameter(f"Got invalid step {value!r} for metric '{k}'. Step must be a valid long (64-bit integer).")
    return value


def batch(metrics: Iterable, params: Iterable, tags: Iterable) -> None:
    """Check a whole batch before any of it is written; the first problem raises."""
    metrics, params, tags = list(metrics), list(params), list(tags)
    if len(metrics) > MAX_BATCH_METRICS:
        raise InvalidParameter(f"A batch logging request can contain at most {MAX_BATCH_METRICS} metrics. "
                               f"Got {len(metrics)} metrics. Please split up metrics across multiple requests and try again.")
    if len(params) > MAX_BATCH_PARAMS:
        raise InvalidParameter(f"A batch logging request can contain at most {MAX_BATCH_PARAMS} params. "
                               f"Got {len(params)} params. Please split up params across multiple requests and try again.")
    if len(tags) > MAX_BATCH_TAGS:
        raise InvalidParameter(f"A batch logging request can contain at most {MAX_BATCH_TAGS} tags. "
                               f"Got {len(tags)} tags. Please split up tags across multiple requests and try again.")
    total = len(metrics) + len(params) + len(tags)
    if total > MAX_BATCH_TOTAL:
        raise InvalidParameter(f"A batch logging request can contain at most {MAX_BATCH_TOTAL} total metrics, "
                               f"params and tags. Got {total}. Please split up across multiple requests and try again.")
    for m in metrics:
        k, value, ts, st = m.key, m.value, m.timestamp, m.step
        # The checks below, in their order, skipped where the plain type test already passes.
        if type(k) is not str or k not in _VALID_KEYS:
            key(k, "metric")
        if type(value) is not float:
            metric_value(k, value)
        if type(ts) is not int or ts < 0:
            timestamp(k, ts)
        if type(st) is not int:
            step(k, st)
    seen: dict[str, str] = {}
    for p in params:
        key(p.key, "param")
        param_value(p.key, p.value)
        if p.key in seen and seen[p.key] != p.value:
            raise InvalidParameter(f"Duplicate parameter keys have been submitted: ['{p.key}']. "
                                   "Please ensure the request contains only one param value per param key.")
        seen[p.key] = p.value
    for t in tags:
        key(t.key, "tag")
        tag_value(t.key, t.value)


def max_results(value, limit: int = MAX_RESULTS_SEARCH, what: str = "max_results") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidParameter(f"Invalid value {value!r} for parameter '{what}' supplied. It must be a positive integer.")
    if value > limit:
        raise InvalidParameter(f"Invalid value {value} for parameter '{what}' supplied. "
                               f"It must be at most {limit}, but got value {value}")
    return value


def finite_or_none(value: float) -> float | None:
    return value if math.isfinite(value) else None


_DATASET_LIMITS = (("name", 500), ("digest", 36), ("source", 65535), ("schema", 1048575), ("profile", 16777215))
MAX_INPUT_TAG_KEY = 255
MAX_INPUT_TAG_VALUE = 500


def dataset_input(dataset) -> None:
    """Check one DatasetInput (field lengths and its tags) before anything of it is written."""
    for name in ("name", "digest"):
        if not getattr(dataset, name):
            raise InvalidParameter(f"Missing value for required parameter 'dataset.{name}'.")
    for name, limit in _DATASET_LIMITS:
        value = getattr(dataset, name) or ""
        if len(value) > limit:
            raise InvalidParameter(f"Dataset {name} '{value[:40]}...' had length {len(value)}, which exceeded "
                                   f"length limit of {limit}.")
    for k, v in dataset.tags.items():
        if not k or len(k) > MAX_INPUT_TAG_KEY:
            raise InvalidParameter(f"Input tag key '{k[:40]}' must be 1 to {MAX_INPUT_TAG_KEY} characters long.")
        if len(v or "") > MAX_INPUT_TAG_VALUE:
            raise InvalidParameter(f"Input tag value '{v[:40]}...' had length {len(v)}, which exceeded length "
                                   f"limit of {MAX_INPUT_TAG_VALUE} for input tag '{k}'.")


# --- model registry ------------------------------------------------------------------------------
MAX_REGISTRY_TAG_VALUE = 100000
MAX_MODEL_NAME = 256
MAX_ALIAS = 255
MAX_RESULTS_REGISTERED_MODELS = 1000
MAX_RESULTS_MODEL_VERSIONS = 200000
_ALIAS = re.compile(r"^[\w\-]*$")
_RESERVED_ALIAS = re.compile(r"^(latest|v\d+)$", re.IGNORECASE)


def model_name(value) -> str:
    """A registered model name: non-empty, at most 256 characters, and usable as one path segment of a
    `models:/` URI (no `/` or `:`)."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidParameter("Registered model name cannot be empty.")
    if len(value) > MAX_MODEL_NAME:
        raise InvalidParameter(f"Registered model name '{value[:40]}...' exceeds the maximum length of "
                               f"{MAX_MODEL_NAME} characters.")
    if "/" in value or ":" in value:
        raise InvalidParameter(f"Invalid registered model name '{value}': names may not contain '/' or ':', "
                               "which models:/ URIs use as separators.")
    if posixpath.normpath(value) != value:
        raise InvalidParameter(f"Invalid registered model name '{value}': it must not resolve to another name "
                               "when treated as a path.")
    return value


def model_version(value) -> int:
    """A model version number given as an integer or its decimal string."""
    text = str(value).strip() if value is not None and not isinstance(value, bool) else ""
    if not text.isdigit():
        raise InvalidParameter(f"Parameter 'version' must be an integer, got '{value}'.")
    return int(text)


def alias(value) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidParameter("Registered model alias name cannot be empty.")
    if len(value) > MAX_ALIAS:
        raise InvalidParameter(f"Registered model alias name '{value[:40]}...' exceeds the maximum length of "
                               f"{MAX_ALIAS} characters.")
    if not _ALIAS.match(value):
        raise InvalidParameter(f"Invalid alias name: '{value}'. Aliases may only contain alphanumerics, "
                               "underscores (_) and dashes (-).")
    if _RESERVED_ALIAS.match(value):
        raise InvalidParameter(f"'{value}' is reserved and cannot be used as an alias: 'latest' and "
                               "'v<number>' already name versions.")
    return value


def registry_tag(k: str, value) -> tuple[str, str]:
    """(key, value) of a registered-model or model-version tag."""
    return key(k, "tag"), tag_value(k, value, MAX_REGISTRY_TAG_VALUE)


def stage(value) -> str:
    """A registry stage in its canonical spelling; anything else is a 400 naming the valid ones."""
    canonical = ModelVersionStage.canonical(value)
    if canonical is None:
        raise InvalidParameter(f"Invalid Model Version stage: {value}. Value must be one of "
                               f"{', '.join(ModelVersionStage.ALL)}.")
    return canonical
