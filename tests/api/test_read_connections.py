"""Read connections: autocommit reads on PostgreSQL (one round trip per statement) that still obey the
statement timeout, and pooled connections that are pinged only after being idle, so a connection the
server closed while idle is replaced without the request noticing."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from dbtools import postgresql_only

from gateway.db import EngineSource, make_engine
from gateway.dialects import traits_for
from gateway.errors import Timeout
from gateway.pipeline.execute import guarded, run_read

pytestmark = pytest.mark.commits
server_backends = pytest.mark.parametrize(
    "backend",
    [
        pytest.param("postgresql", marks=pytest.mark.postgresql),
        pytest.param("mariadb", marks=pytest.mark.mariadb),
    ],
    indirect=True,
)


@pytest.fixture
def engine_of(backend) -> Iterator[object]:  # type: ignore[no-untyped-def]
    engines: list[sa.Engine] = []

    def make(**options: object) -> sa.Engine:
        engine = make_engine(backend.url, pool_size=1, max_overflow=0, **options)  # type: ignore[arg-type]
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.dispose()


def _session_id(conn: sa.Connection) -> int:
    query = "SELECT pg_backend_pid()" if conn.dialect.name == "postgresql" else "SELECT CONNECTION_ID()"
    return int(conn.exec_driver_sql(query).scalar_one())


def _kill(engine: sa.Engine, session: int) -> None:
    """Close a server session from a separate, unpooled connection."""
    killer = sa.create_engine(engine.url, poolclass=sa.pool.NullPool)
    postgresql = engine.dialect.name == "postgresql"
    statement = "SELECT pg_terminate_backend(%d)" if postgresql else "KILL %d"
    alive = (
        "SELECT count(*) FROM pg_stat_activity WHERE pid = %d"
        if postgresql
        else "SELECT count(*) FROM information_schema.PROCESSLIST WHERE ID = %d"
    )
    try:
        with killer.connect() as conn:
            conn.exec_driver_sql(statement % session)
            conn.commit()
            for _ in range(100):  # termination is asynchronous: wait until the session is gone
                if not conn.exec_driver_sql(alive % session).scalar_one():
                    return
                conn.commit()
                time.sleep(0.05)
            raise AssertionError(f"session {session} survived")
    finally:
        killer.dispose()


@postgresql_only
def test_postgresql_reads_run_without_a_transaction(engine_of) -> None:  # type: ignore[no-untyped-def]
    from psycopg.pq import TransactionStatus

    source = EngineSource(engine_of())
    with source.read() as conn:
        assert conn.execute(sa.text("SELECT 1")).scalar_one() == 1
        assert conn.connection.driver_connection.info.transaction_status is TransactionStatus.IDLE
    with source.connect() as conn:  # ordinary connections keep their transaction
        conn.execute(sa.text("SELECT 1"))
        assert conn.connection.driver_connection.info.transaction_status is TransactionStatus.INTRANS


@postgresql_only
def test_autocommit_read_still_times_out(engine_of) -> None:  # type: ignore[no-untyped-def]
    """The session has no timeout (engine built without one); a request's timeout is SET for the session,
    since SET LOCAL outside a transaction would do nothing."""
    source = EngineSource(engine_of(statement_timeout_ms=0))
    traits = traits_for(source.dialect)
    with pytest.raises(Timeout), source.read() as conn, guarded(conn, traits, 50):
        conn.execute(sa.text("SELECT pg_sleep(2)"))
    with source.read() as conn, guarded(conn, traits, 5000):
        assert conn.execute(sa.text("SELECT 1")).scalar_one() == 1


@server_backends
def test_idle_connection_closed_by_the_server_is_replaced(engine_of) -> None:  # type: ignore[no-untyped-def]
    engine = engine_of(ping_idle_seconds=0)  # every checkout counts as idle: always pinged
    source = EngineSource(engine)
    with source.read() as conn:
        first = _session_id(conn)
    _kill(engine, first)
    with source.read() as conn:  # the ping fails, the pool opens a new connection: no error
        assert _session_id(conn) != first


@server_backends
def test_recently_used_connection_is_not_pinged(engine_of) -> None:  # type: ignore[no-untyped-def]
    """A connection checked in moments ago goes out without a ping: a server-side close shows up as an
    error on the first statement, and the pool then replaces its connections."""
    engine = engine_of(ping_idle_seconds=3600)
    source = EngineSource(engine)
    with source.read() as conn:
        first = _session_id(conn)
    _kill(engine, first)
    with pytest.raises(sa.exc.DBAPIError) as failed, source.read() as conn:
        _session_id(conn)
    assert failed.value.connection_invalidated
    with source.read() as conn:
        assert _session_id(conn) != first


@server_backends
def test_read_on_a_dead_hot_connection_is_retried(engine_of) -> None:  # type: ignore[no-untyped-def]
    """run_read (every buffered read of a request) runs the read once more on a fresh connection."""
    source = EngineSource(engine_of(ping_idle_seconds=3600))
    first = run_read(source, 5000, _session_id)
    _kill(source.engine, first)
    assert run_read(source, 5000, _session_id) != first


def _app_on(source: EngineSource):  # type: ignore[no-untyped-def]
    from gateway.app import create_app
    from gateway.db import Databases
    from gateway.jobs.clock import FixedClock

    overrides = {"secret_key": "prepared-" + "0123456789abcdef" * 4, "plugins": []}
    return create_app(overrides, databases=Databases(source, source), clock=FixedClock())


def _prepared_orders(source: EngineSource) -> list[str]:
    """The statements about C_Order the server holds prepared on the pool's only connection."""
    with source.read() as conn:
        texts = conn.exec_driver_sql("SELECT statement FROM pg_prepared_statements").scalars()
        return [text for text in texts if "C_Order" in text]


