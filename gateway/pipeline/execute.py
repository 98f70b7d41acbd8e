"""Stage 4: the only database I/O of a request. Timeouts, fetching, expand levels, driver-error mapping.

Reads run main SELECT, then one statement per expand level (never one per row), then COUNT only when the
page does not reveal the total. Driver errors are classified by DialectTraits and raised as GatewayErrors;
no SQL text or driver message reaches the client.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Generator, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles

from gateway import errors
from gateway.db import ConnectionSource
from gateway.dialects import DbErrorKind, DialectTraits, sqlite_deadline_handler, traits_for
from gateway.pipeline.direct import DirectStatement, fetch_all, stream_chunks
from gateway.pipeline.query.select import Built, BuiltExpand, Layout, build_statements
from gateway.pipeline.types import CountMode, ExpandPlan, ReadPlan

log = logging.getLogger("gateway.execute")
T = TypeVar("T")


@dataclass(slots=True)
class Level:
    """Rows of one plan level, their layout, and the fetched levels of its expands (by expand key)."""

    rows: list[tuple[Any, ...]]
    layout: Layout
    subs: dict[str, Level] = field(default_factory=dict)
    by_link: dict[Any, list[tuple[Any, ...]]] = field(default_factory=dict)
    texts: dict[Any, str] | None = None  # child arrays as JSON text by parent key, built by the database


@dataclass(frozen=True, slots=True)
class ReadResult:
    level: Level
    row_count: int  # -1 when not counted
    records_json: str | None = None  # the page's records as JSON text built by the database (rows empty)
    fetched: int = 0  # records on the page
    estimated: bool = False  # row_count is the planner's estimate ($count=estimate on a large result)

    @property
    def array_count(self) -> int:
        return self.fetched if self.records_json is not None else len(self.level.rows)


def guarded(
    conn: Connection, traits: DialectTraits, timeout_ms: int, *, pass_invalidated: bool = False
) -> AbstractContextManager[Connection]:
    """Apply the statement timeout for this transaction and translate driver errors (except a dead
    connection's when `pass_invalidated`: the caller retries those)."""
    return _Guard(conn, traits, timeout_ms, pass_invalidated)


class _Guard:
    """guarded's block; a class rather than a generator, as it is entered on every read."""

    __slots__ = ("_conn", "_pass_invalidated", "_restore", "_timeout_ms", "_traits")

    def __init__(
        self, conn: Connection, traits: DialectTraits, timeout_ms: int, pass_invalidated: bool
    ) -> None:
        self._conn, self._traits, self._timeout_ms = conn, traits, timeout_ms
        self._pass_invalidated = pass_invalidated
        self._restore: Callable[[], None] | None = None

    def __enter__(self) -> Connection:
        try:
            _apply_timeout(self._conn, self._traits, self._timeout_ms)
            self._restore = _sqlite_deadline(self._conn, self._traits, self._timeout_ms)
        except sa.exc.DBAPIError as exc:
            if self._passed(exc):
                raise
            raise translate(exc, self._traits) from None
        return self._conn

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, *_: object) -> None:
        restore, self._restore = self._restore, None
        try:
            if restore is not None:
                restore()
        except sa.exc.DBAPIError as failed:
            if self._passed(failed):
                raise
            raise translate(failed, self._traits) from None
        if isinstance(exc, sa.exc.DBAPIError) and not self._passed(exc):
            raise translate(exc, self._traits) from None

    def _passed(self, exc: sa.exc.DBAPIError) -> bool:
        """A dead connection's error, which the caller retries: raised as it is."""
        return self._pass_invalidated and exc.connection_invalidated


def run_read(source: ConnectionSource, timeout_ms: int, work: Callable[[Connection], T]) -> T:
    """`work` on a read connection under the statement timeout. A pooled connection the server closed
    shows up as an invalidated connection: reads change nothing, so the read runs once more on a fresh
    one instead of failing the request."""
    traits = traits_for(source.dialect)
    try:
        with source.read() as conn, guarded(conn, traits, timeout_ms, pass_invalidated=True):
            return work(conn)
    except sa.exc.DBAPIError as exc:
        log.warning("read retried on a new connection: %s", type(exc.orig).__name__)
    with source.read() as conn, guarded(conn, traits, timeout_ms):
        return work(conn)


