"""`mlplug artifacts`: list, download, log-artifact, log-artifacts and delete a run's artifacts.

Only click (and the kernel's light CLI helpers) are imported at module level, since `mlplug --help`
loads this module; the tracking client, the artifact repositories and everything they pull in are
imported inside the callbacks. Errors are one `Error: ...` line with a non-zero exit status: the CLI
root prints MlplugErrors (unknown run, missing artifact plugin, ...) that way, and local problems are
raised here as click.ClickException, which prints the same.
"""
from __future__ import annotations

import click

from mlplug.cli.output import output_option, table
from mlplug.cli.tracking import TrackingGroup, client, tracking_uri, tracking_uri_option
from mlplug.hookspecs import hookimpl

_DELETE_LISTED = 20  # removed files printed one per line before the rest are summed up

run_id_option = click.option("--run-id", "-r", required=True, help="ID of the run.")
progress_option = click.option(
    "--progress/--no-progress", default=None,
    help="Show a progress line on stderr (files and bytes). Default: on a terminal, for transfers that "
         "take more than a second.")




@click.group("artifacts", cls=TrackingGroup)
@tracking_uri_option
def artifacts() -> None:
    """List, download, upload and delete the artifacts of runs.

    They are stored wherever the run's artifact URI points (a directory, a bucket, a tracking server's
    artifact proxy); the plugin for that URI's scheme does the work.
    """


def mlflow_json(infos) -> str:
    """MLflow's `artifacts list` output: each FileInfo indented on its own, joined by ", " in one list."""
    import json

    return "[" + ", ".join(json.dumps(info.to_dict(), indent=2) for info in infos) + "]"


@artifacts.command("list")
@run_id_option
@click.option("--artifact-path", "-a", help="Directory below the run's artifact root to list (default: the root).")
@output_option()
def list_artifacts(run_id: str, artifact_path: str | None, output: str) -> None:
    """List the files and directories directly inside an artifact directory of a run."""
    infos = client().list_artifacts(run_id, artifact_path)
    if output == "json":
        click.echo(mlflow_json(infos))
        return
    rows = [(info.path, "true" if info.is_dir else "false", "" if info.is_dir else info.file_size) for info in infos]
    click.echo(table(["Path", "Is Dir", "Size"], rows))


@artifacts.command("download")
@click.option("--run-id", "-r", help="ID of the run whose artifacts to download.")
@click.option("--artifact-path", "-a", help="File or directory below the run's artifact root (default: all).")
@click.option("--artifact-uri", "-u",
              help="URI of the artifacts, e.g. runs:/<run_id>/model or s3://bucket/path; wins over --run-id "
                   "and --artifact-path.")
@click.option("--dst-path", "-d", type=click.Path(file_okay=False),
              help="Local directory to download into (default: a new temporary directory).")
@progress_option
@click.option("--overwrite", is_flag=True,
              help="Download every file again; by default files already present with the remote size are kept, "
                   "so re-running an interrupted download fetches only what is missing.")
def download(run_id: str | None, artifact_path: str | None, artifact_uri: str | None, dst_path: str | None,
             progress: bool | None, overwrite: bool) -> None:
    """Download a file or directory of artifacts and print its local path."""
    from mlplug.tracking.artifacts import download_artifacts

    if not artifact_uri and not run_id:
        raise click.UsageError("Give --run-id (and optionally --artifact-path), or --artifact-uri.")
    where = {"artifact_uri": artifact_uri} if artifact_uri else {"run_id": run_id, "artifact_path": artifact_path}
    local = download_artifacts(**where, dst_path=dst_path, tracking_uri=tracking_uri(), progress=progress,
                               resume=not overwrite)
    click.echo(f"\n{local}")


@artifacts.command("log-artifact")
@click.option("--local-file", "-l", required=True, help="Local file to upload.")
@run_id_option
@click.option("--artifact-path", "-a", help="Directory below the run's artifact root to put the file in.")
def log_artifact(local_file: str, run_id: str, artifact_path: str | None) -> None:
    """Upload one local file into a run's artifacts."""
    import os

    if os.path.isdir(local_file):
        raise click.ClickException(f"'{local_file}' is a directory; upload it with "
                                   f"`mlplug artifacts log-artifacts -l {local_file} -r {run_id}`.")
    if not os.path.isfile(local_file):
        raise click.ClickException(f"Local file '{local_file}' does not exist.")
    client().log_artifact(run_id, local_file, artifact_path)
    click.echo(f"Logged artifact from local file {local_file} to artifact_path={artifact_path}", err=True)


@artifacts.command("log-artifacts")
@click.option("--local-dir", "-l", required=True, help="Local directory whose files to upload, tree and all.")
@run_id_option
@click.option("--artifact-path", "-a", help="Directory below the run's artifact root to put the tree in.")
@progress_option
def log_artifacts(local_dir: str, run_id: str, artifact_path: str | None, progress: bool | None) -> None:
    """Upload every file of a local directory into a run's artifacts, several at a time."""
    import os

    if not os.path.isdir(local_dir):
        what = "is not a directory" if os.path.exists(local_dir) else "does not exist"
        raise click.ClickException(f"Local directory '{local_dir}' {what}.")
    client().log_artifacts(run_id, local_dir, artifact_path, progress=progress)
    click.echo(f"Logged artifact from local dir {local_dir} to artifact_path={artifact_path}", err=True)


def files_at(repo, path: str | None) -> list:
    """Every file that `path` names: the file itself, or all files below a directory; [] if nothing is there."""
    import posixpath

    from mlplug.contracts.artifacts import safe_relpath

    rel = safe_relpath(path)
    if not rel:
        return list(repo.iter_files(None))
    for info in repo.list_artifacts(posixpath.dirname(rel) or None):
        if info.path == rel:
            return list(repo.iter_files(rel)) if info.is_dir else [info]
    return []


@artifacts.command("delete")
@run_id_option
@click.option("--artifact-path", "-a", help="File or directory to delete (default: all of the run's artifacts).")
@click.option("--yes", "-y", is_flag=True, help="Delete without asking for confirmation.")
def delete(run_id: str, artifact_path: str | None, yes: bool) -> None:
    """Delete a file, a directory or all artifacts of a run, and print what was removed.

    Works on runs in any lifecycle stage (a deleted run's artifacts included). Cannot be undone.
    """
    from mlplug.tracking.artifacts import repository
    from mlplug.tracking.transfer import human_bytes

    tracking = client()
    repo = repository(tracking.get_run(run_id).info.artifact_uri, tracking.tracking_uri)
    files = files_at(repo, artifact_path)
    where = f" at '{artifact_path}'" if artifact_path else ""
    if not files:
        click.echo(f"Nothing to delete: run {run_id} has no artifacts{where}.")
        return
    size = sum(info.file_size or 0 for info in files)
    what = f"{len(files)} file{'s' if len(files) != 1 else ''} ({human_bytes(size)})"
    if not yes:
        click.confirm(f"Delete {what}{where} from run {run_id}?", abort=True, err=True)
    repo.delete_artifacts(artifact_path)
    click.echo(f"Deleted {what} from run {run_id}:")
    for info in files[:_DELETE_LISTED]:
        click.echo(f"  {info.path}")
    if len(files) > _DELETE_LISTED:
        click.echo(f"  ... and {len(files) - _DELETE_LISTED} more")


@hookimpl
def mlplug_cli_command(name: str) -> click.Command | None:
    return artifacts if name == "artifacts" else None
