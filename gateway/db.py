"""Engines for the data and meta databases, and the ConnectionSource seam every I/O goes through.

`db.py` opens and closes connections and transactions; it does not execute statements (only
`pipeline/execute.py`, `meta/store.py`, `catalog/reflect.py`, `jobs/queue.py` and `demo/erp.py` do).
Tests inject savepoint-backed sources so that each test rolls back.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect, Engine

from gateway.dialects import DialectTraits, traits_for


class ConnectionSource(Protocol):
    """Where connections come from. `begin` commits on success and rolls back on error; `read` is for
    buffered reads that write nothing and hold no cursor open after the block. A `connect` block left
    without a commit ends in ROLLBACK, on which psycopg drops the connection's prepared statements: lookups
    that recur while serving belong in `read`."""

    @property
    def dialect(self) -> Dialect: ...

    def connect(self) -> AbstractContextManager[Connection]: ...

    def read(self) -> AbstractContextManager[Connection]: ...

    def begin(self) -> AbstractContextManager[Connection]: ...


@dataclass(frozen=True, slots=True)
class EngineSource:
    """The production source: a pooled engine. `idle_seconds`: a read connection a thread kept longer
    than this unused is pinged before its next read (as the pool pings idle connections)."""

    engine: Engine
    idle_seconds: float = 2.0
    kept: KeptReads = field(default_factory=lambda: KeptReads(), compare=False, repr=False)

    @property
    def dialect(self) -> Dialect:
        return self.engine.dialect

    def connect(self) -> AbstractContextManager[Connection]:
        self.kept.give_up()
        return self.engine.connect()

    def read(self) -> AbstractContextManager[Connection]:
        """Autocommit where the traits allow it: one round trip per statement instead of BEGIN, the
        statement and ROLLBACK. PostgreSQL's READ COMMITTED gives each statement its own snapshot
        anyway, so a page, its expands and its count see the same as inside a transaction. The
        connection stays with the thread for its next read (KeptReads)."""
        if not traits_for(self.engine.dialect).autocommit_reads:
            return self.engine.connect()
        return _KeptRead(self.engine, self.kept, self.idle_seconds)

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        # gw_write: SQLite opens this transaction with BEGIN IMMEDIATE (see _sqlite_transactions)
        self.kept.give_up()
        with self.engine.connect() as conn:
            conn.execution_options(gw_write=True)
            with conn.begin():
                yield conn


class KeptReads:
    """Each serving thread keeps its autocommit read connection checked out between its reads.

    A pool checkout and return, with the autocommit switch on the driver connection, cost about 40 us of
    CPU per read, half a single-row query's own driver work. A thread keeps its connection only while the
    pool's base size leaves one for everybody else, gives it up before any other kind of work
    (so a thread never waits for a connection it holds itself), and has it pinged before reuse after
    `idle_seconds`. The main thread keeps nothing: connections must not cross a fork (gunicorn preloads
    the app in its master)."""

    def __init__(self) -> None:
        self._local = threading.local()

    def take(self, engine: Engine, idle_seconds: float) -> Connection | None:
        """This thread's kept connection, if it has one that is still usable."""
        held: _Held | None = getattr(self._local, "held", None)
        if held is None:
            return None
        self._local.held = None
        conn = held.release()
        try:
            usable = not conn.invalidated and not conn.closed
            if usable and time.monotonic() - held.used > idle_seconds:
                usable = _alive(engine, conn.connection.dbapi_connection)
                if not usable:
                    conn.invalidate()
        except BaseException:
            _return(conn)
            raise
        if not usable:
            _return(conn)
            return None
        return conn

    def keep(self, conn: Connection, engine: Engine) -> None:
        """Keep `conn` for this thread's next read, or return it to the pool."""
        if (
            conn.invalidated
            or threading.current_thread() is threading.main_thread()
            or getattr(self._local, "held", None) is not None  # a nested read's: one kept per thread
            or not _room_to_keep(engine.pool)
        ):
            _return(conn)
            return
        if conn.in_transaction():  # SQLAlchemy's own bookkeeping only: the driver is in autocommit
            conn.rollback()
        self._local.held = _Held(conn, time.monotonic())

    def give_up(self) -> None:
        """Return this thread's kept connection to the pool."""
        held: _Held | None = getattr(self._local, "held", None)
        if held is not None:
            self._local.held = None
            _return(held.release())


class _KeptRead:
    """The block of one autocommit read: this thread's kept connection (or a new one), kept again after
    the block, returned to the pool when the block fails. A class rather than a generator: it is entered
    on every read."""

    __slots__ = ("_conn", "_engine", "_idle_seconds", "_kept")

    def __init__(self, engine: Engine, kept: KeptReads, idle_seconds: float) -> None:
        self._engine, self._kept, self._idle_seconds = engine, kept, idle_seconds
        self._conn: Connection | None = None

    def __enter__(self) -> Connection:
        conn = self._kept.take(self._engine, self._idle_seconds) or _autocommit_connection(self._engine)
        self._conn = conn
        return conn

    def __exit__(self, exc_type: type[BaseException] | None, *_: object) -> None:
        conn, self._conn = self._conn, None
        assert conn is not None
        if exc_type is not None:
            _return(conn)
        else:
            self._kept.keep(conn, self._engine)


def _room_to_keep(pool: Any) -> bool:
    """Whether the pool's base size still has a connection for someone else with this one kept."""
    checkedout, size = getattr(pool, "checkedout", None), getattr(pool, "size", None)
    return checkedout is not None and size is not None and checkedout() < size()


class _Held:
    """A kept connection; returned to the pool when its thread ends with it still kept."""

    __slots__ = ("conn", "used")

    def __init__(self, conn: Connection, used: float) -> None:
        self.conn: Connection | None = conn
        self.used = used

    def release(self) -> Connection:
        conn, self.conn = self.conn, None
        assert conn is not None
        return conn

    def __del__(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(Exception):  # the interpreter or the pool is shutting down
                _return(self.release())


def _autocommit_connection(engine: Engine) -> Connection:
    """A pooled connection in autocommit, switched on the driver connection (psycopg: a local flag while
    idle). SQLAlchemy's isolation-level option does the same through its connection characteristics, set
    on checkout and reset on return: 20 to 40 us more CPU per read."""
    conn = engine.connect()
    raw: Any = conn.connection.dbapi_connection
    raw.autocommit = True
    return conn


def _return(conn: Connection) -> None:
    """Autocommit back off, then the connection back to the pool."""
    try:
        raw: Any = conn.connection.dbapi_connection if not conn.invalidated and not conn.closed else None
        if raw is not None and not raw.closed:
            raw.autocommit = False
    finally:
        conn.close()


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
        if not _alive(engine, dbapi_connection):
            raise sa.exc.DisconnectionError("idle connection found closed")

    sa.event.listen(engine, "checkin", checkin)
    sa.event.listen(engine, "checkout", checkout)


def _alive(engine: Engine, dbapi_connection: Any) -> bool:
    """The dialect's ping; False when the connection turns out closed."""
    try:
        return bool(engine.dialect.do_ping(dbapi_connection))
    except engine.dialect.loaded_dbapi.Error as exc:
        if not engine.dialect.is_disconnect(exc, dbapi_connection, None):
            raise
        return False


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
    idle = float(engine_options.get("ping_idle_seconds", 2.0))
    data = EngineSource(make_engine(data_url, **engine_options), idle)
    if not meta_url or meta_url == data_url:
        return Databases(data=data, meta=data)
    return Databases(data=data, meta=EngineSource(make_engine(meta_url, **engine_options), idle))
