"""The plugin manager factory: specs, then entry points of group `gateway.plugins` allowed by settings."""

from __future__ import annotations

import fnmatch
from importlib.metadata import entry_points

import pluggy

from gateway.hooks import specs
from gateway.hooks.defaults import DEFAULT_PLUGINS
from gateway.settings import Settings


def make_plugin_manager(settings: Settings) -> pluggy.PluginManager:
    """A fresh manager per app; never shared between apps."""
    manager = pluggy.PluginManager("gateway")
    manager.add_hookspecs(specs)
    for name, module in DEFAULT_PLUGINS:
        manager.register(module, name=name)
    for ep in entry_points(group="gateway.plugins"):
        if any(fnmatch.fnmatchcase(ep.name, pattern) for pattern in settings.plugins):
            manager.register(ep.load(), name=ep.name)
    if settings.trace_plugins:
        manager.trace.root.setwriter(print)
        manager.enable_tracing()
    return manager


def migration_locations(settings: Settings) -> list[str]:
    """Alembic version locations of the enabled plugins (`register_migrations`), for `gateway init`."""
    results = make_plugin_manager(settings).hook.register_migrations()
    return [str(path) for path in results if path]
