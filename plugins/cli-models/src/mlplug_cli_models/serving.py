"""`mlplug models serve` on gunicorn, in-process.

The master loads the model before it listens (so a model that cannot load is a one-line error, not a
worker crash loop), then forks the workers, which share the loaded model copy-on-write and each build
their own `ScoringApp`. Workers are gthread with keep-alive, and a thread that has just answered keeps
serving the same client's next request if it is already on the wire (the tracking server's worker).
"""
from __future__ import annotations

import os
import sys
from typing import Any

from gunicorn.app.base import BaseApplication
from mlplug_cli_server.serving import StartupError, check_port_free, format_bind

__all__ = ["StartupError", "serve"]

DEFAULTS = {
    "worker_class": "mlplug_cli_server.worker.KeepAliveThreadWorker",
    "threads": 4,
    "keepalive": 5,
    "graceful_timeout": 10,
    "loglevel": "warning",
    "errorlog": "-",
    "accesslog": None,
    "proc_name": "mlplug-models-serve",
}
if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK):
    DEFAULTS["worker_tmp_dir"] = "/dev/shm"
# gunicorn restarts a worker whose main loop stalls this long; predictions run on the request threads,
# so this only catches a wedged worker, well after its requests got their 504.
WORKER_TIMEOUT_MARGIN = 30


def mlplug_version() -> str:
    from mlplug.version import installed_version

    return installed_version()


class ScoringGunicorn(BaseApplication):
    def __init__(self, model: Any, settings: dict[str, Any], request_timeout: float, banner: str):
        self.model = model
        self.settings = settings
        self.request_timeout = request_timeout
        self.banner = banner
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.settings.items():
            self.cfg.set(key, value)
        banner = self.banner
        self.cfg.set("when_ready", lambda _arbiter: print(banner, file=sys.stderr, flush=True))

    def load(self):
        import gc

        from mlplug_cli_models.scoring import ScoringApp

        app = ScoringApp(self.model, mlplug_version(), self.request_timeout)
        # The model and the modules are long-lived: keep them out of every later collection.
        gc.collect()
        gc.freeze()
        return app


def serve(model: Any, model_uri: str, host: str, port: int, workers: int, timeout: float) -> None:
    """Serve an already loaded model until gunicorn is stopped (SIGTERM / Ctrl-C)."""
    import pandas  # noqa: F401 (imported once here, before the fork, instead of by a worker's first request)

    check_port_free(host, port)
    settings = {**DEFAULTS, "bind": [format_bind(host, port)], "workers": workers,
                "timeout": int(timeout) + WORKER_TIMEOUT_MARGIN}
    banner = (f"mlplug models serve listening on http://{format_bind(host, port)} "
              f"(model {model_uri}, {workers} worker{'s' if workers != 1 else ''})")
    ScoringGunicorn(model, settings, timeout, banner).run()
