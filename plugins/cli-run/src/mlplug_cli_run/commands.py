"""`mlplug run`: run an MLflow project's entry point as a tracked run.

Only click is imported at module level (`mlplug --help` loads this module); the project machinery,
the tracking client and the backend are imported inside the callback.
"""
from __future__ import annotations

import click

from mlplug.cli.tracking import tracking_uri, tracking_uri_option
from mlplug.hookspecs import hookimpl

#: `mlplug run`'s exit status when the run was stopped by Ctrl-C or SIGTERM (128 + SIGINT, as shells do).
KILLED_EXIT = 130


@click.command("run")
@click.argument("uri")
@click.option("-e", "--entry-point", default="main", show_default=True, metavar="NAME",
              help="Entry point of the MLproject, or a .py / .sh script of the project.")
@click.option("-v", "--version", "version", metavar="VERSION",
              help="Git branch, tag or commit to run (default: the repository's default branch).")
@click.option("-P", "--param-list", "param_list", multiple=True, metavar="NAME=VALUE",
              help="A parameter; repeat for more. Parameters the entry point does not declare are passed "
                   "on as --NAME VALUE.")
@click.option("--experiment-name", envvar=["MLPLUG_EXPERIMENT_NAME", "MLFLOW_EXPERIMENT_NAME"],
              help="Experiment to run in, created if missing (env: MLPLUG_/MLFLOW_EXPERIMENT_NAME).")
@click.option("--experiment-id", envvar=["MLPLUG_EXPERIMENT_ID", "MLFLOW_EXPERIMENT_ID"],
              help="ID of the experiment to run in (env: MLPLUG_/MLFLOW_EXPERIMENT_ID).")
@click.option("--run-name", help="Name of the run (tag mlflow.runName).")
@click.option("--env-manager", metavar="NAME",
              help="Environment to run in: local, virtualenv, uv, conda or any installed env-manager plugin "
                   "(default: virtualenv for python_env projects, conda for conda_env projects).")
@click.option("--run-id", help="Run in this existing run instead of creating one.")
@click.option("--storage-dir", type=click.Path(file_okay=False),
              help="Where remote 'path' parameters are downloaded (env: MLPLUG_/MLFLOW_TMP_DIR).")
@click.option("-b", "--backend", default="local", show_default=True,
              help="Project backend: local, or any installed project-backend plugin.")
@click.option("-c", "--backend-config", metavar="FILE_OR_JSON",
              help="The backend's settings: a .json file, or a JSON object string.")
@tracking_uri_option
def run(uri: str, entry_point: str, version: str | None, param_list: tuple[str, ...], experiment_name: str | None,
        experiment_id: str | None, run_name: str | None, env_manager: str | None, run_id: str | None,
        storage_dir: str | None, backend: str, backend_config: str | None) -> None:
    """Run the project at URI (a directory or a git repository, with an optional #subdirectory).

    The run gets the parameters and source tags; the entry point's process gets MLFLOW_RUN_ID,
    MLFLOW_TRACKING_URI and MLFLOW_EXPERIMENT_ID (and the MLPLUG_ ones), so mlplug and the mlflow client
    inside log into that run. Its output is streamed, its exit status ends the run FINISHED or FAILED,
    and Ctrl-C stops it and ends the run KILLED.
    """
    from mlplug_cli_run.launch import launch

    if experiment_name and experiment_id:
        raise click.UsageError("Give --experiment-name or --experiment-id, not both.")
    succeeded = launch(uri=uri, entry_point=entry_point, version=version, param_list=param_list,
                       experiment_name=experiment_name, experiment_id=experiment_id, run_name=run_name,
                       env_manager=env_manager, run_id=run_id, storage_dir=storage_dir, backend=backend,
                       backend_config=backend_config, tracking_uri=tracking_uri())
    if succeeded is None:
        raise click.exceptions.Exit(KILLED_EXIT)
    if not succeeded:
        raise click.exceptions.Exit(1)


@hookimpl
def mlplug_cli_command(name: str) -> click.Command | None:
    return run if name == "run" else None