def _apply_timeout(conn: Connection, traits: DialectTraits, timeout_ms: int) -> None:
    """SET the timeout only when the connection's session value differs: a round trip saved per request."""
    info = conn.connection.info
    if info.get("gw_timeout_ms") == timeout_ms:
        return
    # Outside a transaction (autocommit reads) a SET LOCAL would do nothing: set the session value.
    session = traits.session_scoped_timeout or (
        traits.autocommit_reads and getattr(conn.connection.dbapi_connection, "autocommit", False) is True
    )
    stmt = (traits.session_timeout_statement if session else traits.timeout_statement)(timeout_ms)
    if stmt:
        conn.exec_driver_sql(stmt)
        if session:
            info["gw_timeout_ms"] = timeout_ms


def _sqlite_deadline(conn: Connection, traits: DialectTraits, timeout_ms: int) -> Any:
    if traits.name != "sqlite" or timeout_ms <= 0:
        return lambda: None
    raw: Any = conn.connection.driver_connection
    raw.set_progress_handler(sqlite_deadline_handler(time.monotonic() + timeout_ms / 1000), 10_000)
    return lambda: raw.set_progress_handler(None, 0)


def translate(exc: sa.exc.DBAPIError, traits: DialectTraits) -> errors.GatewayError:
    """A driver error as the client may see it (api.md §5.2); unknown ones are logged and become 500."""
    info = traits.classify(exc)
    kind = info.kind
    if kind is DbErrorKind.OTHER and "NUL (0x00)" in str(exc.orig):
        kind = DbErrorKind.DATA  # PostgreSQL text cannot hold NUL; psycopg refuses it before sending
    if kind is DbErrorKind.TIMEOUT:
        return errors.Timeout("The statement took too long and was cancelled")
    if kind is DbErrorKind.CONNECTION or exc.connection_invalidated:
        return errors.Unavailable("The database is not reachable", retry_after=5)
    if kind is DbErrorKind.UNIQUE:
        return errors.DuplicateKey("A record with the same unique values exists", errors=_fields(info.column))
    if kind is DbErrorKind.FOREIGN_KEY and info.is_delete_of_referenced:
        return errors.ReferencedRow("The record is referenced by other records")
    if kind is DbErrorKind.FOREIGN_KEY:
        return errors.ReferenceNotFound("A referenced record does not exist", errors=_fields(info.column))
    if kind is DbErrorKind.NOT_NULL:
        return errors.MandatoryMissing("Fill mandatory fields", errors=_fields(info.column, "is mandatory"))
    if kind is DbErrorKind.CHECK:
        return errors.ValidationError(f"Check constraint {info.constraint or ''} failed".replace("  ", " "))
    if kind is DbErrorKind.DATA:
        return errors.ValidationError("A value is too long or out of range", errors=_fields(info.column))
    if kind is DbErrorKind.DEADLOCK:
        return errors.ConcurrentUpdate("Concurrent update; try again")
    log.error("unclassified database error", exc_info=exc)
    return errors.InternalError("Internal error")


def _fields(column: str | None, message: str = "invalid value") -> list[errors.FieldError]:
    return [errors.FieldError(column, message)] if column else []


