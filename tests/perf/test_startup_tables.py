"""Startup on a 2,000-table schema: the catalog of a schema above `reflect_eager_max_tables` is lazy, so
the app answers its first request in under 2 s on PostgreSQL and MariaDB (measured and recorded, with the
eager figure for comparison). Opt-in: `pytest -m perf tests/perf/test_startup_tables.py -s`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from dbtools import throwaway_database
from perf_many_tables import create_schema

pytestmark = pytest.mark.perf
TABLES = 2000


@pytest.fixture(scope="module", params=["postgresql", "mariadb"])
def many_tables(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    backend = str(request.param)
    try:
        with throwaway_database(backend, "gwperf_tables") as url:
            create_schema(url, TABLES)
            from gateway.cli.init import initialize
            from gateway.settings import load_settings

            initialize(load_settings({"database_url": url}, environ={}))
            yield backend, url
    except sa.exc.OperationalError:
        pytest.skip(f"{backend} is not reachable")


def _startup(url: str, eager_max: int) -> float:
    """Seconds from create_app to the first answered request that reads a table of the catalog."""
    from gateway.app import create_app

    started = time.perf_counter()
    app = create_app({"database_url": url, "reflect_eager_max_tables": eager_max, "secret_key": "s" * 64})
    catalog = app.extensions["gateway"].catalog.current()
    reply = app.test_client().get("/api/v1/health")
    column = catalog.get("T1500").column("Name")
    elapsed = time.perf_counter() - started
    assert reply.status_code == 200 and column.name == "Name"
    assert len(catalog.entity_sets) >= TABLES
    app.extensions["gateway"].databases.data.engine.dispose()
    return elapsed


def test_perf_startup_2000_tables(many_tables: tuple[str, str], results: dict[str, Any]) -> None:
    backend, url = many_tables
    lazy = min(_startup(url, 1000) for _ in range(2))
    eager = _startup(url, 100_000)
    section = results.setdefault("startup_2000_tables", {"tables": TABLES})
    section[backend] = {"lazy_seconds": round(lazy, 2), "eager_seconds": round(eager, 2)}
    print(f"\n{backend}, {TABLES} tables: startup lazy {lazy:.2f} s, eager {eager:.2f} s")
    assert lazy < 2.0
