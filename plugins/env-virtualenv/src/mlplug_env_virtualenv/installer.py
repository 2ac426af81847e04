"""Create a virtual environment and install into it: with uv when it is available (much faster, and
its cache makes rebuilding a known environment cheap), else with `python -m venv` and pip.

`MLPLUG_ENV_INSTALLER=uv|pip` forces one of them.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from typing import Mapping, Sequence

from mlplug.config import setting
from mlplug.errors import InvalidParameter, MlplugError

_LAST_LINES = 3


def find_uv() -> str | None:
    try:
        from uv import find_uv_bin  # the `uv` distribution (this plugin's `uv` extra)
    except ImportError:
        return shutil.which("uv")
    try:
        return find_uv_bin()
    except FileNotFoundError:
        return shutil.which("uv")


class BuildFailed(MlplugError):
    error_code = "INVALID_STATE"


@dataclass
class Installer:
    """Runs the build commands, appending their output to `log_path`."""

    uv: str | None
    log_path: str
    env: Mapping[str, str] | None = None

    @classmethod
    def choose(cls, log_path: str, env: Mapping[str, str] | None = None, forced: str | None = None) -> "Installer":
        forced = (forced or setting("ENV_INSTALLER") or "").strip().lower()
        if forced not in ("", "uv", "pip"):
            raise InvalidParameter(f"MLPLUG_ENV_INSTALLER must be 'uv' or 'pip', not '{forced}'.")
        uv = None if forced == "pip" else find_uv()
        if forced == "uv" and uv is None:
            raise InvalidParameter("MLPLUG_ENV_INSTALLER=uv but uv is not installed: "
                                   "pip install 'mlplug-env-virtualenv[uv]'.")
        return cls(uv, log_path, env)

    @property
    def name(self) -> str:
        return "uv" if self.uv else "pip"

    def create(self, base_python: str, path: str) -> None:
        if self.uv:
            self._run([self.uv, "venv", "--quiet", "--python", base_python, path])
        else:
            self._run([base_python, "-m", "venv", path])

    def install(self, path: str, args: Sequence[str]) -> None:
        if not args:
            return
        python = os.path.join(path, "bin", "python")
        if self.uv:
            self._run([self.uv, "pip", "install", "--python", python, *args])
        else:
            self._run([python, "-m", "pip", "install", "--disable-pip-version-check", *args])

    def _run(self, argv: list[str]) -> None:
        env = {**os.environ, **(self.env or {})}
        env.pop("VIRTUAL_ENV", None)  # never install into the environment mlplug itself runs in
        env["UV_PYTHON_DOWNLOADS"] = "never"
        env.setdefault("PIP_NO_INPUT", "1")
        with open(self.log_path, "a", encoding="utf-8") as log:
            log.write(f"$ {' '.join(argv)}\n")
            log.flush()
            done = subprocess.run(argv, stdout=log, stderr=subprocess.PIPE, text=True, env=env,
                                  stdin=subprocess.DEVNULL)
            log.write(done.stderr)
        if done.returncode != 0:
            lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
            reason = " ".join(lines[-_LAST_LINES:]) or f"exit status {done.returncode}"
            raise BuildFailed(f"'{os.path.basename(argv[0])} {' '.join(argv[1:3])}' failed: {reason} "
                              f"(full output: {self.log_path})")
