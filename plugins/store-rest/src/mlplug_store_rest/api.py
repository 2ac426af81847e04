"""Calls to the endpoints of `mlplug.protocol`, shared by the REST tracking and registry stores.

A call names an endpoint and passes its fields: fields in the endpoint's path are filled in there, the
rest go in the query string (GET) or the JSON body; None and empty lists are left out.
"""
from __future__ import annotations

from typing import Any

from mlplug.http import HttpClient, HttpSettings
from mlplug.protocol import BY_NAME


class RestApi:
    def __init__(self, store_uri: str, settings: HttpSettings | None = None):
        self.store_uri = store_uri
        self.http = HttpClient(store_uri, settings)

    def _call(self, endpoint: str, **fields: Any) -> dict:
        """Call one endpoint of the table with `fields`; the decoded JSON answer (errors raise)."""
        ep = BY_NAME[endpoint]
        fields = {k: v for k, v in fields.items() if v is not None and v != []}
        path = ep.fill_path(fields)
        for name in ep.path_fields:
            del fields[name]
        if ep.method == "GET":
            for name in ep.lists:
                if name in fields and not isinstance(fields[name], (list, tuple)):
                    fields[name] = [fields[name]]
            response = self.http.request("GET", path, query=fields)
        else:
            response = self.http.request(ep.method, path, json_body=fields)
        return response.raise_for_status().json()

    def close(self) -> None:
        self.http.close()
