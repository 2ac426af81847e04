"""A small HTTP/1.1 client for talking to a tracking server, shared by the REST store and the artifact proxy.

Standard library only (`http.client`), so the kernel stays dependency-light. It keeps one keep-alive
connection per thread and server, reconnects when the server has closed an idle connection, retries
MLflow's retryable statuses and connection errors with exponential backoff, and adds the headers every
request needs (User-Agent, auth from the environment, the `mlplug_request_headers` hook).

Settings (each `MLPLUG_<NAME>`, falling back to `MLFLOW_<NAME>`, defaults as in MLflow):
`HTTP_REQUEST_MAX_RETRIES` (7), `HTTP_REQUEST_BACKOFF_FACTOR` (2), `HTTP_REQUEST_BACKOFF_JITTER` (1.0),
`HTTP_REQUEST_TIMEOUT` (120 s), `TRACKING_USERNAME` / `TRACKING_PASSWORD` (basic auth),
`TRACKING_TOKEN` (bearer), `TRACKING_INSECURE_TLS`, `TRACKING_SERVER_CERT_PATH` (CA bundle),
`TRACKING_CLIENT_CERT_PATH` (client certificate with its key).
"""
from __future__ import annotations

import base64
import http.client
import io
import json
import logging
import os
import random
import ssl
import threading
import time
from dataclasses import dataclass, replace
from typing import Any, BinaryIO, Mapping
from urllib.parse import unquote, urlencode, urlsplit

from mlplug import config
from mlplug.errors import MlplugError, error_from_response

_log = logging.getLogger("mlplug.http")

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
# Codes that arrive with a retryable status (500) but describe the data, not a hiccup: asking again
# would only make the caller wait minutes for the same answer.
_DEFINITIVE_CODES = frozenset({"INVALID_STATE", "DATA_LOSS", "FEATURE_DISABLED"})
MAX_BACKOFF = 120.0
_CHUNK = 1 << 20
# Errors that mean "the server closed the kept-alive connection": reconnect once, right away.
_STALE = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError, ConnectionAbortedError)


class HttpConnectionError(MlplugError):
    """The server could not be reached, even after retrying."""

    error_code = "TEMPORARILY_UNAVAILABLE"


@dataclass(frozen=True)
class HttpSettings:
    timeout: float = 120.0
    max_retries: int = 7
    backoff_factor: float = 2.0
    backoff_jitter: float = 1.0
    verify: bool = True
    ca_file: str | None = None
    client_cert: str | None = None
    authorization: str | None = None

    @classmethod
    def from_environment(cls, timeout_setting: str = "HTTP_REQUEST_TIMEOUT") -> "HttpSettings":
        user, password = config.setting("TRACKING_USERNAME"), config.setting("TRACKING_PASSWORD")
        token = config.setting("TRACKING_TOKEN")
        auth = None
        if user and password:
            auth = _basic(user, password)
        elif token:
            auth = f"Bearer {token}"
        return cls(
            timeout=float(config.setting(timeout_setting) or config.setting("HTTP_REQUEST_TIMEOUT") or 120),
            max_retries=int(config.setting("HTTP_REQUEST_MAX_RETRIES") or 7),
            backoff_factor=float(config.setting("HTTP_REQUEST_BACKOFF_FACTOR") or 2),
            backoff_jitter=float(config.setting("HTTP_REQUEST_BACKOFF_JITTER") or 1.0),
            verify=not config.flag("TRACKING_INSECURE_TLS"),
            ca_file=config.setting("TRACKING_SERVER_CERT_PATH"),
            client_cert=config.setting("TRACKING_CLIENT_CERT_PATH"),
            authorization=auth,
        )

    def backoff(self, retry: int) -> float:
        """Seconds to wait before retry number `retry` (1-based): the first retry is immediate."""
        base = 0.0 if retry <= 1 else self.backoff_factor * 2 ** (retry - 1)
        return min(base, MAX_BACKOFF) + random.uniform(0, self.backoff_jitter)


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def user_agent() -> str:
    from mlplug.version import installed_version

    return f"mlplug/{installed_version('0')}"


class Response:
    """A finished response (`content` read) or, for `stream=True`, one whose body is read on demand."""

    def __init__(self, status: int, reason: str, headers: http.client.HTTPMessage, url: str,
                 content: bytes | None = None, raw: "_Body | None" = None):
        self.status = status
        self.reason = reason
        self.headers = headers
        self.url = url
        self._content = content
        self.raw = raw

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def content(self) -> bytes:
        if self._content is None:
            with self.raw as body:
                self._content = body.read()
        return self._content

    def json(self) -> Any:
        return json.loads(self.content) if self.content.strip() else {}

    def close(self) -> None:
        if self.raw is not None:
            self.raw.close()

    def error(self) -> MlplugError:
        """The server's error as an MlplugError (its code and message when the body is MLflow's JSON)."""
        text = self.content.decode("utf-8", "replace")
        try:
            body = json.loads(text)
        except ValueError:
            body = None
        if not isinstance(body, dict) or "error_code" not in body:
            snippet = text.strip()[:500]
            fallback = f"{self.status} {self.reason} from {self.url}" + (f": {snippet}" if snippet else "")
            return error_from_response(self.status, None, fallback)
        return error_from_response(self.status, body)

    def raise_for_status(self) -> "Response":
        if not self.ok:
            raise self.error()
        return self


