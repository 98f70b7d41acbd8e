"""DialectTraits: what differs between databases, in one place (capabilities, connect hooks, error classes).

The planner and pipeline ask for capabilities; only this module and `@compiles` overrides test dialect names.
"""

from __future__ import annotations

import enum
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Dialect


class DbErrorKind(enum.Enum):
    UNIQUE = "unique"
    FOREIGN_KEY = "foreign_key"
    NOT_NULL = "not_null"
    CHECK = "check"
    DATA = "data"  # value too long / out of range
    TIMEOUT = "timeout"
    DEADLOCK = "deadlock"
    CONNECTION = "connection"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class DbErrorInfo:
    kind: DbErrorKind
    constraint: str | None = None
    column: str | None = None
    is_delete_of_referenced: bool = False


@dataclass(frozen=True, slots=True)
class DialectTraits:
    name: str
    supports_returning: bool
    supports_skip_locked: bool
    supports_for_update: bool
    on_connect: Callable[[Any], None]
    classify: Callable[[BaseException], DbErrorInfo]
    timeout_statement: Callable[[int], str | None]  # constant SQL setting the per-transaction timeout
    interleaved_cursors: bool = True  # other statements may run while a server-side cursor is open
    session_scoped_timeout: bool = False  # timeout_statement sets the session value (not SET LOCAL)
    session_timeout_statement: Callable[[int], str | None] = lambda _ms: None  # run once per new connection
    array_binds: bool = False  # lists bind as one array parameter (`= ANY(:p)`): stable SQL text
    autocommit_reads: bool = False  # buffered reads run without BEGIN/ROLLBACK (same snapshots per statement)
    json_pages: bool = False  # the database can build a page's JSON text exactly as the encoder (json_sql.py)
    direct_reads: bool = False  # cached reads may run on the driver's cursor (pipeline/direct.py)
    estimates_rows: bool = False  # EXPLAIN gives a row estimate for $count=estimate
    lookups_apart: bool = False  # identifiers by LATERAL lookups behind OFFSET 0 (query/apart.py)


def _sqlite_connect(dbapi_connection: Any) -> None:
    from filter_grammar import register_sqlite_functions

    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()
    register_sqlite_functions(dbapi_connection)


def _noop_connect(_dbapi_connection: Any) -> None:
    return None


def _pg_connect(dbapi_connection: Any) -> None:
    """Sessions write dates and times in ISO form whatever a server, database or role setting chose:
    psycopg reads timestamptz text only in ISO, and the JSON statements write dates and times from their
    text (json_sql.py). Only the output form changes; the input order (DMY, MDY) stays as it is."""
    cursor = dbapi_connection.cursor()
    cursor.execute("SET DateStyle TO ISO")
    cursor.close()
    dbapi_connection.commit()  # a SET inside a rolled-back transaction would be undone


_PG_CODES = {
    "23505": DbErrorKind.UNIQUE,
    "23503": DbErrorKind.FOREIGN_KEY,
    "23502": DbErrorKind.NOT_NULL,
    "23514": DbErrorKind.CHECK,
    "22001": DbErrorKind.DATA,
    "22003": DbErrorKind.DATA,
    "57014": DbErrorKind.TIMEOUT,
    "40001": DbErrorKind.DEADLOCK,
    "40P01": DbErrorKind.DEADLOCK,
}
_MY_CODES = {
    1062: DbErrorKind.UNIQUE,
    1451: DbErrorKind.FOREIGN_KEY,
    1452: DbErrorKind.FOREIGN_KEY,
    1048: DbErrorKind.NOT_NULL,
    1364: DbErrorKind.NOT_NULL,
    3819: DbErrorKind.CHECK,
    4025: DbErrorKind.CHECK,
    1406: DbErrorKind.DATA,
    1264: DbErrorKind.DATA,
    1969: DbErrorKind.TIMEOUT,
    3024: DbErrorKind.TIMEOUT,
    1213: DbErrorKind.DEADLOCK,
    1205: DbErrorKind.DEADLOCK,
    2002: DbErrorKind.CONNECTION,
    2003: DbErrorKind.CONNECTION,
    2006: DbErrorKind.CONNECTION,
    2013: DbErrorKind.CONNECTION,
}
_SQLITE_PREFIXES = (
    ("UNIQUE constraint failed", DbErrorKind.UNIQUE),
    ("FOREIGN KEY constraint failed", DbErrorKind.FOREIGN_KEY),
    ("NOT NULL constraint failed", DbErrorKind.NOT_NULL),
    ("CHECK constraint failed", DbErrorKind.CHECK),
    ("interrupted", DbErrorKind.TIMEOUT),
    ("database is locked", DbErrorKind.DEADLOCK),
)


