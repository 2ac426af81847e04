"""`mlplug runs`: list, describe, delete and restore runs.

Only click is imported at module level (`mlplug --help` loads this module); the tracking client and
everything it pulls in are imported inside the callbacks. Errors are MlplugErrors, which the CLI root
prints as one `Error: ...` line with exit status 1.
"""
from __future__ import annotations

import click

from mlplug.cli.output import emit, output_option
from mlplug.cli.tracking import TrackingGroup, VIEWS, client, tracking_uri_option
from mlplug.hookspecs import hookimpl

PAGE_SIZE = 1000  # runs fetched per request while following page tokens

run_id_option = click.option("--run-id", type=click.STRING, required=True, help="ID of the run.")



@click.group("runs", cls=TrackingGroup)
@tracking_uri_option
def runs() -> None:
    """List, describe, delete and restore runs.

    They live in the store that the tracking URI names: a database or a tracking server.
    """


def _local_time(epoch_ms: int | None) -> str:
    """`YYYY-MM-DD HH:MM:SS TZ` in local time, as MLflow's run list shows start times."""
    import datetime

    if epoch_ms is None:
        return ""
    moment = datetime.datetime.fromtimestamp(epoch_ms / 1000).astimezone()
    return moment.strftime("%Y-%m-%d %H:%M:%S ") + (moment.tzname() or "")


def _all_runs(client, experiment_id: str, view_type: int) -> list:
    """Every run of the experiment in `view_type`, following page tokens."""
    found: list = []
    token = None
    while True:
        page = client.search_runs(experiment_ids=[experiment_id], run_view_type=view_type, max_results=PAGE_SIZE,
                                  page_token=token)
        found.extend(page)
        token = page.token
        if not token:
            return found


def _info_dict(info) -> dict:
    """A RunInfo as MLflow's CLI prints it: fields in name order, unset times as null."""
    return {"artifact_uri": info.artifact_uri, "end_time": info.end_time, "experiment_id": info.experiment_id,
            "lifecycle_stage": info.lifecycle_stage, "run_id": info.run_id, "run_name": info.run_name,
            "start_time": info.start_time, "status": info.status, "user_id": info.user_id}


def describe_dict(run) -> dict:
    """A run in the shape of MLflow's `runs describe`: info, then data, inputs and outputs as mappings."""
    return {
        "info": _info_dict(run.info),
        "data": {"metrics": run.data.metrics, "params": dict(run.data.params), "tags": dict(run.data.tags)},
        "inputs": {
            "model_inputs": [{"model_id": m} for m in run.inputs.model_inputs],
            "dataset_inputs": [{"dataset": {"name": d.name, "digest": d.digest, "source_type": d.source_type,
                                            "source": d.source, "schema": d.schema, "profile": d.profile},
                                "tags": dict(d.tags)} for d in run.inputs.dataset_inputs],
        },
        "outputs": {"model_outputs": [{"model_id": m, "step": s} for m, s in run.outputs.model_outputs]},
    }


@runs.command("list")
@click.option("--experiment-id", envvar=["MLPLUG_EXPERIMENT_ID", "MLFLOW_EXPERIMENT_ID"], type=click.STRING,
              required=True, help="ID of the experiment whose runs to list "
                                  "(env: MLPLUG_EXPERIMENT_ID, then MLFLOW_EXPERIMENT_ID).")
@click.option("--view", "-v", type=VIEWS, default="active_only", show_default=True,
              help="Which runs to show: active_only, deleted_only or all.")
@output_option()
def list_runs(experiment_id: str, view: str, output: str) -> None:
    """List the runs of an experiment, newest first."""
    from mlplug.entities import ViewType

    found = sorted(_all_runs(client(), experiment_id, ViewType.parse(view)), reverse=True,
                   key=lambda r: (r.info.start_time or 0, r.info.run_name or "", r.info.run_id))
    rows = [(_local_time(r.info.start_time), r.info.run_name or "", r.info.run_id) for r in found]
    emit(output, ["Date", "Name", "ID"], rows, [_info_dict(r.info) for r in found])


@runs.command("describe")
@run_id_option
def describe(run_id: str) -> None:
    """Print all of a run's details as JSON."""
    import json

    click.echo(json.dumps(describe_dict(client().get_run(run_id)), indent=4))


@runs.command("delete")
@run_id_option
def delete(run_id: str) -> None:
    """Mark a run deleted; `restore` brings it back."""
    client().delete_run(run_id)
    click.echo(f"Run with ID {run_id} has been deleted.")


@runs.command("restore")
@run_id_option
def restore(run_id: str) -> None:
    """Restore a deleted run."""
    client().restore_run(run_id)
    click.echo(f"Run with id {run_id} has been restored.")


@hookimpl
def mlplug_cli_command(name: str) -> click.Command | None:
    return runs if name == "runs" else None
