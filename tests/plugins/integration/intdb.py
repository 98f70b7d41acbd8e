"""A throwaway PostgreSQL database with real commits for the runner-thread scenario (W-23): created with a
unique name, given the demo ERP, every migration and `acc_doc`, and dropped afterwards."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from inttools import acc_doc_table

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def server_url() -> str:
    return os.environ.get("GATEWAY_TEST_POSTGRES_URL") or DEFAULT_URL


def reachable() -> bool:
    try:
        engine = sa.create_engine(server_url())
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:
        return False


def _admin(statement: str) -> None:
    admin = sa.create_engine(sa.make_url(server_url()), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(statement)
    finally:
        admin.dispose()


@contextmanager
def throwaway_postgres(locations: Callable[[], list[str]]) -> Iterator[str]:
    """A fresh PostgreSQL database URL, populated; dropped on exit."""
    from gateway.db import make_engine
    from gateway.demo.accounts import create_demo_accounts
    from gateway.demo.erp import build_demo
    from gateway.meta.migrate import upgrade
    from gateway.meta.tables import core_tables
    from gateway.settings import load_settings

    name = f"gwint_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    _admin(f'CREATE DATABASE "{name}"')
    url = sa.make_url(server_url()).set(database=name).render_as_string(hide_password=False)
    try:
        engine = make_engine(url)
        build_demo(engine, size=1)
        upgrade(engine, plugin_locations=locations())
        with engine.begin() as conn:
            create_demo_accounts(conn, core_tables(sa.MetaData()), load_settings(environ={}))
        metadata = sa.MetaData()
        acc_doc_table(metadata)
        metadata.create_all(engine)
        engine.dispose()
        yield url
    finally:
        _admin(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
        _admin(f'DROP DATABASE IF EXISTS "{name}"')
