"""Collects what plugins register (entity sets, actions, permissions, jobs, periodic tasks, services).

Each hookimpl is called on its own so that every registration error names the plugin and the object; a
duplicate is a startup error (plugins.md §2). No I/O; the result is immutable and lives in the app state.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import pluggy

from gateway.hooks.types import (
    Action,
    EntitySetSpec,
    JobHandler,
    PeriodicTask,
    PermissionSpec,
    WorkSource,
)


class PluginError(RuntimeError):
    """A startup error caused by a plugin's registrations; the message names the plugin and the object."""


@dataclass(frozen=True, slots=True)
class Registry:
    entity_sets: Mapping[str, EntitySetSpec]
    actions: Mapping[tuple[str, str, str | None], Action]
    permissions: Mapping[str, PermissionSpec]
    jobs: Mapping[str, JobHandler]
    periodic: Mapping[str, PeriodicTask]
    sources: tuple[WorkSource, ...]
    services: Mapping[str, Any]
    owners: Mapping[str, str]  # "<what>:<name>" -> plugin


def _results(pm: pluggy.PluginManager, hook: str, **kwargs: Any) -> Iterable[tuple[str, Any]]:
    """(plugin name, result) of every implementation of `hook`, in registration order."""
    caller = getattr(pm.hook, hook)
    for impl in caller.get_hookimpls():
        result = impl.function(**kwargs)
        if result is not None:
            yield impl.plugin_name, result


def _add(store: dict[Any, Any], owners: dict[str, str], what: str, key: Any, value: Any, plugin: str) -> None:
    label = f"{what}:{key}"
    if key in store:
        raise PluginError(f"{what} {key!r} of plugin {plugin!r} is already registered by {owners[label]!r}")
    store[key] = value
    owners[label] = plugin


def collect(pm: pluggy.PluginManager, catalog: Any, core: Iterable[tuple[str, Any]] = ()) -> Registry:
    """Call the register_* hooks (plus the core's own items in `core`: (hook, value)) and check them."""
    owners: dict[str, str] = {}
    sets: dict[str, EntitySetSpec] = {}
    actions: dict[tuple[str, str, str | None], Action] = {}
    perms: dict[str, PermissionSpec] = {}
    jobs: dict[str, JobHandler] = {}
    periodic: dict[str, PeriodicTask] = {}
    sources: dict[str, WorkSource] = {}
    services: dict[str, Any] = {}
    core_items = list(core)
    for plugin, specs in [*_results(pm, "register_entity_sets", catalog=catalog), *_core(core_items, "sets")]:
        for spec in specs:
            _add(
                sets,
                owners,
                "entity set",
                spec.name,
                dataclasses.replace(spec, plugin=spec.plugin or plugin),
                plugin,
            )
    for plugin, items in _results(pm, "register_actions"):
        for action in items:
            named = dataclasses.replace(action, method=action.method.upper(), plugin=action.plugin or plugin)
            _add(actions, owners, "action", named.key, named, plugin)
    for plugin, items in _results(pm, "register_permissions"):
        for perm in items:
            _add(perms, owners, "permission", perm.name, perm, plugin)
    for plugin, mapping in [*_results(pm, "register_jobs"), *_core(core_items, "jobs")]:
        for kind, handler in mapping.items():
            _add(jobs, owners, "job kind", kind, handler, plugin)
    for plugin, items in [*_results(pm, "register_periodic_tasks"), *_core(core_items, "periodic")]:
        for item in items:
            target = sources if isinstance(item, WorkSource) else periodic
            _add(target, owners, "periodic task", item.name, item, plugin)
    for plugin, mapping in _results(pm, "register_services"):
        for name, service in mapping.items():
            _add(services, owners, "service", name, service, plugin)
    return Registry(
        entity_sets=MappingProxyType(sets),
        actions=MappingProxyType(actions),
        permissions=MappingProxyType(perms),
        jobs=MappingProxyType(jobs),
        periodic=MappingProxyType(periodic),
        sources=tuple(sources.values()),
        services=MappingProxyType(services),
        owners=MappingProxyType(owners),
    )


def _core(items: list[tuple[str, Any]], what: str) -> list[tuple[str, Any]]:
    return [("core", value) for kind, value in items if kind == what]


def check_requires(pm: pluggy.PluginManager) -> None:
    """Every plugin's `REQUIRES` names loaded plugins; else a startup error naming both."""
    loaded = {name for name, _ in pm.list_name_plugin()}
    for name, plugin in pm.list_name_plugin():
        for needed in getattr(plugin, "REQUIRES", ()):
            if needed not in loaded:
                raise PluginError(f"plugin {name!r} requires plugin {needed!r}, which is not enabled")
