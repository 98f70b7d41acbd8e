"""Fixtures of the processes plugin tests: its migrations on every backend and an app with the plugin."""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Any

import pytest

import gateway.plugins.processes as processes_plugin

_MIGRATED: set[str] = set()


@pytest.fixture
def backend(backend: Any) -> Any:
    """The shared backend with the plugin's tables added once (through its own Alembic branch)."""
    if backend.name not in _MIGRATED:
        from gateway.meta.migrate import upgrade

        upgrade(backend.engine, plugin_locations=[processes_plugin.register_migrations()])
        _MIGRATED.add(backend.name)
    return backend


def _plugins() -> list[Any]:
    installed = {ep.value for ep in entry_points(group="gateway.plugins")}
    return [] if "gateway.plugins.processes" in installed else [processes_plugin]


@pytest.fixture
def app(databases: Any, app_overrides: dict[str, object]) -> Any:
    from gateway.testing import make_test_app

    overrides = {"secret_key": "test-secret-key-that-is-long-enough-for-hs512-0123456789-0123456789abcdef", **app_overrides}
    return make_test_app(overrides, databases=databases, plugins=_plugins())
