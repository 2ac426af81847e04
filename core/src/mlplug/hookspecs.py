"""Hook specifications: what a loaded plugin can provide or observe.

Entry points decide *which* plugin module is loaded for a name the user typed (a URI scheme, a CLI word,
a flavour or target name); the module then implements one or more of these hooks. Factory hooks are
`firstresult`: the first non-None answer wins, so a plugin returns None for names it does not handle.

Entry-point groups, by hook:

====================================  ================================  ======================
hook                                  entry-point group                 entry-point name
====================================  ================================  ======================
mlplug_tracking_store                 mlplug.tracking_store             URI scheme
mlplug_registry_store                 mlplug.registry_store             URI scheme
mlplug_artifact_repository            mlplug.artifact_repository        URI scheme
mlplug_env_manager                    mlplug.env_manager                manager name
mlplug_flavor                         mlplug.flavor                     flavour name
mlplug_deployment_client              mlplug.deployment_target          target name
mlplug_project_backend                mlplug.project_backend            backend name
mlplug_cli_command                    mlplug.commands                   CLI word
cross-cutting hooks (below)           mlplug.plugins                    any
====================================  ================================  ======================
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:  # only for annotations; nothing heavy is imported at run time
    import click

    from mlplug.contracts.artifacts import ArtifactRepository
    from mlplug.contracts.deploy import DeploymentClient
    from mlplug.contracts.env import EnvManager
    from mlplug.contracts.flavor import Flavor
    from mlplug.contracts.project import ProjectBackend
    from mlplug.contracts.registry import RegistryStore
    from mlplug.contracts.tracking import TrackingStore

PROJECT = "mlplug"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


# --- factory hooks -----------------------------------------------------------------------------

@hookspec(firstresult=True)
def mlplug_tracking_store(scheme: str, store_uri: str, artifact_uri: str | None) -> "TrackingStore | None":
    """Build the tracking store for `store_uri`.

    :param scheme: the URI's scheme without driver suffix (`postgresql` for `postgresql+psycopg://`).
    :param store_uri: the full URI as the user gave it.
    :param artifact_uri: default artifact root for new experiments, or None for the store's default.
    :return: a `TrackingStore`, or None if this plugin does not handle `scheme`.

    Example::

        @hookimpl
        def mlplug_tracking_store(scheme, store_uri, artifact_uri):
            if scheme == "mystore":
                return MyStore(store_uri, artifact_uri)
    """


@hookspec(firstresult=True)
def mlplug_registry_store(scheme: str, store_uri: str, tracking_uri: str | None) -> "RegistryStore | None":
    """Build the model-registry store for `store_uri`.

    :param scheme: the registry URI's scheme.
    :param store_uri: the registry URI.
    :param tracking_uri: the tracking URI in use (a registry may share its database).
    :return: a `RegistryStore`, or None if this plugin does not handle `scheme`.

    Example::

        @hookimpl
        def mlplug_registry_store(scheme, store_uri, tracking_uri):
            if scheme == "mystore":
                return MyRegistry(store_uri)
    """


@hookspec(firstresult=True)
def mlplug_artifact_repository(scheme: str, artifact_uri: str,
                               tracking_uri: str | None) -> "ArtifactRepository | None":
    """Build the artifact repository rooted at `artifact_uri`.

    :param scheme: the artifact URI's scheme (`file` for plain paths).
    :param artifact_uri: the root URI, e.g. `s3://bucket/1/abc/artifacts`.
    :param tracking_uri: the tracking URI, for repositories that go through the tracking server.
    :return: an `ArtifactRepository`, or None if this plugin does not handle `scheme`.

    Example::

        @hookimpl
        def mlplug_artifact_repository(scheme, artifact_uri, tracking_uri):
            if scheme == "ftp":
                return FtpRepository(artifact_uri)
    """


@hookspec(firstresult=True)
def mlplug_env_manager(name: str) -> "EnvManager | None":
    """Return the environment manager called `name` (`local`, `virtualenv`, `uv`, `conda`, ...).

    :param name: the value of `--env-manager`.
    :return: an `EnvManager`, or None.

    Example::

        @hookimpl
        def mlplug_env_manager(name):
            if name == "pixi":
                return PixiManager()
    """


@hookspec(firstresult=True)
def mlplug_flavor(name: str) -> "Flavor | None":
    """Return the model flavour called `name` (a key of an MLmodel file's `flavors`).

    :param name: the flavour name, e.g. `sklearn`.
    :return: a `Flavor`, or None.

    Example::

        @hookimpl
        def mlplug_flavor(name):
            if name == "xgboost":
                return XGBoostFlavor()
    """


@hookspec(firstresult=True)
def mlplug_deployment_client(target: str, target_uri: str) -> "DeploymentClient | None":
    """Return a client for a deployment target.

    :param target: the target name (the URI scheme, or the whole string when it has none).
    :param target_uri: the full target URI, e.g. `sagemaker:/us-east-1`.
    :return: a `DeploymentClient`, or None.

    Example::

        @hookimpl
        def mlplug_deployment_client(target, target_uri):
            if target == "redisai":
                return RedisAIClient(target_uri)
    """


@hookspec(firstresult=True)
def mlplug_project_backend(name: str) -> "ProjectBackend | None":
    """Return the backend that executes projects for `mlplug run --backend name`.

    :param name: the backend name (`local`, `kubernetes`, ...).
    :return: a `ProjectBackend`, or None.

    Example::

        @hookimpl
        def mlplug_project_backend(name):
            if name == "slurm":
                return SlurmBackend()
    """


@hookspec(firstresult=True)
def mlplug_cli_command(name: str) -> "click.Command | None":
    """Return the click command for the CLI word `name`.

    The module that implements this must import only click at module level: `mlplug --help` loads it
    to show the command's one-line help. Heavy imports belong inside the command's callback.

    :param name: the entry-point name, i.e. the word typed after `mlplug`.
    :return: a `click.Command` (or group), or None.

    Example::

        @hookimpl
        def mlplug_cli_command(name):
            if name == "hello":
                return hello  # a @click.command() defined in this module
    """


# --- cross-cutting hooks (plugins in the `mlplug.plugins` group) -----------------------------------

@hookspec
def mlplug_run_context_tags(experiment_id: str, tags: dict[str, str]) -> dict[str, str] | None:
    """Add tags to every run the Python API creates (source, git commit, notebook, CI job ...).

    :param experiment_id: the experiment the run is created in.
    :param tags: the tags given by the user so far (read-only: user tags win over context tags).
    :return: a dict of tags to add, or None.

    Example::

        @hookimpl
        def mlplug_run_context_tags(experiment_id, tags):
            return {"ci.job": os.environ["CI_JOB_ID"]} if "CI_JOB_ID" in os.environ else None
    """


@hookspec
def mlplug_request_headers(url: str) -> dict[str, str] | None:
    """Add HTTP headers to every request the REST client sends (auth, tracing ...).

    :param url: the URL about to be requested.
    :return: a dict of headers, or None. Values for one header from several plugins are space-joined.

    Example::

        @hookimpl
        def mlplug_request_headers(url):
            return {"Authorization": f"Bearer {token()}"}
    """


@hookspec
def mlplug_server_app(app: Any, config: dict) -> None:
    """Extend the tracking server's Flask app: add blueprints, routes, error handlers, before_request.

    :param app: the `flask.Flask` application, before the first request.
    :param config: the server settings (backend store URI, artifact destination, flags ...).

    Example::

        @hookimpl
        def mlplug_server_app(app, config):
            app.register_blueprint(my_ui_blueprint)
    """


@hookspec
def mlplug_server_middleware(wsgi_app: Any, config: dict) -> Any:
    """Wrap the server's WSGI callable (auth, metrics, CORS); return the wrapper or None to leave it.

    :param wsgi_app: the current WSGI callable.
    :param config: the server settings.
    :return: a new WSGI callable, or None.

    Example::

        @hookimpl
        def mlplug_server_middleware(wsgi_app, config):
            return BasicAuthMiddleware(wsgi_app)
    """


@hookspec
def mlplug_before_deploy(target: str, name: str, model_uri: str, config: dict) -> None:
    """Observe (or veto, by raising MlplugError) a deployment before it is created or updated.

    :param target: the target URI.
    :param name: the deployment name.
    :param model_uri: the model being deployed.
    :param config: the target configuration.

    Example::

        @hookimpl
        def mlplug_before_deploy(target, name, model_uri, config):
            audit_log.write(f"deploying {model_uri} to {target}")
    """


@hookspec
def mlplug_after_deploy(target: str, name: str, model_uri: str, result: dict) -> None:
    """Observe a finished deployment.

    :param target: the target URI.
    :param name: the deployment name.
    :param model_uri: the model deployed.
    :param result: what the target's client returned.

    Example::

        @hookimpl
        def mlplug_after_deploy(target, name, model_uri, result):
            notify_chat(f"{name} is live")
    """


#: Entry-point group for each factory hook; the host uses this to load by name.
FACTORY_GROUPS = {
    "mlplug_tracking_store": "mlplug.tracking_store",
    "mlplug_registry_store": "mlplug.registry_store",
    "mlplug_artifact_repository": "mlplug.artifact_repository",
    "mlplug_env_manager": "mlplug.env_manager",
    "mlplug_flavor": "mlplug.flavor",
    "mlplug_deployment_client": "mlplug.deployment_target",
    "mlplug_project_backend": "mlplug.project_backend",
    "mlplug_cli_command": "mlplug.commands",
}
CROSS_CUTTING_GROUP = "mlplug.plugins"
ALL_GROUPS = tuple(FACTORY_GROUPS.values()) + (CROSS_CUTTING_GROUP,)
