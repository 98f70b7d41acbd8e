"""Cached read statements run straight on the driver's cursor (PostgreSQL).

SQLAlchemy's per-execution work (execution context, parameter processing, result metadata, for which
psycopg builds `cursor.description` column by column) costs more Python than a one-row read itself: 12 to
15 % of a whole request through the test client. Statements of the statement cache have a fixed SQL text,
so they are compiled once to their driver form and then executed with the driver's cursor.

The driver form is the SQL as the server takes it, `$1, $2...`, run on psycopg's RawCursor with the values
in placeholder order: psycopg converts `%(name)s` placeholders on every execution and caches the result
only for statements under 4 kB, so a JSON page statement (about 9 kB) was parsed again per request (a
fifth of the worker's CPU on a filtered page). Each pooled connection keeps its RawCursor between reads
(`_kept_cursor`).

Only statements that need nothing from SQLAlchemy at execution time qualify: named parameters without
escaping, no expanding (IN-list) parameters, no bind processor on any parameter's type (arrays of plain
items aside, passed as lists). Connections with
cursor-execution listeners (instrumentation, statement-count tests) keep SQLAlchemy's path, so they see
every statement. Driver errors are raised as SQLAlchemy's DBAPIError, the connection invalidated on a
disconnect, exactly what `Connection.execute` would raise to the executor's error mapping.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Generator, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect


@dataclass(frozen=True, slots=True)
class DirectStatement:
    sql: str  # as SQLAlchemy compiled it (error reports)
    defaults: Mapping[str, Any]  # values the statement itself carries (literals bound by SQLAlchemy)
    names: tuple[str, ...]  # the parameter of each placeholder of `query`: $1 is names[0]
    query: bytes  # the SQL with numbered placeholders, as the server takes it


def direct_form(stmt: sa.Select[Any], dialect: Dialect) -> DirectStatement | None:
    """The driver form of `stmt`, or None when executing it needs SQLAlchemy's processing (or the driver
    is not psycopg 3)."""
    if dialect.driver != "psycopg":
        return None
    compiled = stmt.compile(dialect=dialect)
    if compiled.positional or compiled.escaped_bind_names:
        return None
    binds = compiled.binds
    if any(bind.expanding or _processed(bind.type, dialect) for bind in binds.values()):
        return None
    numbered = _numbered(compiled.string)
    if numbered is None or not set(numbered[1]) <= set(binds):
        return None
    defaults = {name: bind.effective_value for name, bind in binds.items() if not bind.required}
    return DirectStatement(compiled.string, defaults, numbered[1], numbered[0].encode())


_PERCENT = re.compile(r"%(?:(%)|\(([^()%]+)\)s)?")


def _numbered(sql: str) -> tuple[str, tuple[str, ...]] | None:
    """`sql` with its `%(name)s` placeholders numbered `$1, $2...` in order of first use (a name used
    twice is one placeholder) and `%%` back to `%`, plus the names by number; None for any other `%`."""
    names: dict[str, int] = {}
    unknown = False

    def replace(match: re.Match[str]) -> str:
        nonlocal unknown
        if match[1]:
            return "%"
        if match[2] is None:
            unknown = True
            return ""
        return f"${names.setdefault(match[2], len(names) + 1)}"

    text = _PERCENT.sub(replace, sql)
    return None if unknown else (text, tuple(names))


def _processed(type_: Any, dialect: Dialect) -> bool:
    """Whether values of `type_` need SQLAlchemy's bind processing. An ARRAY of plain items only turns
    its value into a list: the executor's array binds are lists already (expand parent keys)."""
    if isinstance(type_, sa.ARRAY):
        return _processed(type_.item_type, dialect)
    return type_.dialect_impl(dialect).bind_processor(dialect) is not None


def _values(direct: DirectStatement, params: Mapping[str, Any]) -> list[Any]:
    """The values in placeholder order: the request's, else the statement's own."""
    defaults = direct.defaults
    return [params[name] if name in params else defaults[name] for name in direct.names]


@functools.cache
def _raw_cursor() -> Any:
    """psycopg's cursor class that sends the query as it is (numbered placeholders, values in order)."""
    import psycopg

    return psycopg.RawCursor


def _listened(conn: Connection) -> bool:
    dispatch = conn.dispatch
    return bool(dispatch.before_cursor_execute or dispatch.after_cursor_execute)


