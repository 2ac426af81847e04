"""Where a `wasbs://` or `abfss://` URI points: storage account, container, blob endpoint, name prefix."""
from __future__ import annotations

import re
from dataclasses import dataclass

from mlplug.errors import InvalidParameter

# <scheme>://<container>@<account>.<blob|dfs>.<endpoint suffix>/<prefix>
_URI = re.compile(r"^(?P<scheme>wasbs|abfss)://(?P<container>[^@/]+)@(?P<account>[a-z0-9]+)"
                  r"\.(?P<service>blob|dfs)\.(?P<suffix>[^/]+)(?:/(?P<prefix>.*))?$", re.IGNORECASE)


@dataclass(frozen=True)
class BlobLocation:
    account: str
    container: str
    endpoint_suffix: str  # core.windows.net, or a sovereign cloud's (core.chinacloudapi.cn, ...)
    prefix: str  # blob name prefix without surrounding slashes

    @property
    def account_url(self) -> str:
        """The account's blob endpoint. ADLS Gen2 (`abfss`, the dfs endpoint) serves the Blob API there too."""
        return f"https://{self.account}.blob.{self.endpoint_suffix}"


def parse_azure_uri(uri: str) -> BlobLocation:
    m = _URI.match(uri or "")
    if not m:
        raise InvalidParameter(
            f"Not an Azure storage URI: {uri!r}; expected wasbs://<container>@<account>.blob.core.windows.net/<path> "
            "or abfss://<container>@<account>.dfs.core.windows.net/<path>")
    return BlobLocation(m["account"].lower(), m["container"], m["suffix"].lower(), (m["prefix"] or "").strip("/"))
