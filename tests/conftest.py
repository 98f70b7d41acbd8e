"""Shared fixtures: the three backends with the demo ERP, an app per test, and logged-in clients.

Each backend's database is built once per session (and per xdist worker): a template SQLite file, or a
database `gwtest_<worker>` on PostgreSQL and MariaDB. SQLite tests get a copy of the template; server tests
run inside an outer transaction with savepoint-backed connection sources, rolled back at the end.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from dbtools import ENV_URLS, create_database, drop_database, server_url

from gateway.db import Databases, SavepointSource, make_engine

BACKENDS = ("sqlite", "postgresql", "mariadb")
DEMO_PASSWORDS = {
    "SuperUser": "System",
    "GardenAdmin": "GardenAdmin",
    "GardenUser": "GardenUser",
    "SeedAdmin": "SeedAdmin",
    "Reader": "Reader",
}


def reachable(name: str) -> bool:
    try:
        engine = sa.create_engine(server_url(name))
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:
        return False


def pytest_sessionstart(session: pytest.Session) -> None:
    required = [n.strip() for n in os.environ.get("GATEWAY_REQUIRE_DBS", "").split(",") if n.strip()]
    missing = [n for n in required if n not in ENV_URLS or not reachable(n)]
    if missing:
        pytest.exit(f"required databases unreachable: {', '.join(missing)}", returncode=3)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    keep = ("GATEWAY_TEST_", "GATEWAY_REQUIRE_DBS")
    for name in list(os.environ):
        if name.startswith(("GATEWAY_", "REST_")) and not name.startswith(keep):
            monkeypatch.delenv(name)


@dataclass(frozen=True)
class Backend:
    name: str
    url: str  # the per-session database holding the demo ERP and the gw_* tables
    engine: sa.Engine


def _worker() -> str:
    """Unique per test process: concurrent runs (xdist workers, several checkouts) never share a database."""
    return f"{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{os.getpid()}"


def _server_database(name: str) -> str:
    """A fresh `gwtest_<worker>` database on the server; returns its URL."""
    return create_database(name, f"gwtest_{_worker()}")


def populate(url: str) -> sa.Engine:
    """Demo ERP + gw_* tables + demo accounts in the database at `url`."""
    from gateway.demo.accounts import create_demo_accounts
    from gateway.demo.erp import build_demo
    from gateway.hooks import migration_locations
    from gateway.meta.migrate import upgrade
    from gateway.meta.tables import core_tables
    from gateway.settings import load_settings

    engine = make_engine(url)
    build_demo(engine, size=1)
    upgrade(engine, plugin_locations=migration_locations(load_settings(environ={})))
    tables = core_tables(sa.MetaData())
    with engine.begin() as conn:
        create_demo_accounts(conn, tables, load_settings(environ={}))
    return engine


_TEMPLATES: dict[str, Backend] = {}


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Drop the per-process server databases (the SQLite template lives in pytest's temp dir)."""
    for backend in _TEMPLATES.values():
        backend.engine.dispose()
        if backend.name != "sqlite":
            drop_database(backend.name, sa.make_url(backend.url).database or "")


def _template(name: str, tmp_root: Path) -> Backend:
    if name not in _TEMPLATES:
        if name == "sqlite":
            url = f"sqlite:///{tmp_root / 'template.sqlite'}"
        else:
            url = _server_database(name)
        _TEMPLATES[name] = Backend(name, url, populate(url))
    return _TEMPLATES[name]


@pytest.fixture(scope="session")
def _tmp_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("backends")


@pytest.fixture(
    params=[
        pytest.param("sqlite", marks=pytest.mark.sqlite),
        pytest.param("postgresql", marks=pytest.mark.postgresql),
        pytest.param("mariadb", marks=pytest.mark.mariadb),
    ]
)
def backend(request: pytest.FixtureRequest, _tmp_root: Path) -> Backend:
    name = request.param
    if name != "sqlite" and not reachable_cached(name):
        pytest.skip(f"{name} is not reachable at {ENV_URLS[name]}")
    return _template(name, _tmp_root)


_REACHABLE: dict[str, bool] = {}


def reachable_cached(name: str) -> bool:
    if name not in _REACHABLE:
        _REACHABLE[name] = reachable(name)
    return _REACHABLE[name]


@pytest.fixture
def databases(backend: Backend, tmp_path: Path) -> Iterator[Databases]:
    """Per-test databases: a copy of the SQLite template, or a rolled-back outer transaction."""
    if backend.name == "sqlite":
        template = Path(sa.make_url(backend.url).database or "")
        copy = tmp_path / "test.sqlite"
        shutil.copyfile(template, copy)
        engine = make_engine(f"sqlite:///{copy}")
        source = SavepointSource(engine.connect())
        outer = source.connection.begin()
    else:
        source = SavepointSource(backend.engine.connect())
        outer = source.connection.begin()
        engine = None
    try:
        yield Databases(data=source, meta=source)
    finally:
        outer.rollback()
        source.connection.close()
        if engine is not None:
            engine.dispose()


@pytest.fixture
def statements(databases: Databases) -> Iterator[list[str]]:
    """The SQL of every statement the test connection runs while the test runs. A listened connection
    keeps SQLAlchemy's execution path (pipeline/direct.py), so no statement escapes the list."""
    seen: list[str] = []

    def capture(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    sa.event.listen(databases.data.connection, "before_cursor_execute", capture)
    yield seen
    sa.event.remove(databases.data.connection, "before_cursor_execute", capture)


@pytest.fixture
def app_overrides() -> dict[str, object]:
    """Settings overrides for the `app` fixture; override this fixture in a module to change them."""
    return {}


@pytest.fixture
def app(databases: Databases, app_overrides: dict[str, object]):  # type: ignore[no-untyped-def]
    from gateway.app import create_app
    from gateway.jobs.clock import FixedClock

    overrides = {"secret_key": "test-secret-key-" + "0123456789abcdef" * 4, **app_overrides}
    flask_app = create_app(overrides, databases=databases, clock=FixedClock())
    flask_app.testing = True
    return flask_app


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


DEMO_SESSIONS = {
    "SuperUser": (0, "Admin"),  # the System session that sees every tenant
    "GardenAdmin": (11, "GardenWorld Admin"),
    "GardenUser": (11, "GardenWorld User"),
    "SeedAdmin": (12, "Seed Farm Admin"),
    "Reader": (11, "GardenWorld Reader"),
}


@pytest.fixture
def login_as(app):  # type: ignore[no-untyped-def]
    """login_as("GardenAdmin") -> bearer headers of a demo session (opened without the argon2 check; the
    password flow itself is covered by tests/api/test_auth.py)."""
    from gateway.testing import bearer, session_token

    def _login(user: str, *, client_id: int | None = None, role: int | str | None = None, org: int = 0):  # type: ignore[no-untyped-def]
        default_client, default_role = DEMO_SESSIONS[user]
        client = default_client if client_id is None else client_id
        return bearer(session_token(app, user, client_id=client, role=role or default_role, org=org))

    return _login
