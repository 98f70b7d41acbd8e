"""gw_val_rule: saved filters (validation rules) looked up by id, uid or name for a client (api.md §4.9)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from gateway.db import ConnectionSource


@dataclass(frozen=True, slots=True)
class ValRule:
    id: int
    uid: str
    name: str
    table_name: str | None
    filter: str


def find_rule(source: ConnectionSource, table: sa.Table, ident: str, client_id: int) -> ValRule | None:
    """The active rule of this client (or of client 0) named, numbered or uid'd `ident`; None otherwise."""
    c = table.c
    if "\x00" in ident:  # no stored name holds NUL, and PostgreSQL refuses it as a parameter
        return None
    if ident.isascii() and ident.isdigit() and len(ident) <= 18:
        match = c.id == int(ident)
    else:
        match = sa.or_(c.uid == ident.lower(), sa.func.lower(c.name) == ident.lower())
    stmt = (
        sa.select(c.id, c.uid, c.name, c.table_name, c.filter)
        .where(match, c.is_active.is_(True), c.client_id.in_([0, client_id]))
        .order_by(c.client_id.desc())
    )
    with source.connect() as conn:
        row = conn.execute(stmt).first()
    return ValRule(int(row[0]), str(row[1]), str(row[2]), row[3], str(row[4])) if row else None