@postgresql_only
def test_repeated_reads_run_prepared(engine_of, backend) -> None:  # type: ignore[no-untyped-def]
    """Cached statements keep one SQL text, so psycopg prepares them on the server from the 5th run."""
    from gateway.testing import bearer, session_token

    source = EngineSource(engine_of())
    app = _app_on(source)
    headers = bearer(session_token(app, "GardenAdmin", client_id=11, role="GardenWorld Admin"))
    client = app.test_client()
    for top in (3, 3, 3, 3, 3, 3, 3):
        assert (
            client.get(
                f"/api/v1/models/c_order?$top={top}&$filter=GrandTotal gt 1", headers=headers
            ).status_code
            == 200
        )
    assert _prepared_orders(source)  # on the pool's only connection: the one that served the reads


@postgresql_only
def test_periodic_checks_keep_the_prepared_statements(engine_of, backend) -> None:  # type: ignore[no-untyped-def]
    """The session check (every few seconds) and the runtime settings' reload run on the read connection
    without a transaction: psycopg answers a ROLLBACK with DEALLOCATE ALL, which would make the next
    reads parse and plan their statements again."""
    from gateway.testing import bearer, session_token

    source = EngineSource(engine_of())
    app = _app_on(source)
    state = app.extensions["gateway"]
    headers = bearer(session_token(app, "GardenAdmin", client_id=11, role="GardenWorld Admin"))
    client = app.test_client()
    for _ in range(6):
        assert client.get("/api/v1/models/c_order/1042", headers=headers).status_code == 200
    before = _prepared_orders(source)
    assert before
    state.extras["auth.sessions"].clear()  # the next request checks its session in the database
    state.runtime.clear()  # and reloads the runtime settings
    assert client.get("/api/v1/models/c_order/1042", headers=headers).status_code == 200
    assert _prepared_orders(source) == before


@postgresql_only
def test_api_token_requests_run_prepared(engine_of, backend) -> None:  # type: ignore[no-untyped-def]
    """An API token is looked up on every request, on the read connection: its statements get prepared."""
    from gateway.testing import bearer, session_token

    source = EngineSource(engine_of())
    app = _app_on(source)
    client = app.test_client()
    admin = bearer(session_token(app, "SuperUser", client_id=0, role="Admin"))
    body = {"userName": "GardenAdmin", "roleId": "GardenWorld Admin", "name": "reports", "expiresInDays": 1}
    issued = client.post("/api/v1/apitokens", json=body, headers=admin)
    assert issued.status_code == 201, issued.get_json()
    headers = {"Authorization": f"Bearer {issued.get_json()['token']}"}
    for _ in range(6):
        assert client.get("/api/v1/models/c_order/1042", headers=headers).status_code == 200
    assert _prepared_orders(source)
