"""MLflow 3's logged-model search, which the 3.x client calls while listing a run's artifacts.

The TrackingStore contract has no logged models yet, so no run has any: the search validates its
request and answers an empty page. When the contract gains logged models this endpoint moves into
`mlplug.protocol` with the others.
"""
from __future__ import annotations

from mlplug.protocol import API, Endpoint

from mlplug_cli_server.parsing import Params

ENDPOINTS = [Endpoint("search_logged_models", ("POST",), API + "/logged-models/search",
                      ints=("max_results",), lists=("experiment_ids", "order_by", "datasets"))]


def search_logged_models(ctx, p: Params) -> dict:
    p.str_list("experiment_ids")
    p.objects("order_by")
    p.objects("datasets")
    p.str("filter")
    return {}


HANDLERS = {"search_logged_models": search_logged_models}
