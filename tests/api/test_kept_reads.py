"""Kept read connections (gateway.db.KeptReads): a serving thread keeps its autocommit read connection
between reads on PostgreSQL, within the pool's base size, and gives it back before any other work, when
a read fails and when the thread ends; a kept connection the server closed is replaced unnoticed."""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest
import sqlalchemy as sa
from dbtools import postgresql_only

from gateway.db import EngineSource, make_engine
from gateway.errors import InternalError
from gateway.pipeline.execute import run_read

pytestmark = pytest.mark.commits
T = TypeVar("T")


@pytest.fixture
def source_of(backend) -> Iterator[Callable[..., EngineSource]]:  # type: ignore[no-untyped-def]
    engines: list[sa.Engine] = []

    def make(pool_size: int = 2, idle_seconds: float = 3600) -> EngineSource:
        engine = make_engine(backend.url, pool_size=pool_size, max_overflow=0, ping_idle_seconds=idle_seconds)
        engines.append(engine)
        return EngineSource(engine, idle_seconds)

    yield make
    gc.collect()  # threads' kept connections go back before the engines close
    for engine in engines:
        engine.dispose()


@pytest.fixture
def worker() -> Iterator[Callable[[Callable[[], Any]], Any]]:
    """Runs functions on one and the same thread, as a server's worker thread runs requests."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        yield lambda fn: pool.submit(fn).result()


def _session_id(conn: sa.Connection) -> int:
    query = "SELECT pg_backend_pid()" if conn.dialect.name == "postgresql" else "SELECT CONNECTION_ID()"
    return int(conn.exec_driver_sql(query).scalar_one())


def _checked_out(source: EngineSource) -> int:
    return int(source.engine.pool.checkedout())  # type: ignore[attr-defined]


def _terminate(source: EngineSource, session: int) -> None:
    killer = sa.create_engine(source.engine.url, poolclass=sa.pool.NullPool)
    try:
        with killer.connect() as conn:
            conn.exec_driver_sql(f"SELECT pg_terminate_backend({int(session)})")
            conn.commit()
            while conn.exec_driver_sql(
                f"SELECT count(*) FROM pg_stat_activity WHERE pid = {int(session)}"
            ).scalar_one():
                conn.commit()
    finally:
        killer.dispose()


@postgresql_only
def test_a_thread_reuses_its_read_connection(source_of, worker) -> None:  # type: ignore[no-untyped-def]
    from psycopg.pq import TransactionStatus

    source = source_of()
    first = worker(lambda: run_read(source, 5000, _session_id))
    assert _checked_out(source) == 1  # kept by the worker thread
    assert worker(lambda: run_read(source, 5000, _session_id)) == first
    status = worker(
        lambda: run_read(source, 5000, lambda c: c.connection.driver_connection.info.transaction_status)
    )
    assert status is TransactionStatus.IDLE  # autocommit: no transaction left open between reads
    with source.read() as conn:  # the main thread gets another connection and keeps nothing
        assert _session_id(conn) != first
    assert _checked_out(source) == 1


@postgresql_only
def test_the_kept_connection_goes_back_before_other_work(source_of, worker) -> None:  # type: ignore[no-untyped-def]
    source = source_of()
    worker(lambda: run_read(source, 5000, _session_id))

    def write() -> None:
        with source.begin() as conn:
            conn.exec_driver_sql("SELECT 1")

    worker(write)
    assert _checked_out(source) == 0
    worker(lambda: run_read(source, 5000, _session_id))

    def connect() -> int:
        with source.connect():
            return _checked_out(source)

    assert worker(connect) == 1  # the kept one went back first: only this connection is out
    assert _checked_out(source) == 0


@postgresql_only
def test_no_keeping_beyond_the_pools_base_size(source_of, worker) -> None:  # type: ignore[no-untyped-def]
    source = source_of(pool_size=1)
    worker(lambda: run_read(source, 5000, _session_id))
    assert _checked_out(source) == 0  # keeping it would leave nothing for anybody else
    with source.begin() as conn:  # so the main thread never waits for it
        conn.exec_driver_sql("SELECT 1")


@postgresql_only
def test_a_failed_read_returns_its_connection(source_of, worker) -> None:  # type: ignore[no-untyped-def]
    source = source_of()
    with pytest.raises(InternalError):  # an unclassified database error
        worker(lambda: run_read(source, 5000, lambda c: c.exec_driver_sql("SELECT 1/0").scalar_one()))
    assert _checked_out(source) == 0
    assert worker(lambda: run_read(source, 5000, lambda c: c.exec_driver_sql("SELECT 2").scalar_one())) == 2


@postgresql_only
def test_a_kept_connection_closed_by_the_server_is_replaced(source_of, worker) -> None:  # type: ignore[no-untyped-def]
    source = source_of(idle_seconds=0)  # pinged before every reuse
    first = worker(lambda: run_read(source, 5000, _session_id))
    _terminate(source, first)
    assert worker(lambda: run_read(source, 5000, _session_id)) != first
    assert _checked_out(source) == 1


@postgresql_only
def test_a_finished_thread_returns_its_connection(source_of) -> None:  # type: ignore[no-untyped-def]
    source = source_of()
    thread = threading.Thread(target=lambda: run_read(source, 5000, _session_id))
    thread.start()
    thread.join()
    gc.collect()
    assert _checked_out(source) == 0


@pytest.mark.parametrize(
    "backend",
    [pytest.param("mariadb", marks=pytest.mark.mariadb), pytest.param("sqlite", marks=pytest.mark.sqlite)],
    indirect=True,
)
def test_transactional_reads_keep_nothing(source_of, worker) -> None:  # type: ignore[no-untyped-def]
    """MariaDB and SQLite reads are transactions of their own: each goes back to the pool."""
    source = source_of()
    worker(lambda: run_read(source, 5000, lambda c: c.exec_driver_sql("SELECT 1").scalar_one()))
    assert _checked_out(source) == 0


@postgresql_only
def test_nested_reads_keep_one_connection(source_of, worker) -> None:  # type: ignore[no-untyped-def]
    source = source_of(pool_size=3)

    def nested() -> tuple[int, int]:
        with source.read() as outer:
            with source.read() as inner:  # the outer one is in use: the inner read gets its own
                pair = (_session_id(outer), _session_id(inner))
            return pair

    outer, inner = worker(nested)
    assert outer != inner and _checked_out(source) == 1  # one kept, the other back in the pool
    assert worker(lambda: run_read(source, 5000, _session_id)) == inner  # the first to finish is kept
