"""Artifact URIs to repositories, in one place.

`runs:/<run_id>/<path>` is looked up through the tracking store (the run's artifact URI, joined with the
path). `models:/` URIs are resolved here and nowhere else: `models:/<model_id>` is the logged model's
artifact location (tracking store), `models:/<name>/<version>`, `.../<stage>`, `.../latest` and
`models:/<name>@<alias>` pick a registry version and take its download URI (registry store). Every other
URI (`mlflow-artifacts:/...`, `s3://...`, `file://...`, a plain path) goes to the artifact-repository
plugin that claims its scheme. A missing plugin gives the host's "install mlplug-artifacts-<x>" message.
"""
from __future__ import annotations

import json
import os
import posixpath
import tempfile
from typing import TYPE_CHECKING, Any, Callable
from urllib.parse import urlsplit, urlunsplit

from mlplug import config
from mlplug.errors import InvalidParameter, MlplugError, NotFound, PluginError
from mlplug.tracking import transfer
from mlplug.uri import ModelsUri, join, parse_models_uri, parse_runs_uri, redact, scheme_of, split_scheme

if TYPE_CHECKING:
    from mlplug.contracts.registry import RegistryStore
    from mlplug.contracts.tracking import TrackingStore


def run_artifact_uri(run_id: str, tracking_uri: str | None = None) -> str:
    from mlplug.host import get_host

    return get_host().tracking_store(tracking_uri or config.tracking_uri()).get_run(run_id).info.artifact_uri


def parse_models(uri: str) -> ModelsUri:
    """A `models:/` URI parsed, or a 400 saying which forms there are."""
    try:
        return parse_models_uri(uri)
    except ValueError as err:
        raise InvalidParameter(str(err)) from None


def registry_version(registry: "RegistryStore", ref: ModelsUri) -> str:
    """The version number a registry reference (`name/3`, `name/Production`, `name/latest`, `name@alias`)
    stands for."""
    if ref.version is not None:
        return ref.version
    if ref.alias is not None:
        return registry.get_model_version_by_alias(ref.name, ref.alias).version
    latest = registry.get_latest_versions(ref.name, None if ref.latest else [ref.stage])
    if not latest:
        where = "" if ref.latest else f" and stage '{ref.stage}'"
        raise NotFound(f"No versions of model with name '{ref.name}'{where} found")
    return str(max(int(v.version) for v in latest))


def models_uri_location(uri: str, tracking: Callable[[], "TrackingStore"],
                        registry: Callable[[], "RegistryStore"]) -> str:
    """Where the files behind a `models:/` URI are; `tracking` / `registry` build the store needed."""
    ref = parse_models(uri)
    if ref.model_id is not None:
        return tracking().get_logged_model(ref.model_id).artifact_location
    store = registry()
    return join(store.get_model_version_download_uri(ref.name, registry_version(store, ref)), ref.path)


def resolve_uri(artifact_uri: str, tracking_uri: str | None = None, registry_uri: str | None = None) -> str:
    """The concrete URI behind `artifact_uri`: `runs:/` URIs become the run's artifact URI plus the path,
    `models:/` URIs the model's files (see `models_uri_location`)."""
    scheme = scheme_of(artifact_uri)
    if scheme == "runs":
        run_id, path = parse_runs_uri(artifact_uri)
        return join(run_artifact_uri(run_id, tracking_uri), path)
    if scheme == "models":
        from mlplug.host import get_host

        tracking_uri = tracking_uri or config.tracking_uri()
        registry_uri = registry_uri or config.registry_uri_for(tracking_uri)
        return models_uri_location(artifact_uri, lambda: get_host().tracking_store(tracking_uri),
                                   lambda: get_host().registry_store(registry_uri, tracking_uri))
    return artifact_uri


def repository(artifact_uri: str, tracking_uri: str | None = None):
    """The ArtifactRepository rooted at `artifact_uri` (a `runs:/` URI is resolved first)."""
    from mlplug.host import get_host

    tracking_uri = tracking_uri or config.tracking_uri()
    concrete = resolve_uri(artifact_uri, tracking_uri)
    try:
        return get_host().artifact_repository(concrete, tracking_uri)
    except PluginError as err:
        raise PluginError(f"Cannot open artifact URI '{redact(concrete)}': {err.message}") from None


