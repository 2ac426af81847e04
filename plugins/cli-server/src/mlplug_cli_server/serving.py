"""Run the app on gunicorn, in-process: the master opens the store once (so schema migrations happen
before any worker exists), then forks workers that each build their own app and store.

Workers are gunicorn's `gthread` with keep-alive (see `worker.py`), so an HTTP/1.1 client reuses its
connection across requests.
"""
from __future__ import annotations

import errno
import os
import shlex
import socket
import sys
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.config import Config
from mlplug.errors import MlplugError
from mlplug.host import PluginHost
from mlplug.uri import redact

from mlplug_cli_server.settings import ServerConfig

DEFAULTS = {
    "worker_class": "mlplug_cli_server.worker.KeepAliveThreadWorker",
    "threads": 4,
    "keepalive": 5,
    "timeout": 120,
    "graceful_timeout": 10,
    "loglevel": "warning",
    "errorlog": "-",
    "accesslog": None,
    "proc_name": "mlplug-server",
}
# Workers touch a heartbeat file on every loop turn; gunicorn advises keeping it in memory, since a
# container's /tmp may be a slow overlay filesystem.
if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK):
    DEFAULTS["worker_tmp_dir"] = "/dev/shm"


class StartupError(Exception):
    """A problem found before serving; the message is one line for the user."""


def parse_gunicorn_opts(opts: str | None) -> dict[str, Any]:
    """`--gunicorn-opts "--timeout 60 --log-level debug"` -> gunicorn settings (validated)."""
    if not opts:
        return {}
    parser = Config().parser()

    def fail(message: str) -> None:
        raise StartupError(f"Invalid --gunicorn-opts {opts!r}: {message}")

    parser.error = fail  # argparse would print usage and exit; we want one line
    try:
        parsed = parser.parse_args(shlex.split(opts))
    except SystemExit:
        fail("see 'gunicorn --help' for the accepted options")
    if parsed.args:
        fail(f"unexpected argument(s) {' '.join(parsed.args)}; the app is chosen by mlplug")
    settings = {k: v for k, v in vars(parsed).items() if v is not None and k != "args"}
    probe = Config()
    for key, value in settings.items():
        try:
            probe.set(key.lower(), value)
        except (ValueError, TypeError) as err:
            fail(f"{key}: {err}")
    return {k.lower(): v for k, v in settings.items()}


def format_bind(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host and not host.startswith("[") else f"{host}:{port}"


def check_port_free(host: str, port: int) -> None:
    """Fail fast with a clear message instead of gunicorn's retry loop when the address is taken."""
    try:
        infos = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)
    except socket.gaierror as err:
        raise StartupError(f"Cannot listen on host {host!r}: {err.strerror}. Pass a valid --host.") from None
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as err:
            if err.errno == errno.EADDRINUSE:
                raise StartupError(f"Port {port} on {host} is already in use. Stop the process using it "
                                   "or pick another port with --port.") from None
            if err.errno == errno.EACCES:
                raise StartupError(f"No permission to listen on port {port} (ports below 1024 need root). "
                                   "Pick another port with --port.") from None
            raise StartupError(f"Cannot listen on {format_bind(host, port)}: {err.strerror}.") from None


def prepare_backend(config: ServerConfig) -> None:
    """Open the stores once in the master (creating or upgrading the schema), then let go of them.

    A throw-away host is used so no open store is cached in the process that is about to fork.
    """
    host = PluginHost()
    try:
        host.artifact_repository(config.artifacts_destination)
        if not config.artifacts_only:
            host.tracking_store(config.backend_store_uri, config.default_artifact_root).close()
    except MlplugError as err:
        raise StartupError(err.message) from None
    except Exception as err:
        raise StartupError(f"Cannot open the backend store {redact(config.backend_store_uri)}: "
                           f"{type(err).__name__}: {err}".splitlines()[0]) from None


class ConfiguredGunicorn(BaseApplication):
    """gunicorn run in-process from a dict of settings, printing a one-line banner once it listens (the
    tracking server and `mlplug models serve`); subclasses give `load()`, the WSGI app of a worker."""

    def __init__(self, settings: dict[str, Any], banner: str):
        self.settings = settings
        self.banner = banner
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.settings.items():
            self.cfg.set(key, value)
        banner = self.banner
        self.cfg.set("when_ready", lambda _arbiter: print(banner, file=sys.stderr, flush=True))


class MlplugGunicorn(ConfiguredGunicorn):
    def __init__(self, config: ServerConfig, settings: dict[str, Any], banner: str):
        self.server_config = config
        super().__init__(settings, banner)

    def load_config(self) -> None:
        super().load_config()
        self.cfg.set("worker_exit", _close_worker_store)

    def load(self):
        import logging

        from mlplug_cli_server.app import create_app

        # Application errors (500s with their tracebacks) go where gunicorn's own error log goes.
        gunicorn_log = logging.getLogger("gunicorn.error")
        app_log = logging.getLogger("mlplug")
        app_log.handlers, app_log.propagate = list(gunicorn_log.handlers), False
        app_log.setLevel(gunicorn_log.level)
        app = create_app(self.server_config)
        _tune_gc()
        return app


# A page of metric history or of runs allocates tens of thousands of short-lived objects; with CPython's
# default thresholds (700, 10, 10) the collector runs dozens of times per such request, each full
# collection walking every object of the worker, and takes about a third of the request's time.
GC_THRESHOLDS = (50_000, 20, 20)


def _tune_gc() -> None:
    """Leave the worker's start-up objects (modules, the app, the store) out of every later collection,
    and collect less often."""
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def _close_worker_store(_arbiter, worker) -> None:
    """Let the store release its connections when a worker stops (SQLite checkpoints its WAL then)."""
    app = getattr(worker, "wsgi", None)
    context = getattr(app, "extensions", {}).get("mlplug") if app is not None else None
    if context is not None:
        context.close()


def serve(config: ServerConfig, host: str, port: int, workers: int, gunicorn_opts: str | None,
          command: str = "server") -> None:
    """Validate everything that can be checked up front, then run gunicorn until it is stopped."""
    extra = parse_gunicorn_opts(gunicorn_opts)
    settings = {**DEFAULTS, "bind": [format_bind(host, port)], "workers": workers, **extra}
    if "bind" not in extra:
        check_port_free(host, port)
    prepare_backend(config)
    address = settings["bind"][0]
    url = address if "://" in address or address.startswith("unix:") else f"http://{address}"
    banner = f"mlplug {command} listening on {url} ({config.describe()}, {settings['workers']} workers)"
    MlplugGunicorn(config, settings, banner).run()
