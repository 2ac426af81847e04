"""The model registry's tables, on the tracking schema's `metadata` (built by migration 0002).

A registered model's name is the key its versions, tags and aliases refer to, with ON UPDATE CASCADE
(a rename moves everything) and ON DELETE CASCADE (a delete removes everything). Aliases refer to their
version, so deleting a version drops its aliases. `last_version` is the highest version number ever
handed out: versions count up from it and are never reused, even after the newest is deleted.
"""
from __future__ import annotations

import sqlalchemy as sa

from mlplug_store_sql.coltypes import KEY, RUN_ID, long_text, string
from mlplug_store_sql.schema import MODEL_ID, metadata

NAME = string(256)


def _cascade() -> dict:
    return {"ondelete": "CASCADE", "onupdate": "CASCADE"}


registered_models = sa.Table(
    "registered_models", metadata,
    sa.Column("name", NAME, primary_key=True),
    sa.Column("creation_timestamp", sa.BigInteger, nullable=False),
    sa.Column("last_updated_timestamp", sa.BigInteger, nullable=False),
    sa.Column("description", long_text(5000), nullable=True),
    sa.Column("last_version", sa.Integer, nullable=False),
)

registered_model_tags = sa.Table(
    "registered_model_tags", metadata,
    sa.Column("name", NAME, sa.ForeignKey("registered_models.name", **_cascade()), primary_key=True),
    sa.Column("key", KEY, primary_key=True),
    sa.Column("value", long_text(100000), nullable=False),
)

model_versions = sa.Table(
    "model_versions", metadata,
    sa.Column("name", NAME, sa.ForeignKey("registered_models.name", **_cascade()), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("creation_timestamp", sa.BigInteger, nullable=False),
    sa.Column("last_updated_timestamp", sa.BigInteger, nullable=False),
    sa.Column("description", long_text(5000), nullable=True),
    sa.Column("user_id", string(256), nullable=True),
    sa.Column("current_stage", string(20), nullable=False),
    sa.Column("source", string(2000), nullable=False),
    # Where the files are: the logged model's location for a `models:/<model_id>` source, else the source.
    sa.Column("storage_location", string(2000), nullable=False),
    sa.Column("run_id", RUN_ID, nullable=True),
    sa.Column("run_link", string(500), nullable=True),
    sa.Column("status", string(20), nullable=False),
    sa.Column("status_message", string(500), nullable=True),
    sa.Column("model_id", MODEL_ID, nullable=True),
)

model_version_tags = sa.Table(
    "model_version_tags", metadata,
    sa.Column("name", NAME, primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("key", KEY, primary_key=True),
    sa.Column("value", long_text(100000), nullable=False),
    sa.ForeignKeyConstraint(["name", "version"], ["model_versions.name", "model_versions.version"], **_cascade()),
)

registered_model_aliases = sa.Table(
    "registered_model_aliases", metadata,
    sa.Column("name", NAME, primary_key=True),
    sa.Column("alias", string(255), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.ForeignKeyConstraint(["name", "version"], ["model_versions.name", "model_versions.version"], **_cascade()),
)
