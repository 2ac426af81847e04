"""Model registry and MLflow 3 logged models: registered models, versions, tags, aliases; logged models.

Revision ID: 0002
Revises: 0001
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from mlplug_store_sql.coltypes import KEY, RUN_ID, long_text, string

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_MYSQL = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin"}
MODEL_ID = string(64)
NAME = string(256)
_CASCADE = {"ondelete": "CASCADE", "onupdate": "CASCADE"}


def _model_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["model_id"], ["logged_models.model_id"], name=f"fk_{table}_model_id_logged_models",
                                   ondelete="CASCADE")


def _version_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["name", "version"], ["model_versions.name", "model_versions.version"],
                                   name=f"fk_{table}_name_model_versions", **_CASCADE)


def _logged_models() -> None:
    op.create_table(
        "logged_models",
        sa.Column("model_id", MODEL_ID, nullable=False),
        sa.Column("experiment_id", sa.Integer, nullable=False),
        sa.Column("name", string(500), nullable=False),
        sa.Column("artifact_location", string(2000), nullable=False),
        sa.Column("creation_timestamp", sa.BigInteger, nullable=False),
        sa.Column("last_updated_timestamp", sa.BigInteger, nullable=False),
        sa.Column("status", string(40), nullable=False),
        sa.Column("status_message", long_text(8000), nullable=True),
        sa.Column("model_type", string(500), nullable=True),
        sa.Column("source_run_id", RUN_ID, nullable=True),
        sa.Column("lifecycle_stage", string(32), nullable=False),
        sa.PrimaryKeyConstraint("model_id", name="pk_logged_models"),
        sa.ForeignKeyConstraint(["experiment_id"], ["experiments.experiment_id"],
                                name="fk_logged_models_experiment_id_experiments", ondelete="CASCADE"),
        **_MYSQL,
    )
    op.create_index("ix_logged_models_experiment_lifecycle_created", "logged_models",
                    ["experiment_id", "lifecycle_stage", "creation_timestamp"])
    for table, value_type in (("logged_model_tags", string(8000)), ("logged_model_params", string(6000))):
        op.create_table(
            table,
            sa.Column("model_id", MODEL_ID, nullable=False),
            sa.Column("key", KEY, nullable=False),
            sa.Column("value", value_type, nullable=False),
            sa.PrimaryKeyConstraint("model_id", "key", name=f"pk_{table}"),
            _model_fk(table),
            **_MYSQL,
        )
    op.create_table(
        "logged_model_metrics",
        sa.Column("model_id", MODEL_ID, nullable=False),
        sa.Column("run_id", RUN_ID, nullable=False),
        sa.Column("key", KEY, nullable=False),
        sa.Column("value", sa.Double, nullable=False),
        sa.Column("timestamp", sa.BigInteger, nullable=False),
        sa.Column("step", sa.BigInteger, nullable=False),
        sa.Column("is_nan", sa.Boolean, nullable=False),
        sa.Column("dataset_name", string(500), nullable=True),
        sa.Column("dataset_digest", string(36), nullable=True),
        sa.PrimaryKeyConstraint("model_id", "key", "step", "timestamp", "value", "is_nan", "run_id",
                                name="pk_logged_model_metrics"),
        **_MYSQL,
    )


def _registry() -> None:
    op.create_table(
        "registered_models",
        sa.Column("name", NAME, nullable=False),
        sa.Column("creation_timestamp", sa.BigInteger, nullable=False),
        sa.Column("last_updated_timestamp", sa.BigInteger, nullable=False),
        sa.Column("description", long_text(5000), nullable=True),
        sa.Column("last_version", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_registered_models"),
        **_MYSQL,
    )
    op.create_table(
        "registered_model_tags",
        sa.Column("name", NAME, nullable=False),
        sa.Column("key", KEY, nullable=False),
        sa.Column("value", long_text(100000), nullable=False),
        sa.PrimaryKeyConstraint("name", "key", name="pk_registered_model_tags"),
        sa.ForeignKeyConstraint(["name"], ["registered_models.name"],
                                name="fk_registered_model_tags_name_registered_models", **_CASCADE),
        **_MYSQL,
    )
    op.create_table(
        "model_versions",
        sa.Column("name", NAME, nullable=False),
        sa.Column("version", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("creation_timestamp", sa.BigInteger, nullable=False),
        sa.Column("last_updated_timestamp", sa.BigInteger, nullable=False),
        sa.Column("description", long_text(5000), nullable=True),
        sa.Column("user_id", string(256), nullable=True),
        sa.Column("current_stage", string(20), nullable=False),
        sa.Column("source", string(2000), nullable=False),
        sa.Column("storage_location", string(2000), nullable=False),
        sa.Column("run_id", RUN_ID, nullable=True),
        sa.Column("run_link", string(500), nullable=True),
        sa.Column("status", string(20), nullable=False),
        sa.Column("status_message", string(500), nullable=True),
        sa.Column("model_id", MODEL_ID, nullable=True),
        sa.PrimaryKeyConstraint("name", "version", name="pk_model_versions"),
        sa.ForeignKeyConstraint(["name"], ["registered_models.name"],
                                name="fk_model_versions_name_registered_models", **_CASCADE),
        **_MYSQL,
    )
    op.create_table(
        "model_version_tags",
        sa.Column("name", NAME, nullable=False),
        sa.Column("version", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("key", KEY, nullable=False),
        sa.Column("value", long_text(100000), nullable=False),
        sa.PrimaryKeyConstraint("name", "version", "key", name="pk_model_version_tags"),
        _version_fk("model_version_tags"),
        **_MYSQL,
    )
    op.create_table(
        "registered_model_aliases",
        sa.Column("name", NAME, nullable=False),
        sa.Column("alias", string(255), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("name", "alias", name="pk_registered_model_aliases"),
        _version_fk("registered_model_aliases"),
        **_MYSQL,
    )


def upgrade() -> None:
    _logged_models()
    _registry()


def downgrade() -> None:
    for table in ("registered_model_aliases", "model_version_tags", "model_versions", "registered_model_tags",
                  "registered_models", "logged_model_metrics", "logged_model_params", "logged_model_tags",
                  "logged_models"):
        op.drop_table(table)
