"""Throwaway databases on the PostgreSQL and MariaDB test servers, shared by every test that needs real
commits (the per-session databases of conftest.py, worker-process and race tests). Plain module: import it
by name (`from dbtools import ...`), never a conftest.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

DEFAULT_URLS = {
    "postgresql": "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    "mariadb": "mysql+pymysql://root@127.0.0.1:3306/test",
}
ENV_URLS = {"postgresql": "GATEWAY_TEST_POSTGRES_URL", "mariadb": "GATEWAY_TEST_MARIADB_URL"}
# conftest.py's `backend` fixture on PostgreSQL only, for tests of PostgreSQL-only paths
postgresql_only = pytest.mark.parametrize(
    "backend", [pytest.param("postgresql", marks=pytest.mark.postgresql)], indirect=True
)


def server_url(backend: str) -> str:
    return os.environ.get(ENV_URLS[backend]) or DEFAULT_URLS[backend]


def _admin(backend: str, *statements: str) -> None:
    admin = sa.create_engine(sa.make_url(server_url(backend)), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            for statement in statements:
                conn.exec_driver_sql(statement)
    finally:
        admin.dispose()


def drop_database(backend: str, name: str) -> None:
    if backend == "postgresql":
        _admin(
            backend,
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'",
            f'DROP DATABASE IF EXISTS "{name}"',
        )
    else:
        _admin(backend, f"DROP DATABASE IF EXISTS `{name}`")


def create_database(backend: str, name: str) -> str:
    """A fresh, empty database `name` (replacing one left by a killed run); returns its URL."""
    drop_database(backend, name)
    if backend == "postgresql":
        _admin(backend, f'CREATE DATABASE "{name}"')
    else:
        _admin(backend, f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci")
    return sa.make_url(server_url(backend)).set(database=name).render_as_string(hide_password=False)


@contextmanager
def throwaway_database(backend: str, name: str) -> Iterator[str]:
    """`create_database` for the duration of a `with` block, dropped afterwards."""
    url = create_database(backend, name)
    try:
        yield url
    finally:
        drop_database(backend, name)
