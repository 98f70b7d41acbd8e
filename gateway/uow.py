"""UnitOfWork: one transaction on the meta database for plugin statements over gw_* tables.

Statements run inside `guarded` (driver errors become GatewayErrors); callbacks registered with
`after_commit` run only once the transaction committed. Business tables are never reachable here:
they go through the models pipeline (`Gateway.get/insert/update/delete`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, CursorResult
from sqlalchemy.sql.util import find_tables

from gateway.actor import Actor
from gateway.db import ConnectionSource
from gateway.dialects import traits_for
from gateway.pipeline.execute import guarded

log = logging.getLogger("gateway.uow")


class UnitOfWork:
    """The open transaction of one plugin operation; `actor` and `source` are recorded by `audit`."""

    def __init__(self, conn: Connection, *, actor: Actor | None, source: str, clock: Any) -> None:
        self.connection = conn
        self.actor = actor
        self.source = source
        self.clock = clock
        self._after_commit: list[Callable[[], Any]] = []

    def execute(self, stmt: Any, params: Mapping[str, Any] | None = None) -> CursorResult[Any]:
        """Run a Core statement over gw_* tables; anything else is a programming error."""
        check_meta_only(stmt)
        return self.connection.execute(stmt, dict(params) if params else None)

    def after_commit(self, callback: Callable[[], Any]) -> None:
        self._after_commit.append(callback)

    def run_after_commit(self) -> None:
        for callback in self._after_commit:
            try:
                callback()
            except Exception:
                log.exception("after-commit callback failed")


def check_meta_only(stmt: Any) -> None:
    names = {t.name for t in find_tables(stmt, include_crud=True, check_columns=True) if hasattr(t, "name")}
    foreign = sorted(n for n in names if not str(n).startswith("gw_"))
    if foreign:
        raise ValueError(f"unit_of_work only runs statements over gw_* tables, not {', '.join(foreign)}")


@contextmanager
def unit_of_work(
    source: ConnectionSource, *, actor: Actor | None, kind: str, clock: Any
) -> Iterator[UnitOfWork]:
    """Commit on success, roll back on error; after-commit callbacks run after the commit."""
    traits = traits_for(source.dialect)
    with source.begin() as conn, guarded(conn, traits, 0):
        uow = UnitOfWork(conn, actor=actor, source=kind, clock=clock)
        yield uow
    uow.run_after_commit()


def claim_rows(
    source: ConnectionSource, select_stmt: sa.Select[Any], set_values: Mapping[str, Any]
) -> list[Any]:
    """Claim the rows `select_stmt` finds (its first column is the table's key) in one short transaction.

    FOR UPDATE SKIP LOCKED where supported; elsewhere a compare-and-set UPDATE that repeats the SELECT's
    WHERE clause, so a row another node changed in between is not claimed (plugins.md §9.6).
    """
    check_meta_only(select_stmt)
    key = list(select_stmt.selected_columns)[0]
    table = key.table
    traits = traits_for(source.dialect)
    with source.begin() as conn, guarded(conn, traits, 0):
        if traits.supports_skip_locked:
            ids = list(conn.execute(select_stmt.with_for_update(skip_locked=True)).scalars())
            if ids:
                conn.execute(table.update().where(key.in_(ids)).values(**set_values))
        else:
            ids = []
            criteria = select_stmt.whereclause
            for candidate in list(conn.execute(select_stmt).scalars()):
                cas = table.update().where(key == candidate)
                if criteria is not None:
                    cas = cas.where(criteria)
                if conn.execute(cas.values(**set_values)).rowcount == 1:
                    ids.append(candidate)
        if not ids:
            return []
        return list(conn.execute(sa.select(table).where(key.in_(ids)).order_by(key)).all())
