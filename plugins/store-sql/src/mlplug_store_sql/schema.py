"""The tables the store queries, as SQLAlchemy Core objects (the schema itself is made by migrations).

This is the current shape; `migrations/versions/` holds the steps that build it, and a test checks the
two agree. The model registry's tables (registered_models, model_versions, their tags and aliases) are in
the sibling module `registry_schema` on the same `metadata`; MLflow 3's logged models, which belong to
tracking, are here.
"""
from __future__ import annotations

import sqlalchemy as sa

from mlplug_store_sql.coltypes import KEY, RUN_ID, long_text, string

# Deterministic constraint names, so later migrations can alter constraints by name on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def _run_fk() -> sa.ForeignKey:
    return sa.ForeignKey("runs.run_id", ondelete="CASCADE")


experiments = sa.Table(
    "experiments", metadata,
    sa.Column("experiment_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", string(500), nullable=False, unique=True),
    sa.Column("artifact_location", string(2000), nullable=False),
    sa.Column("lifecycle_stage", string(32), nullable=False),
    sa.Column("creation_time", sa.BigInteger, nullable=False),
    sa.Column("last_update_time", sa.BigInteger, nullable=False),
)

experiment_tags = sa.Table(
    "experiment_tags", metadata,
    sa.Column("experiment_id", sa.Integer, sa.ForeignKey("experiments.experiment_id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("key", KEY, primary_key=True),
    sa.Column("value", long_text(20000), nullable=False),
)

runs = sa.Table(
    "runs", metadata,
    sa.Column("run_id", RUN_ID, primary_key=True),
    sa.Column("experiment_id", sa.Integer, sa.ForeignKey("experiments.experiment_id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("name", string(8000), nullable=False),
    sa.Column("user_id", string(256), nullable=False),
    sa.Column("status", string(20), nullable=False),
    sa.Column("start_time", sa.BigInteger, nullable=False),
    sa.Column("end_time", sa.BigInteger, nullable=True),
    sa.Column("artifact_uri", string(2000), nullable=False),
    sa.Column("lifecycle_stage", string(32), nullable=False),
    sa.Column("deleted_time", sa.BigInteger, nullable=True),
    sa.Index(None, "experiment_id", "lifecycle_stage", "start_time"),
)

params = sa.Table(
    "params", metadata,
    sa.Column("run_id", RUN_ID, _run_fk(), primary_key=True),
    sa.Column("key", KEY, primary_key=True),
    sa.Column("value", string(6000), nullable=False),
)

tags = sa.Table(
    "tags", metadata,
    sa.Column("run_id", RUN_ID, _run_fk(), primary_key=True),
    sa.Column("key", KEY, primary_key=True),
    sa.Column("value", string(8000), nullable=False),
)


def _metric_columns() -> list[sa.Column]:
    # `value` holds 0 for NaN (flagged by is_nan) and +-DBL_MAX for +-inf: MySQL stores neither NaN nor inf.
    return [
        sa.Column("value", sa.Double, nullable=False),
        sa.Column("timestamp", sa.BigInteger, nullable=False),
        sa.Column("step", sa.BigInteger, nullable=False),
        sa.Column("is_nan", sa.Boolean, nullable=False),
        sa.Column("dataset_name", string(500), nullable=True),
        sa.Column("dataset_digest", string(36), nullable=True),
        sa.Column("model_id", string(256), nullable=True),
    ]


# Full history. The key order serves get_metric_history (run, key, step, timestamp) without a sort,
# and makes re-logging an identical point a no-op.
metrics = sa.Table(
    "metrics", metadata,
    sa.Column("run_id", RUN_ID, _run_fk(), nullable=False),
    sa.Column("key", KEY, nullable=False),
    *_metric_columns(),
    sa.PrimaryKeyConstraint("run_id", "key", "step", "timestamp", "value", "is_nan"),
)

# One row per (run, key): the latest point (highest step, then timestamp, then value; NaN lowest).
latest_metrics = sa.Table(
    "latest_metrics", metadata,
    sa.Column("run_id", RUN_ID, _run_fk(), primary_key=True),
    sa.Column("key", KEY, primary_key=True),
    *_metric_columns(),
)

datasets = sa.Table(
    "datasets", metadata,
    sa.Column("dataset_uuid", string(32), primary_key=True),
    sa.Column("experiment_id", sa.Integer, sa.ForeignKey("experiments.experiment_id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("name", string(500), nullable=False),
    sa.Column("digest", string(36), nullable=False),
    sa.Column("source_type", string(36), nullable=False),
    sa.Column("source", long_text(65535), nullable=False),
    sa.Column("schema", long_text(1048575), nullable=True),
    sa.Column("profile", long_text(16777215), nullable=True),
    sa.UniqueConstraint("experiment_id", "name", "digest"),
)

run_inputs = sa.Table(
    "run_inputs", metadata,
    sa.Column("run_id", RUN_ID, _run_fk(), primary_key=True),
    sa.Column("dataset_uuid", string(32), sa.ForeignKey("datasets.dataset_uuid", ondelete="CASCADE"),
              primary_key=True),
)

run_input_tags = sa.Table(
    "run_input_tags", metadata,
    sa.Column("run_id", RUN_ID, primary_key=True),
    sa.Column("dataset_uuid", string(32), primary_key=True),
    sa.Column("key", string(255), primary_key=True),
    sa.Column("value", string(500), nullable=False),
    sa.ForeignKeyConstraint(["run_id", "dataset_uuid"], ["run_inputs.run_id", "run_inputs.dataset_uuid"],
                            ondelete="CASCADE"),
)

run_model_inputs = sa.Table(
    "run_model_inputs", metadata,
    sa.Column("run_id", RUN_ID, _run_fk(), primary_key=True),
    sa.Column("model_id", string(256), primary_key=True),
)

run_model_outputs = sa.Table(
    "run_model_outputs", metadata,
    sa.Column("run_id", RUN_ID, _run_fk(), primary_key=True),
    sa.Column("model_id", string(256), primary_key=True),
    sa.Column("step", sa.BigInteger, nullable=False),
)


# --- MLflow 3 logged models -----------------------------------------------------------------------
MODEL_ID = string(64)

logged_models = sa.Table(
    "logged_models", metadata,
    sa.Column("model_id", MODEL_ID, primary_key=True),
    sa.Column("experiment_id", sa.Integer, sa.ForeignKey("experiments.experiment_id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("name", string(500), nullable=False),
    sa.Column("artifact_location", string(2000), nullable=False),
    sa.Column("creation_timestamp", sa.BigInteger, nullable=False),
    sa.Column("last_updated_timestamp", sa.BigInteger, nullable=False),
    sa.Column("status", string(40), nullable=False),
    sa.Column("status_message", long_text(8000), nullable=True),
    sa.Column("model_type", string(500), nullable=True),
    sa.Column("source_run_id", RUN_ID, nullable=True),
    sa.Column("lifecycle_stage", string(32), nullable=False),
    # Named here: the convention's name would pass PostgreSQL's 63-character limit.
    sa.Index("ix_logged_models_experiment_lifecycle_created", "experiment_id", "lifecycle_stage",
             "creation_timestamp"),
)


def _model_fk() -> sa.ForeignKey:
    return sa.ForeignKey("logged_models.model_id", ondelete="CASCADE")


logged_model_tags = sa.Table(
    "logged_model_tags", metadata,
    sa.Column("model_id", MODEL_ID, _model_fk(), primary_key=True),
    sa.Column("key", KEY, primary_key=True),
    sa.Column("value", string(8000), nullable=False),
)

logged_model_params = sa.Table(
    "logged_model_params", metadata,
    sa.Column("model_id", MODEL_ID, _model_fk(), primary_key=True),
    sa.Column("key", KEY, primary_key=True),
    sa.Column("value", string(6000), nullable=False),
)

# Metrics logged with a model_id (the rows of `metrics` that name a model, copied as they are logged). No
# foreign key: logging a metric never fails because of the model id it names.
logged_model_metrics = sa.Table(
    "logged_model_metrics", metadata,
    sa.Column("model_id", MODEL_ID, nullable=False),
    sa.Column("run_id", RUN_ID, nullable=False),
    sa.Column("key", KEY, nullable=False),
    sa.Column("value", sa.Double, nullable=False),
    sa.Column("timestamp", sa.BigInteger, nullable=False),
    sa.Column("step", sa.BigInteger, nullable=False),
    sa.Column("is_nan", sa.Boolean, nullable=False),
    sa.Column("dataset_name", string(500), nullable=True),
    sa.Column("dataset_digest", string(36), nullable=True),
    sa.PrimaryKeyConstraint("model_id", "key", "step", "timestamp", "value", "is_nan", "run_id"),
)
