"""The plugin host: finds plugins through entry points, loads only what a call needs, and remembers why
anything failed.

It is an object, not module state, so tests build isolated hosts; `get_host()` returns the process's
default one. Discovery goes through stevedore (which caches entry-point scans on disk), so listing names
never imports a plugin. Loading a name imports just the entry points registered under it and registers
the result with pluggy; factory hooks are then called on it.
"""
from __future__ import annotations

import importlib.metadata
import threading
import traceback
from dataclasses import dataclass, field
from typing import Any

import pluggy
from stevedore.named import NamedExtensionManager

from mlplug import hookspecs, known_plugins
from mlplug.errors import PluginError
from mlplug.uri import redact, scheme_of

_KIND_WORD = {
    "mlplug.tracking_store": "tracking store for URI scheme",
    "mlplug.registry_store": "model registry store for URI scheme",
    "mlplug.artifact_repository": "artifact repository for URI scheme",
    "mlplug.env_manager": "environment manager",
    "mlplug.flavor": "model flavour",
    "mlplug.deployment_target": "deployment target",
    "mlplug.project_backend": "project backend",
    "mlplug.commands": "command",
}


@dataclass
class LoadFailure:
    group: str
    name: str
    target: str  # the entry point's `module:attr`
    distribution: str
    version: str
    error: str  # one line
    details: str = ""  # the traceback, for `doctor --verbose`

    def describe(self) -> str:
        return (f"plugin '{self.name}' ({self.group}) from {self.distribution} {self.version} failed to load: "
                f"{self.error}")


@dataclass
class PluginRecord:
    """One entry point as `mlplug plugins` shows it."""

    group: str
    name: str
    target: str
    distribution: str
    version: str
    status: str = "not loaded"  # ok | broken | conflict | not loaded
    hooks: list[str] = field(default_factory=list)
    error: str = ""


