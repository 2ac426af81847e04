"""The run a project executes in: its tags and parameters, and the variables that point the entry
point's process at it, so `mlplug` and the real `mlflow` client inside both log into that run."""
from __future__ import annotations

import os
from typing import Mapping

from mlplug.entities import Param, RunTag
from mlplug.errors import InvalidParameter
from mlplug.projects.sources import FetchedProject
from mlplug.tracking import context
from mlplug.uri import split_scheme

SOURCE_TYPE_PROJECT = "PROJECT"
ENTRY_POINT = "mlflow.project.entryPoint"
BACKEND = "mlflow.project.backend"
ENV = "mlflow.project.env"
GIT_REPO_URL = "mlflow.source.git.repoURL"
LEGACY_GIT_REPO_URL = "mlflow.gitRepoURL"
GIT_BRANCH = "mlflow.source.git.branch"
RUN_NAME = "mlflow.runName"


def child_tracking_uri(tracking_uri: str) -> str:
    """`tracking_uri` as a process with another working directory must see it: a relative SQLite
    database path made absolute (`sqlite:///mlplug.db` -> `sqlite:////here/mlplug.db`)."""
    scheme, rest = split_scheme(tracking_uri)
    if scheme.split("+", 1)[0] == "sqlite" and rest.startswith("///") and not rest.startswith("////"):
        path, sep, query = rest[3:].partition("?")
        if path and path != ":memory:":
            return f"{scheme}:///{os.path.abspath(path)}{sep}{query}"
    if not scheme:
        return os.path.abspath(tracking_uri)
    return tracking_uri


def child_environment(run_id: str, tracking_uri: str, experiment_id: str) -> dict[str, str]:
    """The variables the entry point's process gets: MLflow's names and mlplug's."""
    values = {"RUN_ID": run_id, "TRACKING_URI": child_tracking_uri(tracking_uri), "EXPERIMENT_ID": experiment_id}
    return {f"{prefix}{name}": value for prefix in ("MLFLOW_", "MLPLUG_") for name, value in values.items()}


def project_tags(fetched: FetchedProject, entry_point: str, backend: str, env_kind: str) -> dict[str, str]:
    """The tags `mlflow run` sets, from what was fetched and how it is run."""
    tags = {context.SOURCE_NAME: fetched.source_name, context.SOURCE_TYPE: SOURCE_TYPE_PROJECT,
            ENTRY_POINT: entry_point, BACKEND: backend, ENV: env_kind}
    if fetched.git_commit:
        tags[context.GIT_COMMIT] = fetched.git_commit
    if fetched.git_repo_url:
        tags[GIT_REPO_URL] = tags[LEGACY_GIT_REPO_URL] = fetched.git_repo_url
    if fetched.version:
        tags[GIT_BRANCH] = fetched.version
    return tags


def start_project_run(client, experiment_id: str, tags: Mapping[str, str], params: Mapping[str, str],
                      run_name: str | None = None, run_id: str | None = None) -> str:
    """Create the run (or take over `run_id`, which must be in `experiment_id`), with the project's tags
    and parameters; returns its id."""
    if run_id:
        run = client.get_run(run_id)
        if run.info.experiment_id != str(experiment_id):
            raise InvalidParameter(f"Run {run_id} belongs to experiment {run.info.experiment_id}, not {experiment_id}; "
                                   "leave --experiment-id/--experiment-name out to use it.")
        client.update_run(run_id, status="RUNNING", name=run_name)
    else:
        all_tags = context.run_tags(str(experiment_id), {}, dict(tags))
        if context.GIT_COMMIT not in tags:  # the context's commit is mlplug's own checkout, not the project's
            all_tags.pop(context.GIT_COMMIT, None)
        if run_name:
            all_tags[RUN_NAME] = run_name
        run_id = client.create_run(str(experiment_id), tags=all_tags, run_name=run_name).info.run_id
        tags = {}
    try:
        client.log_batch(run_id, params=[Param(k, v) for k, v in params.items()],
                         tags=[RunTag(k, v) for k, v in tags.items()])
    except BaseException:
        client.set_terminated(run_id, "FAILED")
        raise
    return run_id
