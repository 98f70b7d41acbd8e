"""Fixtures of the processes plugin tests: an app with the plugin (installed through its entry point; the
shared `populate()` migrates every enabled plugin) and a Clerk/Auditor pair of roles of client 11.
"""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Any

import pytest

import gateway.plugins.processes as processes_plugin

SECRET = "test-secret-key-that-is-long-enough-for-hs512-0123456789-0123456789abcdef"


def _plugins() -> list[Any]:
    installed = {ep.value for ep in entry_points(group="gateway.plugins")}
    return [] if "gateway.plugins.processes" in installed else [processes_plugin]


@pytest.fixture
def app(databases: Any, app_overrides: dict[str, object]) -> Any:
    from gateway.testing import make_test_app

    return make_test_app({"secret_key": SECRET, **app_overrides}, databases=databases, plugins=_plugins())
