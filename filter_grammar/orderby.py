"""$orderby items -> ORDER BY clauses with NULL as the lowest value on every database (§13).

Sort keys are value expressions compiled by the filter compiler; collections, binary and JSON values are
rejected. The caller appends the primary key as the final tie-breaker.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.sql.elements import ColumnElement

from filter_grammar import ast
from filter_grammar.binding import CompileOptions, Slot
from filter_grammar.compiler import Compiler
from filter_grammar.errors import FilterPathError, FilterTypeError
from filter_grammar.resolve import Resolver
from filter_grammar.sqlmath import gw_asc, gw_desc
from filter_grammar.typed import OPAQUE


@dataclass(frozen=True, slots=True)
class CompiledOrder:
    clauses: tuple[ColumnElement[Any], ...]
    slots: tuple[Slot, ...]
    params: Mapping[str, Any]


def compile_orderby(
    items: tuple[ast.OrderItem, ...], resolver: Resolver, options: CompileOptions = CompileOptions()
) -> CompiledOrder:
    """Compile sort keys; the literal numbering covers the whole tuple (see literals_of)."""
    compiler = Compiler(resolver, options, items)
    clauses = tuple(_order_clause(compiler, item) for item in items)
    return CompiledOrder(clauses, tuple(compiler.binder.slots), dict(compiler.binder.params))


def _order_clause(compiler: Compiler, item: ast.OrderItem) -> ColumnElement[Any]:
    if isinstance(item.expr, ast.Lambda):
        raise FilterPathError("a collection is not a sort key", item.expr.position)
    value = compiler.value(item.expr)
    if value.kind in OPAQUE:
        raise FilterTypeError(f"{value.kind.value} values cannot be sorted", value.position)
    construct = gw_desc if item.descending else gw_asc
    return construct(value.clause, type_=value.type_)