class _Body(io.RawIOBase):
    """The streamed body of a response; hands its connection back once fully read, or drops it if closed early."""

    def __init__(self, response: http.client.HTTPResponse, release):
        self._response = response
        self._release = release
        self._done = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._done:
            return 0
        n = self._response.readinto(buffer)
        if n == 0:
            self._finish(True)
        return n

    def _finish(self, fully_read: bool) -> None:
        if not self._done:
            self._done = True
            self._response.close()
            self._release(fully_read)

    def close(self) -> None:
        self._finish(self._response.isclosed())
        super().close()


_local = threading.local()
_ssl_contexts: dict[tuple, ssl.SSLContext] = {}


def _forget_connections() -> None:
    """In a forked child: drop the parent's sockets without closing them (the parent still uses them)."""
    global _local
    _local = threading.local()


os.register_at_fork(after_in_child=_forget_connections)


def _idle_connections(key: tuple) -> list[http.client.HTTPConnection]:
    pools = getattr(_local, "pools", None)
    if pools is None:
        pools = _local.pools = {}
    return pools.setdefault(key, [])


def close_idle_connections() -> None:
    """Close this thread's kept-alive connections (tests, forks)."""
    for conns in getattr(_local, "pools", {}).values():
        while conns:
            conns.pop().close()


