"""The mlplug test kit: fake plugin distributions and an in-process CLI runner, for our tests and yours.

Plugin authors opt in with ``pytest_plugins = ["mlplug.testing.pytest_plugin"]`` in a conftest.py to
get the fixtures (`plugin_host`, `fake_plugins`, `cli_runner`, `tracking_uri`); the helpers here work
without pytest too. The per-kind contract suites live in `mlplug.testing.contracts`.

Importing this module is cheap (no pytest, no plugin): the contract suites import it as their package.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

__all__ = ["CliResult", "CliRunner", "run_console_script", "write_fake_distribution"]


def write_fake_distribution(site_dir: Path, name: str, entry_points: Mapping[str, Mapping[str, str]],
                            modules: Mapping[str, str] | None = None, version: str = "1.0") -> Path:
    """Write an installed-looking distribution into `site_dir` and return its `.dist-info` directory.

    The result is what pip leaves in site-packages: `<name>-<version>.dist-info/` with METADATA and
    entry_points.txt, next to the module files. Put `site_dir` on sys.path and importlib.metadata (and so
    stevedore and the plugin host) finds the entry points exactly as it finds installed ones.

    :param name: the distribution name, e.g. ``mlplug-fake-hello``.
    :param entry_points: group -> {entry-point name: ``module`` or ``module:attr``}.
    :param modules: relative file path -> source (dedented), e.g. ``{"fake_hello.py": "..."}``.
    """
    site_dir.mkdir(parents=True, exist_ok=True)
    for relative, source in (modules or {}).items():
        target = site_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(source), encoding="utf-8")
    dist_info = site_dir / f"{re.sub(r'[-_.]+', '_', name)}-{version}.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
                                        encoding="utf-8")
    sections = [f"[{group}]\n" + "".join(f"{ep} = {target}\n" for ep, target in names.items())
                for group, names in entry_points.items()]
    (dist_info / "entry_points.txt").write_text("\n".join(sections), encoding="utf-8")
    return dist_info


@dataclass
class CliResult:
    """What one `mlplug` invocation did."""

    exit_code: int
    stdout: str
    stderr: str
    exception: BaseException | None = None  # an error the CLI did not handle (a bug: it would print a traceback)

    def __repr__(self) -> str:
        return f"<CliResult exit_code={self.exit_code} stdout={self.stdout!r} stderr={self.stderr!r}>"


class CliRunner:
    """Runs `mlplug ARGS` in this process through the real entry point `mlplug.cli.root:main`.

    Error handling, exit codes and stdout/stderr separation are therefore exactly the installed
    command's. The command sees the default plugin host (`mlplug.host.get_host()`).
    """

    def invoke(self, args: Sequence[str], input: str | None = None,
               env: Mapping[str, str | None] | None = None) -> CliResult:
        from click.testing import CliRunner as ClickRunner

        from mlplug.cli.root import main

        try:
            runner = ClickRunner(mix_stderr=False)  # click < 8.2 mixes the streams unless told not to
        except TypeError:
            runner = ClickRunner()
        exit_code, exception = 0, None
        saved_argv = sys.argv
        with runner.isolation(input=input, env=env) as streams:
            sys.argv = ["mlplug", *args]
            try:
                main()
            except SystemExit as stop:
                exit_code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
            except Exception as err:  # noqa: BLE001 - reported to the test, not swallowed
                exit_code, exception = 1, err
                sys.stderr.write("".join(traceback.format_exception(type(err), err, err.__traceback__)))
            finally:
                sys.argv = saved_argv
                sys.stdout.flush()
                sys.stderr.flush()
            stdout, stderr = streams[0].getvalue(), streams[1].getvalue()
        return CliResult(exit_code, stdout.decode(errors="replace"), stderr.decode(errors="replace"), exception)


def run_console_script(*args: str, python_flags: Sequence[str] = (), timeout: float = 60,
                       env: Mapping[str, str] | None = None, python: str | None = None) -> subprocess.CompletedProcess:
    """Run the installed `mlplug` script in a fresh interpreter, as a user's shell would.

    For what in-process runs cannot show: start-up imports (``python_flags=["-X", "importtime"]``),
    start-up time, and the behaviour of an environment's real set of installed distributions.

    :param env: variables added to this process's environment.
    :param python: the interpreter of the environment to run in (default: this one); its `mlplug`
        script is the one next to it.
    """
    python = python or sys.executable
    script = os.path.join(os.path.dirname(python), "mlplug")
    if not os.path.exists(script):
        script = shutil.which("mlplug") if python == sys.executable else None
    if not script:
        raise FileNotFoundError(f"no `mlplug` console script next to {python}; install mlplug-core there")
    return subprocess.run([python, *python_flags, script, *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=timeout, stdin=subprocess.DEVNULL)
