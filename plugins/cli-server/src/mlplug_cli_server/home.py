"""What `/` answers when no installed plugin (such as mlplug-ui) serves a page there: that this is the
tracking server's API, and how to get the web UI."""
from __future__ import annotations

from flask import Flask, Response, request

from mlplug_cli_server.responses import json_response

UI_DISTRIBUTION = "mlplug-ui"
HINT = f"The web UI is not installed: pip install {UI_DISTRIBUTION}"
_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>mlplug tracking server</title></head>
<body style="font-family: system-ui, sans-serif; margin: 2rem; color: #1f2328">
<h1>mlplug tracking server</h1>
<p>The REST API is served under <code>{prefix}/api/2.0/mlflow/</code> (and <code>{prefix}/ajax-api/2.0/mlflow/</code>).</p>
<p>The web UI is not installed. Install it with <code>pip install {dist}</code> and restart the server.</p>
</body></html>
"""


def add_fallback(app: Flask, prefix: str) -> None:
    """Serve the note at `prefix + /` unless a plugin already routed that path."""
    path = prefix + "/"
    if any(rule.rule == path for rule in app.url_map.iter_rules()):
        return
    page = _PAGE.format(prefix=prefix, dist=UI_DISTRIBUTION).encode()

    def home() -> Response:
        if request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json":
            return json_response({"message": f"mlplug tracking server: the REST API is under {prefix}/api/2.0/mlflow/. "
                                             f"{HINT}"})
        return Response(page, mimetype="text/html")

    app.add_url_rule(path, "home", home)