def fetch_all(
    conn: Connection, stmt: sa.Select[Any], direct: DirectStatement | None, params: Mapping[str, Any]
) -> list[tuple[Any, ...]]:
    """All rows of `stmt` as tuples: on the driver's cursor when `direct` allows, else through SQLAlchemy."""
    if direct is None or _listened(conn):
        return [tuple(row) for row in conn.execute(stmt, dict(params))]
    values = _values(direct, params)
    cursor = _kept_cursor(conn)
    try:
        cursor.execute(direct.query, values)
        rows: list[tuple[Any, ...]] = cursor.fetchall()  # psycopg's default rows are tuples
    except conn.dialect.loaded_dbapi.Error as exc:
        _drop_cursor(conn)
        raise _wrapped(conn, cursor, direct.sql, values, exc) from exc
    if not _small(rows):
        _drop_cursor(conn)  # frees the result it holds now, not at the connection's next read
    return rows


_CURSOR = "gw_raw_cursor"


def _kept_cursor(conn: Connection) -> Any:
    """The connection's RawCursor, made on its first direct read and reused by the next ones (a pooled
    connection serves one thread at a time): making a cursor per statement, with its adapters map and
    transformer, was a tenth of a single-row request's CPU. The pool clears `info` with the connection."""
    info, dbapi_connection = conn.connection.info, conn.connection.dbapi_connection
    cursor = info.get(_CURSOR)
    if cursor is None or cursor.closed or cursor.connection is not dbapi_connection:
        cursor = info[_CURSOR] = _raw_cursor()(dbapi_connection)
    return cursor


def _drop_cursor(conn: Connection) -> None:
    cursor = conn.connection.info.pop(_CURSOR, None)
    if cursor is not None:
        cursor.close()


def _small(rows: list[tuple[Any, ...]]) -> bool:
    """Whether a result is small enough for the kept cursor to hold until the connection's next read:
    at most 1,000 rows, or one row (a page's JSON text) of at most 1 MB of text."""
    if len(rows) != 1:
        return len(rows) <= 1000
    return sum(len(value) for value in rows[0] if isinstance(value, str)) <= 1 << 20


def stream_chunks(
    conn: Connection,
    stmt: sa.Select[Any],
    direct: DirectStatement | None,
    params: Mapping[str, Any],
    chunk_rows: int,
) -> Generator[list[tuple[Any, ...]], None, None]:
    """Rows in chunks of `chunk_rows` for an unlimited page whose connection runs nothing else meanwhile:
    psycopg's streaming mode where `direct` allows (one query, no FETCH round trip per chunk as with a
    server-side cursor; measured 0.4 s against 0.65 to 0.9 s for 50,000 record texts), else SQLAlchemy's
    server-side cursor. An abandoned stream is cancelled by psycopg when the cursor closes."""
    dbapi_connection = conn.connection.dbapi_connection
    cursor = _raw_cursor()(dbapi_connection) if direct is not None and dbapi_connection is not None else None
    if direct is None or cursor is None or not hasattr(cursor, "stream") or _listened(conn):
        if cursor is not None:
            cursor.close()
        result = conn.execute(stmt.execution_options(yield_per=chunk_rows), dict(params))
        try:
            for partition in result.partitions(chunk_rows):
                yield [tuple(row) for row in partition]
        finally:
            result.close()
        return
    values = _values(direct, params)
    rows = cursor.stream(direct.query, values, size=chunk_rows if _chunked_streams() else 1)
    try:
        chunk: list[tuple[Any, ...]] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) == chunk_rows:
                yield chunk
                chunk = []
        if chunk:
            yield chunk
    except conn.dialect.loaded_dbapi.Error as exc:
        raise _wrapped(conn, cursor, direct.sql, values, exc) from exc
    finally:
        rows.close()  # an abandoned stream: psycopg cancels the query and drains what already arrived
        cursor.close()


@functools.cache
def _chunked_streams() -> bool:
    """libpq 17 fetches a stream in chunks; older ones only row by row."""
    import psycopg

    return bool(psycopg.pq.version() >= 170000)


def _wrapped(conn: Connection, cursor: Any, sql: str, values: Any, exc: Any) -> sa.exc.DBAPIError:
    dialect = conn.dialect
    dbapi_connection = conn.connection.dbapi_connection
    disconnect = dialect.is_disconnect(exc, dbapi_connection, cursor)
    if disconnect:
        conn.invalidate(exc)
    error: sa.exc.DBAPIError = sa.exc.DBAPIError.instance(
        sql, values, exc, dialect.loaded_dbapi.Error, connection_invalidated=disconnect, dialect=dialect
    )
    return error
