"""Tenant, organization, warehouse and language rows of the DATA database, read for the login lookups.

Works on reflected tables handed in by the caller (from the catalog); any of them may be missing, and
then the callers fall back to generated names. Columns are matched case-insensitively; no writes here.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

_ACTIVE = ("Y", "y", True, 1)


@dataclass(frozen=True, slots=True)
class NamedRow:
    id: int
    name: str
    value: str | None = None
    language: str | None = None


def column(table: sa.Table, name: str) -> sa.Column[object] | None:
    """The column of `table` named `name`, ignoring case (reflected names differ per database)."""
    lowered = name.lower()
    return next((c for c in table.columns if c.name.lower() == lowered), None)


def key_column(table: sa.Table, fallback: str) -> sa.Column[object] | None:
    keys = list(table.primary_key.columns)
    return keys[0] if len(keys) == 1 else column(table, fallback)


def _select(table: sa.Table, key: sa.Column[object]) -> sa.Select[tuple[object, ...]]:
    name, value, language = column(table, "Name"), column(table, "Value"), column(table, "AD_Language")
    parts = [key, name if name is not None else sa.cast(key, sa.String), value, language]
    stmt = sa.select(*(p if p is not None else sa.null() for p in parts))
    active = column(table, "IsActive")
    if active is not None:
        stmt = stmt.where(
            active.in_(_ACTIVE) if not isinstance(active.type, sa.Boolean) else active == sa.true()
        )
    return stmt.order_by(parts[1], key)


def _rows(conn: Connection, stmt: sa.Select[tuple[object, ...]]) -> tuple[NamedRow, ...]:
    return tuple(
        NamedRow(
            int(r[0]), str(r[1]), None if r[2] is None else str(r[2]), None if r[3] is None else str(r[3])
        )
        for r in conn.execute(stmt)
        if r[0] is not None
    )


def tenant_rows(conn: Connection, table: sa.Table, tenant_column: str) -> tuple[NamedRow, ...]:
    """Active tenants, by name."""
    key = key_column(table, tenant_column)
    return () if key is None else _rows(conn, _select(table, key))


def scoped_rows(
    conn: Connection, table: sa.Table, key_name: str, tenant_column: str, client_id: int,
    org_column: str | None = None, org_id: int | None = None,
) -> tuple[NamedRow, ...]:  # fmt: skip
    """Active rows of an org or warehouse table belonging to a client (and an org when given), by name."""
    key, tenant = key_column(table, key_name), column(table, tenant_column)
    if key is None:
        return ()
    stmt = _select(table, key)
    if tenant is not None:
        stmt = stmt.where(tenant == client_id)
    org = column(table, org_column) if org_column else None
    if org is not None and org_id:
        stmt = stmt.where(org.in_((0, org_id)))
    return _rows(conn, stmt)
