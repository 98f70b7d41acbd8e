"""Keyset paging (`$skiptoken`): the order's sort terms and the predicate "after this position".

A deep `$skip` makes the database walk and drop every skipped row; a keyset page starts right after the
last row of the previous one, found through the index of the order. The predicate follows the order's
NULL rule (NULL sorts lowest: first ascending, last descending) and leads with a plain range bound on the
first term so that the index range, not a filter, does the skipping.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import ColumnElement, UnaryExpression
from sqlalchemy.sql.selectable import FromClause
from sqlalchemy.types import NullType

from filter_grammar.sqlmath import gw_asc, gw_desc
from gateway.errors import PagingError
from gateway.pipeline.types import SortTerm

Clause = ColumnElement[bool]
_RAW = NullType()


def sort_terms(order: tuple[ColumnElement[Any], ...], root: FromClause) -> tuple[SortTerm, ...]:
    """The terms of a planned ORDER BY ($orderby items, then the key tie-breaker)."""
    if not order or not _is_unique_tie(order[-1], root):
        raise PagingError("keyset paging ($skiptoken) needs a table with a key", parameter="$skiptoken")
    return tuple(_term(clause, root) for clause in order)


def _term(clause: ColumnElement[Any], root: FromClause) -> SortTerm:
    if isinstance(clause, gw_asc | gw_desc):
        value = clause.args[0]
        return SortTerm(value, isinstance(clause, gw_desc), _nullable(value, root))
    assert isinstance(clause, UnaryExpression)
    value = clause.element
    return SortTerm(value, clause.modifier is operators.desc_op, _nullable(value, root))


def _is_unique_tie(clause: ColumnElement[Any], root: FromClause) -> bool:
    """The planner's tie-breaker: `key ASC` on a NOT NULL column of the root table."""
    return isinstance(clause, UnaryExpression) and not _nullable(clause.element, root)


def _nullable(value: ColumnElement[Any], root: FromClause) -> bool:
    """Only a NOT NULL column of the root table is known never to be NULL (joined columns can be)."""
    table = getattr(value, "table", None)
    return not (table is root and getattr(value, "nullable", True) is False)


def after_clause(terms: tuple[SortTerm, ...], nulls: tuple[bool, ...]) -> Clause:
    """Rows after the position whose NULL pattern is `nulls`; its values bind as `gw_after_<i>`."""
    binds = [sa.type_coerce(sa.bindparam(f"gw_after_{i}"), _RAW) for i in range(len(terms))]
    branches: list[Clause] = []
    for i, (term, is_null) in enumerate(zip(terms, nulls, strict=True)):
        later = _later(term, binds[i], is_null)
        if later is not None:
            same = [_same(terms[j], binds[j], nulls[j]) for j in range(i)]
            branches.append(sa.and_(*same, later))
    if not branches:
        return sa.false()
    clause = sa.or_(*branches)
    bound = _leading_bound(terms[0], binds[0], nulls[0]) if len(terms) > 1 else None
    return clause if bound is None else sa.and_(bound, clause)


def after_params(values: tuple[Any, ...]) -> dict[str, Any]:
    return {f"gw_after_{i}": value for i, value in enumerate(values) if value is not None}


def _later(term: SortTerm, bind: ColumnElement[Any], is_null: bool) -> Clause | None:
    """Rows that sort strictly after the value in this term alone (None: no row can)."""
    col = term.value
    if not term.descending:
        return col.is_not(None) if is_null else col > bind
    if is_null:
        return None  # NULL is last in a descending term
    return sa.or_(col < bind, col.is_(None)) if term.nullable else col < bind


def _same(term: SortTerm, bind: ColumnElement[Any], is_null: bool) -> Clause:
    return term.value.is_(None) if is_null else term.value == bind


def _leading_bound(term: SortTerm, bind: ColumnElement[Any], is_null: bool) -> Clause | None:
    """A bound the rows after the position all satisfy, in the form an index range scan can use."""
    col = term.value
    if not term.descending:
        return None if is_null else col >= bind
    if is_null:
        return col.is_(None)
    return None if term.nullable else col <= bind
