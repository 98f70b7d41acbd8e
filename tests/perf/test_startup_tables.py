"""Startup on a 2,000-table schema: the catalog of a schema above `reflect_eager_max_tables` is lazy, so
the app answers its first request in under 2 s (measured and recorded; opt-in like the whole suite)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from dbtools import throwaway_database

pytestmark = pytest.mark.perf
TABLES = 2000
COLUMNS = 15


def _create_schema(url: str) -> None:
    """ERP-like tables: key, tenant, org, name, flags, a uid, text columns and an FK to the previous table."""
    engine = sa.create_engine(url)
    try:
        for start in range(0, TABLES, 200):  # a transaction per batch: PostgreSQL's lock table is bounded
            with engine.begin() as conn:
                for i in range(start, min(TABLES, start + 200)):
                    texts = ", ".join(f'"Col{j}" VARCHAR(40)' for j in range(COLUMNS))
                    parent = f', "T{i - 1:04d}_ID" INTEGER REFERENCES "T{i - 1:04d}"' if i else ""
                    conn.exec_driver_sql(
                        f'CREATE TABLE "T{i:04d}" ("T{i:04d}_ID" INTEGER PRIMARY KEY, "AD_Client_ID" INTEGER '
                        f'NOT NULL, "AD_Org_ID" INTEGER NOT NULL, "Name" VARCHAR(60), "IsActive" CHAR(1), '
                        f'"Created" TIMESTAMP, "T{i:04d}_UU" VARCHAR(36), {texts}{parent})'
                    )
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def many_tables() -> Iterator[str]:
    try:
        with throwaway_database("postgresql", "gwperf_tables") as url:
            _create_schema(url)
            from gateway.cli.init import initialize
            from gateway.settings import load_settings

            initialize(load_settings({"database_url": url}, environ={}))
            yield url
    except sa.exc.OperationalError:
        pytest.skip("PostgreSQL is not reachable (GATEWAY_TEST_POSTGRES_URL)")


def _startup(url: str, eager_max: int) -> float:
    """Seconds from create_app to the first answered request that needs a table of the catalog."""
    from gateway.app import create_app

    started = time.perf_counter()
    app = create_app({"database_url": url, "reflect_eager_max_tables": eager_max, "secret_key": "s" * 64})
    catalog = app.extensions["gateway"].catalog.current()
    assert len(catalog.entity_sets) >= TABLES
    reply = app.test_client().get("/api/v1/health")
    catalog.get("T1500").column("Name")
    elapsed = time.perf_counter() - started
    assert reply.status_code == 200
    app.extensions["gateway"].databases.data.engine.dispose()
    return elapsed


def test_perf_startup_2000_tables(many_tables: str, results: dict[str, Any]) -> None:
    lazy = min(_startup(many_tables, 1000) for _ in range(2))
    eager = _startup(many_tables, 100_000)
    results["startup_2000_tables"] = {
        "tables": TABLES, "lazy_seconds": round(lazy, 2), "eager_seconds": round(eager, 2),
    }  # fmt: skip
    print(f"\nstartup with {TABLES} tables: lazy {lazy:.2f} s, eager {eager:.2f} s")
    assert lazy < 2.0
