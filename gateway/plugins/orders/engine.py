"""The `orders.engine` service (orders.md §7): dispatch (slot, then a row-locked claim), synchronous runs,
step errors and retries, subworkflow parents, async answers.

Claims are one short unit of work: SELECT … FOR UPDATE SKIP LOCKED where the database has it, then a
compare-and-set UPDATE with the audit row, so an order never runs twice at once on any backend.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from gateway.core import Actor
from gateway.plugins.orders import facts as f
from gateway.plugins.orders.context import StepFailure
from gateway.plugins.orders.create import NewOrder
from gateway.plugins.orders.executor import Executor, retry_time
from gateway.plugins.orders.ports import Workflow, WorkflowActivities, WorkflowRegistry
from gateway.plugins.orders.service import Orders
from gateway.plugins.orders.store import Store
from gateway.plugins.orders.waits import Run

RUNNABLE = (f.READY, f.SCHEDULED, f.RETRY, f.INCOMPLETE, f.WAITING, f.ASYNC_WAITING, f.EVENT_WAITING)
_BATCH = 25


class Engine:
    def __init__(self, gateway: Any, store: Store, orders: Orders, creator: Any) -> None:
        self.gateway = gateway
        self.store = store
        self.orders = orders
        self.creator = creator
        self.executor = Executor(self)
        self._sync_session: int | None = None

    @property
    def registry(self) -> WorkflowRegistry:
        return self.orders.registry

    @property
    def activities(self) -> WorkflowActivities | None:
        return self.orders.activities

    # --- dispatch ----------------------------------------------------------------------------------

    def poll(self, ctx: Any) -> int:
        """WorkSource `orders.dispatch`: claim and run runnable orders; returns how many ran."""
        ran = 0
        node = str(getattr(ctx.settings, "node_id", "") or f"{socket.gethostname()}:{os.getpid()}")
        while ran < _BATCH and not self._stopping():
            claimed = self.claim_next(ctx.session_id, node)
            if claimed is None:
                break
            order_id, slot = claimed
            try:
                self.executor.execute(Run(order_id, ctx.session_id))
            finally:
                self.registry.release_slot(slot, ctx.session_id)
            ran += 1
        return ran

    def _stopping(self) -> bool:
        stopping = getattr(self.gateway, "stopping", None)
        return bool(stopping is not None and stopping.is_set())

    def _runnable(self, now: Any) -> Any:
        o = self.store.t.order
        return sa.and_(
            o.c.status_sessionid == 0,
            o.c.ready_at.is_not(None),
            o.c.ready_at <= now,
            o.c.workflowstatus.in_(RUNNABLE),
        )

    def claim_next(self, session_id: int, node: str) -> tuple[int, Any] | None:
        o, now = self.store.t.order, self.gateway.clock.now()
        with self.gateway.unit_of_work(source="engine") as uow:
            ids = uow.execute(
                sa.select(o.c.workflowid).where(self._runnable(now)).distinct().limit(50)
            ).scalars()
            workflowids = [int(i) for i in ids]
        if not workflowids:
            return None
        slot = self.registry.acquire_slot(session_id=session_id, node=node, workflowids=workflowids)
        if slot is None:
            return None
        order_id = self._claim(slot.workflowid, session_id)
        if order_id is None:
            self.registry.release_slot(slot, session_id)
            return None
        self.registry.attach_slot(slot, order_id)
        return order_id, slot

    def _claim(self, workflowid: int, session_id: int) -> int | None:
        o, now = self.store.t.order, self.gateway.clock.now()
        query = (
            sa.select(o.c.workflow_instanceid, o.c.workflowstatus)
            .where(o.c.workflowid == workflowid, self._runnable(now))
            .order_by(o.c.priority, o.c.ready_at, o.c.workflow_instanceid)
            .limit(5)
        )
        with self.gateway.unit_of_work(source="engine") as uow:
            if uow.connection.dialect.name != "sqlite":
                query = query.with_for_update(skip_locked=True)
            for order_id, status in uow.execute(query).all():
                if self._take(uow, int(order_id), status, session_id, now):
                    return int(order_id)
        return None

    def _take(self, uow: Any, order_id: int, status: str, session_id: int, now: Any, **extra: Any) -> bool:
        o = self.store.t.order
        stmt = o.update().where(
            o.c.workflow_instanceid == order_id, o.c.workflowstatus == status, o.c.status_sessionid == 0
        )
        values = {
            "workflowstatus": f.IN_PROGRESS,
            "run_from": status,
            "status_sessionid": session_id,
            "ready_at": None,
            "modified": now,
            **extra,
        }
        if uow.execute(stmt.values(**values)).rowcount != 1:
            return False
        order = self.store.load(uow, order_id) or {}
        self.store.audit(uow, {**order, "workflowstatus": status}, "engine", status, f.IN_PROGRESS)
        return True

    # --- synchronous execution ---------------------------------------------------------------------

    def sync_session(self) -> int:
        """This process's engine session for request-thread runs (created once, beaten per run)."""
        s, now = self.store.t.session, self.gateway.clock.now()
        with self.gateway.unit_of_work(source="engine") as uow:
            if self._sync_session is not None:
                uow.execute(s.update().where(s.c.id == self._sync_session).values(heartbeat_at=now))
                return self._sync_session
            host, pid = socket.gethostname(), os.getpid()
            values = {
                "kind": "server",
                "node_id": f"{host}:{pid}",
                "hostname": host,
                "pid": pid,
                "started": now,
                "heartbeat_at": now,
            }
            self._sync_session = int(uow.execute(s.insert().values(**values)).inserted_primary_key[0])
        return self._sync_session

    def run_sync(self, uow: Any, order: Mapping[str, Any], options: Mapping[str, Any] | None) -> bool:
        """Claim `order` for this process's sync session inside the caller's unit of work."""
        now = self.gateway.clock.now()
        return self._take(
            uow,
            order["workflow_instanceid"],
            order["workflowstatus"],
            self.sync_session(),
            now,
            synchronous=True,
            run_options=dict(options) if options else None,
        )

    def finish_sync(self, order_id: int) -> dict[str, Any]:
        timeout = float(getattr(self.gateway.settings, "exec_sync_timeout_seconds", 50))
        deadline = self.gateway.clock.monotonic() + timeout
        status = self.executor.execute(Run(order_id, self.sync_session(), deadline))
        with self.gateway.unit_of_work(source="engine") as uow:
            order = self.store.load(uow, order_id) or {}
        return {"workflow_instanceid": order_id, "status": status, "dynamicdata": order.get("dynamicdata")}

    # --- errors, children, answers -----------------------------------------------------------------

    def apply_error(
        self,
        uow: Any,
        order: dict[str, Any],
        wf: Workflow | None,
        stepid: int | None,
        ind: int,
        failure: StepFailure,
        *,
        session: int,
    ) -> str:
        """§7.3: an error instance resolved by error definitions; step and order to RETRY or ERROR."""
        options = {**((wf.options if wf else {}) or {}), **(order.get("run_options") or {})}
        res = self.registry.resolve_error(
            order["workflowid"], failure.code, business=failure.business, options=options, uow=uow
        )
        names = {s.stepid: s.name for s in self.registry.steps(order["workflowid"], uow=uow)}
        self.store.add_error(
            uow,
            order,
            {
                "stepid": stepid,
                "stepname": names.get(stepid) if stepid is not None else None,
                "ind": ind,
                "severity": res.severity,
                "retry": 1 if res.retry_flag else 0,
                "error": failure.code,
                "description": failure.description or res.description,
                "info": failure.info,
                "business_error": bool(res.business_flag),
            },
        )
        now = self.gateway.clock.now()
        new = f.RETRY if res.retry_flag else f.ERROR
        if stepid is not None:
            self.store.put_step(
                uow,
                order["workflow_instanceid"],
                stepid,
                ind,
                stepstatus=new,
                business_error=bool(res.business_flag and not res.retry_flag),
            )
        values: dict[str, Any] = {"status_sessionid": 0, "synchronous": False, "ready_at": None}
        if res.retry_flag:
            values["retry_at"] = values["ready_at"] = retry_time(now, res.retry_delay_secs)
        else:
            values["business_error"] = bool(res.business_flag)
        if not self.store.move(uow, order, new, "engine", session=session, **values):
            return str(order["workflowstatus"])
        self.orders.after_move(uow, order, new)
        return new

    def start_children(self, uow: Any, parent: Mapping[str, Any], requests: Sequence[Any]) -> int | None:
        first = None
        for workflow, datas, priority in requests:
            wf = self.registry.find(workflow, uow=uow)
            if wf is None:
                raise StepFailure("SUBWORKFLOW-ERROR", info=f"unknown workflow {workflow}")
            for data in datas:
                new = NewOrder(
                    dict(data) or {"parent": parent["workflow_instanceid"]},
                    None,
                    None,
                    {},
                    (),
                    parent["workflow_instanceid"],
                    priority if priority is not None else parent["priority"],
                    None,
                    False,
                    None,
                    subworkflow=True,
                )
                child = self.creator.insert(uow, new, wf, None, parent["client_id"], [])
                first = first if first is not None else child
        return first

    def wake_parent(self, uow: Any, parent_id: int) -> None:
        """§7.6: re-evaluate a WAITING parent after a child changed status."""
        parent = self.store.load(uow, parent_id, lock=True)
        if parent is None or parent["workflowstatus"] != f.WAITING or parent["status_sessionid"]:
            return
        kids = self.store.children(uow, parent_id)
        failed = [k for k in kids if k["workflowstatus"] == f.ERROR]
        if failed:
            wf = self.registry.find(parent["workflowid"], uow=uow)
            waiting = [s for s in self.store.steps(uow, parent_id) if s["stepstatus"] == f.WAITING]
            stepid, ind = (waiting[0]["stepid"], waiting[0]["ind"]) if waiting else (None, 0)
            failure = StepFailure("SUBWORKFLOW-ERROR", info=str(failed[0]["workflow_instanceid"]))
            self.apply_error(uow, parent, wf, stepid, ind, failure, session=0)
        elif kids and all(k["workflowstatus"] == f.COMPLETE for k in kids):
            self.store.update(uow, parent_id, ready_at=self.gateway.clock.now())

    def answer_step(
        self,
        workflow_instanceid: int,
        stepid: int,
        ind: int,
        outcome: Any,
        *,
        actor: Actor | None = None,
        uow: Any = None,
    ) -> None:
        """Store an answer on an ASYNC-WAITING step instance and make the order runnable (§7.4, §7.7)."""
        if uow is None:
            with self.gateway.unit_of_work(actor) as own:
                return self.answer_step(workflow_instanceid, stepid, ind, outcome, actor=actor, uow=own)
        self.store.put_step(uow, workflow_instanceid, stepid, ind, answer=outcome, answered=True)
        if isinstance(outcome, Mapping) and outcome.get("message"):  # activity messages become notes (§9)
            order = self.store.load(uow, workflow_instanceid)
            text = f"[{outcome.get('action') or outcome.get('outcome')}] {outcome['message']}"
            if order is not None:
                self.store.add_note(uow, order, str(outcome.get("user") or "<engine>"), "activity", text)
        o = self.store.t.order
        stmt = o.update().where(
            o.c.workflow_instanceid == workflow_instanceid,
            o.c.workflowstatus == f.ASYNC_WAITING,
            o.c.status_sessionid == 0,
        )
        uow.execute(stmt.values(ready_at=self.gateway.clock.now()))
        return None

    def event_posted(self, client_id: int, event_type: str, key: str) -> bool:
        with self.gateway.unit_of_work(source="engine") as uow:
            return self.store.event_posted(uow, client_id, event_type, key)

    # --- service API (orders.md §7.9) --------------------------------------------------------------

    def create_order(
        self, workflow: Any, args: Mapping[str, Any], *, actor: Actor | None = None, secure: bool = True
    ) -> int:
        return int(self.creator.create(actor, workflow, args, secure=secure))

    def exec_sync(
        self, workflow_instanceid: int, options: Mapping[str, Any] | None = None, *, actor: Actor
    ) -> dict[str, Any]:
        result: dict[str, Any] = self.creator.exec_order(actor, workflow_instanceid, options or {})
        return result

    def status(self, workflow_instanceid: int, *, actor: Actor | None = None) -> str | None:
        with self.gateway.unit_of_work(actor, source="engine") as uow:
            order = self.store.load(uow, workflow_instanceid)
        return None if order is None else str(order["workflowstatus"])
