"""Turning `-P name=value` pairs into an entry point's command, as MLflow does, with every check made
before anything runs.

Declared parameters are checked by type (`float` must parse, `path` must exist locally or is downloaded,
`uri` must have a scheme), shell-quoted and substituted into the command template (`{name}`); parameters
the entry point does not declare are appended as `--name value`, quoted as well. The logged values are
the quoted ones, as MLflow logs them.
"""
from __future__ import annotations

import os
import shlex
import string
from dataclasses import dataclass
from typing import Callable, Mapping

from mlplug.errors import InvalidParameter
from mlplug.projects.mlproject import EntryPoint, Parameter
from mlplug.uri import local_path, scheme_of, split_scheme

#: Downloads a remote `path` parameter into a directory and returns the local path.
Downloader = Callable[[str, str], str]


@dataclass(frozen=True)
class ResolvedCommand:
    command: str                  # the shell command line
    params: dict[str, str]        # what is logged to the run: declared then extra parameters, quoted


def parse_param_list(pairs: tuple[str, ...] | list[str]) -> dict[str, str]:
    """`-P name=value` options as a dict; the value may itself contain `=`."""
    params: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise InvalidParameter(f"Parameter '{pair}' must be given as NAME=VALUE (e.g. -P alpha=0.5).")
        params[name.strip()] = value
    return params


def resolve(entry: EntryPoint, given: Mapping[str, str], storage_dir: str | None = None,
            download: Downloader | None = None) -> ResolvedCommand:
    """The command line and logged parameters for `entry` with the user's `given` values.

    :param storage_dir: where remote `path` parameters are downloaded (`<storage_dir>/param_<i>/`).
    :param download: how to download one (default: `mlplug.tracking.artifacts.download_artifacts`).
    """
    missing = [name for name, p in entry.parameters.items() if p.required and name not in given]
    if missing:
        raise InvalidParameter(f"No value given for missing parameters: {', '.join(repr(n) for n in missing)} "
                               f"(entry point '{entry.name}'; pass each with -P NAME=VALUE).")
    values: dict[str, str] = {}
    for index, (name, parameter) in enumerate(entry.parameters.items()):
        raw = given[name] if name in given else parameter.default
        values[name] = shlex.quote(_checked(parameter, raw, entry.name, index, storage_dir, download))
    extra = {name: shlex.quote(value) for name, value in given.items() if name not in entry.parameters}
    command = _substitute(entry, values)
    if extra:
        command += "".join(f" --{shlex.quote(name)} {value}" for name, value in extra.items())
    return ResolvedCommand(command, {**values, **extra})


def _checked(parameter: Parameter, value: str, entry: str, index: int, storage_dir: str | None,
             download: Downloader | None) -> str:
    what = f"Parameter '{parameter.name}' of entry point '{entry}'"
    if parameter.type == "float":
        try:
            float(value)
        except ValueError:
            raise InvalidParameter(f"{what} must be a float, got {value!r}.") from None
        return value
    if parameter.type == "uri":
        if not split_scheme(value)[0]:
            raise InvalidParameter(f"Expected URI for parameter '{parameter.name}' but got {value!r} "
                                   f"(entry point '{entry}'; give e.g. file:///data or s3://bucket/key).")
        return value
    if parameter.type == "path":
        return _path_value(value, what, index, storage_dir, download)
    return value


def _path_value(value: str, what: str, index: int, storage_dir: str | None, download: Downloader | None) -> str:
    """A local path (or `file:` URI) made absolute against the caller's working directory, which must
    exist; any other URI is downloaded to `<storage_dir>/param_<index>/`."""
    if scheme_of(value) == "file":
        try:
            path = local_path(value)
        except ValueError as err:
            raise InvalidParameter(f"{what}: {err}") from None
        if not os.path.exists(path):
            raise InvalidParameter(f"{what} names a path that does not exist: {value!r} (resolved to {path}).")
        return path
    if storage_dir is None:
        import tempfile

        storage_dir = tempfile.mkdtemp(prefix="mlplug-params-")
    target = os.path.join(storage_dir, f"param_{index}")
    os.makedirs(target, exist_ok=True)
    if download is None:
        from mlplug.tracking.artifacts import download_artifacts

        def download(uri: str, dst: str) -> str:
            return download_artifacts(artifact_uri=uri, dst_path=dst)
    return download(value, target)


def _substitute(entry: EntryPoint, values: Mapping[str, str]) -> str:
    """`str.format` over the template, with a clear error for a placeholder that is not a parameter."""
    unknown = [field for _, field, _, _ in string.Formatter().parse(entry.command)
               if field is not None and field not in values]
    if unknown:
        raise InvalidParameter(f"The command of entry point '{entry.name}' uses {{{unknown[0]}}}, which is not "
                               f"one of its parameters ({', '.join(values) or 'none'}); declare it or escape "
                               f"the braces as {{{{ }}}}.")
    try:
        return entry.command.format(**values)
    except (IndexError, ValueError, KeyError) as err:
        raise InvalidParameter(f"The command of entry point '{entry.name}' is not a valid template: {err}.") from None
