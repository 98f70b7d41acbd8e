"""Helpers for tests of the gateway and of plugins: apps with a FixedClock, login, bearer headers and the
synchronous background runner (plugins.md §13.1).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from gateway.db import Databases
from gateway.jobs.clock import FixedClock


def make_test_app(
    overrides: Mapping[str, Any] | None = None,
    *,
    clock: FixedClock | None = None,
    databases: Databases | None = None,
    plugins: Sequence[Any] = (),
) -> Flask:
    """An app with worker_threads=0 and a FixedClock; background work runs only through run_background."""
    from gateway.app import create_app

    settings = {"worker_threads": 0, **(overrides or {})}
    app = create_app(settings, databases=databases, clock=clock or FixedClock(), plugins=plugins)
    app.testing = True
    return app


def run_background(app: Flask, until_idle: bool = True, *, max_steps: int = 1000) -> dict[str, int]:
    """Run due periodic tasks, jobs and work sources in this thread with the app's clock; returns counts."""
    return (
        app.extensions["gateway"]
        .extras["gateway.facade"]
        .drain(  # type: ignore[no-any-return]
            until_idle=until_idle, max_steps=max_steps
        )
    )


def app_clock(app: Flask) -> FixedClock:
    """The app's FixedClock (apps built by make_test_app or with test_hooks=Y)."""
    clock = app.extensions["gateway"].clock
    assert isinstance(clock, FixedClock), "the app does not run on a FixedClock"
    return clock


def login(
    client: FlaskClient,
    user: str,
    password: str,
    *,
    client_id: int | str | None = None,
    role: int | str | None = None,
    org: int | str = 0,
) -> str:
    """A session token through the one-step login (the first offered client and role when not given)."""
    if client_id is None or role is None:
        step1 = client.post("/api/v1/auth", json={"userName": user, "password": password})
        assert step1.status_code == 200, step1.get_json()
        client_id = step1.get_json()["clients"][0]["id"] if client_id is None else client_id
        if role is None:
            roles = client.get(
                f"/api/v1/auth/roles?client={client_id}",
                headers={"Authorization": f"Bearer {step1.get_json()['token']}"},
            )
            role = roles.get_json()["roles"][0]["id"]
    params = {"clientId": client_id, "roleId": role, "organizationId": org}
    reply = client.post("/api/v1/auth", json={"userName": user, "password": password, "parameters": params})
    assert reply.status_code == 200, reply.get_json()
    return str(reply.get_json()["token"])


def session_token(app: Flask, user: str, *, client_id: int | str, role: int | str, org: int | str = 0) -> str:
    """A session token opened through the auth service without the password check (fast test setup).

    The same choice rules apply as for PUT /api/v1/auth; only the argon2 verification is skipped.
    """
    from gateway.auth import service
    from gateway.meta import store

    state = app.extensions["gateway"]
    with app.test_request_context():
        with state.databases.meta.connect() as conn:
            row = store.find_user(conn, state.meta, user)
        assert row is not None, f"no user {user}"
        params = {"clientId": client_id, "roleId": role, "organizationId": org}
        return str(service.open_session(state, row, service.choose(state, row, params))["token"])


def bearer(token: str, **extra: str) -> dict[str, Any]:
    return {"Authorization": f"Bearer {token}", **extra}
