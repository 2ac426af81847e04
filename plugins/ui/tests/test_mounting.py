"""The UI is discovered, not required: with it the server's `/` is the page (and the API keeps its direct
WSGI path); without it `/` says how to install it and `mlplug ui` prints the same hint."""
from __future__ import annotations

import pytest
from mlplug.hookspecs import CROSS_CUTTING_GROUP
from mlplug.host import PluginHost, get_host, set_host
from mlplug_cli_server.app import create_app
from mlplug_cli_server.commands import missing_ui_hint
from mlplug_cli_server.dispatch import ApiDispatcher
from mlplug_cli_server.settings import ServerConfig

from mlplug_ui.page import StaticMiddleware


class HostWithoutUi(PluginHost):
    """The installed plugins minus the UI, as if mlplug-ui were not installed."""

    def entry_points(self, group):
        return [ep for ep in super().entry_points(group) if not (group == CROSS_CUTTING_GROUP and ep.name == "ui")]


@pytest.fixture
def make_app(tmp_path):
    previous = get_host()
    made = []

    def make(host: PluginHost):
        set_host(host)
        config = ServerConfig.resolve(f"sqlite:///{tmp_path / 'mlplug.db'}", artifacts_destination=str(tmp_path / "art"))
        app = create_app(config)
        made.append(app)
        return app.test_client()

    yield make
    set_host(previous)
    for app in made:
        app.extensions["mlplug"].close()


def test_with_the_ui_the_root_is_the_page_and_the_api_stays_direct(make_app):
    client = make_app(PluginHost())
    page = client.get("/")
    assert page.status_code == 200 and b'<meta name="mlplug-prefix"' in page.data
    outer = client.application.wsgi_app
    assert isinstance(outer, ApiDispatcher)  # the API keeps its direct path, first (the UI added no request hooks)
    assert isinstance(outer._fallback, StaticMiddleware)  # then the page's files, without Flask
    assert client.get("/static-files/x/js/main.js").status_code == 200
    assert client.get("/api/2.0/mlflow/experiments/search").status_code == 200
    assert client.get("/api/2.0/mlflow/experiments/search").status_code == 200
    assert missing_ui_hint(PluginHost()) is None


def test_without_the_ui_the_root_says_how_to_install_it(make_app):
    client = make_app(HostWithoutUi())
    page = client.get("/")
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert b"pip install mlplug-ui" in page.data and b"/api/2.0/mlflow/" in page.data
    as_json = client.get("/", headers={"Accept": "application/json"})
    assert "pip install mlplug-ui" in as_json.get_json()["message"]
    assert client.get("/get-artifact?run_id=x&path=y").status_code == 404  # no UI routes at all
    assert client.get("/api/2.0/mlflow/experiments/search").status_code == 200
    assert missing_ui_hint(HostWithoutUi()) == ("The web UI is not installed, so only the REST API is served; "
                                                "install it with: pip install mlplug-ui")
