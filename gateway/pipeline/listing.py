"""Query options over small in-memory lists (GET /api/v1/models): the same grammar and compiler, run
against a private in-memory SQLite table so that `$filter` means exactly what it means on /models/{table}.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.pool import StaticPool

from filter_grammar import (
    CompileOptions,
    Limits,
    compile_filter,
    compile_orderby,
    parse_filter,
    parse_orderby,
)
from filter_grammar.resolve import Kind, ResolvedColumn
from gateway.errors import UnknownColumn


class ListResolver:
    """Resolves the pseudo-fields of a list (no navigation, no collections)."""

    def __init__(self, table: sa.Table, kinds: Mapping[str, Kind]) -> None:
        self.table = table
        self.kinds = kinds

    def root(self) -> object:
        return self.table

    def column(self, source: object, name: str, position: int) -> ResolvedColumn:
        lowered = name.lower()
        if lowered not in self.kinds:
            raise UnknownColumn(f"unknown field '{name}'", position=position)
        column = self.table.c[sql_name(lowered)]
        return ResolvedColumn(column, self.kinds[lowered], column.type, lowered)

    def navigate(self, source: object, name: str, position: int) -> object:
        raise UnknownColumn(f"unknown field '{name}'", position=position)

    def collection(self, source: object, name: str, via: str | None, position: int) -> Any:
        raise UnknownColumn(f"unknown field '{name}'", position=position)


def sql_name(field: str) -> str:
    """`model-name` is one NAME in the grammar; the private table spells it model_name."""
    return field.replace("-", "_")


def make_list_engine() -> sa.Engine:
    """A private in-memory SQLite database for list evaluation (one per app)."""
    from gateway.dialects import _sqlite_connect

    engine = sa.create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
    sa.event.listen(engine, "connect", lambda conn, _rec: _sqlite_connect(conn))
    return engine


class ListStore:
    """One app's private list database; its single connection is used by one request at a time."""

    def __init__(self) -> None:
        self.engine = make_list_engine()
        self.lock = threading.Lock()

    def query(
        self,
        rows: Sequence[Mapping[str, Any]],
        kinds: Mapping[str, Kind],
        args: Mapping[str, str],
        *,
        limits: Limits,
        now: datetime,
    ) -> tuple[list[dict[str, Any]], int]:
        with self.lock:
            return query_list(self.engine, rows, kinds, args, limits=limits, now=now)


def list_store(extras: dict[str, Any]) -> ListStore:
    """The app's ListStore (kept in GatewayState.extras, created on first use)."""
    store = extras.get("list_store")
    if store is None:
        store = extras.setdefault("list_store", ListStore())
    return store  # type: ignore[no-any-return]


def query_list(
    engine: sa.Engine,
    rows: Sequence[Mapping[str, Any]],
    kinds: Mapping[str, Kind],
    args: Mapping[str, str],
    *,
    limits: Limits,
    now: datetime,
) -> tuple[list[dict[str, Any]], int]:
    """Rows matching `$filter`, ordered by `$orderby`, paged by `$top/$skip`; and the matching count."""
    md = sa.MetaData()
    columns = [
        sa.Column(sql_name(n), sa.Integer if k is Kind.INTEGER else sa.String) for n, k in kinds.items()
    ]
    table = sa.Table("gw_list", md, *columns, prefixes=["TEMPORARY"])
    resolver = ListResolver(table, kinds)
    options = CompileOptions(now=now, limits=limits)
    stmt = sa.select(table)
    if args.get("$filter"):
        compiled = compile_filter(parse_filter(args["$filter"], limits), resolver, options)
        stmt = stmt.where(compiled.clause).params(compiled.params)
    if args.get("$orderby"):
        order = compile_orderby(parse_orderby(args["$orderby"], limits), resolver, options)
        stmt = stmt.order_by(*order.clauses).params(order.params)
    with engine.begin() as conn:
        md.create_all(conn)
        try:
            if rows:
                conn.execute(table.insert(), [{sql_name(k): v for k, v in r.items()} for r in rows])
            names = list(kinds)
            matched = [dict(zip(names, r, strict=True)) for r in conn.execute(stmt)]
        finally:
            md.drop_all(conn)
    skip = int(args.get("$skip") or 0)
    top = int(args.get("$top") or 0)
    return (matched[skip : skip + top] if top else matched[skip:]), len(matched)
