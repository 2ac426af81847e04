"""The UI's routes on the tracking server's Flask app, behind the server's static prefix.

- `/` the page, `/static-files/<build>/...` its scripts and styles (the build id changes whenever a file
  does, so browsers may keep them for good; `page.StaticMiddleware` answers both without Flask);
- `/get-artifact?run_id=&path=` and `/model-versions/get-artifact?name=&version=&path=` (MLflow's routes):
  one artifact file, wherever the run or version keeps it;
- `/ajax-api/2.0/mlplug/metrics/get-history-bucketed` (also under `/api/`): a metric's history in
  buckets for charts (`mlplug.downsampling`), aggregated by the store;
- `/ajax-api/2.0/mlplug/artifacts/read-yaml`: a YAML artifact (an MLmodel file, say) as JSON.

Everything else the page needs is the server's REST API. No request hooks are added: they would take the
server off its direct API path.
"""
from __future__ import annotations

import math
import os
import posixpath
from typing import Any, BinaryIO

from flask import Flask, Response, request
from mlplug.errors import InvalidParameter
from mlplug_cli_server.context import ServerContext
from mlplug_cli_server.proxy import download_headers
from mlplug_cli_server.responses import json_response

from mlplug_ui import artifacts
from mlplug_ui.page import Answer, StaticMiddleware, page_for

MLPLUG_API = "/2.0/mlplug"
# Largest YAML file parsed for a preview; bigger ones are shown as text or downloaded.
MAX_YAML_BYTES = 5 * 1024 * 1024
CHUNK = 1 << 20


def _arg(name: str, *aliases: str, required: bool = True) -> str | None:
    for key in (name, *aliases):
        value = request.args.get(key)
        if value:
            return value
    if required:
        raise InvalidParameter(f"Missing value for required parameter '{name}'.")
    return None


def _int_arg(name: str, round_up: bool = False) -> int | None:
    """An integer query parameter; a fractional one (a zoomed range's end) is rounded outwards."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        pass
    try:
        value = float(raw)
    except ValueError:
        raise InvalidParameter(f"Invalid value '{raw}' for parameter '{name}': expected a number.") from None
    if not math.isfinite(value):
        raise InvalidParameter(f"Invalid value '{raw}' for parameter '{name}': expected a finite number.")
    return math.ceil(value) if round_up else math.floor(value)


def _stream(file: BinaryIO, name: str) -> Response:
    """The file as a download (sendfile for local files), with the proxy's headers."""
    try:
        stat = os.fstat(file.fileno())
    except (AttributeError, OSError, ValueError):  # a cloud object: its length, if it knows it
        stat = None
    size = stat.st_size if stat is not None else getattr(file, "size", None)

    def pieces():
        try:
            while piece := file.read(CHUNK):
                yield piece
        finally:
            file.close()

    wrapper = request.environ.get("wsgi.file_wrapper")
    body = wrapper(file, CHUNK) if stat is not None and wrapper is not None else pieces()
    return Response(body, headers=download_headers(name, stat, size), direct_passthrough=True)


class UiRoutes:
    def __init__(self, ctx: ServerContext):
        self.ctx = ctx

    def run_artifact(self) -> Response:
        path = _arg("path")
        return _stream(artifacts.open_run_artifact(self.ctx, _arg("run_id", "run_uuid"), path), posixpath.basename(path))

    def model_version_artifact(self) -> Response:
        path = _arg("path")
        return _stream(artifacts.open_model_version_artifact(self.ctx, _arg("name"), _arg("version"), path),
                       posixpath.basename(path))

    def bucketed_history(self) -> Response:
        history = self.ctx.store.get_metric_history_bucketed(
            _arg("run_id", "run_uuid"), _arg("metric_key"), max_buckets=_int_arg("max_buckets"),
            x_axis=_arg("x_axis", required=False) or "step", min_x=_int_arg("min_x"),
            max_x=_int_arg("max_x", round_up=True))
        return json_response(history.to_dict())

    def read_yaml(self) -> Response:
        import yaml

        class NoAliases(yaml.SafeLoader):
            """A few KB of nested aliases expand to gigabytes of JSON; files worth previewing have none."""

            def compose_node(self, parent, index):
                if self.check_event(yaml.AliasEvent):
                    raise yaml.YAMLError("aliases (*name) are not supported in a preview; download the file")
                return super().compose_node(parent, index)

        with artifacts.open_run_artifact(self.ctx, _arg("run_id", "run_uuid"), _arg("path")) as file:
            data = file.read(MAX_YAML_BYTES + 1)
        if len(data) > MAX_YAML_BYTES:
            raise InvalidParameter(f"The file is larger than {MAX_YAML_BYTES // (1024 * 1024)} MiB; download it "
                                   "instead.")
        try:
            content: Any = yaml.load(data, Loader=NoAliases)  # noqa: S506 (a SafeLoader)
        except yaml.YAMLError as err:
            raise InvalidParameter(f"Not valid YAML: {str(err).splitlines()[0]}") from None
        return json_response({"content": content})


def _response(answer: Answer) -> Response:
    status, headers, body = answer
    return Response(body, status=int(status.split()[0]), headers=headers)


def register(app: Flask, config: dict) -> None:
    if config.get("artifacts_only"):
        return  # the page needs the tracking API, which such a server does not serve
    ctx: ServerContext = app.extensions["mlplug"]
    prefix = config.get("static_prefix") or ""
    page = page_for(prefix)
    routes = UiRoutes(ctx)
    app.add_url_rule(prefix + "/", "mlplug_ui_index", lambda: _response(page.index()))
    app.add_url_rule(prefix + "/static-files/<build>/<path:filename>", "mlplug_ui_static",
                     lambda build, filename: _response(page.static(build, filename, request.headers.get("If-None-Match"))))
    # The same answers straight from WSGI. Wrapped here, inside the server's own direct API path (which
    # `create_app` puts in front afterwards), so API requests never even look at these paths.
    app.wsgi_app = StaticMiddleware(app.wsgi_app, page)
    app.add_url_rule(prefix + "/get-artifact", "mlplug_ui_get_artifact", routes.run_artifact)
    app.add_url_rule(prefix + "/model-versions/get-artifact", "mlplug_ui_model_version_artifact",
                     routes.model_version_artifact)
    for root in ("/api", "/ajax-api"):
        base = prefix + root + MLPLUG_API
        app.add_url_rule(base + "/metrics/get-history-bucketed", f"mlplug_ui_buckets{root}", routes.bucketed_history)
        app.add_url_rule(base + "/artifacts/read-yaml", f"mlplug_ui_yaml{root}", routes.read_yaml)