def _orig(exc: BaseException) -> BaseException:
    return getattr(exc, "orig", None) or exc


def _classify_pg(exc: BaseException) -> DbErrorInfo:
    orig = _orig(exc)
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    diag = getattr(orig, "diag", None)
    kind = _PG_CODES.get(code or "", DbErrorKind.OTHER)
    if kind is DbErrorKind.OTHER and code and code.startswith("08"):
        kind = DbErrorKind.CONNECTION
    constraint = getattr(diag, "constraint_name", None) if diag else None
    column = getattr(diag, "column_name", None) if diag else None
    message = str(orig)
    return DbErrorInfo(kind, constraint, column, "still referenced" in message or "is referenced" in message)


def _classify_my(exc: BaseException) -> DbErrorInfo:
    orig = _orig(exc)
    args = getattr(orig, "args", ())
    code = args[0] if args and isinstance(args[0], int) else 0
    message = str(args[1]) if len(args) > 1 else ""
    kind = _MY_CODES.get(code, DbErrorKind.OTHER)
    constraint = _first(r"for key '([^']+)'", message) or _first(r"CONSTRAINT `([^`]+)`", message)
    column = _first(r"[Cc]olumn '([^']+)'", message)
    return DbErrorInfo(kind, constraint, column, code == 1451)


def _classify_sqlite(exc: BaseException) -> DbErrorInfo:
    message = str(_orig(exc))
    for prefix, kind in _SQLITE_PREFIXES:
        if message.startswith(prefix) or prefix in message:
            detail = message.partition(":")[2].strip() or None
            return DbErrorInfo(kind, detail, None, False)
    return DbErrorInfo(DbErrorKind.OTHER)


def _first(pattern: str, text: str) -> str | None:
    match = re.search(pattern, text)
    return match.group(1) if match else None


def _pg_timeout(ms: int) -> str | None:
    return f"SET LOCAL statement_timeout = {int(ms)}" if ms > 0 else None


def _pg_session_timeout(ms: int) -> str | None:
    return f"SET statement_timeout = {int(ms)}" if ms > 0 else None


def _my_timeout(ms: int) -> str | None:
    return f"SET SESSION max_statement_time = {int(ms) / 1000:.3f}" if ms > 0 else None


def _no_timeout(_ms: int) -> str | None:
    return None


_TRAITS = {
    "postgresql": DialectTraits(
        "postgresql",
        True,
        True,
        True,
        _pg_connect,
        _classify_pg,
        _pg_timeout,
        session_timeout_statement=_pg_session_timeout,
        array_binds=True,
        autocommit_reads=True,
        json_pages=True,
        direct_reads=True,
        estimates_rows=True,
        lookups_apart=True,
    ),
    "mysql": DialectTraits(
        "mysql", False, True, True, _noop_connect, _classify_my, _my_timeout, False, True, _my_timeout
    ),
    "mariadb": DialectTraits(
        "mariadb", False, True, True, _noop_connect, _classify_my, _my_timeout, False, True, _my_timeout
    ),
    "sqlite": DialectTraits("sqlite", True, False, False, _sqlite_connect, _classify_sqlite, _no_timeout),
}
_GENERIC = DialectTraits(
    "generic", False, False, True, _noop_connect, lambda e: DbErrorInfo(DbErrorKind.OTHER), _no_timeout
)


def traits_for(dialect: Dialect) -> DialectTraits:
    return _TRAITS.get(dialect.name, _GENERIC)


def sqlite_deadline_handler(deadline: float) -> Callable[[], int]:
    """A SQLite progress handler that interrupts the running statement after `deadline` (monotonic)."""

    def handler() -> int:
        return 1 if time.monotonic() > deadline else 0

    return handler
