"""A throwaway PostgreSQL database with real commits for the runner-thread scenario (W-23): created with a
unique name, given the demo ERP, every migration and `acc_doc`, and dropped afterwards."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from dbtools import create_database, drop_database, server_url
from inttools import acc_doc_table


def reachable() -> bool:
    try:
        engine = sa.create_engine(server_url("postgresql"))
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:
        return False


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
    url = create_database("postgresql", name)
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
        drop_database("postgresql", name)