def execute_read(
    conn: Connection,
    plan: ReadPlan,
    *,
    etag: bool = False,
    max_expand_rows: int = 10_000,
    built: Built | None = None,
    params: Mapping[str, Any] | None = None,
    as_json: bool = False,
    estimate_from: int = 100_000,
) -> ReadResult:
    """Run a read. `built`/`params` come from the statement cache; without them the plan's own are used.
    `as_json`: the page's records as one JSON text from the database, when the plan has such a statement.
    `estimate_from`: with $count=estimate, planner estimates from this many rows are taken as the count."""
    built = built or build_statements(plan, etag=etag)
    values = dict(plan.params if params is None else params)
    if as_json and built.json is not None:
        fetched, text = fetch_all(conn, built.json.page, built.direct.get("json_page"), values)[0]
        total, estimated = count_rows(conn, plan, built, values, fetched, estimate_from)
        return ReadResult(Level([], built.layout), total, text, fetched, estimated)
    rows = fetch_all(conn, built.main, built.direct.get("main"), values)
    level = Level(rows, built.layout)
    fetch_expands(conn, plan, built.expands, level, values, [max_expand_rows], as_json=as_json)
    total, estimated = count_rows(conn, plan, built, values, len(rows), estimate_from)
    return ReadResult(level, total, estimated=estimated)


def count_rows(
    conn: Connection,
    plan: ReadPlan,
    built: Built,
    params: Mapping[str, Any],
    fetched: int,
    estimate_from: int = 100_000,
) -> tuple[int, bool]:
    """COUNT only when needed: the page reveals the total when it is partial (api.md §4.2). The second
    value says whether the total is the planner's estimate."""
    if plan.count is CountMode.SKIP:
        return -1, False
    size, skip = plan.page.size, plan.page.skip
    if plan.after is None and (size == 0 or fetched < size):  # a keyset page's position is unknown
        if skip == 0:
            return fetched, False
        if fetched > 0:
            return skip + fetched, False
    return total_rows(conn, plan, built, params, estimate_from)


def total_rows(
    conn: Connection, plan: ReadPlan, built: Built, params: Mapping[str, Any], estimate_from: int
) -> tuple[int, bool]:
    """The exact COUNT, or with $count=estimate the planner's row estimate when it reaches `estimate_from`
    (only where the traits can estimate; small results are always counted exactly)."""
    if plan.count is CountMode.ESTIMATE:
        guess = large_estimate(conn, built.count, params, estimate_from)
        if guess is not None:
            return guess, True
    return int(fetch_all(conn, built.count, built.direct.get("count"), params)[0][0]), False


def large_estimate(
    conn: Connection, count: sa.Select[Any], params: Mapping[str, Any], estimate_from: int
) -> int | None:
    """The planner's row estimate for the rows `count` counts, when the dialect gives one and it reaches
    `estimate_from`; else None (count exactly)."""
    if not traits_for(conn.dialect).estimates_rows:
        return None
    guess = planner_rows(conn, count.with_only_columns(sa.literal_column("1")), params)
    return guess if guess is not None and guess >= estimate_from else None


class _Explain(sa.sql.expression.Executable, sa.sql.expression.ClauseElement):
    """`EXPLAIN (FORMAT JSON) <select>`, binds and all (SQLAlchemy's documented custom-construct recipe)."""

    inherit_cache = False

    def __init__(self, stmt: sa.Select[Any]) -> None:
        self.stmt = stmt


@compiles(_Explain, "postgresql")
def _explain_postgresql(element: _Explain, compiler: Any, **kw: Any) -> str:
    return "EXPLAIN (FORMAT JSON) " + str(compiler.process(element.stmt, **kw))


def planner_rows(conn: Connection, stmt: sa.Select[Any], params: Mapping[str, Any]) -> int | None:
    plan = conn.execute(_Explain(stmt), dict(params)).scalar_one()
    try:
        return int(plan[0]["Plan"]["Plan Rows"])
    except (KeyError, IndexError, TypeError, ValueError):
        return None


def fetch_expands(
    conn: Connection,
    plan: ReadPlan,
    built: tuple[BuiltExpand, ...],
    level: Level,
    params: Mapping[str, Any],
    budget: list[int],
    *,
    as_json: bool = False,
) -> None:
    """One statement per expand level for all rows of `level` (never one per row). `as_json`: child
    collections that have a JSON statement come as arrays of text per parent key."""
    for expand, stmt in zip(plan.expands, built, strict=True):
        if as_json and stmt.json is not None:
            level.subs[expand.key] = _fetch_json_children(conn, plan, level, expand, stmt, params, budget)
        else:
            level.subs[expand.key] = _fetch_expand(conn, plan, level, expand, stmt, params, budget)


