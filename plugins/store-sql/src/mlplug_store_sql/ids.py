"""Experiment ids as this store keeps them: integers (the REST API spells them as strings)."""
from __future__ import annotations

from typing import Any, Iterable

from mlplug.errors import NotFound

MAX_EXPERIMENT_ID = 2**31 - 1


def experiment_id(value: Any) -> int:
    """The integer id of `value`; ids that cannot exist here raise NotFound."""
    text = str(value).strip()
    if text.isdigit() and int(text) <= MAX_EXPERIMENT_ID:
        return int(text)
    raise NotFound(f"No Experiment with id={value} exists")


def experiment_ids(values: Iterable[Any]) -> list[int]:
    """The ids among `values` that can exist here (the others match nothing)."""
    return [int(v) for v in (str(x).strip() for x in values) if v.isdigit() and int(v) <= MAX_EXPERIMENT_ID]
