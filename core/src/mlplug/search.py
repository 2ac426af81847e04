"""MLflow's search grammar: filter strings and order_by clauses, parsed once for every store.

A filter is comparisons joined by AND (no OR, no grouping): `metrics.acc > 0.5 and params.lr = '0.1'`.
`parse_filter` returns `Comparison`s that a store translates to its own query language; what each
entity allows (prefixes, attributes, operators) is declared in `_SCHEMAS`, the one copy of those rules.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from mlplug.errors import InvalidParameter

STRING_OPS = ("=", "!=", "LIKE", "ILIKE")
NUMERIC_OPS = ("=", "!=", ">", ">=", "<", "<=")
NULL_OPS = ("IS NULL", "IS NOT NULL")
LIST_OPS = ("IN", "NOT IN")


@dataclass(frozen=True, slots=True)
class Comparison:
    kind: str  # metric | param | tag | attribute | dataset
    key: str
    op: str  # one of the *_OPS above
    value: Any  # float for numeric comparisons, str, tuple[str, ...] for IN, None for IS [NOT] NULL


@dataclass(frozen=True, slots=True)
class OrderBy:
    kind: str
    key: str
    ascending: bool
    # Logged-model metric orderings may be restricted to the values logged on one dataset.
    dataset_name: str | None = None
    dataset_digest: str | None = None


@dataclass(frozen=True)
class _Schema:
    prefixes: dict[str, str]  # spelled prefix -> kind
    kind_ops: dict[str, tuple[str, ...]]  # kind -> allowed operators (for attribute: see attrs)
    string_attrs: dict[str, tuple[str, ...]]  # attribute -> allowed operators
    numeric_attrs: tuple[str, ...]
    aliases: dict[str, str]
    order_attrs: tuple[str, ...]
    order_kinds: tuple[str, ...]


_RUNS = _Schema(
    prefixes={"metric": "metric", "metrics": "metric", "parameter": "param", "parameters": "param",
              "param": "param", "params": "param", "tag": "tag", "tags": "tag", "attribute": "attribute",
              "attributes": "attribute", "attr": "attribute", "run": "attribute", "dataset": "dataset",
              "datasets": "dataset"},
    kind_ops={"metric": NUMERIC_OPS, "param": STRING_OPS + NULL_OPS, "tag": STRING_OPS + NULL_OPS,
              "dataset": STRING_OPS + LIST_OPS},
    string_attrs={"run_id": STRING_OPS + LIST_OPS, "run_name": STRING_OPS, "status": STRING_OPS,
                  "user_id": STRING_OPS, "artifact_uri": STRING_OPS},
    numeric_attrs=("start_time", "end_time"),
    aliases={"created": "start_time", "Created": "start_time", "run name": "run_name", "Run name": "run_name",
             "Run Name": "run_name"},
    order_attrs=("artifact_uri", "end_time", "run_id", "run_name", "start_time", "status", "user_id"),
    order_kinds=("metric", "param", "tag", "attribute"),
)

_EXPERIMENTS = _Schema(
    prefixes={"tag": "tag", "tags": "tag", "attribute": "attribute", "attributes": "attribute", "attr": "attribute"},
    kind_ops={"tag": STRING_OPS + NULL_OPS},
    string_attrs={"name": STRING_OPS, "experiment_id": ("=", "!=") + LIST_OPS},
    numeric_attrs=("creation_time", "last_update_time"),
    aliases={},
    order_attrs=("name", "experiment_id", "creation_time", "last_update_time"),
    order_kinds=("attribute",),
)

_REGISTERED_MODELS = _Schema(
    prefixes={"tag": "tag", "tags": "tag", "attribute": "attribute", "attributes": "attribute"},
    kind_ops={"tag": STRING_OPS},
    string_attrs={"name": STRING_OPS + LIST_OPS},
    numeric_attrs=(),
    aliases={},
    order_attrs=("name", "creation_timestamp", "last_updated_timestamp", "timestamp"),
    order_kinds=("attribute",),
)

_MODEL_VERSIONS = _Schema(
    prefixes={"tag": "tag", "tags": "tag", "attribute": "attribute", "attributes": "attribute"},
    kind_ops={"tag": STRING_OPS},
    string_attrs={"name": STRING_OPS + LIST_OPS, "run_id": STRING_OPS + LIST_OPS, "source_path": STRING_OPS},
    numeric_attrs=("version_number",),
    aliases={},
    order_attrs=("name", "version_number", "creation_timestamp", "last_updated_timestamp", "timestamp"),
    order_kinds=("attribute",),
)

_LOGGED_MODELS = _Schema(
    prefixes={"metric": "metric", "metrics": "metric", "param": "param", "params": "param",
              "parameter": "param", "parameters": "param", "tag": "tag", "tags": "tag",
              "attribute": "attribute", "attributes": "attribute", "attr": "attribute"},
    kind_ops={"metric": NUMERIC_OPS, "param": STRING_OPS, "tag": STRING_OPS},
    string_attrs={"name": STRING_OPS + LIST_OPS, "model_id": STRING_OPS + LIST_OPS, "model_type": STRING_OPS,
                  "status": STRING_OPS + LIST_OPS, "source_run_id": STRING_OPS + LIST_OPS},
    numeric_attrs=("creation_timestamp", "last_updated_timestamp"),
    aliases={"creation_time": "creation_timestamp", "creation_timestamp_ms": "creation_timestamp",
             "last_updated_time": "last_updated_timestamp",
             "last_updated_timestamp_ms": "last_updated_timestamp"},
    order_attrs=("name", "model_id", "model_type", "status", "source_run_id", "creation_timestamp",
                 "last_updated_timestamp"),
    order_kinds=("attribute", "metric"),
)

_SCHEMAS = {"runs": _RUNS, "experiments": _EXPERIMENTS, "registered_models": _REGISTERED_MODELS,
            "model_versions": _MODEL_VERSIONS, "logged_models": _LOGGED_MODELS}

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<str>'(?:[^']|'')*'|"(?:[^"]|"")*")
  | (?P<bq>`[^`]*`)
  | (?P<num>[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?(?![\w.]))
  | (?P<op>!=|<>|>=|<=|=|>|<)
  | (?P<punct>[(),])
  | (?P<word>[A-Za-z_][\w.\-:/]*\.?)
""", re.VERBOSE)


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise InvalidParameter(f"Invalid filter string '{text}': unexpected character at "
                                   f"position {pos}: {text[pos:pos + 20]!r}")
        pos = m.end()
        if m.lastgroup != "ws":
            tokens.append((m.lastgroup, m.group()))
    return tokens


