"""Build stage for writes: FK lookups, the row lock, INSERT/UPDATE/DELETE with the write scope in the WHERE.

Every statement takes its scope predicates from `plan.access` (never built here) and binds every value;
identifiers come from the catalog only. Nothing here executes a statement or sees HTTP.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import FromClause

from gateway.catalog.model import EntitySet
from gateway.pipeline.plan.access import TableRef
from gateway.pipeline.plan.values import FkRef
from gateway.pipeline.query.select import raw

WRITABLE = "gw_writable"


def lookup_select(ref: TableRef, fk: FkRef) -> sa.Select[Any]:
    """Keys of the referenced rows matching an FK value form, inside the read scope; two are enough."""
    alias = ref.alias
    key = alias.c[fk.stores]
    where = [alias.c[fk.match] == sa.bindparam("gw_lookup", fk.value, type_=alias.c[fk.match].type)]
    if ref.scope is not None:
        where.append(ref.scope)
    return sa.select(raw(key)).select_from(alias).where(*where).limit(2)


def lock_select(
    entity: EntitySet,
    alias: FromClause,
    where: tuple[ColumnElement[bool], ...],
    write_scope: ColumnElement[bool] | None,
    *,
    for_update: bool,
) -> sa.Select[Any]:
    """All columns of the addressed row (raw, in ordinal order) plus whether it is in the write scope."""
    writable: ColumnElement[Any] = (
        sa.literal(1) if write_scope is None else sa.case((write_scope, 1), else_=0)
    )
    columns = [raw(alias.c[c.name]) for c in entity.columns]
    stmt = sa.select(*columns, writable.label(WRITABLE)).select_from(alias).where(*where)
    return stmt.with_for_update(of=alias) if for_update else stmt


def exists_select(alias: FromClause, where: tuple[ColumnElement[bool], ...]) -> sa.Select[Any]:
    return sa.select(sa.literal(1)).select_from(alias).where(*where).limit(1)


def insert_statement(entity: EntitySet, values: Mapping[str, Any], *, returning: bool) -> sa.Insert:
    table = entity.table
    stmt = sa.insert(table).values({table.c[name]: value for name, value in values.items()})
    if returning and entity.key is not None:
        stmt = stmt.returning(table.c[entity.key])
    return stmt


def update_statement(
    entity: EntitySet, key: Any, values: Mapping[str, Any], scope: ColumnElement[bool] | None
) -> sa.Update:
    table = entity.table
    stmt = sa.update(table).where(_row_clause(entity, key), *_scope(scope))
    return stmt.values({table.c[name]: value for name, value in values.items()})


def delete_statement(entity: EntitySet, key: Any, scope: ColumnElement[bool] | None) -> sa.Delete:
    return sa.delete(entity.table).where(_row_clause(entity, key), *_scope(scope))


def _row_clause(entity: EntitySet, key: Any) -> ColumnElement[bool]:
    """The row by its stored key (or uid for keyless tables), as read back from the lock."""
    name = entity.key or entity.uid
    assert name is not None
    return entity.table.c[name] == key  # type: ignore[no-any-return]


def _scope(scope: ColumnElement[bool] | None) -> tuple[ColumnElement[bool], ...]:
    return () if scope is None else (scope,)
