"""Tracking schema: experiments, runs, params, tags, metric history and latest metrics, inputs, outputs.

Revision ID: 0001
Revises:
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from mlplug_store_sql.coltypes import KEY, RUN_ID, long_text, string

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_MYSQL = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin"}


def _run_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["run_id"], ["runs.run_id"], name=f"fk_{table}_run_id_runs",
                                   ondelete="CASCADE")


def _experiment_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["experiment_id"], ["experiments.experiment_id"],
                                   name=f"fk_{table}_experiment_id_experiments", ondelete="CASCADE")


def _metric_columns() -> list[sa.Column]:
    return [
        sa.Column("value", sa.Double, nullable=False),
        sa.Column("timestamp", sa.BigInteger, nullable=False),
        sa.Column("step", sa.BigInteger, nullable=False),
        sa.Column("is_nan", sa.Boolean, nullable=False),
        sa.Column("dataset_name", string(500), nullable=True),
        sa.Column("dataset_digest", string(36), nullable=True),
        sa.Column("model_id", string(256), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "experiments",
        sa.Column("experiment_id", sa.Integer, autoincrement=True),
        sa.Column("name", string(500), nullable=False),
        sa.Column("artifact_location", string(2000), nullable=False),
        sa.Column("lifecycle_stage", string(32), nullable=False),
        sa.Column("creation_time", sa.BigInteger, nullable=False),
        sa.Column("last_update_time", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("experiment_id", name="pk_experiments"),
        sa.UniqueConstraint("name", name="uq_experiments_name"),
        **_MYSQL,
    )
    op.create_table(
        "experiment_tags",
        sa.Column("experiment_id", sa.Integer, nullable=False),
        sa.Column("key", KEY, nullable=False),
        sa.Column("value", long_text(20000), nullable=False),
        sa.PrimaryKeyConstraint("experiment_id", "key", name="pk_experiment_tags"),
        _experiment_fk("experiment_tags"),
        **_MYSQL,
    )
    op.create_table(
        "runs",
        sa.Column("run_id", RUN_ID, nullable=False),
        sa.Column("experiment_id", sa.Integer, nullable=False),
        sa.Column("name", string(8000), nullable=False),
        sa.Column("user_id", string(256), nullable=False),
        sa.Column("status", string(20), nullable=False),
        sa.Column("start_time", sa.BigInteger, nullable=False),
        sa.Column("end_time", sa.BigInteger, nullable=True),
        sa.Column("artifact_uri", string(2000), nullable=False),
        sa.Column("lifecycle_stage", string(32), nullable=False),
        sa.Column("deleted_time", sa.BigInteger, nullable=True),
        sa.PrimaryKeyConstraint("run_id", name="pk_runs"),
        _experiment_fk("runs"),
        **_MYSQL,
    )
    op.create_index("ix_runs_experiment_id_lifecycle_stage_start_time", "runs",
                    ["experiment_id", "lifecycle_stage", "start_time"])
    for table, value_type in (("params", string(6000)), ("tags", string(8000))):
        op.create_table(
            table,
            sa.Column("run_id", RUN_ID, nullable=False),
            sa.Column("key", KEY, nullable=False),
            sa.Column("value", value_type, nullable=False),
            sa.PrimaryKeyConstraint("run_id", "key", name=f"pk_{table}"),
            _run_fk(table),
            **_MYSQL,
        )
    op.create_table(
        "metrics",
        sa.Column("run_id", RUN_ID, nullable=False),
        sa.Column("key", KEY, nullable=False),
        *_metric_columns(),
        sa.PrimaryKeyConstraint("run_id", "key", "step", "timestamp", "value", "is_nan", name="pk_metrics"),
        _run_fk("metrics"),
        **_MYSQL,
    )
    op.create_table(
        "latest_metrics",
        sa.Column("run_id", RUN_ID, nullable=False),
        sa.Column("key", KEY, nullable=False),
        *_metric_columns(),
        sa.PrimaryKeyConstraint("run_id", "key", name="pk_latest_metrics"),
        _run_fk("latest_metrics"),
        **_MYSQL,
    )
    op.create_table(
        "datasets",
        sa.Column("dataset_uuid", string(32), nullable=False),
        sa.Column("experiment_id", sa.Integer, nullable=False),
        sa.Column("name", string(500), nullable=False),
        sa.Column("digest", string(36), nullable=False),
        sa.Column("source_type", string(36), nullable=False),
        sa.Column("source", long_text(65535), nullable=False),
        sa.Column("schema", long_text(1048575), nullable=True),
        sa.Column("profile", long_text(16777215), nullable=True),
        sa.PrimaryKeyConstraint("dataset_uuid", name="pk_datasets"),
        sa.UniqueConstraint("experiment_id", "name", "digest", name="uq_datasets_experiment_id_name_digest"),
        _experiment_fk("datasets"),
        **_MYSQL,
    )
    op.create_table(
        "run_inputs",
        sa.Column("run_id", RUN_ID, nullable=False),
        sa.Column("dataset_uuid", string(32), nullable=False),
        sa.PrimaryKeyConstraint("run_id", "dataset_uuid", name="pk_run_inputs"),
        _run_fk("run_inputs"),
        sa.ForeignKeyConstraint(["dataset_uuid"], ["datasets.dataset_uuid"],
                                name="fk_run_inputs_dataset_uuid_datasets", ondelete="CASCADE"),
        **_MYSQL,
    )
    op.create_table(
        "run_input_tags",
        sa.Column("run_id", RUN_ID, nullable=False),
        sa.Column("dataset_uuid", string(32), nullable=False),
        sa.Column("key", string(255), nullable=False),
        sa.Column("value", string(500), nullable=False),
        sa.PrimaryKeyConstraint("run_id", "dataset_uuid", "key", name="pk_run_input_tags"),
        sa.ForeignKeyConstraint(["run_id", "dataset_uuid"], ["run_inputs.run_id", "run_inputs.dataset_uuid"],
                                name="fk_run_input_tags_run_id_run_inputs", ondelete="CASCADE"),
        **_MYSQL,
    )
    op.create_table(
        "run_model_inputs",
        sa.Column("run_id", RUN_ID, nullable=False),
        sa.Column("model_id", string(256), nullable=False),
        sa.PrimaryKeyConstraint("run_id", "model_id", name="pk_run_model_inputs"),
        _run_fk("run_model_inputs"),
        **_MYSQL,
    )
    op.create_table(
        "run_model_outputs",
        sa.Column("run_id", RUN_ID, nullable=False),
        sa.Column("model_id", string(256), nullable=False),
        sa.Column("step", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("run_id", "model_id", name="pk_run_model_outputs"),
        _run_fk("run_model_outputs"),
        **_MYSQL,
    )


def downgrade() -> None:
    for table in ("run_model_outputs", "run_model_inputs", "run_input_tags", "run_inputs", "datasets",
                  "latest_metrics", "metrics", "tags", "params", "runs", "experiment_tags", "experiments"):
        op.drop_table(table)
