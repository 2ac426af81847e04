"""`mlplug server` and `mlplug ui`: MLflow's tracking-server options, served by gunicorn.

Only click is imported here; gunicorn, Flask and the store load inside the callback.
"""
from __future__ import annotations

import click
from mlplug.hookspecs import hookimpl


def _env(name: str) -> list[str]:
    return [f"MLPLUG_{name}", f"MLFLOW_{name}"]


def _options(fn):
    options = [
        click.option("--backend-store-uri", envvar=_env("BACKEND_STORE_URI"), default="sqlite:///mlplug.db",
                     show_default=True, metavar="URI",
                     help="Where experiments and runs are stored (sqlite:///..., postgresql://..., mysql://...)."),
        click.option("--registry-store-uri", envvar=_env("REGISTRY_STORE_URI"), metavar="URI",
                     help="Model registry store; defaults to the backend store URI."),
        click.option("--default-artifact-root", envvar=_env("DEFAULT_ARTIFACT_ROOT"), metavar="URI",
                     help="Artifact root for new experiments. Default: mlflow-artifacts:/ when serving "
                          "artifacts, else the artifacts destination."),
        click.option("--serve-artifacts/--no-serve-artifacts", envvar=_env("SERVE_ARTIFACTS"), default=True,
                     show_default=True, help="Proxy artifact uploads and downloads through this server."),
        click.option("--artifacts-destination", envvar=_env("ARTIFACTS_DESTINATION"), default="./mlartifacts",
                     show_default=True, metavar="URI",
                     help="Where proxied artifacts are kept (a directory or any artifact URI)."),
        click.option("--artifacts-only", envvar=_env("ARTIFACTS_ONLY"), is_flag=True,
                     help="Serve only the artifact proxy (no tracking API, no backend store)."),
        click.option("-h", "--host", envvar=_env("HOST"), default="127.0.0.1", show_default=True,
                     help="Network address to listen on (0.0.0.0 for all interfaces)."),
        click.option("-p", "--port", envvar=_env("PORT"), default=5000, show_default=True,
                     type=click.IntRange(0, 65535), help="Port to listen on."),
        click.option("-w", "--workers", envvar=_env("WORKERS"), default=4, show_default=True,
                     type=click.IntRange(min=1), help="Number of gunicorn worker processes."),
        click.option("--gunicorn-opts", envvar=_env("GUNICORN_OPTS"), metavar="OPTS",
                     help="Extra gunicorn command-line options, e.g. \"--timeout 60 --log-level info\"."),
        click.option("--static-prefix", envvar=_env("STATIC_PREFIX"), metavar="PREFIX",
                     help="Path prefix for every route, e.g. /mlplug (starts with '/', no trailing '/')."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _run(command: str, backend_store_uri: str, registry_store_uri: str | None, default_artifact_root: str | None,
         serve_artifacts: bool, artifacts_destination: str, artifacts_only: bool, host: str, port: int,
         workers: int, gunicorn_opts: str | None, static_prefix: str | None) -> None:
    from mlplug_cli_server.settings import ServerConfig, check_static_prefix

    problem = check_static_prefix(static_prefix)
    if problem:
        raise click.ClickException(problem)
    config = ServerConfig.resolve(backend_store_uri, registry_store_uri, default_artifact_root, serve_artifacts,
                                  artifacts_destination, artifacts_only, static_prefix)
    from mlplug_cli_server.serving import StartupError, serve

    hint = missing_ui_hint() if command == "ui" else None
    if hint:
        click.echo(hint, err=True)
    try:
        serve(config, host, port, workers, gunicorn_opts, command)
    except StartupError as err:
        raise click.ClickException(str(err)) from None


def missing_ui_hint(host=None) -> str | None:
    """One line for `mlplug ui` when no web UI plugin is installed (the UI is discovered, not required)."""
    from mlplug.hookspecs import CROSS_CUTTING_GROUP
    from mlplug.host import get_host

    if "ui" in (host or get_host()).names(CROSS_CUTTING_GROUP):
        return None
    return "The web UI is not installed, so only the REST API is served; install it with: pip install mlplug-ui"


@click.command("server", context_settings={"help_option_names": ["--help"]})
@_options
def server(**options) -> None:
    """Run the tracking server: MLflow's REST API, the artifact proxy, on gunicorn."""
    _run("server", **options)


@click.command("ui", context_settings={"help_option_names": ["--help"]})
@_options
def ui(**options) -> None:
    """Run the tracking server for local use (same options as 'mlplug server')."""
    _run("ui", **options)


_COMMANDS = {"server": server, "ui": ui}


@hookimpl
def mlplug_cli_command(name: str):
    return _COMMANDS.get(name)
