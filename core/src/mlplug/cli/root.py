"""`mlplug`: a click group whose subcommands are entry points in `mlplug.commands`, resolved on demand.

Listing commands imports only their (light) command modules. A command whose plugin fails to load is
still listed, marked broken, and prints the recorded error when run; a default command whose plugin is
not installed is listed with the package to install.
"""
from __future__ import annotations

import sys

import click

from mlplug import known_plugins
from mlplug.errors import MlplugError, PluginError

GROUP = "mlplug.commands"


def _placeholder(name: str, summary: str, message: str) -> click.Command:
    def run() -> None:
        click.echo(f"Error: {message}", err=True)
        sys.exit(1)

    return click.Command(name, callback=run, help=message, short_help=summary, add_help_option=False,
                         context_settings={"ignore_unknown_options": True, "allow_extra_args": True})


class PluginGroup(click.Group):
    def _host(self):
        from mlplug.host import get_host

        return get_host()

    def list_commands(self, ctx: click.Context) -> list[str]:
        installed = set(self._host().names(GROUP))
        return sorted(installed | set(known_plugins.DISTRIBUTIONS[GROUP]))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        host = self._host()
        if name not in host.names(GROUP):
            dist = known_plugins.distribution_for(GROUP, name)
            if dist is None:
                return None
            return _placeholder(name, f"[not installed: pip install {dist}]",
                                f"The '{name}' command is not installed. Install it with: pip install {dist}")
        try:
            return host.cli_command(name)
        except PluginError as err:
            return _placeholder(name, "[broken plugin: run 'mlplug plugins' for details]", err.message)


def _version() -> str:
    from mlplug.version import installed_version

    return installed_version()


@click.group(cls=PluginGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="mlplug-core", prog_name="mlplug", message="%(prog)s %(version)s")
def cli() -> None:
    """mlplug: track experiments, serve and deploy models; every command is a plugin.

    Run 'mlplug plugins' to see what is installed and 'mlplug doctor' to check this install.
    """


def main() -> None:
    try:
        code = cli.main(prog_name="mlplug", standalone_mode=False)  # a command's ctx.exit(n) returns n here
        if isinstance(code, int) and code:
            sys.exit(code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.UsageError as err:  # one line for every command: what is wrong, and where help is
        where = err.ctx.command_path if err.ctx is not None else "mlplug"
        click.echo(f"Error: {err.format_message()} (see '{where} --help')", err=True)
        sys.exit(err.exit_code)
    except click.ClickException as err:
        err.show()
        sys.exit(err.exit_code)
    except MlplugError as err:
        click.echo(f"Error: {err.message}", err=True)
        sys.exit(1)
    except click.exceptions.Exit as err:
        sys.exit(err.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