class PluginHost:
    def __init__(self) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.failures: dict[tuple[str, str], LoadFailure] = {}
        self._loaded: dict[tuple[str, str], Any] = {}
        self._instances: dict[tuple, Any] = {}
        self._cross_loaded = False
        self._dists: dict[tuple[str, str, str], tuple[str, str]] | None = None
        self._lock = threading.RLock()
        # Each host keeps its own entry-point cache, so a test that adds plugins gets a fresh view.
        self._manager_cls = type("HostExtensionManager", (NamedExtensionManager,), {"ENTRY_POINT_CACHE": {}})

    # --- discovery (never imports a plugin) -------------------------------------------------------
    def entry_points(self, group: str) -> list[importlib.metadata.EntryPoint]:
        return list(self._manager_cls(group, names=[]).list_entry_points())

    def names(self, group: str) -> list[str]:
        return sorted({ep.name for ep in self.entry_points(group)})

    def distribution_of(self, ep: importlib.metadata.EntryPoint) -> tuple[str, str]:
        """(distribution name, version) that declares an entry point; read lazily, only for reports."""
        if self._dists is None:
            index: dict[tuple[str, str, str], tuple[str, str]] = {}
            for dist in importlib.metadata.distributions():
                for dep in dist.entry_points:
                    if dep.group.startswith("mlplug"):
                        index.setdefault((dep.group, dep.name, dep.value), (dist.metadata["Name"], dist.version))
            self._dists = index
        return self._dists.get((ep.group, ep.name, ep.value), ("unknown distribution", "?"))

    # --- loading ------------------------------------------------------------------------------------
    def load(self, group: str, name: str) -> Any:
        """Import and register the plugin for `name` in `group`; raise PluginError saying what to do."""
        key = (group, name)
        with self._lock:
            if key in self._loaded:
                return self._loaded[key]
            if key in self.failures:
                raise PluginError(self.failures[key].describe())
            claims = [ep for ep in self.entry_points(group) if ep.name == name]
            if not claims:
                raise PluginError(self._missing_message(group, name))
            if len({ep.value for ep in claims}) > 1:
                raise PluginError(self._conflict_message(group, name, claims))
            errors: list[tuple[Any, BaseException]] = []
            manager = self._manager_cls(group, names=[name],
                                        on_load_failure_callback=lambda _m, ep, err: errors.append((ep, err)))
            if errors:
                ep, err = errors[0]
                self._record_failure(ep, err)
                raise PluginError(self.failures[key].describe())
            plugin = manager[name].plugin
            try:
                self._register(plugin)
            except Exception as err:  # a hook with a bad signature or a misspelled name
                self._record_failure(claims[0], err)
                raise PluginError(self.failures[key].describe()) from None
            self._loaded[key] = plugin
            return plugin

    def _register(self, plugin: Any) -> None:
        if self.pm.is_registered(plugin):
            return
        unknown = [attr for attr in dir(plugin) if attr.startswith("mlplug_")
                   and getattr(getattr(plugin, attr), "mlplug_impl", None) is not None
                   and not hasattr(hookspecs, attr)]
        if unknown:
            raise PluginError(f"implements unknown hook(s) {', '.join(unknown)} — misspelled? "
                              f"Known hooks are listed in mlplug.hookspecs.")
        self.pm.register(plugin)

    def _record_failure(self, ep: importlib.metadata.EntryPoint, err: BaseException) -> None:
        dist, version = self.distribution_of(ep)
        line = f"{type(err).__name__}: {err}".splitlines()[0] if str(err) else type(err).__name__
        self.failures[(ep.group, ep.name)] = LoadFailure(
            ep.group, ep.name, ep.value, dist, version, line,
            "".join(traceback.format_exception(type(err), err, err.__traceback__)))

    def _missing_message(self, group: str, name: str) -> str:
        what = _KIND_WORD.get(group, group)
        dist = known_plugins.distribution_for(group, name)
        available = ", ".join(self.names(group)) or "none"
        hint = f"Install it with: pip install {dist}" if dist else "Install a plugin that provides it"
        return f"No {what} '{name}' is installed (installed: {available}). {hint}"

    def _conflict_message(self, group: str, name: str, claims: list) -> str:
        who = "; ".join(f"{'=='.join(self.distribution_of(ep))} ({ep.value})" for ep in claims)
        return (f"Conflict: several distributions claim the {_KIND_WORD.get(group, group)} '{name}': {who}. "
                "Uninstall all but one of them.")

    def conflicts(self) -> dict[tuple[str, str], list]:
        out = {}
        for group in hookspecs.ALL_GROUPS:
            by_name: dict[str, list] = {}
            for ep in self.entry_points(group):
                by_name.setdefault(ep.name, []).append(ep)
            for name, eps in by_name.items():
                if len({ep.value for ep in eps}) > 1:
                    out[(group, name)] = eps
        return out

    # --- factory hooks -----------------------------------------------------------------------------
    def _build(self, hook: str, entry_name: str, cache_key: tuple | None, **kwargs: Any) -> Any:
        group = hookspecs.FACTORY_GROUPS[hook]
        if cache_key is not None:
            with self._lock:
                cached = self._instances.get((hook,) + cache_key)
            if cached is not None:
                return cached
        self.load(group, entry_name)
        result = getattr(self.pm.hook, hook)(**kwargs)
        if result is None:
            raise PluginError(f"The plugin registered for {_KIND_WORD.get(group, group)} '{entry_name}' "
                              f"returned nothing from {hook}.")
        if cache_key is not None:
            with self._lock:
                result = self._instances.setdefault((hook,) + cache_key, result)
        return result

    def tracking_store(self, store_uri: str, artifact_uri: str | None = None):
        scheme = scheme_of(store_uri)
        try:
            return self._build("mlplug_tracking_store", scheme, (store_uri, artifact_uri),
                               scheme=scheme, store_uri=store_uri, artifact_uri=artifact_uri)
        except PluginError as err:
            raise PluginError(f"Cannot open tracking URI '{redact(store_uri)}': {err.message}") from None

    def registry_store(self, store_uri: str, tracking_uri: str | None = None):
        scheme = scheme_of(store_uri)
        return self._build("mlplug_registry_store", scheme, (store_uri, tracking_uri),
                           scheme=scheme, store_uri=store_uri, tracking_uri=tracking_uri)

    def artifact_repository(self, artifact_uri: str, tracking_uri: str | None = None):
        scheme = scheme_of(artifact_uri)
        return self._build("mlplug_artifact_repository", scheme, None,
                           scheme=scheme, artifact_uri=artifact_uri, tracking_uri=tracking_uri)

    def env_manager(self, name: str):
        return self._build("mlplug_env_manager", name, (name,), name=name)

    def flavor(self, name: str):
        return self._build("mlplug_flavor", name, (name,), name=name)

    def deployment_client(self, target_uri: str):
        target = scheme_of(target_uri) if ":" in target_uri else target_uri
        return self._build("mlplug_deployment_client", target, None, target=target, target_uri=target_uri)

    def project_backend(self, name: str):
        return self._build("mlplug_project_backend", name, (name,), name=name)

    def cli_command(self, name: str):
        return self._build("mlplug_cli_command", name, (name,), name=name)

    # --- cross-cutting hooks --------------------------------------------------------------------------
    def cross_cutting(self) -> pluggy.HookRelay:
        """`pm.hook` after loading every plugin in `mlplug.plugins` (failures are recorded, not raised)."""
        with self._lock:
            if not self._cross_loaded:
                self._cross_loaded = True
                for name in self.names(hookspecs.CROSS_CUTTING_GROUP):
                    try:
                        self.load(hookspecs.CROSS_CUTTING_GROUP, name)
                    except PluginError:
                        pass
        return self.pm.hook

    # --- reports -----------------------------------------------------------------------------------
    def inventory(self, load: bool = True) -> list[PluginRecord]:
        """Every entry point in every mlplug group; with `load`, each is imported to report its status."""
        conflicts = self.conflicts()
        records = []
        for group in hookspecs.ALL_GROUPS:
            for ep in sorted(self.entry_points(group), key=lambda e: e.name):
                dist, version = self.distribution_of(ep)
                rec = PluginRecord(group, ep.name, ep.value, dist, version)
                if (group, ep.name) in conflicts:
                    rec.status, rec.error = "conflict", self._conflict_message(group, ep.name, conflicts[(group, ep.name)])
                elif load:
                    try:
                        plugin = self.load(group, ep.name)
                        rec.status = "ok"
                        rec.hooks = sorted(h.name for h in self.pm.get_hookcallers(plugin) or ())
                    except PluginError as err:
                        rec.status, rec.error = "broken", err.message
                records.append(rec)
        return records


_default: PluginHost | None = None
_default_lock = threading.Lock()


def get_host() -> PluginHost:
    """The process's default host, created on first use."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = PluginHost()
    return _default


def set_host(host: PluginHost | None) -> None:
    """Replace the default host (tests, embedding applications)."""
    global _default
    _default = host
