"""Throwaway databases with real commits for the orders concurrency and multi-process tests.

Each is created with a unique name, migrated (core, installed plugins, orders) and dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import entry_points
from pathlib import Path

import sqlalchemy as sa
from dbtools import create_database, drop_database, server_url


def reachable(backend: str) -> bool:
    try:
        engine = sa.create_engine(server_url(backend))
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:
        return False


def populate(url: str) -> sa.Engine:
    from gateway.db import make_engine
    from gateway.demo.accounts import create_demo_accounts
    from gateway.demo.erp import build_demo
    from gateway.meta.migrate import upgrade
    from gateway.meta.tables import core_tables
    from gateway.settings import load_settings

    engine = make_engine(url)
    build_demo(engine, size=1)
    upgrade(engine, plugin_locations=_locations())
    with engine.begin() as conn:
        create_demo_accounts(conn, core_tables(sa.MetaData()), load_settings(environ={}))
    return engine


def _locations() -> list[str]:
    modules = {ep.value: ep.load() for ep in entry_points(group="gateway.plugins")}
    import gateway.plugins.orders as orders
    import gateway.plugins.workflows as workflows

    modules.setdefault("gateway.plugins.workflows", workflows)
    modules["gateway.plugins.orders"] = orders
    return [m.register_migrations() for m in modules.values() if hasattr(m, "register_migrations")]


@contextmanager
def throwaway(backend: str, tmp: Path) -> Iterator[str]:
    """A fresh database URL on `backend` with the demo ERP and every gw_* table; dropped on exit."""
    name = f"gword_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    if backend == "sqlite":
        url = f"sqlite:///{tmp / (name + '.sqlite')}"
    else:
        if not reachable(backend):
            import pytest

            pytest.skip(f"{backend} is not reachable")
        url = create_database(backend, name)
    engine = populate(url)
    try:
        engine.dispose()
        yield url
    finally:
        engine.dispose()
        if backend != "sqlite":
            drop_database(backend, name)
