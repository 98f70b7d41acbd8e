"""Core behaviour as always-on hookimpls (registered by `make_plugin_manager` before any plugin)."""

from __future__ import annotations

from types import ModuleType

from gateway.hooks.defaults import permissions

DEFAULT_PLUGINS: tuple[tuple[str, ModuleType], ...] = (("core.permissions", permissions),)
