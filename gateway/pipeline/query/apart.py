"""Pieces PostgreSQL plans apart: FK identifier lookups behind `OFFSET 0`, and the sort keys a page carries
out of its subquery.

PostgreSQL may reorder plain LEFT JOINs freely. When it plans a statement per execution (a custom plan:
range filters, for one), its search over the orders of six identifier joins cost 2.8 to 3.9 ms, more than
running the page. A LATERAL subquery ending in `OFFSET 0` is neither pulled up nor reordered: it runs after
the rows it refers to, once per distinct key when memoized (PostgreSQL 14+).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.sql import operators, visitors
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import FromClause

from filter_grammar.sqlmath import gw_asc, gw_desc
from gateway.pipeline.types import ReadPlan

_KEEP_APART: ColumnElement[int] = sa.literal_column("0")  # OFFSET 0, a fixed text: planned apart


def lookup(
    plan: ReadPlan, index: int, cell: ColumnElement[Any], columns: list[ColumnElement[Any]], name: str
) -> FromClause:
    """`LATERAL (SELECT columns FROM <the table output index refers to> WHERE <its identifier join's ON,
    the FK read as cell> OFFSET 0)`: no referenced row (missing, or outside the join's scope) gives no
    row, so a LEFT JOIN on true gives nulls, as the identifier join does."""
    out = plan.outputs[index]
    referenced = out.ident[0].table
    on = swapped(dict(plan.ident_joins)[referenced], plan.alias.c[out.info.name], cell)
    return sa.select(*columns).select_from(referenced).where(on).offset(_KEEP_APART).lateral(name)


def lateral_lookups(
    plan: ReadPlan, cells: Mapping[int, ColumnElement[Any]], base: FromClause
) -> tuple[FromClause, dict[int, ColumnElement[Any]]]:
    """`base` LEFT JOIN LATERAL one lookup per identifier join of `plan`, and the lookups' columns by the
    identity of the identifier column they stand for. `cells`: the FK values by output index, as `base`
    gives them. Same rows as the joins: the referenced key is unique."""
    joined = {alias for alias, _ in plan.ident_joins}
    from_: FromClause = base
    moved: dict[int, ColumnElement[Any]] = {}
    for i, out in enumerate(plan.outputs):
        if not out.ident or out.ident[0].table not in joined:
            continue
        found = lookup(plan, i, cells[i], [c.label(f"v{k}") for k, c in enumerate(out.ident)], f"gw_l{i}")
        from_ = from_.outerjoin(found, sa.true())
        moved.update({id(c): found.c[f"v{k}"] for k, c in enumerate(out.ident)})
    return from_, moved


def swapped(clause: ColumnElement[bool], old: ColumnElement[Any], new: ColumnElement[Any]) -> Any:
    """`clause` with the column `old` replaced by `new`."""

    def replace(element: Any, **_: Any) -> Any:
        return new if element is old else None

    return visitors.replacement_traverse(clause, {}, replace)


def sort_value(clause: ColumnElement[Any]) -> ColumnElement[Any]:
    """The value a sort key sorts by: the argument of gw_asc/gw_desc, or the column of `col.asc()`."""
    if isinstance(clause, gw_asc | gw_desc):
        return clause.args[0]
    return cast("ColumnElement[Any]", clause.element)


def sorted_by(clause: ColumnElement[Any], value: ColumnElement[Any]) -> ColumnElement[Any]:
    """The same sort key (direction, NULLs lowest) over `value`."""
    if isinstance(clause, gw_asc | gw_desc):
        return type(clause)(value, type_=clause.type)
    return value.desc() if clause.modifier is operators.desc_op else value.asc()
