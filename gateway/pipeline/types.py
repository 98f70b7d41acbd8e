"""Typed values passed between the pipeline stages: intent (ApiRequest) and resolved plans (ReadPlan...).

Intent types hold names and ASTs as the user wrote them; plan types hold catalog objects and SQLAlchemy
expressions. All are frozen; nothing here does work.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import FromClause

from filter_grammar import ast
from gateway.catalog.model import ColumnInfo, EntitySet


@dataclass(frozen=True, slots=True)
class RawRequest:
    """What the edge hands to the pipeline: decoded query args in order, lower-case headers, body bytes."""

    method: str
    path: str
    args: tuple[tuple[str, str], ...] = ()
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    script_root: str = ""

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


class Action(enum.Enum):
    LIST = "list"
    GET = "get"
    GET_COLUMN = "get_column"
    INSERT = "insert"
    UPDATE = "update"
    DELETE = "delete"


class CountMode(enum.Enum):
    EXACT = "exact"
    SKIP = "skip"
    ESTIMATE = "estimate"  # the planner's estimate when it is large (PostgreSQL), else exact


@dataclass(frozen=True, slots=True)
class QueryOptions:
    """The `$` options of a request, parsed (syntax only)."""

    filter: ast.Expr | None = None
    select: ast.SelectList | None = None
    orderby: tuple[ast.OrderItem, ...] | None = None
    expand: tuple[ast.ExpandItem, ...] | None = None
    top: int | None = None
    skip: int = 0
    count: bool = True
    estimate: bool = False  # $count=estimate
    valrule: str | None = None
    context: str | None = None
    showsql: str | None = None  # None: off; "": on; "nodata": only the SQL
    skiptoken: str | None = None  # keyset paging: a token of a next link, or "start"
    present: frozenset[str] = frozenset()  # option names given (lower case, with '$')


@dataclass(frozen=True, slots=True)
class ApiRequest:
    action: Action
    table: str
    key: str | None = None
    column: str | None = None
    options: QueryOptions = QueryOptions()
    body: Any = None
    if_match: str | None = None
    if_none_match: str | None = None
    raw: RawRequest | None = None


@dataclass(frozen=True, slots=True)
class Page:
    size: int  # 0 = unlimited
    skip: int


@dataclass(frozen=True, slots=True)
class SortTerm:
    """One key of a keyset-paged order: the value sorted by, its direction (NULL sorts lowest)."""

    value: ColumnElement[Any]
    descending: bool
    nullable: bool


@dataclass(frozen=True, slots=True)
class Position:
    """Where a keyset page starts: after the row whose sort values these are (None: the first page)."""

    values: tuple[Any, ...] | None = None

    @property
    def shape(self) -> tuple[bool, ...] | None:
        """What the statement depends on: which values are NULL (they change the predicate's form)."""
        return None if self.values is None else tuple(v is None for v in self.values)


@dataclass(frozen=True, slots=True)
class Output:
    """One column of the SELECT list and how it appears in a record."""

    info: ColumnInfo
    prop: str  # property name in JSON
    role: str  # "key", "uid", "column" or "fk"
    ident: tuple[ColumnElement[Any], ...] = ()  # identifier columns of the referenced row (fk role)


@dataclass(frozen=True, slots=True)
class ExpandPlan:
    """One `$expand` item: a child collection or a master record, planned recursively."""

    key: str  # result key (as typed for children, property name for masters)
    is_child: bool
    link: str  # child: FK column of the child; master: FK column of the parent
    target: ReadPlan


@dataclass(frozen=True, slots=True)
class ReadPlan:
    entity: EntitySet
    alias: FromClause
    from_: FromClause  # alias plus identifier and navigation joins
    outputs: tuple[Output, ...]
    where: tuple[ColumnElement[bool], ...]
    order: tuple[ColumnElement[Any], ...]
    params: Mapping[str, Any]
    page: Page
    count: CountMode
    expands: tuple[ExpandPlan, ...] = ()
    key_column: ColumnElement[Any] | None = None
    etag_columns: tuple[ColumnElement[Any], ...] = ()
    count_from: FromClause | None = None  # the FROM without identifier joins (they never change a count)
    keyset: tuple[SortTerm, ...] = ()  # keyset paging: the order's terms, selected after the layout
    after: ColumnElement[bool] | None = None  # keyset paging: rows after the token's position (page only)
    # FK identifier joins: the referenced table's alias and its scoped ON clause (json_sql.py looks the
    # referenced rows up again, once per distinct key)
    ident_joins: tuple[tuple[FromClause, ColumnElement[bool]], ...] = ()


@dataclass(frozen=True, slots=True)
class Statements:
    main: sa.Select[Any]
    count: sa.Select[Any] | None
    params: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class ResultSet:
    rows: list[tuple[Any, ...]]
    row_count: int  # -1 when not counted
    expanded: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class HttpResult:
    status: int
    body: Any = None  # JSON-able object, bytes, or an iterator of bytes (streaming)
    headers: Mapping[str, str] = field(default_factory=dict)
    stream: Callable[[], Iterator[bytes]] | None = None
