"""TrackingStore: experiments, runs, params, metrics, tags. One contract for SQL, REST and third parties.

Semantics every implementation keeps (the contract suite in `mlplug.testing.contracts` checks them):
params are write-once (re-logging the same value is fine), tags are last-write-wins, the latest metric
per key is the one with the highest step, then the latest timestamp, then the highest value; a batch is
validated whole and nothing is written when any of it is rejected; writes to deleted runs are refused.
"""
from __future__ import annotations

import time
from abc import ABC, abstractmethod
from typing import Sequence

from mlplug.downsampling import DEFAULT_BUCKETS, BucketedHistory, bucket_points, check_request
from mlplug.entities import (DatasetInput, Experiment, LoggedModel, Metric, PagedList, Param, Run, RunInfo,
                             RunTag, ViewType)


def now_ms() -> int:
    return int(time.time() * 1000)


class TrackingStore(ABC):
    """Returned by the `mlplug_tracking_store` hook for the URI schemes a plugin claims."""

    # --- experiments -------------------------------------------------------------------------
    @abstractmethod
    def create_experiment(self, name: str, artifact_location: str | None = None,
                          tags: dict[str, str] | None = None) -> str:
        """Create an active experiment and return its id; a taken name raises AlreadyExists."""

    @abstractmethod
    def get_experiment(self, experiment_id: str) -> Experiment:
        """The experiment (deleted ones too); unknown ids raise NotFound."""

    @abstractmethod
    def get_experiment_by_name(self, name: str) -> Experiment | None:
        """The experiment with that exact name (deleted ones too), or None."""

    @abstractmethod
    def search_experiments(self, view_type: int = ViewType.ACTIVE_ONLY, max_results: int = 1000,
                           filter_string: str | None = None, order_by: Sequence[str] | None = None,
                           page_token: str | None = None) -> PagedList[Experiment]:
        """Experiments matching a filter (see mlplug.search), default order creation_time DESC, id ASC."""

    @abstractmethod
    def delete_experiment(self, experiment_id: str) -> None:
        """Soft-delete the experiment and its runs; deleting a deleted one raises NotFound."""

    @abstractmethod
    def restore_experiment(self, experiment_id: str) -> None:
        """Bring a deleted experiment (and the runs deleted with it) back."""

    @abstractmethod
    def rename_experiment(self, experiment_id: str, new_name: str) -> None:
        """Rename an active experiment; a deleted one raises InvalidState."""

    @abstractmethod
    def set_experiment_tag(self, experiment_id: str, key: str, value: str) -> None:
        """Set (or overwrite) one experiment tag."""

    @abstractmethod
    def delete_experiment_tag(self, experiment_id: str, key: str) -> None:
        """Remove one experiment tag; a missing one raises NotFound."""

    # --- runs --------------------------------------------------------------------------------
    @abstractmethod
    def create_run(self, experiment_id: str, user_id: str = "", start_time: int | None = None,
                   tags: Sequence[RunTag] = (), run_name: str | None = None) -> Run:
        """Create a RUNNING run; a missing name is generated and mirrored in tag `mlflow.runName`."""

    @abstractmethod
    def get_run(self, run_id: str) -> Run:
        """The run with its latest metrics, params and tags; unknown ids raise NotFound."""

    @abstractmethod
    def update_run_info(self, run_id: str, run_status: str | None = None, end_time: int | None = None,
                        run_name: str | None = None) -> RunInfo:
        """Change status, end time or name (a new name rewrites tag `mlflow.runName`)."""

    @abstractmethod
    def delete_run(self, run_id: str) -> None:
        """Soft-delete (idempotent)."""

    @abstractmethod
    def restore_run(self, run_id: str) -> None:
        """Undo a soft delete (idempotent)."""

    @abstractmethod
    def log_batch(self, run_id: str, metrics: Sequence[Metric] = (), params: Sequence[Param] = (),
                  tags: Sequence[RunTag] = ()) -> None:
        """Validate the whole batch, then write all of it in one transaction or none of it."""

    @abstractmethod
    def delete_tag(self, run_id: str, key: str) -> None:
        """Remove one run tag; a missing one raises NotFound."""

    @abstractmethod
    def get_metric_history(self, run_id: str, metric_key: str, max_results: int | None = None,
                           page_token: str | None = None) -> PagedList[Metric]:
        """Every logged value of one metric, ordered by step, then timestamp."""

    @abstractmethod
    def search_runs(self, experiment_ids: Sequence[str], filter_string: str = "",
                    run_view_type: int = ViewType.ACTIVE_ONLY, max_results: int = 1000,
                    order_by: Sequence[str] | None = None, page_token: str | None = None) -> PagedList[Run]:
        """Runs matching a filter; default order start_time DESC, then run_id ASC."""

    def log_inputs(self, run_id: str, datasets: Sequence[DatasetInput] = (), models: Sequence[str] = ()) -> None:
        """Record dataset and model inputs of a run (optional for stores that do not keep lineage)."""
        raise NotImplementedError

    def log_outputs(self, run_id: str, models: Sequence[tuple[str, int]]) -> None:
        """Record models (id, step) a run produced (optional)."""
        raise NotImplementedError

    # --- logged models (MLflow 3) -------------------------------------------------------------------
    # Optional for stores that keep no logged models; MLflow 3 clients need them to log a model.
    def create_logged_model(self, experiment_id: str, name: str | None = None, source_run_id: str | None = None,
                            tags: dict[str, str] | None = None, params: dict[str, str] | None = None,
                            model_type: str | None = None) -> LoggedModel:
        """A PENDING model with id `m-<32 hex>` whose files go to
        `<experiment artifact location>/models/<model_id>/artifacts`; a missing name is generated."""
        raise NotImplementedError

    def get_logged_model(self, model_id: str) -> LoggedModel:
        """The model with its tags, params and metrics; unknown or deleted ids raise NotFound."""
        raise NotImplementedError

    def search_logged_models(self, experiment_ids: Sequence[str], filter_string: str | None = None,
                             datasets: Sequence[dict] | None = None, max_results: int | None = None,
                             order_by: Sequence[dict] | None = None,
                             page_token: str | None = None) -> PagedList[LoggedModel]:
        """Models of the experiments matching a filter (`mlplug.search`, entity `logged_models`).

        `datasets` (`[{"dataset_name", "dataset_digest"}]`) restricts metric comparisons to values logged
        on those datasets; `order_by` items are `{"field_name", "ascending", "dataset_name", ...}`.
        Default order: creation_timestamp DESC, then model_id ASC; default page size 50.
        """
        raise NotImplementedError

    def finalize_logged_model(self, model_id: str, status: str) -> LoggedModel:
        """Set the final status, LOGGED_MODEL_READY or LOGGED_MODEL_UPLOAD_FAILED."""
        raise NotImplementedError

    def delete_logged_model(self, model_id: str) -> None:
        """Soft-delete: the model is no longer found or listed; deleting it again raises NotFound."""
        raise NotImplementedError

    def set_logged_model_tags(self, model_id: str, tags: dict[str, str]) -> None:
        """Set (or overwrite) tags."""
        raise NotImplementedError

    def delete_logged_model_tag(self, model_id: str, key: str) -> None:
        """Remove one tag; a missing one raises NotFound."""
        raise NotImplementedError

    def log_logged_model_params(self, model_id: str, params: dict[str, str]) -> None:
        """Add params; like run params they are write-once (the same value again is fine)."""
        raise NotImplementedError

    # --- conveniences built on the abstract methods ----------------------------------------------
    def log_metric(self, run_id: str, metric: Metric) -> None:
        self.log_batch(run_id, metrics=[metric])

    def log_param(self, run_id: str, param: Param) -> None:
        self.log_batch(run_id, params=[param])

    def set_tag(self, run_id: str, tag: RunTag) -> None:
        self.log_batch(run_id, tags=[tag])

    def get_metric_history_bulk_interval(self, run_ids: Sequence[str], metric_key: str, max_results: int,
                                         start_step: int | None = None,
                                         end_step: int | None = None) -> list[Metric]:
        """Up to `max_results` points per run between two steps, each with its run_id (for charts)."""
        out = []
        for rid in run_ids:
            points = [m for m in self.get_metric_history(rid, metric_key)
                      if (start_step is None or m.step >= start_step) and (end_step is None or m.step <= end_step)]
            if len(points) > max_results:
                stride = len(points) / max_results
                points = [points[int(i * stride)] for i in range(max_results - 1)] + [points[-1]]
            for m in points:
                m.run_id = rid
            out.extend(points)
        return out

    def get_metric_history_bucketed(self, run_id: str, metric_key: str, max_buckets: int = DEFAULT_BUCKETS,
                                    x_axis: str = "step", min_x: int | None = None,
                                    max_x: int | None = None) -> BucketedHistory:
        """One metric's history in at most `max_buckets` buckets along `x_axis` (`step`, `wall`, `relative`),
        each with its x range, first, last, min, max and count; the rule is in `mlplug.downsampling`.

        This default reads the whole history; a store that can aggregate where the data is should.
        """
        checked = check_request(max_buckets, x_axis, min_x, max_x)
        return bucket_points(self.get_metric_history(run_id, metric_key), *checked)

    def close(self) -> None:
        """Release connections; the store is not used afterwards."""
