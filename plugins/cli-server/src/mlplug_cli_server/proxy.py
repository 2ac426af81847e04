"""The artifact proxy (`/api/2.0/mlflow-artifacts/...`): list, download, upload and delete files in the
artifacts destination, which is any artifact repository (local directory, S3, ... by URI scheme).

Uploads stream from the socket to the repository in chunks and downloads stream back, so a file's size
never decides the worker's memory. Plain downloads (no Range or conditional headers) are answered
straight from WSGI by `direct_download`, which `create_app` mounts in front of Flask: a client fetching
10,000 small files pays for a file open and a sendfile, not for Flask's request and response objects.
Both paths build their headers with `download_headers`. Multipart uploads go to destinations that implement
`MultipartUploadSupport`; the others answer 501, which makes the MLflow client fall back to one PUT.
"""
from __future__ import annotations

import io
import mimetypes
import os
import posixpath
import re
from typing import BinaryIO, Callable, Iterator

from flask import Flask, Response, request
from mlplug.contracts.artifacts import MultipartUploadSupport, safe_relpath
from mlplug.entities import FileInfo
from mlplug.errors import InvalidParameter, NotImplementedByBackend
from mlplug.protocol import ARTIFACTS_PROXY_PATH
from mlplug.streams import known_size

from mlplug_cli_server.parsing import Params, json_body
from mlplug_cli_server.responses import disabled_view, json_response

PROXY_ROOT = ARTIFACTS_PROXY_PATH.rsplit("/", 1)[0]  # /api/2.0/mlflow-artifacts
# Largest piece read from the request body at once: gunicorn assembles a read in buffers and copies it
# two or three times, so a repository asking for 8 MiB parts would otherwise hold several copies of each.
BODY_STEP = 1 << 20
# Size of the pieces a cloud object is relayed in.
DOWNLOAD_STEP = 1 << 20


class SmallReads(io.RawIOBase):
    """The request body, read from the socket in pieces of at most `BODY_STEP` bytes.

    A read may return less than asked (as a socket does); repositories that need whole parts wrap it
    in `mlplug.streams.FullReads`, which joins the pieces once. A body that ends before its
    Content-Length (the client went away) raises instead of ending, so no truncated file is stored.
    """

    def __init__(self, body: BinaryIO, length: int | None):
        self._body = body
        self._length = length
        self._received = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        data = self._body.read() if size is None or size < 0 else self._body.read(min(size, BODY_STEP))
        self._received += len(data)
        if (not data or size is None or size < 0) and self._length is not None:
            _check_complete(self._received, self._length)
        return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


def _check_complete(received: int, length: int) -> None:
    if received < length:
        raise InvalidParameter(f"The upload ended after {received} of its {length} bytes (Content-Length); "
                               "nothing was stored. Send the file again.")


def _upload_stream() -> BinaryIO:
    """The request body for `ArtifactRepository.write`. One of up to `BODY_STEP` bytes (most artifacts)
    is read whole: a seekable stream of known size goes up in one request to any cloud, and an empty
    one is not mistaken for an endless stream (Azure's SDK waits forever on an empty unsized stream)."""
    length = request.content_length
    if length is not None and length <= BODY_STEP:
        data = request.stream.read(length) if length else b""
        _check_complete(len(data), length)
        return io.BytesIO(data)
    return SmallReads(request.stream, length)


def _file_stat(stream: BinaryIO) -> os.stat_result | None:
    try:
        return os.fstat(stream.fileno())
    except (AttributeError, OSError, ValueError):
        return None


_CONDITIONAL = ("HTTP_RANGE", "HTTP_IF_RANGE", "HTTP_IF_MATCH", "HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE",
                "HTTP_IF_UNMODIFIED_SINCE")


def download_headers(name: str, local: os.stat_result | None, size: int | None) -> list[tuple[str, str]]:
    """The response headers for downloading the artifact file `name`: attachment, type, validators."""
    from werkzeug.http import dump_options_header, http_date, quote_etag
    from werkzeug.utils import get_content_type

    disposition = {"filename": name}
    try:
        name.encode("ascii")
    except UnicodeEncodeError:  # RFC 6266: an ASCII fallback name, and the real one percent-encoded
        from unicodedata import normalize
        from urllib.parse import quote

        disposition = {"filename": normalize("NFKD", name).encode("ascii", "ignore").decode("ascii"),
                       "filename*": "UTF-8''" + quote(name, safe="!#$&+^`|~")}
    headers = [("Content-Disposition", dump_options_header("attachment", disposition)),
               ("Content-Type", get_content_type(mimetypes.guess_type(name)[0] or "application/octet-stream",
                                                 "utf-8")),
               ("Cache-Control", "no-cache"), ("X-Content-Type-Options", "nosniff")]
    if local is not None:
        headers += [("Last-Modified", http_date(local.st_mtime)),
                    ("ETag", quote_etag(f"{local.st_mtime}-{local.st_size}")), ("Accept-Ranges", "bytes")]
    if size is not None:
        headers.append(("Content-Length", str(size)))
    return headers


