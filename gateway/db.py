"""Engines for the data and meta databases, and the ConnectionSource seam every I/O goes through.

`db.py` opens and closes connections and transactions; it does not execute statements (only
`pipeline/execute.py`, `meta/store.py`, `catalog/reflect.py`, `jobs/queue.py` and `demo/erp.py` do).
Tests inject savepoint-backed sources so that each test rolls back.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect, Engine

from gateway.dialects import DialectTraits, traits_for


class ConnectionSource(Protocol):
    """Where connections come from. `begin` commits on success and rolls back on error; `read` is for
    buffered reads that write nothing and hold no cursor open after the block."""

    @property
    def dialect(self) -> Dialect: ...

    def connect(self) -> AbstractContextManager[Connection]: ...

    def read(self) -> AbstractContextManager[Connection]: ...

    def begin(self) -> AbstractContextManager[Connection]: ...


@dataclass(frozen=True, slots=True)
class EngineSource:
    """The production source: a pooled engine."""

    engine: Engine

    @property
    def dialect(self) -> Dialect:
        return self.engine.dialect

    def connect(self) -> AbstractContextManager[Connection]:
        return self.engine.connect()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """Autocommit where the traits allow it: one round trip per statement instead of BEGIN, the
        statement and ROLLBACK. PostgreSQL's READ COMMITTED gives each statement its own snapshot
        anyway, so a page, its expands and its count see the same as inside a transaction."""
        with self.engine.connect() as conn:
            if not traits_for(self.engine.dialect).autocommit_reads:
                yield conn
                return
            with _driver_autocommit(conn):
                yield conn

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        # gw_write: SQLite opens this transaction with BEGIN IMMEDIATE (see _sqlite_transactions)
        with self.engine.connect() as conn:
            conn.execution_options(gw_write=True)
            with conn.begin():
                yield conn


@contextmanager
def _driver_autocommit(conn: Connection) -> Iterator[None]:
    """Autocommit switched on the driver connection (psycopg: a local flag while idle) and back off before
    the pool takes it again. SQLAlchemy's isolation-level option does the same through its connection
    characteristics, set on checkout and reset on return: 20 to 40 us more CPU per read."""
    raw: Any = conn.connection.dbapi_connection
    raw.autocommit = True
    try:
        yield
    finally:
        raw = conn.connection.dbapi_connection if not conn.invalidated else None
        if raw is not None and not raw.closed:
            raw.autocommit = False


@dataclass(frozen=True, slots=True)
class SavepointSource:
    """One shared connection inside an outer transaction; every `begin` is a savepoint (tests)."""

    connection: Connection

    @property
    def dialect(self) -> Dialect:
        return self.connection.dialect

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        yield self.connection

    def read(self) -> AbstractContextManager[Connection]:
        return self.connect()

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        with self.connection.begin_nested():
            yield self.connection


@dataclass(frozen=True, slots=True)
class Databases:
    """The data database (reflected business tables) and the meta database (gw_* tables)."""

    data: ConnectionSource
    meta: ConnectionSource

    @property
    def same(self) -> bool:
        return self.data is self.meta


def make_engine(
    url: str,
    *,
    pool_size: int = 5,
    max_overflow: int = 10,
    statement_timeout_ms: int = 0,
    ping_idle_seconds: float = 2.0,
    **kwargs: Any,
) -> Engine:
    """An engine with the gateway's connection setup (ping of idle connections, SQLite pragmas and
    functions, and the session statement timeout, so that requests at the default timeout need no SET
    of their own)."""
    sa_url = sa.make_url(url)
    options: dict[str, Any] = dict(kwargs)
    if sa_url.get_backend_name() != "sqlite":
        options.setdefault("pool_size", pool_size)
        options.setdefault("max_overflow", max_overflow)
    engine = sa.create_engine(sa_url, **options)
    traits = traits_for(engine.dialect)
    if traits.name == "sqlite":
        _sqlite_transactions(engine)
    else:
        _ping_when_idle(engine, ping_idle_seconds)
    sa.event.listen(engine, "connect", _on_connect(traits, statement_timeout_ms))
    return engine


def _ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """Pessimistic disconnect handling without a round trip per request: SQLAlchemy's pool_pre_ping
    pings on every checkout; a connection checked in moments ago is alive, so only one idle for longer
    than `idle_seconds` is pinged. A failed ping makes the pool replace the connection (DisconnectionError);
    an error on a live connection still invalidates the pool as usual."""

    def checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["gw_used"] = time.monotonic()

    def checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if time.monotonic() - record.info.get("gw_used", 0.0) <= idle_seconds:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            if not engine.dialect.is_disconnect(exc, dbapi_connection, None):
                raise
            alive = False
        if not alive:
            raise sa.exc.DisconnectionError("idle connection found closed")

    sa.event.listen(engine, "checkin", checkin)
    sa.event.listen(engine, "checkout", checkout)


def _sqlite_transactions(engine: Engine) -> None:
    """Real transactions on SQLite: pysqlite would only BEGIN before DML, so a SELECT ... then UPDATE
    (the If-Match check) ran its SELECT outside the transaction. Write transactions take the write lock
    up front (BEGIN IMMEDIATE), so two concurrent updates cannot both pass the ETag check."""

    def no_implicit_begin(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    def begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("gw_write") else "BEGIN")

    sa.event.listen(engine, "connect", no_implicit_begin)
    sa.event.listen(engine, "begin", begin)


def _on_connect(traits: DialectTraits, timeout_ms: int) -> Callable[[Any, Any], None]:
    def listener(dbapi_connection: Any, record: Any) -> None:
        traits.on_connect(dbapi_connection)
        stmt = traits.session_timeout_statement(timeout_ms)
        if stmt:
            cursor = dbapi_connection.cursor()
            cursor.execute(stmt)
            cursor.close()
            dbapi_connection.commit()  # a SET inside a rolled-back transaction would be undone (PostgreSQL)
            record.info["gw_timeout_ms"] = timeout_ms

    return listener


def make_databases(data_url: str, meta_url: str | None = None, **engine_options: Any) -> Databases:
    data = EngineSource(make_engine(data_url, **engine_options))
    if not meta_url or meta_url == data_url:
        return Databases(data=data, meta=data)
    return Databases(data=data, meta=EngineSource(make_engine(meta_url, **engine_options)))
