"""Which mlplug distributions an environment needs, and where to install each one from.

A model's environment gets mlplug in place of MLflow: the kernel, the scoring server's distribution
and the plugins of the model's flavours, plus every mlplug distribution those depend on; a project's
environment gets the kernel and the plugins its run's tracking and artifact URIs need. Each is
installed from where it is installed now (a workspace checkout or local path, found in the
distribution's `direct_url.json`, editable if it is editable here), else by name and version from the
package index.
"""
from __future__ import annotations

import importlib.metadata
import json
import re
from typing import Iterable
from urllib.parse import unquote, urlsplit

from mlplug.host import PluginHost, get_host

KERNEL = "mlplug-core"
SERVING = "mlplug-cli-models"
FLAVOR_GROUP = "mlplug.flavor"
_REQ_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def needed_distributions(flavors: Iterable[str], host: PluginHost | None = None,
                         extra: Iterable[str] = ()) -> list[str]:
    """mlplug distributions for an environment: the kernel, `extra`, and for a model the scoring server
    and the distributions that provide its flavours; closed over their mlplug dependencies."""
    flavors = list(flavors)
    wanted = {KERNEL, *(_normal(name) for name in extra)}
    if flavors:
        wanted.add(SERVING)
        host = host or get_host()
        for ep in host.entry_points(FLAVOR_GROUP):
            if ep.name in flavors:
                wanted.add(_normal(host.distribution_of(ep)[0]))
    return sorted(_closure(wanted))


def providers(group: str, names: Iterable[str], host: PluginHost | None = None) -> list[str]:
    """The installed distributions that declare entry points `names` in `group` (e.g. the tracking
    store plugin for URI scheme `sqlite`)."""
    host = host or get_host()
    wanted = set(names)
    return sorted({_normal(host.distribution_of(ep)[0]) for ep in host.entry_points(group) if ep.name in wanted})


def _closure(names: set[str]) -> set[str]:
    done: set[str] = set()
    todo = [n for n in names if _installed(n)]
    while todo:
        name = todo.pop()
        if name in done:
            continue
        done.add(name)
        for requirement in importlib.metadata.requires(name) or []:
            if "extra ==" in requirement.replace("extra==", "extra =="):
                continue
            match = _REQ_NAME.match(requirement)
            dep = _normal(match.group(1)) if match else ""
            if dep.startswith("mlplug") and _installed(dep) and dep not in done:
                todo.append(dep)
    return done


def _installed(name: str) -> bool:
    try:
        importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def install_args(name: str) -> list[str]:
    """Installer arguments for one distribution: `-e PATH`, `PATH`, or `name==version`."""
    dist = importlib.metadata.distribution(name)
    direct = dist.read_text("direct_url.json")
    if direct:
        info = json.loads(direct)
        url = info.get("url", "")
        if url.startswith("file://"):
            path = unquote(urlsplit(url).path)
            return ["-e", path] if info.get("dir_info", {}).get("editable") else [path]
        if url:
            return [f"{dist.metadata['Name']} @ {url}"]
    return [f"{dist.metadata['Name']}=={dist.version}"]


def fingerprint(name: str) -> dict:
    """What decides whether an environment with this distribution is still current."""
    dist = importlib.metadata.distribution(name)
    return {"name": _normal(name), "version": dist.version, "source": install_args(name),
            "requires": sorted(dist.requires or [])}
