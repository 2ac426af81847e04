"""URI rules in one place: which scheme selects a plugin, local paths versus URIs, and joining paths.

A scheme selects the plugin that handles a URI. Driver suffixes are not part of it
(`postgresql+psycopg://` is handled by whatever claims `postgresql`), and a bare path is `file`.
"""
from __future__ import annotations

import os
import posixpath
import re
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")


def scheme_of(uri: str) -> str:
    """The plugin-selecting scheme of a URI: lower-cased, without a `+driver` suffix; `file` for paths."""
    if not uri or _WINDOWS_DRIVE.match(uri):
        return "file"
    m = _SCHEME.match(uri)
    if not m:
        return "file"
    return m.group(1).lower().split("+", 1)[0]


def is_local(uri: str) -> bool:
    return scheme_of(uri) == "file"


def local_path(uri: str) -> str:
    """The filesystem path a `file:` URI or bare path names (absolute)."""
    if _SCHEME.match(uri) and not _WINDOWS_DRIVE.match(uri):
        parts = urlsplit(uri)
        if parts.netloc not in ("", "localhost"):
            raise ValueError(f"file URI with a remote host is not supported: {uri}")
        return os.path.abspath(unquote(parts.path))
    return os.path.abspath(uri)


def file_uri(path: str) -> str:
    """A `file://` URI for a local path (made absolute)."""
    return "file://" + quote(os.path.abspath(path), safe="/:")


def join(uri: str, *parts: str) -> str:
    """Append path segments to a URI or path, with `/` separators and no doubled slashes."""
    tail = posixpath.join(*[p.strip("/") for p in parts if p and p.strip("/")]) if any(parts) else ""
    if not tail:
        return uri
    return uri.rstrip("/") + "/" + tail


def split_scheme(uri: str) -> tuple[str, str]:
    """(`scheme`, rest) for `scheme:rest`; ("", uri) when the string has no scheme."""
    m = _SCHEME.match(uri or "")
    if not m or _WINDOWS_DRIVE.match(uri):
        return "", uri
    return m.group(1).lower(), uri[m.end():]


def parse_runs_uri(uri: str) -> tuple[str, str]:
    """`runs:/<run_id>/<path>` -> (run_id, path). The path may be empty."""
    scheme, rest = split_scheme(uri)
    if scheme != "runs":
        raise ValueError(f"not a runs:/ URI: {uri}")
    rest = rest.lstrip("/")
    run_id, _, path = rest.partition("/")
    if not run_id:
        raise ValueError(f"runs:/ URI has no run id: {uri!r}; expected runs:/<run_id>/<path>")
    return run_id, path.strip("/")


@dataclass(frozen=True)
class ModelsUri:
    """A parsed `models:/` URI: a logged model (`model_id`), or a registered model (`name`) with exactly
    one of `version`, `stage`, `alias` or `latest`; `path` is what follows the model, if anything."""

    model_id: str | None = None
    name: str | None = None
    version: str | None = None
    stage: str | None = None
    alias: str | None = None
    latest: bool = False
    path: str = ""


def parse_models_uri(uri: str) -> ModelsUri:
    """`models:/<model_id>`, `models:/<name>/<version|stage|latest>` or `models:/<name>@<alias>`, each
    optionally followed by `/<path>` (after the alias, or after the second segment), as MLflow reads them."""
    scheme, rest = split_scheme(uri)
    parts = urlsplit(uri)
    if scheme != "models" or parts.netloc or not rest.startswith("/"):
        raise ValueError(_improper_models_uri(uri))
    segments = rest.strip("/").split("/")
    head = segments[0]
    if "@" in head:
        name, _, alias = head.rpartition("@")
        if not name.strip() or not alias.strip():
            raise ValueError(_improper_models_uri(uri))
        return ModelsUri(name=name, alias=alias, path="/".join(segments[1:]))
    if not head.strip():
        raise ValueError(_improper_models_uri(uri))
    if len(segments) == 1:
        return ModelsUri(model_id=head)
    suffix, path = segments[1], "/".join(segments[2:])
    if not suffix.strip():
        raise ValueError(_improper_models_uri(uri))
    if suffix.isdigit():
        return ModelsUri(name=head, version=suffix, path=path)
    if suffix.lower() == "latest":
        return ModelsUri(name=head, latest=True, path=path)
    return ModelsUri(name=head, stage=suffix, path=path)


def _improper_models_uri(uri: str) -> str:
    return (f"Not a proper models:/ URI: {uri}. Use models:/<model_id>, models:/<name>/<version>, "
            "models:/<name>/<stage>, models:/<name>/latest or models:/<name>@<alias>.")


def redact(uri: str) -> str:
    """The URI with any password replaced by `***`, for logs and `doctor`."""
    return re.sub(r"(//[^:/@]+:)[^@/]*@", r"\1***@", uri or "")
