"""The kernel's own commands, `plugins` and `doctor`: they must work however broken the rest is."""
from __future__ import annotations

import json
import os
import platform
import sys

import click

from mlplug.cli.output import emit, output_option
from mlplug.hookspecs import hookimpl


def _records(load: bool = True):
    from mlplug.host import get_host

    return get_host().inventory(load=load)


@click.command("plugins")
@output_option()
@click.option("--no-load", is_flag=True, help="List entry points without importing them (no status).")
def plugins_command(output: str, no_load: bool) -> None:
    """List installed plugins, what they provide and whether they load."""
    records = _records(load=not no_load)
    rows = [(r.group.removeprefix("mlplug."), r.name, f"{r.distribution} {r.version}", r.status,
             r.error if r.error else ", ".join(r.hooks)) for r in records]
    emit(output, ["Kind", "Name", "Distribution", "Status", "Hooks / error"], rows,
         [r.__dict__ for r in records])
    if any(r.status in ("broken", "conflict") for r in records) and output == "table":
        click.echo("\nSome plugins are broken; 'mlplug doctor' shows their tracebacks. "
                   "Every other command keeps working.", err=True)


def _env_vars(mask: bool) -> dict[str, str]:
    return {k: ("***" if mask else v) for k, v in sorted(os.environ.items())
            if k.startswith(("MLPLUG_", "MLFLOW_"))}


def _distributions() -> dict[str, str]:
    from importlib.metadata import distributions

    wanted = ("mlplug", "click", "pluggy", "stevedore", "sqlalchemy", "alembic", "flask", "gunicorn",
              "werkzeug", "psycopg", "psycopg2-binary", "pymysql", "boto3")
    out = {}
    for dist in distributions():
        name = dist.metadata["Name"] or ""
        if name.lower().startswith("mlplug") or name.lower() in wanted:
            out[name] = dist.version
    return dict(sorted(out.items(), key=lambda kv: kv[0].lower()))


@click.command("doctor")
@click.option("--mask-envs", is_flag=True, help="Show MLPLUG_/MLFLOW_ variables' names only.")
@click.option("--verbose", "-v", is_flag=True, help="Include tracebacks of plugins that failed to load.")
@output_option()
def doctor_command(mask_envs: bool, verbose: bool, output: str) -> None:
    """Check this install: versions, tracking URI, plugins and their load errors."""
    import mlplug
    from mlplug import config
    from mlplug.host import get_host
    from mlplug.uri import redact

    host = get_host()
    records = host.inventory(load=True)
    report = {
        "system": platform.platform(),
        "python": sys.version.split()[0],
        "mlplug_core": _distributions().get("mlplug-core", "unknown"),
        "module_location": os.path.dirname(mlplug.__file__),
        "tracking_uri": redact(config.tracking_uri()),
        "tracking_uri_source": config.setting_source("TRACKING_URI") or "default",
        "registry_uri": redact(config.registry_uri()),
        "environment": _env_vars(mask_envs),
        "distributions": _distributions(),
        "plugins": [{"group": r.group, "name": r.name, "distribution": f"{r.distribution} {r.version}",
                     "status": r.status, "hooks": r.hooks, "error": r.error} for r in records],
    }
    problems = [r for r in records if r.status in ("broken", "conflict")]
    if output == "json":
        click.echo(json.dumps(report, indent=2))
        return
    click.echo(f"System information: {report['system']}")
    click.echo(f"Python version: {report['python']}")
    click.echo(f"mlplug-core version: {report['mlplug_core']}")
    click.echo(f"mlplug module location: {report['module_location']}")
    click.echo(f"Tracking URI: {report['tracking_uri']} (from {report['tracking_uri_source']})")
    click.echo(f"Registry URI: {report['registry_uri']}")
    click.echo("Environment variables:" + ("" if report["environment"] else " none set"))
    for k, v in report["environment"].items():
        click.echo(f"  {k}: {v}")
    click.echo("Distributions:")
    for k, v in report["distributions"].items():
        click.echo(f"  {k}: {v}")
    click.echo("Plugins:")
    for r in records:
        detail = r.error if r.error else ", ".join(r.hooks)
        click.echo(f"  [{r.status}] {r.group.removeprefix('mlplug.')}:{r.name} ({r.distribution} {r.version}) {detail}")
        if verbose and r.status == "broken":
            failure = host.failures.get((r.group, r.name))
            if failure:
                click.echo("    " + failure.details.replace("\n", "\n    "))
    click.echo(f"{len(problems)} problem(s) found." if problems else "No problems found.")


_COMMANDS = {"plugins": plugins_command, "doctor": doctor_command}


@hookimpl
def mlplug_cli_command(name: str):
    return _COMMANDS.get(name)
