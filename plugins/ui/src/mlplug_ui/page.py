"""The page itself: `index.html` with the server's prefix filled in, and the static files it loads, all
held in memory (they are small) with their headers worked out once.

Static URLs carry a build id (a hash of every file's name and content), so a browser may cache them for
good and still never runs a stale script after an upgrade. The page is served with a
Content-Security-Policy that allows only the server's own scripts, styles and images.

`StaticMiddleware` answers these paths straight from WSGI, without Flask, as the server's `ApiDispatcher`
does for the API: a first visit loads about twenty small files, and Flask's per-request work would be
most of their cost. The Flask routes serve the same bytes (for anything that calls the Flask app itself).
"""
from __future__ import annotations

import functools
import hashlib
import html
import mimetypes
from pathlib import Path
from typing import Callable, Iterable

STATIC = Path(__file__).resolve().parent / "static"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'")
FOREVER = f"public, max-age={365 * 24 * 3600}, immutable"
_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
          ".svg": "image/svg+xml", ".html": "text/html; charset=utf-8"}

Answer = tuple[str, list[tuple[str, str]], bytes]


def _files(root: Path = STATIC) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def build_id(files: dict[str, bytes] | None = None) -> str:
    digest = hashlib.sha256()
    for name, content in sorted((files if files is not None else _files()).items()):
        digest.update(name.encode() + b"\0" + hashlib.sha256(content).digest())
    return digest.hexdigest()[:12]


class Page:
    def __init__(self, prefix: str):
        self.prefix = prefix
        self.files = _files()
        self.build = build_id(self.files)
        self.static_root = f"{prefix}/static-files/"
        assets = f"{prefix}/static-files/{self.build}"
        modules = sorted(name for name in self.files if name.startswith("js/") and name.endswith(".js"))
        # Every module up front, so the browser fetches them in parallel instead of import by import.
        preload = "\n".join(f'<link rel="modulepreload" href="{html.escape(assets)}/{m}">' for m in modules)
        template = self.files["index.html"].decode("utf-8")
        self.index_html = (template.replace("{{prefix}}", html.escape(prefix)).replace("{{assets}}", html.escape(assets))
                           .replace("{{preload}}", preload)).encode()
        self._etags = {name: f'"{hashlib.sha256(content).hexdigest()[:16]}"' for name, content in self.files.items()}

    def index(self) -> Answer:
        return "200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-cache"),
                          ("Content-Security-Policy", CSP), ("X-Content-Type-Options", "nosniff"),
                          ("Referrer-Policy", "same-origin"), ("Content-Length", str(len(self.index_html)))], \
            self.index_html

    def static(self, build: str, name: str, if_none_match: str | None = None) -> Answer:
        content = self.files.get(name)
        if content is None or name == "index.html":
            body = b"Not found"
            return "404 NOT FOUND", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))], body
        etag = self._etags[name]
        suffix = Path(name).suffix
        kind = _TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"
        headers = [("Cache-Control", FOREVER if build == self.build else "no-cache"), ("ETag", etag),
                   ("X-Content-Type-Options", "nosniff")]
        if if_none_match and etag in [t.strip() for t in if_none_match.split(",")]:
            return "304 NOT MODIFIED", headers, b""
        return "200 OK", headers + [("Content-Type", kind), ("Content-Length", str(len(content)))], content

    def answer(self, method: str, path: str, if_none_match: str | None = None) -> Answer | None:
        """The answer for a request of the page or a static file; None for every other path."""
        if method not in ("GET", "HEAD"):
            return None
        if path == self.prefix + "/":
            return self.index()
        if path.startswith(self.static_root):
            build, _, name = path[len(self.static_root):].partition("/")
            if build and name:
                return self.static(build, name, if_none_match)
        return None


@functools.lru_cache(maxsize=None)
def page_for(prefix: str) -> Page:
    """One Page per static prefix in a process (the Flask routes and the middleware share it)."""
    return Page(prefix)


class StaticMiddleware:
    """WSGI: the page and its files from memory; everything else to the wrapped app."""

    def __init__(self, app: Callable, page: Page):
        self.app = app
        self.page = page

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        found = self.page.answer(environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", ""),
                                 environ.get("HTTP_IF_NONE_MATCH"))
        if found is None:
            return self.app(environ, start_response)
        status, headers, body = found
        start_response(status, headers)
        return [b"" if environ.get("REQUEST_METHOD") == "HEAD" else body]