def locate(artifact_uri: str, tracking_uri: str | None = None):
    """(repository, relative path) for one artifact named by a URI.

    A `runs:/` URI keeps the run's root as the repository; any other URI is split into its parent
    (the repository) and last segment, as the artifact may be a file that cannot be a root itself.
    """
    if scheme_of(artifact_uri) == "runs":
        run_id, path = parse_runs_uri(artifact_uri)
        return repository(run_artifact_uri(run_id, tracking_uri), tracking_uri), path
    parent, name = _split_last(resolve_uri(artifact_uri, tracking_uri))
    return repository(parent, tracking_uri), name


def _split_last(uri: str) -> tuple[str, str]:
    scheme, _ = split_scheme(uri)
    if not scheme:
        path = os.path.abspath(uri)
        return os.path.dirname(path), os.path.basename(path)
    parts = urlsplit(uri)
    path = parts.path.rstrip("/")
    head, name = posixpath.dirname(path), posixpath.basename(path)
    if scheme == "mlflow-artifacts" and not parts.netloc:
        return f"{scheme}:{head or '/'}", name
    return urlunsplit((parts.scheme, parts.netloc, head, parts.query, parts.fragment)), name


def download_artifacts(artifact_uri: str | None = None, run_id: str | None = None,
                       artifact_path: str | None = None, dst_path: str | None = None,
                       tracking_uri: str | None = None, *, progress: bool | None = None,
                       resume: bool = True) -> str:
    """Download a file or directory, named by a URI or by run id and path; returns the local path.

    Directories go file by file in parallel; with `resume`, files already present with the remote size
    are kept (see `mlplug.tracking.transfer`)."""
    if (artifact_uri is None) == (run_id is None):
        raise ValueError("Give either artifact_uri, or run_id (with an optional artifact_path).")
    if run_id is not None:
        artifact_uri = f"runs:/{run_id}/{(artifact_path or '').lstrip('/')}"
    elif artifact_path:
        artifact_uri = join(artifact_uri, artifact_path)
    repo, path = locate(artifact_uri, tracking_uri)
    dst = dst_path or tempfile.mkdtemp(prefix="mlplug-artifacts-")
    os.makedirs(dst, exist_ok=True)
    return transfer.download(repo, path, dst, progress, resume).local_path


def list_artifacts(artifact_uri: str, tracking_uri: str | None = None):
    """The immediate children of the directory `artifact_uri` names."""
    if scheme_of(artifact_uri) == "runs":
        repo, path = locate(artifact_uri, tracking_uri)
        return repo.list_artifacts(path or None)
    return repository(artifact_uri, tracking_uri).list_artifacts()


def load_text(artifact_uri: str, tracking_uri: str | None = None) -> str:
    repo, path = locate(artifact_uri, tracking_uri)
    with repo.open(path) as f:
        return f.read().decode("utf-8")


def load_dict(artifact_uri: str, tracking_uri: str | None = None) -> Any:
    """A JSON (or, with PyYAML installed, YAML) artifact parsed into Python objects."""
    text = load_text(artifact_uri, tracking_uri)
    if _is_yaml(artifact_uri):
        return _yaml().safe_load(text)
    return json.loads(text)


def dump_dict(dictionary: Any, artifact_file: str) -> bytes:
    """The bytes `log_dict` writes: YAML for .yaml/.yml names (needs PyYAML), JSON otherwise."""
    if _is_yaml(artifact_file):
        return _yaml().safe_dump(dictionary, default_flow_style=False, allow_unicode=True).encode("utf-8")
    return json.dumps(dictionary, indent=2).encode("utf-8")


def _is_yaml(name: str) -> bool:
    return name.rstrip("/").lower().endswith((".yaml", ".yml"))


def _yaml():
    try:
        import yaml
    except ImportError:
        raise MlplugError("YAML artifacts need PyYAML: pip install pyyaml, or use a .json file name.",
                          "INVALID_PARAMETER_VALUE") from None
    return yaml
