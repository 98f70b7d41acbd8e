"""Fixtures of the processes plugin tests: an app with the plugin (installed through its entry point; the
shared `populate()` migrates every enabled plugin) plus test handlers, and the Clerk/Auditor roles of
processes.md §15 (client 11).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from importlib.metadata import entry_points
from typing import Any

import pytest

import gateway.plugins.processes as processes_plugin
from tests.plugins.processes.handlers import HandlerPlugin

SECRET = "test-secret-key-that-is-long-enough-for-hs512-0123456789-0123456789abcdef"
START = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
ROLES = {
    "Clerk": ("processes.read", "processes.run", "processes.jobs"),
    "Auditor": ("processes.read", "processes.jobs", "processes.monitor"),
    "Exporter": ("processes.read", "processes.run", "processes.jobs", "processes.access:modelexport"),
}
USERS = {"ClerkA": "Clerk", "ClerkB": "Clerk", "AuditorU": "Auditor", "ExporterU": "Exporter"}


def _plugins() -> list[Any]:
    installed = {ep.value for ep in entry_points(group="gateway.plugins")}
    extra: list[Any] = [HandlerPlugin()]
    return extra if "gateway.plugins.processes" in installed else [processes_plugin, *extra]


@pytest.fixture
def app(databases: Any, app_overrides: dict[str, object]) -> Any:
    from gateway.jobs.clock import FixedClock
    from gateway.testing import make_test_app

    return make_test_app(
        {"secret_key": SECRET, **app_overrides},
        databases=databases,
        plugins=_plugins(),
        clock=FixedClock(START),
    )


@pytest.fixture
def as_role(app: Any) -> Callable[[str], dict[str, Any]]:
    """as_role("ClerkA") -> bearer headers; the roles and users of ROLES/USERS are created on first use."""
    from gateway.meta import store
    from gateway.meta.store import RoleGrants
    from gateway.testing import bearer, session_token

    state = app.extensions["gateway"]

    def _ensure() -> None:
        with state.databases.meta.begin() as conn:
            if store.find_user(conn, state.meta, "ClerkA") is not None:
                return
            ids = {}
            for name, perms in ROLES.items():
                grants = RoleGrants(read=("*",), write=("C_Order", "C_BPartner"), permissions=perms)
                ids[name] = store.add_role(
                    conn, state.meta, name, client_id=11, is_admin=False, grants=grants
                )
            for user, role in USERS.items():
                uid = store.add_user(conn, state.meta, user, None, is_service=False, now=START)
                store.assign_role(conn, state.meta, uid, ids[role])

    def _login(user: str) -> dict[str, Any]:
        if user == "Admin":
            return bearer(session_token(app, "SuperUser", client_id=0, role="Admin"))
        _ensure()
        return bearer(session_token(app, user, client_id=11, role=USERS[user]))

    return _login
