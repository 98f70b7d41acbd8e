"""Statement timeout (security.md §9.4, §11 threat 21) on every dialect, through real pooled connections.

The shared test connection runs inside an outer transaction that a PostgreSQL timeout would abort, so the
data side here is a fresh engine on the test database with a throwaway table that is big enough for any scan
to outlast a 1 ms budget. The meta side stays the rolled-back test connection.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from sec_helpers import SECRET, problem

from gateway.db import Databases, EngineSource, make_engine
from gateway.testing import bearer, session_token

PROBE = "zz_timeout_probe"
KEY = "REST_STATEMENT_TIMEOUT_MS"
ROWS_LOG10 = 5  # 100,000 rows: a scan takes tens of milliseconds on every backend


def _fill(conn: sa.Connection) -> None:
    md = sa.MetaData()
    digits = sa.Table(f"{PROBE}_digit", md, sa.Column("d", sa.Integer, primary_key=True, autoincrement=False))
    sa.Table(
        PROBE,
        md,
        sa.Column("probe_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("name", sa.String(40), nullable=False),
    )
    md.drop_all(conn, checkfirst=True)
    md.create_all(conn)
    conn.execute(digits.insert(), [{"d": d} for d in range(10)])
    number = " + ".join(f"d{i}.d * {10**i}" for i in range(ROWS_LOG10))
    product = " CROSS JOIN ".join(f"{digits.name} d{i}" for i in range(ROWS_LOG10))
    conn.exec_driver_sql(f"INSERT INTO {PROBE} (probe_id, name) SELECT {number}, 'probe row' FROM {product}")
    digits.drop(conn)


def _drop(conn: sa.Connection) -> None:
    conn.exec_driver_sql(f"DROP TABLE {PROBE}")


@pytest.fixture
def real_data(databases: Databases) -> Iterator[Databases]:
    """Databases whose data side is a new pooled engine holding the probe table (dropped afterwards)."""
    url = databases.data.connection.engine.url  # type: ignore[attr-defined]
    engine = make_engine(url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        _fill(conn)
    try:
        yield Databases(data=EngineSource(engine), meta=databases.meta)
    finally:
        engine.dispose()
        if engine.dialect.name != "sqlite":  # the SQLite file is a per-test copy
            with engine.begin() as conn:
                _drop(conn)
        engine.dispose()


def _app(databases: Databases) -> Any:
    from gateway.app import create_app
    from gateway.jobs.clock import FixedClock

    app = create_app({"secret_key": SECRET}, databases=databases, clock=FixedClock())
    app.testing = True
    return app


def _set_timeout(app: Any, databases: Databases, value: str | None) -> None:
    """Store (or remove) REST_STATEMENT_TIMEOUT_MS for client 11 and forget the cached settings."""
    state = app.extensions["gateway"]
    table = state.meta.sysconfig
    with databases.meta.begin() as conn:
        conn.execute(table.delete().where(table.c.client_id == 11, table.c.name == KEY))
        if value is not None:
            conn.execute(
                table.insert().values(name=KEY, client_id=11, value=value, updated=state.clock.now())
            )
    state.runtime.clear()


def test_statement_timeout(real_data: Databases) -> None:
    app = _app(real_data)
    client = app.test_client()
    garden = bearer(session_token(app, "GardenAdmin", client_id=11, role="GardenWorld Admin"))
    url = f"/api/v1/models/{PROBE}"
    heavy = {"$filter": "contains(Name, 'no such probe') or endswith(Name, 'x')", "$count": "true"}
    assert client.get(url, query_string={"$top": "1"}, headers=garden).status_code == 200
    _set_timeout(app, real_data, "1")
    try:
        reply = client.get(url, query_string=heavy, headers=garden)
        body = problem(reply, 504, "STATEMENT-TIMEOUT")
        assert set(body) >= {"title", "detail"} and "SELECT" not in reply.get_data(as_text=True)
    finally:
        _set_timeout(app, real_data, None)
    after = client.get(url, query_string=heavy, headers=garden)
    assert after.status_code == 200, after.get_json()
    assert after.get_json()["records"] == [] and after.get_json()["row-count"] == 0
    listed = client.get(url, query_string={"$filter": "probe_id eq 99999"}, headers=garden)
    assert [r["id"] for r in listed.get_json()["records"]] == [99999]
