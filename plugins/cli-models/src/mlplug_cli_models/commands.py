"""`mlplug models`: MLflow's `mlflow models` commands and options. Only click at module level (`mlplug
--help` imports this module); the model, the server and the environments load inside the callbacks."""
from __future__ import annotations

import click
from mlplug.hookspecs import hookimpl

DEFAULT_ENV_MANAGER = "virtualenv"  # MLflow's default: the model's own environment


def _env(name: str) -> list[str]:
    return [f"MLPLUG_{name}", f"MLFLOW_{name}"]


model_uri_option = click.option(
    "-m", "--model-uri", required=True, metavar="URI",
    help="The model: a local directory, file://, runs:/<run_id>/<path>, models:/<name>/<version>, "
         "models:/<name>@<alias>, or any artifact URI.")
env_manager_option = click.option(
    "--env-manager", default=DEFAULT_ENV_MANAGER, show_default=True, metavar="NAME",
    help="Where the model runs: 'local' (this Python environment), 'virtualenv' (an isolated environment "
         "built from the model's python_env.yaml and cached), or any installed env-manager plugin.")


@click.group("models")
def models() -> None:
    """Serve MLflow-format models, predict with them, and package them as Docker images."""


@models.command("serve", context_settings={"help_option_names": ["--help"]})
@model_uri_option
@click.option("-p", "--port", envvar=_env("PORT"), default=5000, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on.")
@click.option("-h", "--host", envvar=_env("HOST"), default="127.0.0.1", show_default=True,
              help="Network address to listen on (0.0.0.0 for all interfaces).")
@click.option("-w", "--workers", envvar=_env("MODELS_WORKERS"), default=1, show_default=True,
              type=click.IntRange(min=1), help="Number of server processes, each with the model loaded.")
@click.option("-t", "--timeout", envvar=_env("SCORING_SERVER_REQUEST_TIMEOUT"), default=60, show_default=True,
              type=click.IntRange(min=1), help="Seconds a prediction may take before the request gets a 504.")
@env_manager_option
def serve(model_uri: str, port: int, host: str, workers: int, timeout: int, env_manager: str) -> None:
    """Serve the model over HTTP: POST /invocations, GET /ping, /health, /version."""
    from mlplug_cli_models import environments

    model_dir = environments.local_model(model_uri)
    env = environments.prepare(env_manager, model_dir)
    if not environments.runs_here(env):
        environments.exec_inside(env, ["mlplug", "models", "serve", "-m", model_dir, "-p", str(port), "-h", host,
                                       "-w", str(workers), "-t", str(timeout), "--env-manager", environments.LOCAL])
    model = environments.load(model_dir, model_uri)
    from mlplug_cli_models.serving import StartupError, serve as run_server

    try:
        run_server(model, model_uri, host, port, workers, timeout)
    except StartupError as err:
        raise click.ClickException(str(err)) from None


@models.command("predict", context_settings={"help_option_names": ["--help"]})
@model_uri_option
@click.option("-i", "--input-path", type=click.Path(dir_okay=False), metavar="FILE",
              help="File with the input (the /invocations JSON payload, or CSV); default: standard input.")
@click.option("-o", "--output-path", type=click.Path(dir_okay=False), metavar="FILE",
              help="File to write the predictions to; default: standard output.")
@click.option("-t", "--content-type", type=click.Choice(["json", "csv"]), default="json", show_default=True,
              help="Format of the input.")
@env_manager_option
def predict(model_uri: str, input_path: str | None, output_path: str | None, content_type: str,
            env_manager: str) -> None:
    """Predict with the model on a JSON or CSV input; prints {"predictions": ...}."""
    import os

    from mlplug_cli_models import environments

    model_dir = environments.local_model(model_uri)
    env = environments.prepare(env_manager, model_dir)
    if not environments.runs_here(env):
        argv = ["mlplug", "models", "predict", "-m", model_dir, "-t", content_type, "--env-manager", environments.LOCAL]
        argv += ["-i", os.path.abspath(input_path)] if input_path else []
        argv += ["-o", os.path.abspath(output_path)] if output_path else []
        environments.exec_inside(env, argv)
    from mlplug.errors import MlplugError

    from mlplug_cli_models.predict import predict_file

    try:
        predict_file(environments.load(model_dir, model_uri), input_path, output_path, content_type)
    except MlplugError as err:  # a DataFrame in a schema error spans lines; the CLI prints one
        raise MlplugError(" ".join(err.message.split()), err.error_code) from None


@models.command("prepare-env", context_settings={"help_option_names": ["--help"]})
@model_uri_option
@env_manager_option
def prepare_env(model_uri: str, env_manager: str) -> None:
    """Build (or find in the cache) the environment the model runs in, so serving starts at once."""
    from mlplug_cli_models import environments

    env = environments.prepare(env_manager, environments.local_model(model_uri))
    if environments.runs_here(env):
        click.echo(f"Nothing to build: --env-manager {env_manager} runs the model with {env.python}.")
    else:
        click.echo(f"Environment ready: {env.python}")


@models.command("generate-dockerfile", context_settings={"help_option_names": ["--help"]})
@model_uri_option
@click.option("-d", "--output-directory", default="mlplug-dockerfile", show_default=True, metavar="DIR",
              help="Directory to write the Dockerfile and its build context to.")
def generate_dockerfile(model_uri: str, output_directory: str) -> None:
    """Write a Dockerfile and build context that serve the model on port 8080."""
    from mlplug_cli_models import docker, environments

    docker.write_context(environments.local_model(model_uri), output_directory)
    click.echo(f"Wrote the Dockerfile and build context to {output_directory}")


@models.command("build-docker", context_settings={"help_option_names": ["--help"]})
@model_uri_option
@click.option("-n", "--name", default="mlplug-pyfunc-servable", show_default=True, help="Name of the image.")
def build_docker(model_uri: str, name: str) -> None:
    """Build a Docker image that serves the model on port 8080 (needs a running Docker engine)."""
    from mlplug_cli_models import docker, environments

    docker.build_image(environments.local_model(model_uri), name)


@hookimpl
def mlplug_cli_command(name: str):
    return models if name == "models" else None