def _fetch_json_children(
    conn: Connection,
    plan: ReadPlan,
    level: Level,
    expand: ExpandPlan,
    built: BuiltExpand,
    params: Mapping[str, Any],
    budget: list[int],
) -> Level:
    assert built.json is not None
    values = _link_values(plan, level, expand)
    texts: dict[Any, str] = {}
    if values:
        merged = {**expand.target.params, **params, built.param: values}
        for parent, children, text in fetch_all(conn, built.json, built.direct.get("json"), merged):
            texts[parent] = text
            _spend(budget, children)
    return Level([], built.layout, texts=texts)


def _fetch_expand(
    conn: Connection,
    plan: ReadPlan,
    level: Level,
    expand: ExpandPlan,
    built: BuiltExpand,
    params: Mapping[str, Any],
    budget: list[int],
) -> Level:
    values = _link_values(plan, level, expand)
    rows: list[tuple[Any, ...]] = []
    if values:
        merged = {**expand.target.params, **params, built.param: values}
        rows = fetch_all(conn, built.stmt, built.direct.get("stmt"), merged)
    _spend(budget, len(rows))
    sub = Level(rows, built.layout)
    for row in rows:
        sub.by_link.setdefault(row[built.layout.link_at], []).append(row)  # type: ignore[index]
    fetch_expands(conn, expand.target, built.subs, sub, params, budget)
    return sub


def _spend(budget: list[int], rows: int) -> None:
    """Count expanded rows against REST_MAX_EXPAND_ROWS (one budget for all levels of a read)."""
    budget[0] -= rows
    if budget[0] < 0:
        raise errors.TooComplex("the expanded children exceed REST_MAX_EXPAND_ROWS", parameter="$expand")


def _link_values(plan: ReadPlan, level: Level, expand: ExpandPlan) -> list[Any]:
    """Parent keys (children) or FK values (masters) of this level's rows, distinct, nulls dropped."""
    name = plan.entity.key if expand.is_child else expand.link
    index = next(i for i, o in enumerate(plan.outputs) if o.info.name == name)
    return list(dict.fromkeys(r[index] for r in level.rows if r[index] is not None))


def stream_rows(
    conn: Connection,
    plan: ReadPlan,
    built: Built,
    params: Mapping[str, Any],
    chunk_rows: int,
    max_expand_rows: int,
    *,
    as_json: bool = False,
) -> Iterator[Level]:
    """Unlimited pages: a server-side cursor read in chunks, each chunk with its own expand levels."""
    # Statement-level options: Connection.execution_options() would change the (shared) connection itself.
    # A driver that cannot run the expand queries beside an open server-side cursor (PyMySQL's SSCursor)
    # buffers the rows instead; encoding still goes chunk by chunk.
    server_side = not plan.expands or traits_for(conn.dialect).interleaved_cursors
    stmt = built.main.execution_options(yield_per=chunk_rows) if server_side else built.main
    result = conn.execute(stmt, dict(params))
    try:
        for partition in result.partitions(chunk_rows):
            level = Level([tuple(r) for r in partition], built.layout)
            fetch_expands(conn, plan, built.expands, level, params, [max_expand_rows], as_json=as_json)
            yield level
    finally:
        result.close()


def stream_json(
    conn: Connection,
    stmt: sa.Select[Any],
    params: Mapping[str, Any],
    chunk_rows: int,
    direct: DirectStatement | None = None,
) -> Generator[list[str], None, None]:
    """Unlimited pages whose records the database writes as JSON text: chunks of record texts."""
    chunks = stream_chunks(conn, stmt, direct, params, chunk_rows)
    try:
        for chunk in chunks:
            yield [row[0] for row in chunk]
    finally:
        chunks.close()  # a psycopg stream holds the connection's lock until it is closed
