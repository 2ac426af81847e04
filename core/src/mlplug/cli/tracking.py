"""What every tracking-aware command group shares: the `--tracking-uri` option, the view choice and the
client. Only click is imported here; the client is imported when a command runs."""
from __future__ import annotations

import click

_URI_KEY = "mlplug.tracking_uri"

VIEWS = click.Choice(["active_only", "deleted_only", "all"], case_sensitive=False)


def _remember(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    # meta is shared by the whole context chain, so subcommands see the group's value; a subcommand's
    # own `--tracking-uri` wins, and its absence must not erase the group's.
    if value is not None:
        ctx.meta[_URI_KEY] = value


_OPTION_ARGS = dict(
    metavar="URI", expose_value=False, callback=_remember,
    help="Tracking URI to use (default: MLPLUG_TRACKING_URI, then MLFLOW_TRACKING_URI, then sqlite:///mlplug.db).")

tracking_uri_option = click.option("--tracking-uri", **_OPTION_ARGS)


class TrackingGroup(click.Group):
    """A command group whose subcommands also take `--tracking-uri`, so it works before or after the
    subcommand name (`mlplug runs --tracking-uri X list` and `mlplug runs list --tracking-uri X`)."""

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        if not any(param.name == "tracking_uri" for param in cmd.params):
            cmd.params.append(click.Option(["--tracking-uri"], **_OPTION_ARGS))
        super().add_command(cmd, name)


def tracking_uri() -> str | None:
    """The group's `--tracking-uri`, or None for the configured default."""
    return click.get_current_context().meta.get(_URI_KEY)


def client():
    """An MlplugClient on the group's tracking URI."""
    from mlplug.tracking.client import MlplugClient

    return MlplugClient(tracking_uri=tracking_uri())