def _unquote(tok: str) -> str:
    q = tok[0]
    return tok[1:-1].replace(q + q, q) if q in "'\"" else tok[1:-1]


class _Parser:
    def __init__(self, text: str, schema: _Schema):
        self.text, self.schema = text, schema
        self.toks = _tokenize(text)
        self.i = 0

    def peek(self, ahead: int = 0) -> tuple[str, str] | None:
        j = self.i + ahead
        return self.toks[j] if j < len(self.toks) else None

    def take(self) -> tuple[str, str]:
        tok = self.peek()
        if tok is None:
            raise InvalidParameter(f"Invalid filter string '{self.text}': it ends in the middle of a comparison.")
        self.i += 1
        return tok

    def word(self, tok: tuple[str, str] | None, *words: str) -> bool:
        return tok is not None and tok[0] == "word" and tok[1].upper() in words

    def parse(self) -> list[Comparison]:
        out = []
        while True:
            out.append(self.comparison())
            tok = self.peek()
            if tok is None:
                return out
            if self.word(tok, "AND"):
                self.i += 1
                continue
            if self.word(tok, "OR"):
                raise InvalidParameter(f"Invalid clause(s) in filter string: OR. '{self.text}' "
                                       "— mlplug, like MLflow, supports only AND between comparisons.")
            raise InvalidParameter(f"Invalid clause(s) in filter string: '{tok[1]}' in '{self.text}'. "
                                   "Expected AND between comparisons.")

    def identifier(self) -> tuple[str, str]:
        kind, tok = self.take()
        if kind in ("bq", "str"):
            return "attribute", _unquote(tok)
        if kind != "word":
            raise InvalidParameter(f"Invalid filter string '{self.text}': expected an identifier like "
                                   f"metrics.<key>, params.<key>, tags.<key> or an attribute, got {tok!r}.")
        head, dot, rest = tok.partition(".")
        prefix_kind = self.schema.prefixes.get(head.lower()) if dot else None
        if prefix_kind is None:
            return "attribute", tok
        if rest:
            return prefix_kind, rest
        kind2, tok2 = self.take()  # `tags.` followed by a quoted key
        if kind2 not in ("bq", "str"):
            raise InvalidParameter(f"Invalid filter string '{self.text}': expected a key after '{tok}'.")
        return prefix_kind, _unquote(tok2)

    def operator(self) -> str:
        kind, tok = self.take()
        if kind == "op":
            return "!=" if tok == "<>" else tok
        up = tok.upper()
        if up in ("LIKE", "ILIKE", "IN"):
            return up
        if up == "NOT" and self.word(self.peek(), "IN"):
            self.i += 1
            return "NOT IN"
        if up == "IS":
            if self.word(self.peek(), "NULL"):
                self.i += 1
                return "IS NULL"
            if self.word(self.peek(), "NOT") and self.word(self.peek(1), "NULL"):
                self.i += 2
                return "IS NOT NULL"
        raise InvalidParameter(f"Invalid comparator '{tok}' in filter string '{self.text}'.")

    def comparison(self) -> Comparison:
        kind, key = self.identifier()
        op = self.operator()
        if kind == "attribute":
            key = self.schema.aliases.get(key, key)
            if key in self.schema.numeric_attrs:
                allowed, numeric = NUMERIC_OPS, True
            elif key in self.schema.string_attrs:
                allowed, numeric = self.schema.string_attrs[key], False
            else:
                valid = sorted(set(self.schema.string_attrs) | set(self.schema.numeric_attrs))
                raise InvalidParameter(f"Invalid attribute key '{key}' specified. Valid keys are '{valid}'")
        elif kind in self.schema.kind_ops:
            allowed, numeric = self.schema.kind_ops[kind], kind == "metric"
        else:
            raise InvalidParameter(f"Invalid entity type '{kind}' in filter string '{self.text}'.")
        if op not in allowed:
            raise InvalidParameter(f"Invalid comparator '{op}' not one of '{list(allowed)}' for "
                                   f"{kind} '{key}' in filter string '{self.text}'.")
        if op in NULL_OPS:
            return Comparison(kind, key, op, None)
        if op in LIST_OPS:
            return Comparison(kind, key, op, self.value_list())
        vkind, vtok = self.take()
        if numeric:
            if vkind != "num":
                raise InvalidParameter(f"Expected numeric value type for {kind} '{key}'. Found {vtok}")
            return Comparison(kind, key, op, float(vtok))
        if vkind != "str":
            raise InvalidParameter(f"Parameter value is either not quoted or unidentified quote types used for "
                                   f"string value {vtok}. Use either single or double quotes.")
        return Comparison(kind, key, op, _unquote(vtok))

    def value_list(self) -> tuple[str, ...]:
        if self.take() != ("punct", "("):
            raise InvalidParameter(f"Invalid filter string '{self.text}': IN expects a parenthesised list.")
        values = []
        while True:
            vkind, vtok = self.take()
            if vkind != "str":
                raise InvalidParameter(f"While parsing a list in the query, expected string value or "
                                       f"punctuation, but got {vtok!r}.")
            values.append(_unquote(vtok))
            sep = self.take()
            if sep == ("punct", ")"):
                return tuple(values)
            if sep != ("punct", ","):
                raise InvalidParameter(f"Invalid filter string '{self.text}': expected ',' or ')' in a list.")


