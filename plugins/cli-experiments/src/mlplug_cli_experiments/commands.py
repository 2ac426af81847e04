"""`mlplug experiments`: create, search, get, delete, restore and rename experiments.

Only click is imported at module level (`mlplug --help` loads this module); the tracking client and
everything it pulls in are imported inside the callbacks. Errors are MlplugErrors, which the CLI root
prints as one `Error: ...` line with exit status 1.
"""
from __future__ import annotations

import os

import click

from mlplug.cli.output import emit, output_option
from mlplug.cli.tracking import TrackingGroup, VIEWS, client, tracking_uri_option
from mlplug.hookspecs import hookimpl

PAGE_SIZE = 1000  # experiments fetched per request while following page tokens

experiment_id_option = click.option("--experiment-id", "-x", type=click.STRING, required=True,
                                    help="ID of the experiment.")



def _non_negative(_ctx: click.Context, _param: click.Parameter, value: int | None) -> int | None:
    if value is not None and value < 0:
        raise click.BadParameter("max-results must be a non-negative integer")
    return value


@click.group("experiments", cls=TrackingGroup)
@tracking_uri_option
def experiments() -> None:
    """Create, search, rename, delete and restore experiments.

    They live in the store that the tracking URI names: a database or a tracking server.
    """


@experiments.command("create")
@click.option("--experiment-name", "-n", type=click.STRING, required=True, help="Name of the new experiment.")
@click.option("--artifact-location", "-l",
              help="Base location for the artifacts of this experiment's runs "
                   "($artifact_location/$run_id/artifacts). Default: the store's artifact root.")
def create(experiment_name: str, artifact_location: str | None) -> None:
    """Create an experiment."""
    experiment_id = client().create_experiment(experiment_name, artifact_location=artifact_location)
    click.echo(f"Created experiment '{experiment_name}' with id {experiment_id}")


def _as_dict(experiment) -> dict:
    """The experiment as MLflow's CLI prints it: its fields in name order, tags as a mapping."""
    return {"artifact_location": experiment.artifact_location, "creation_time": experiment.creation_time,
            "experiment_id": experiment.experiment_id, "last_update_time": experiment.last_update_time,
            "lifecycle_stage": experiment.lifecycle_stage, "name": experiment.name, "tags": dict(experiment.tags)}


def _all_experiments(client, view_type: int, max_results: int | None) -> list:
    """Every matching experiment, following page tokens, up to `max_results` (None: no limit)."""
    found: list = []
    token = None
    while max_results is None or len(found) < max_results:
        page_size = PAGE_SIZE if max_results is None else min(PAGE_SIZE, max_results - len(found))
        page = client.search_experiments(view_type=view_type, max_results=page_size, page_token=token)
        found.extend(page)
        token = page.token
        if not token:
            break
    return found


def _display_location(location: str) -> str:
    """Plain paths are shown absolute (as MLflow does); URIs as they are."""
    from mlplug.uri import split_scheme

    return location if split_scheme(location)[0] or not location else os.path.abspath(location)


@experiments.command("search")
@click.option("--view", "-v", type=VIEWS, default="active_only", show_default=True,
              help="Which experiments to show: active_only, deleted_only or all.")
@click.option("--max-results", type=click.INT, default=None, callback=_non_negative,
              help="Maximum number of experiments to return (default: all).")
@output_option()
def search(view: str, max_results: int | None, output: str) -> None:
    """Search experiments in the tracking store."""
    from mlplug.entities import ViewType

    found = sorted(_all_experiments(client(), ViewType.parse(view), max_results),
                   key=lambda e: e.experiment_id)
    rows = [(e.experiment_id, e.name, _display_location(e.artifact_location)) for e in found]
    emit(output, ["Experiment Id", "Name", "Artifact Location"], rows, [_as_dict(e) for e in found])


@experiments.command("get")
@click.option("--experiment-id", "-x", type=click.STRING, help="ID of the experiment.")
@click.option("--experiment-name", "-n", type=click.STRING, help="Name of the experiment.")
@output_option()
def get(experiment_id: str | None, experiment_name: str | None, output: str) -> None:
    """Show one experiment, by ID or by name."""
    import json

    from mlplug.errors import NotFound

    if (experiment_id is None) == (experiment_name is None):
        raise click.UsageError("Must specify exactly one of --experiment-id or --experiment-name.")
    tracking = client()
    if experiment_id is not None:
        experiment = tracking.get_experiment(experiment_id)
    else:
        experiment = tracking.get_experiment_by_name(experiment_name)
        if experiment is None:
            raise NotFound(f"Experiment with name '{experiment_name}' does not exist.")
    if output == "json":
        click.echo(json.dumps(_as_dict(experiment), indent=2))
        return
    fields = [("Experiment ID", experiment.experiment_id), ("Name", experiment.name),
              ("Artifact Location", experiment.artifact_location),
              ("Lifecycle Stage", experiment.lifecycle_stage),
              ("Creation Time", experiment.creation_time or "N/A"),
              ("Last Update Time", experiment.last_update_time or "N/A"),
              ("Tags", ", ".join(f"{k}={v}" for k, v in experiment.tags.items()))]
    width = max(len(name) for name, _ in fields) + 2
    for name, value in fields:
        click.echo(f"{name.ljust(width)}: {value}")


@experiments.command("delete")
@experiment_id_option
def delete(experiment_id: str) -> None:
    """Mark an active experiment (and its runs) deleted; `restore` brings it back."""
    client().delete_experiment(experiment_id)
    click.echo(f"Experiment with ID {experiment_id} has been deleted.")


@experiments.command("restore")
@experiment_id_option
def restore(experiment_id: str) -> None:
    """Restore a deleted experiment and the runs deleted with it."""
    client().restore_experiment(experiment_id)
    click.echo(f"Experiment with id {experiment_id} has been restored.")


@experiments.command("rename")
@experiment_id_option
@click.option("--new-name", type=click.STRING, required=True, help="The experiment's new name.")
def rename(experiment_id: str, new_name: str) -> None:
    """Rename an active experiment."""
    client().rename_experiment(experiment_id, new_name)
    click.echo(f"Experiment with id {experiment_id} has been renamed to '{new_name}'.")


@hookimpl
def mlplug_cli_command(name: str) -> click.Command | None:
    return experiments if name == "experiments" else None
