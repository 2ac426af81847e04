"""Page tokens: opaque to clients, base64 of `{"offset": N}` as MLflow's SQL store issues them."""
from __future__ import annotations

import base64
import json

from mlplug.errors import InvalidParameter


def encode(offset: int) -> str:
    return base64.b64encode(json.dumps({"offset": offset}).encode()).decode()


def decode(token: str | None) -> int:
    if not token:
        return 0
    try:
        offset = json.loads(base64.b64decode(token, validate=True))["offset"]
        if isinstance(offset, int) and offset >= 0:
            return offset
    except Exception:
        pass
    raise InvalidParameter(f"Invalid page token, could not base64-decode: {token!r}")


def next_token(offset: int, page_len: int, requested: int, has_more: bool | None = None) -> str | None:
    """Token for the page after one of `page_len` results fetched at `offset` (None if it was the last)."""
    more = has_more if has_more is not None else page_len >= requested
    return encode(offset + page_len) if more and page_len else None
