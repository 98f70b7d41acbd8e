"""The demo ERP built in a throwaway database on PostgreSQL and MariaDB, then reflected.

The reflected entity sets must carry the same facts as the catalog built from the demo MetaData
(mixed-case names included). Each test creates `gwtest_catalog_<random>` and drops it at the end.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from demo_facts import demo_settings, facts

from gateway.catalog import Catalog, reflect_catalog
from gateway.demo.erp import build_demo, demo_metadata

SERVERS = {
    "postgresql": ("GATEWAY_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
    "mariadb": ("GATEWAY_TEST_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/test"),
}


def _server_engine(name: str) -> sa.Engine:
    env, default = SERVERS[name]
    engine = sa.create_engine(os.environ.get(env) or default, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect():
            pass
    except sa.exc.OperationalError as exc:
        engine.dispose()
        pytest.skip(f"{name} unreachable: {exc.orig}")
    return engine


@pytest.fixture(
    params=[
        pytest.param("postgresql", marks=pytest.mark.postgresql),
        pytest.param("mariadb", marks=pytest.mark.mariadb),
    ]
)
def throwaway(request: pytest.FixtureRequest) -> Iterator[sa.Engine]:
    server = _server_engine(request.param)
    dbname = f"gwtest_catalog_{secrets.token_hex(4)}"
    charset = " CHARACTER SET utf8mb4" if request.param == "mariadb" else ""
    with server.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {dbname}{charset}")
    engine = sa.create_engine(server.url.set(database=dbname))
    try:
        yield engine
    finally:
        engine.dispose()
        with server.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE {dbname}")
        server.dispose()


def test_demo_on_server_reflects_like_metadata(throwaway: sa.Engine) -> None:
    info = build_demo(throwaway)
    assert info.row_counts["C_Order"] == 300 and info.row_counts["AD_Client"] == 3
    settings = demo_settings()
    reflected = reflect_catalog(throwaway, settings)
    assert facts(reflected) == facts(Catalog.from_metadata(demo_metadata(), settings))
    order = reflected.get("c_order")
    assert (order.name, order.table.name, order.key) == ("C_Order", "C_Order", "C_Order_ID")
    assert type(order.name) is str and all(type(c.name) is str for c in order.columns)
    assert order.column_named("C_BPartner_ID").label == "Business Partner"
    with throwaway.connect() as conn:
        system = conn.execute(sa.select(order.table.c.DocumentNo).where(order.table.c.C_Order_ID == 1042))
        assert system.scalar_one() == "SO-1042"
        zero = reflected.get("AD_Client").table
        assert conn.execute(sa.select(zero.c.Name).where(zero.c.AD_Client_ID == 0)).scalar_one() == "System"
