"""Execution-instance slots (workflows.md §2.5): reconcile RUNNING instances with a workflow's settings, and
let the orders dispatcher hold one slot per order it runs.

Claims are a compare-and-set UPDATE (one winner on every database); no HTTP, no permission logic here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from gateway.plugins.workflows.store import RUNNING, Uow, Workflow, WorkflowStore


@dataclass(frozen=True, slots=True)
class Slot:
    execid: int
    workflowid: int


@dataclass(frozen=True, slots=True)
class Reconciled:
    started: tuple[int, ...] = ()
    stopped: tuple[int, ...] = ()

    @property
    def delta(self) -> int:
        return len(self.started) - len(self.stopped)


class Slots:
    def __init__(self, store: WorkflowStore) -> None:
        self.store = store
        self.ex = store.t.exec_instance
        self.wf = store.t.workflow

    def reconcile(self, uow: Uow, workflow: Workflow, now: datetime) -> Reconciled:
        """Start or stop instances until RUNNING == autostart (all stopped when the workflow cannot run)."""
        running = self.store.running(uow, workflow.workflowid)
        target = min(workflow.autostart, workflow.max_instances) if workflow.runs else 0
        if len(running) < target:
            started = self.store.start_instances(uow, workflow.workflowid, target - len(running), now)
            return Reconciled(started=tuple(started))
        surplus = running[target:] if target else running
        # stop the newest first so long-running slots keep their identity
        victims = sorted(surplus, reverse=True)[: len(running) - target]
        self.store.stop_instances(uow, victims, now)
        return Reconciled(stopped=tuple(sorted(victims)))

    def stop_all(self, uow: Uow, workflowid: int, now: datetime) -> tuple[int, ...]:
        running = self.store.running(uow, workflowid)
        self.store.stop_instances(uow, running, now)
        return tuple(running)

    def acquire(
        self,
        uow: Uow,
        *,
        session_id: int,
        node: str,
        now: datetime,
        lease_seconds: int = 60,
        workflowids: Sequence[int] | None = None,
    ) -> Slot | None:
        """A free RUNNING instance of an enabled, non-deprecated workflow, claimed for `session_id`."""
        ex, wf = self.ex, self.wf
        query = (
            sa.select(ex.c.execid, ex.c.workflowid)
            .join(wf, wf.c.workflowid == ex.c.workflowid)
            .where(ex.c.status == RUNNING, ex.c.holder.is_(None), wf.c.enabled.is_(True))
            .where(wf.c.deprecated.is_(False))
            .order_by(ex.c.execid)
            .limit(8)
        )
        if workflowids is not None:
            query = query.where(ex.c.workflowid.in_(list(workflowids)))
        for execid, workflowid in uow.execute(query).all():
            claim = (
                ex.update()
                .where(ex.c.execid == execid, ex.c.holder.is_(None), ex.c.status == RUNNING)
                .values(holder=session_id, node=node, lease_until=now + timedelta(seconds=lease_seconds))
            )
            if uow.execute(claim).rowcount == 1:
                return Slot(int(execid), int(workflowid))
        return None

    def attach(self, uow: Uow, slot: Slot, workflow_instanceid: int | None) -> None:
        """Record the order a held slot processes (None when it processes nothing)."""
        uow.execute(
            self.ex.update().where(self.ex.c.execid == slot.execid).values(current_order=workflow_instanceid)
        )

    def release(self, uow: Uow, slot: Slot, session_id: int) -> bool:
        stmt = (
            self.ex.update()
            .where(self.ex.c.execid == slot.execid, self.ex.c.holder == session_id)
            .values(holder=None, node=None, lease_until=None, current_order=None)
        )
        return bool(uow.execute(stmt).rowcount == 1)

    def free_sessions(self, uow: Uow, session_ids: Sequence[int]) -> int:
        """Free slots held by dead engine sessions (called by the orders plugin's recovery task)."""
        if not session_ids:
            return 0
        stmt = (
            self.ex.update()
            .where(self.ex.c.holder.in_(list(session_ids)))
            .values(holder=None, node=None, lease_until=None, current_order=None)
        )
        return int(uow.execute(stmt).rowcount)
