"""Registry search filters and orderings (parsed by mlplug.search) as SQLAlchemy clauses.

Registered models: `name`, `tags.<key>`; ordered as asked, then by name. Model versions: `name`, `run_id`,
`source_path` (the source), `version_number`, `tags.<key>`; default order last_updated_timestamp DESC,
name ASC, version DESC.

Prompts live in the registry as models tagged `mlflow.prompt.is_prompt = 'true'`. As in MLflow, a
comparison on that tag only chooses between prompts and models: `= 'true'` or `!= 'false'` searches the
prompts (and their versions), anything else, or no such comparison, everything but them. (MLflow clients
add `tag.mlflow.prompt.is_prompt != 'true'` to every model search, which untagged models must pass.)
"""
from __future__ import annotations

from typing import Any, Sequence

import sqlalchemy as sa

from mlplug.search import Comparison, OrderBy
from mlplug_store_sql import registry_schema
from mlplug_store_sql.filters import compare, key_value_clause

PROMPT_TAG = "mlflow.prompt.is_prompt"

_rm = registry_schema.registered_models.c
_mv = registry_schema.model_versions.c
_mvt = registry_schema.model_version_tags.c
MODEL_ATTRIBUTES = {"name": _rm.name, "creation_timestamp": _rm.creation_timestamp,
                    "last_updated_timestamp": _rm.last_updated_timestamp}
VERSION_ATTRIBUTES = {"name": _mv.name, "run_id": _mv.run_id, "source_path": _mv.source,
                      "version_number": _mv.version, "creation_timestamp": _mv.creation_timestamp,
                      "last_updated_timestamp": _mv.last_updated_timestamp}


def _prompts_or_models(comparisons: Sequence[Comparison], name: Any) -> tuple[list[Comparison], Any]:
    """The comparisons other than the prompt tag's, and the clause keeping prompts or models (by `name`)."""
    wanted = False
    rest = []
    for c in comparisons:
        if c.kind == "tag" and c.key == PROMPT_TAG:
            wanted = (c.op, str(c.value).lower()) in (("=", "true"), ("!=", "false"))
        else:
            rest.append(c)
    is_prompt = key_value_clause(registry_schema.registered_model_tags, name,
                                 Comparison("tag", PROMPT_TAG, "=", "true"))
    return rest, is_prompt if wanted else ~is_prompt


def model_clauses(comparisons: Sequence[Comparison]) -> list[Any]:
    comparisons, kind = _prompts_or_models(comparisons, _rm.name)
    return [key_value_clause(registry_schema.registered_model_tags, _rm.name, c) if c.kind == "tag"
            else compare(MODEL_ATTRIBUTES[c.key], c.op, c.value) for c in comparisons] + [kind]


def model_ordering(orders: Sequence[OrderBy]) -> list[Any]:
    clauses = [MODEL_ATTRIBUTES[o.key].asc() if o.ascending else MODEL_ATTRIBUTES[o.key].desc() for o in orders]
    if all(o.key != "name" for o in orders):
        clauses.append(_rm.name.asc())
    return clauses


def _version_tag_clause(c: Comparison) -> Any:
    return sa.exists().where(_mvt.name == _mv.name, _mvt.version == _mv.version, _mvt.key == c.key,
                             compare(_mvt.value, c.op, c.value))


def version_clauses(comparisons: Sequence[Comparison]) -> list[Any]:
    comparisons, kind = _prompts_or_models(comparisons, _mv.name)
    return [_version_tag_clause(c) if c.kind == "tag" else compare(VERSION_ATTRIBUTES[c.key], c.op, c.value)
            for c in comparisons] + [kind]


def version_ordering(orders: Sequence[OrderBy]) -> list[Any]:
    if not orders:
        return [_mv.last_updated_timestamp.desc(), _mv.name.asc(), _mv.version.desc()]
    clauses = [VERSION_ATTRIBUTES[o.key].asc() if o.ascending else VERSION_ATTRIBUTES[o.key].desc() for o in orders]
    given = {o.key for o in orders}
    if "name" not in given:
        clauses.append(_mv.name.asc())
    if "version_number" not in given:
        clauses.append(_mv.version.desc())
    return clauses
