"""Statements over gw_error_definition: find, insert, update, delete and list codes.

Runs on the caller's unit of work; the rules of which row to write live in `errordefs.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from gateway.plugins.workflows.errordefs import ErrDef
from gateway.plugins.workflows.store import Uow
from gateway.plugins.workflows.tables import WorkflowTables

GLOBAL = 0


def _errdef(row: Any) -> ErrDef:
    return ErrDef(
        row.error, row.description, row.severity, bool(row.retry_flag), row.retry_delay_secs,
        bool(row.business_flag),
    )  # fmt: skip


class ErrorStore:
    def __init__(self, tables: WorkflowTables) -> None:
        self.table = tables.error_definition
        self.workflow = tables.workflow

    def find(self, uow: Uow, error: str, workflowid: int = GLOBAL) -> ErrDef | None:
        t = self.table
        row = uow.execute(sa.select(t).where(t.c.error == error, t.c.workflowid == workflowid)).first()
        return _errdef(row) if row is not None else None

    def pair(self, uow: Uow, error: str, workflowid: int) -> tuple[ErrDef | None, ErrDef | None]:
        """(workflow-specific, global) definitions of `error`, in one statement."""
        t = self.table
        query = sa.select(t).where(t.c.error == error, t.c.workflowid.in_([GLOBAL, workflowid]))
        found = {int(r.workflowid): _errdef(r) for r in uow.execute(query).all()}
        specific = found.get(workflowid) if workflowid != GLOBAL else None
        return specific, found.get(GLOBAL)

    def insert(self, uow: Uow, errdef: ErrDef, workflowid: int, now: datetime) -> None:
        values = errdef.values()
        uow.execute(
            self.table.insert().values(
                error=errdef.error, workflowid=workflowid, created=now, modified=now, **values
            )
        )

    def update(self, uow: Uow, errdef: ErrDef, workflowid: int, now: datetime) -> None:
        t = self.table
        stmt = t.update().where(t.c.error == errdef.error, t.c.workflowid == workflowid)
        uow.execute(stmt.values(modified=now, **errdef.values()))

    def delete(self, uow: Uow, error: str, workflowid: int) -> bool:
        t = self.table
        return bool(uow.execute(t.delete().where(t.c.error == error, t.c.workflowid == workflowid)).rowcount)

    def counts(self, uow: Uow) -> dict[str, int]:
        t = self.table
        kind = sa.case((t.c.workflowid == GLOBAL, "global"), else_="workflow")
        rows = uow.execute(sa.select(kind, sa.func.count()).group_by(kind)).all()
        counts = {"global": 0, "workflow": 0}
        counts.update({str(k): int(n) for k, n in rows})
        return counts

    def workflows_of(self, uow: Uow, workflowids: Sequence[int]) -> dict[int, tuple[str, str]]:
        wf = self.workflow
        query = sa.select(wf.c.workflowid, wf.c.name, wf.c.version).where(
            wf.c.workflowid.in_(list(workflowids))
        )
        return {int(r.workflowid): (r.name, r.version) for r in uow.execute(query).all()}
