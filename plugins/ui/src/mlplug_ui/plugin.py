"""The UI's hook: mount its routes (and its static files' fast path) into the tracking server's Flask app.

Loaded with every cross-cutting plugin (also by tracking code that only logs runs), so it imports
nothing heavy: Flask and the routes load when the server builds its app.
"""
from __future__ import annotations

from typing import Any

from mlplug.hookspecs import hookimpl


@hookimpl
def mlplug_server_app(app: Any, config: dict) -> None:
    from mlplug_ui.routes import register

    register(app, config)

