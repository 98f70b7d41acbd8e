"""Fixtures of the orders plugin tests: the workflows and orders migrations on every backend and an app with
both plugins on a FixedClock at 2026-01-15T12:00:00Z, seeded by `ordertools`."""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

import pytest
from ordertools import START, Api, plugins, seed

import gateway.plugins.orders as orders_plugin
import gateway.plugins.workflows as workflows_plugin
from gateway.jobs.clock import FixedClock

_MIGRATED: set[str] = set()
SECRET = "test-secret-key-that-is-long-enough-for-hs512-0123456789-0123456789abcdef"


@pytest.fixture
def backend(backend: Any) -> Any:
    if backend.name not in _MIGRATED:
        from gateway.meta.migrate import upgrade

        modules = {ep.value: ep.load() for ep in entry_points(group="gateway.plugins")}
        modules.setdefault("gateway.plugins.workflows", workflows_plugin)
        modules["gateway.plugins.orders"] = orders_plugin
        locations = [m.register_migrations() for m in modules.values() if hasattr(m, "register_migrations")]
        upgrade(backend.engine, plugin_locations=locations)
        _MIGRATED.add(backend.name)
    return backend


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def app(databases: Any, app_overrides: dict[str, object], clock: FixedClock) -> Any:
    from gateway.testing import make_test_app

    flask_app = make_test_app(
        {"secret_key": SECRET, **app_overrides}, databases=databases, clock=clock, plugins=plugins()
    )
    seed(flask_app, flask_app.extensions["gateway"].databases)
    return flask_app


@pytest.fixture
def api(app: Any) -> Api:
    return Api(app)


@pytest.fixture
def make_api() -> Callable[[Any], Api]:
    return Api