def parse_filter(text: str | None, entity: str = "runs") -> list[Comparison]:
    """Parse a filter string for `entity` (runs, experiments, registered_models, model_versions,
    logged_models)."""
    if not text or not text.strip():
        return []
    return _Parser(text, _SCHEMAS[entity]).parse()


_ORDER = re.compile(r"^\s*(.+?)(?:\s+(ASC|DESC))?\s*$", re.IGNORECASE | re.DOTALL)


def parse_order_by(clauses: list[str] | None, entity: str = "runs") -> list[OrderBy]:
    """Parse order_by entries like `metrics.acc DESC`; a repeated key is an error."""
    schema = _SCHEMAS[entity]
    out: list[OrderBy] = []
    seen = set()
    for clause in clauses or ():
        m = _ORDER.match(clause or "")
        if not m:
            raise InvalidParameter(f"Invalid order_by clause '{clause}'.")
        ident, direction = m.group(1), (m.group(2) or "ASC").upper()
        parser = _Parser(ident, schema)
        try:
            kind, key = parser.identifier()
        except InvalidParameter:
            raise InvalidParameter(f"Invalid order_by clause '{clause}'. Could not be parsed.") from None
        if parser.peek() is not None:
            raise InvalidParameter(f"Invalid order_by clause '{clause}'. Could not be parsed.")
        if kind == "attribute":
            key = schema.aliases.get(key, key)
            if key == "timestamp":
                key = "last_updated_timestamp"
            if key not in schema.order_attrs:
                raise InvalidParameter(f"Invalid attribute key '{key}' specified in order_by clause "
                                       f"'{clause}'. Valid keys are {list(schema.order_attrs)}")
        elif kind not in schema.order_kinds:
            raise InvalidParameter(f"Invalid order_by entity type '{kind}' in clause '{clause}'.")
        if (kind, key) in seen:
            raise InvalidParameter(f"`order_by` contains duplicate fields: {clause}")
        seen.add((kind, key))
        out.append(OrderBy(kind, key, direction == "ASC"))
    return out