class HttpClient:
    """Requests against one server (`base_url` may carry a path prefix, which every request path gets)."""

    def __init__(self, base_url: str, settings: HttpSettings | None = None):
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise MlplugError(f"Not an http(s) URL: {base_url!r}; expected e.g. http://127.0.0.1:5000",
                              "INVALID_PARAMETER_VALUE")
        settings = settings or HttpSettings.from_environment()
        if parts.username is not None and not settings.authorization:
            settings = replace(settings, authorization=_basic(unquote(parts.username), unquote(parts.password or "")))
        self.settings = settings
        self.scheme = parts.scheme
        self.host = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        netloc_host = f"[{self.host}]" if ":" in self.host else self.host
        self.origin = f"{self.scheme}://{netloc_host}:{self.port}"
        self.base_path = parts.path.rstrip("/")
        self._key = (self.scheme, self.host, self.port, settings.timeout, settings.verify, settings.ca_file,
                     settings.client_cert)

    # --- connections ------------------------------------------------------------------------------
    def _new_connection(self) -> http.client.HTTPConnection:
        if self.scheme == "https":
            return http.client.HTTPSConnection(self.host, self.port, timeout=self.settings.timeout,
                                               context=self._ssl_context(), blocksize=_CHUNK)
        return http.client.HTTPConnection(self.host, self.port, timeout=self.settings.timeout, blocksize=_CHUNK)

    def _ssl_context(self) -> ssl.SSLContext:
        s = self.settings
        key = (s.verify, s.ca_file, s.client_cert)
        ctx = _ssl_contexts.get(key)
        if ctx is None:
            ctx = ssl.create_default_context(cafile=s.ca_file)
            if not s.verify:
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
            if s.client_cert:
                ctx.load_cert_chain(s.client_cert)
            ctx = _ssl_contexts.setdefault(key, ctx)
        return ctx

    def _acquire(self) -> http.client.HTTPConnection:
        idle = _idle_connections(self._key)
        return idle.pop() if idle else self._new_connection()

    def _release(self, conn: http.client.HTTPConnection, reusable: bool) -> None:
        if not reusable:
            conn.close()
        _idle_connections(self._key).append(conn)

    def close(self) -> None:
        """Close this thread's idle connections to the server."""
        idle = _idle_connections(self._key)
        while idle:
            idle.pop().close()

    # --- requests ---------------------------------------------------------------------------------
    def headers(self, url: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """User-Agent, auth from the environment, then the `mlplug_request_headers` hook, then `extra`."""
        headers = {"User-Agent": user_agent()}
        if self.settings.authorization:
            headers["Authorization"] = self.settings.authorization
        headers.update(_plugin_headers(url))
        if extra:
            headers.update(extra)
        return headers

    def request(self, method: str, path: str, *, query: Mapping[str, Any] | None = None, json_body: Any = None,
                body: bytes | BinaryIO | None = None, headers: Mapping[str, str] | None = None,
                stream: bool = False, retry: bool = True) -> Response:
        """Send one request (retried per the settings) and return the final response, whatever its status.

        `path` is the already-quoted path below the base URL; `query` values may be lists (repeated keys)
        and booleans (sent as true/false). A file `body` is streamed, and rewound for each retry.
        Connection failures that outlast the retries raise HttpConnectionError.
        """
        target = self.base_path + path + _query_string(query)
        url = self.origin + target
        extra = dict(headers or {})
        if json_body is not None:
            body = json.dumps(json_body, separators=(",", ":")).encode()
            extra.setdefault("Content-Type", "application/json")
        all_headers = self.headers(url, extra)
        start = _tell(body)
        if start is None and not isinstance(body, (bytes, type(None))):
            retry = False  # a stream we cannot rewind goes once
        attempts = 1 + (self.settings.max_retries if retry else 0)
        attempt = 0
        while True:
            attempt += 1
            if start is not None:
                body.seek(start)
            try:
                response = self._send(method, target, url, body, start, all_headers, stream)
            except (OSError, http.client.HTTPException) as err:
                if attempt >= attempts:
                    raise HttpConnectionError(
                        f"Could not get a response from {url} after {attempt} attempt(s): {type(err).__name__}: "
                        f"{err}. Check that the server is running and that the tracking URI is right.") from None
                _wait(self.settings.backoff(attempt), attempt, attempts, url, f"{type(err).__name__}: {err}")
                continue
            if attempt >= attempts or not _worth_retrying(response):
                return response
            response.close()
            _wait(_retry_after(response) or self.settings.backoff(attempt), attempt, attempts, url,
                  f"HTTP {response.status}")

    def _send(self, method: str, target: str, url: str, body, start: int | None, headers: dict[str, str],
              stream: bool) -> Response:
        conn = self._acquire()
        reused = conn.sock is not None
        try:
            try:
                resp = _exchange(conn, method, target, body, headers)
            except _STALE:
                if not reused or (start is None and not isinstance(body, (bytes, type(None)))):
                    raise
                conn.close()  # the server dropped the idle connection: a fresh one is not a retry
                if start is not None:
                    body.seek(start)
                resp = _exchange(conn, method, target, body, headers)
        except BaseException:
            self._release(conn, False)
            raise
        if stream and resp.status < 300:
            raw = _Body(resp, lambda reusable: self._release(conn, reusable))
            return Response(resp.status, resp.reason, resp.headers, url, raw=raw)
        try:
            content = resp.read()
        except BaseException:
            self._release(conn, False)
            raise
        self._release(conn, not resp.will_close)
        return Response(resp.status, resp.reason, resp.headers, url, content=content)


def _exchange(conn: http.client.HTTPConnection, method: str, target: str, body, headers) -> http.client.HTTPResponse:
    conn.request(method, target, body=body, headers=headers)
    return conn.getresponse()


def _tell(body) -> int | None:
    if body is None or isinstance(body, bytes):
        return None
    try:
        return body.tell() if body.seekable() else None
    except (AttributeError, OSError):
        return None


def _query_string(query: Mapping[str, Any] | None) -> str:
    """`?k=v&...` with None values left out, lists as repeated keys and booleans as true/false."""
    pairs = []
    for key, value in (query or {}).items():
        for item in value if isinstance(value, (list, tuple)) else [value]:
            if item is not None:
                pairs.append((key, ("true" if item else "false") if isinstance(item, bool) else str(item)))
    return "?" + urlencode(pairs) if pairs else ""


def _wait(seconds: float, attempt: int, attempts: int, url: str, why: str) -> None:
    """Sleep before the next attempt, saying so on stderr: a client waiting out its retries in silence
    looks hung (the default settings wait minutes for a server that is down)."""
    _log.warning("No answer from %s (%s); retrying in %.0f s (attempt %d of %d; "
                 "MLPLUG_HTTP_REQUEST_MAX_RETRIES sets how many).", url, why, seconds, attempt + 1, attempts)
    time.sleep(seconds)


def _worth_retrying(response: Response) -> bool:
    if response.status not in RETRY_STATUSES:
        return False
    if response.status != 500:
        return True
    try:
        code = json.loads(response.content).get("error_code")
    except (ValueError, AttributeError):
        return True
    return code not in _DEFINITIVE_CODES


def _retry_after(response: Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value and value.strip().isdigit():
        return min(float(value), MAX_BACKOFF)
    return None


def _plugin_headers(url: str) -> dict[str, str]:
    """Headers from every `mlplug_request_headers` implementation; one header from several is space-joined."""
    from mlplug.host import get_host

    merged: dict[str, str] = {}
    for result in get_host().cross_cutting().mlplug_request_headers(url=url):
        for name, value in (result or {}).items():
            merged[name] = f"{merged[name]} {value}" if name in merged else str(value)
    return merged


def content_length(stream: BinaryIO) -> int | None:
    """Bytes left in a seekable stream (so uploads send Content-Length instead of chunked encoding)."""
    try:
        here = stream.tell()
        end = stream.seek(0, io.SEEK_END)
        stream.seek(here)
        return end - here
    except (AttributeError, OSError, ValueError):
        return None