def direct_download(ctx) -> Callable[[dict, Callable, str], "list[bytes] | Iterator[bytes] | None"]:
    """The WSGI answer to a plain `GET .../artifacts/<path>`; None (Flask answers) for ranged or
    conditional requests, which werkzeug's `make_conditional` handles."""

    def answer(environ: dict, start_response: Callable, artifact_path: str):
        if any(header in environ for header in _CONDITIONAL):
            return None
        # WSGI hands the path over as latin-1 text; its bytes are UTF-8, as Flask's routing decodes them.
        rel = safe_relpath(artifact_path.encode("latin-1").decode("utf-8", "replace"))
        stream = ctx.destination.open(rel)
        local = _file_stat(stream)
        size = local.st_size if local is not None else known_size(stream)
        start_response("200 OK", download_headers(posixpath.basename(rel), local, size))
        if local is not None and "wsgi.file_wrapper" in environ:  # gunicorn sends it with sendfile()
            return environ["wsgi.file_wrapper"](stream, DOWNLOAD_STEP)
        return _pieces(stream)

    return answer


def _pieces(stream: BinaryIO) -> Iterator[bytes]:
    try:
        while piece := stream.read(DOWNLOAD_STEP):
            yield piece
    finally:
        stream.close()


class ArtifactProxy:
    def __init__(self, ctx):
        self.ctx = ctx

    @property
    def repo(self):
        return self.ctx.destination

    def list(self):
        rel = safe_relpath(request.args.get("path", ""))
        files = [FileInfo(posixpath.basename(f.path), f.is_dir, f.file_size) for f in self.repo.list_artifacts(rel)]
        return json_response({"files": [f.to_dict() for f in files]} if files else {})

    def file(self, artifact_path: str):
        rel = safe_relpath(artifact_path)
        if request.method == "PUT":
            self.repo.write(rel, _upload_stream())
            return json_response({})
        if request.method == "DELETE":
            self.repo.delete_artifacts(rel)
            return json_response({})
        return self._download(rel)

    def _download(self, rel: str):
        stream = self.repo.open(rel)
        local = _file_stat(stream)
        size = local.st_size if local is not None else known_size(stream)
        headers = download_headers(posixpath.basename(rel), local, size)
        if local is not None:  # gunicorn sends it with sendfile(); ranges and conditional requests work
            response = Response(request.environ["wsgi.file_wrapper"](stream, DOWNLOAD_STEP)
                                if "wsgi.file_wrapper" in request.environ else _pieces(stream),
                                headers=headers, direct_passthrough=True)
            return response.make_conditional(request.environ, accept_ranges=True, complete_length=local.st_size)
        # A cloud object: relay it in large pieces, with a Content-Length when the stream can tell its
        # size, else chunked.
        return Response(_pieces(stream), headers=headers, direct_passthrough=True)

    def multipart(self, action: str, artifact_path: str):
        repo = self.repo
        if not isinstance(repo, MultipartUploadSupport):
            raise NotImplementedByBackend("Multipart upload is not supported for the current artifact repository")
        p = Params(json_body(request))
        # The client sends its local file's path; the file lands in `artifact_path` under its own name.
        name = re.split(r"[\\/]", p.required_str("path"))[-1]
        rel = safe_relpath(posixpath.join(safe_relpath(artifact_path), name))
        if action == "create":
            num_parts = p.int("num_parts")
            if num_parts is None or num_parts < 1:
                raise InvalidParameter("'num_parts' must be a positive integer.")
            return json_response(repo.create_multipart_upload(rel, num_parts))
        upload_id = p.required_str("upload_id")
        if action == "complete":
            repo.complete_multipart_upload(rel, upload_id, p.objects("parts"))
        else:
            repo.abort_multipart_upload(rel, upload_id)
        return json_response({})

    def presigned(self, artifact_path: str):
        raise NotImplementedByBackend("Presigned URLs are not supported for the current artifact repository")


def direct_routes(ctx, static_prefix: str) -> dict:
    """`ApiDispatcher` prefix routes for plain downloads, under `/api` and `/ajax-api`."""
    if not ctx.config.serve_artifacts:
        return {}
    answer = direct_download(ctx)
    return {static_prefix + root + "/artifacts/": answer
            for root in (PROXY_ROOT, PROXY_ROOT.replace("/api/", "/ajax-api/", 1))}


def register(app: Flask, ctx, static_prefix: str) -> None:
    """Add the proxy routes under `/api` and `/ajax-api`, behind the static prefix."""
    proxy = ArtifactProxy(ctx)
    routes: list[tuple[str, str, Callable, list[str]]] = [
        ("proxy_list", "/artifacts", proxy.list, ["GET"]),
        ("proxy_file", "/artifacts/<path:artifact_path>", proxy.file, ["GET", "PUT", "DELETE"]),
        ("proxy_mpu", "/mpu/<any(create, complete, abort):action>/<path:artifact_path>", proxy.multipart,
         ["POST"]),
        ("proxy_presigned", "/presigned/<path:artifact_path>", proxy.presigned, ["GET"]),
    ]
    for suffix, root in (("", PROXY_ROOT), ("_ajax", PROXY_ROOT.replace("/api/", "/ajax-api/", 1))):
        base = static_prefix + root
        for name, rule, view, methods in routes:
            if not ctx.config.serve_artifacts:
                view = disabled_view(base + rule.split("/<", 1)[0], "--no-serve-artifacts")
            app.add_url_rule(base + rule, name + suffix, view, methods=methods)
