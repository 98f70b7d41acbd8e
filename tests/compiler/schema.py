"""The example schema of filter-grammar.md and a fake Resolver over it (scope added to every join)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    CHAR,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    and_,
    bindparam,
    select,
)
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import FromClause

from filter_grammar import FilterError, FilterPathError
from filter_grammar.resolve import Kind, ResolvedCollection, ResolvedColumn

metadata = MetaData()


def _uu(name: str) -> Column[Any]:
    return Column(f"{name}_UU", String(36))


C_BPartner = Table(
    "C_BPartner", metadata,
    Column("C_BPartner_ID", Integer, primary_key=True),
    Column("AD_Client_ID", Integer, nullable=False),
    Column("Value", String(40)), Column("Name", String(120)), Column("IsCustomer", CHAR(1)),
    Column("SO_CreditLimit", Numeric(14, 2), nullable=True), Column("Created", DateTime),
    _uu("C_BPartner"),
)  # fmt: skip
M_Product = Table(
    "M_Product", metadata,
    Column("M_Product_ID", Integer, primary_key=True),
    Column("AD_Client_ID", Integer, nullable=False),
    Column("Value", String(40)), Column("Name", String(120)), Column("ProductType", CHAR(1)),
    _uu("M_Product"),
)  # fmt: skip
C_Order = Table(
    "C_Order", metadata,
    Column("C_Order_ID", Integer, primary_key=True),
    Column("AD_Client_ID", Integer, nullable=False),
    Column("DocumentNo", String(30)),
    Column("C_BPartner_ID", Integer, ForeignKey("C_BPartner.C_BPartner_ID"), nullable=False),
    Column("DateOrdered", Date), Column("GrandTotal", Numeric(14, 2)), Column("DocStatus", CHAR(2)),
    Column("IsSOTrx", CHAR(1)), Column("Description", String(255), nullable=True),
    _uu("C_Order"),
)  # fmt: skip
C_OrderLine = Table(
    "C_OrderLine", metadata,
    Column("C_OrderLine_ID", Integer, primary_key=True),
    Column("C_Order_ID", Integer, ForeignKey("C_Order.C_Order_ID"), nullable=False),
    Column("Line", Integer),
    Column("M_Product_ID", Integer, ForeignKey("M_Product.M_Product_ID"), nullable=True),
    Column("QtyOrdered", Numeric(12, 2)), Column("PriceActual", Numeric(14, 2)), Column("LineNetAmt", Numeric(14, 2)),  # noqa: E501
    _uu("C_OrderLine"),
)  # fmt: skip
TABLES = {t.name: t for t in (C_BPartner, M_Product, C_Order, C_OrderLine)}


def kind_of(column: Column[Any]) -> Kind:
    if column.name.startswith("Is"):
        return Kind.YESNO
    for sql_type, kind in ((Integer, Kind.INTEGER), (Numeric, Kind.DECIMAL), (DateTime, Kind.DATETIME),
                           (Date, Kind.DATE)):  # fmt: skip
        if isinstance(column.type, sql_type):
            return kind
    return Kind.STRING


def unknown_column(name: str, position: int, table: str) -> FilterError:
    return FilterError(f"unknown column {name!r} in {table.lower()}", position, type="UNKNOWN-COLUMN")


@dataclass(eq=False)
class Source:
    table: Table
    alias: FromClause
    parent: Source | None = None
    fk: Column[Any] | None = None


@dataclass
class FakeResolver:
    """Resolver over the example schema; navigation joins are collected (lazily) in `joins`."""

    root_name: str = "C_Order"
    scope: list[int] = field(default_factory=lambda: [11])
    joins: list[tuple[FromClause, ColumnElement[bool]]] = field(default_factory=list)
    _root: Source | None = None
    _counter: int = 0
    _hops: dict[tuple[int, str], Source] = field(default_factory=dict)

    def root(self) -> Source:
        if self._root is None:
            table = TABLES[self.root_name]
            self._root = Source(table, table)
        return self._root

    def scope_clause(self, source: Source) -> ColumnElement[bool]:
        param = bindparam("scope", self.scope, expanding=True)
        if "AD_Client_ID" in source.table.c:
            return source.alias.c.AD_Client_ID.in_(param)
        parent = C_Order.alias(f"{source.alias.name}_scope")
        in_scope = select(parent.c.C_Order_ID).where(parent.c.AD_Client_ID.in_(param))
        return source.alias.c.C_Order_ID.in_(in_scope)

    def find(self, table: Table, name: str, position: int) -> Column[Any]:
        if name in table.c:
            return table.c[name]
        found = [c for c in table.c if c.name.lower() == name.lower()]
        if len(found) != 1:
            raise unknown_column(name, position, table.name)
        return found[0]

    def column(self, source: Source, name: str, position: int) -> ResolvedColumn:
        table = source.table
        if name in ("id", "uid"):
            name = next(iter(table.primary_key)).name if name == "id" else f"{table.name}_UU"
        column = self.find(table, name, position)
        if source.parent is not None and column.primary_key:
            assert source.fk is not None
            return self.column(source.parent, source.fk.name, position)
        self.ensure_join(source)
        clause = source.alias.c[column.name]
        return ResolvedColumn(clause, kind_of(column), column.type, column.name)

    def ensure_join(self, source: Source) -> None:
        if source.parent is None or any(alias is source.alias for alias, _ in self.joins):
            return
        self.ensure_join(source.parent)
        assert source.fk is not None
        on = and_(source.parent.alias.c[source.fk.name] == next(iter(source.alias.primary_key)),
                  self.scope_clause(source))  # fmt: skip
        self.joins.append((source.alias, on))

    def navigate(self, source: Source, name: str, position: int) -> Source:
        if any(t.name.lower() == name.lower() for t in TABLES.values()):
            raise FilterPathError(f"{name} is a collection; use {name}/any(...) or all(...)", position)
        column = self.find(source.table, name, position)
        if column.primary_key or not column.foreign_keys:
            what = "its key" if column.primary_key else "not a foreign key"
            raise FilterPathError(f"{name} is {what} of {source.table.name.lower()}", position)
        key = (id(source), column.name)
        if key not in self._hops:
            target = next(iter(column.foreign_keys)).column.table
            assert isinstance(target, Table)
            self._counter += 1
            self._hops[key] = Source(target, target.alias(f"j{self._counter}"), source, column)
        return self._hops[key]

    def collection(self, source: Source, name: str, via: str | None, position: int) -> ResolvedCollection:
        self.ensure_join(source)
        child = next((t for t in TABLES.values() if t.name.lower() == name.lower()), None)
        fks = (
            []
            if child is None
            else [c for c in child.c for fk in c.foreign_keys if fk.column.table is source.table]
        )
        if via is not None:
            fks = [c for c in fks if c.name.lower() == via.lower()]
        if child is None or len(fks) != 1:
            raise FilterPathError(f"{name} is not a child table of {source.table.name.lower()}", position)
        self._counter += 1
        alias = child.alias(f"c{self._counter}")
        pk = next(iter(source.table.primary_key)).name
        where = and_(alias.c[fks[0].name] == source.alias.c[pk], self.scope_clause(Source(child, alias)))
        return ResolvedCollection(Source(child, alias), alias, where)

    def statement(self, clause: ColumnElement[bool]) -> Any:
        root = self.root().alias
        joined: Any = root
        for alias, on in self.joins:
            joined = joined.outerjoin(alias, on)
        key = next(iter(self.root().table.primary_key))
        return select(key).select_from(joined).where(clause)