def parse_structured_order_by(items: list[dict] | None, entity: str = "logged_models") -> list[OrderBy]:
    """Parse MLflow 3's structured orderings, `[{"field_name": "metrics.acc", "ascending": false,
    "dataset_name": ..., "dataset_digest": ...}]`, with the same rules as `parse_order_by`."""
    out: list[OrderBy] = []
    for item in items or ():
        if not isinstance(item, dict) or not isinstance(item.get("field_name"), str) or not item["field_name"]:
            raise InvalidParameter(f"Invalid order_by entry {item!r}: expected an object with a 'field_name'.")
        ascending = item.get("ascending", True)
        if not isinstance(ascending, bool):
            raise InvalidParameter(f"Invalid order_by entry {item!r}: 'ascending' must be true or false.")
        (parsed,) = parse_order_by([f"{item['field_name']} {'ASC' if ascending else 'DESC'}"], entity)
        dataset_name, dataset_digest = item.get("dataset_name") or None, item.get("dataset_digest") or None
        if (dataset_name or dataset_digest) and parsed.kind != "metric":
            raise InvalidParameter(f"Invalid order_by entry {item!r}: a dataset applies only to metrics.")
        if dataset_digest and not dataset_name:
            raise InvalidParameter(f"Invalid order_by entry {item!r}: 'dataset_digest' needs 'dataset_name'.")
        if any((o.kind, o.key) == (parsed.kind, parsed.key) for o in out):
            raise InvalidParameter(f"`order_by` contains duplicate fields: {item['field_name']}")
        out.append(OrderBy(parsed.kind, parsed.key, parsed.ascending, dataset_name, dataset_digest))
    return out


def like_to_regex(pattern: str, case_sensitive: bool = True) -> re.Pattern:
    """SQL LIKE semantics (`%`, `_`) as a regex, for stores that filter in Python."""
    parts = []
    for ch in pattern:
        parts.append(".*" if ch == "%" else "." if ch == "_" else re.escape(ch))
    return re.compile("^" + "".join(parts) + "$", 0 if case_sensitive else re.IGNORECASE)
