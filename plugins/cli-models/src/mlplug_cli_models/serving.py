"""`mlplug models serve` on gunicorn, in-process.

The master loads the model before it listens (so a model that cannot load is a one-line error, not a
worker crash loop), builds the `ScoringApp` and warms it up with one prediction (set
`MLPLUG_SERVE_WARM_UP=false` for a model whose predictions have side effects), then forks the workers,
which share all of it copy-on-write. Workers are the tracking server's: gthread with keep-alive, where a
thread that has just answered serves the same client's next request if it comes within milliseconds.
"""
from __future__ import annotations

from typing import Any

from mlplug import config
from mlplug_cli_server.serving import DEFAULTS as SERVER_DEFAULTS
from mlplug_cli_server.serving import ConfiguredGunicorn, StartupError, check_port_free, format_bind

__all__ = ["StartupError", "serve"]

# The tracking server's worker settings (keep-alive gthread workers, heartbeat in /dev/shm, quiet logs);
# the timeout is set from --timeout below.
DEFAULTS = {**SERVER_DEFAULTS, "proc_name": "mlplug-models-serve"}
# gunicorn restarts a worker whose main loop stalls this long; predictions run on the request threads,
# so this only catches a wedged worker, well after its requests got their 504.
WORKER_TIMEOUT_MARGIN = 30


def mlplug_version() -> str:
    from mlplug.version import installed_version

    return installed_version()


class ScoringGunicorn(ConfiguredGunicorn):
    def __init__(self, app: Any, settings: dict[str, Any], banner: str):
        self.scoring_app = app
        super().__init__(settings, banner)

    def load(self):
        import gc

        # The model and the modules are long-lived: keep them out of every later collection.
        gc.collect()
        gc.freeze()
        return self.scoring_app


def serve(model: Any, model_uri: str, host: str, port: int, workers: int, timeout: float) -> None:
    """Serve an already loaded model until gunicorn is stopped (SIGTERM / Ctrl-C)."""
    import pandas  # noqa: F401 (imported once here, before the fork, instead of by a worker's first request)

    from mlplug_cli_models.scoring import ScoringApp

    check_port_free(host, port)
    # Built and warmed up before the fork, so every worker starts with what a first prediction imports and
    # prepares (its deadline watchdog starts in the worker, with the first request).
    app = ScoringApp(model, mlplug_version(), timeout)
    if config.flag("SERVE_WARM_UP", default=True):
        app.warm_up()
    settings = {**DEFAULTS, "bind": [format_bind(host, port)], "workers": workers,
                "timeout": int(timeout) + WORKER_TIMEOUT_MARGIN}
    banner = (f"mlplug models serve listening on http://{format_bind(host, port)} "
              f"(model {model_uri}, {workers} worker{'s' if workers != 1 else ''})")
    ScoringGunicorn(app, settings, banner).run()
