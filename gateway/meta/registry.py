"""gw_model: the stable integer id the gateway gives each table the first time it lists it (api.md §4.1)."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from gateway.db import ConnectionSource


def model_ids(source: ConnectionSource, table: sa.Table, names: Iterable[str]) -> dict[str, int]:
    """Ids of `names` (model names, lower case), registering the missing ones."""
    wanted = sorted(set(names))
    with source.connect() as conn:
        known = dict(conn.execute(sa.select(table.c.table_name, table.c.id)).all())
    missing = [n for n in wanted if n not in known]
    if missing:
        with source.begin() as conn:
            present = set(conn.execute(sa.select(table.c.table_name)).scalars())
            rows = [{"table_name": n} for n in missing if n not in present]
            if rows:
                conn.execute(table.insert(), rows)
        with source.connect() as conn:
            known = dict(conn.execute(sa.select(table.c.table_name, table.c.id)).all())
    return {n: int(known[n]) for n in wanted if n in known}
