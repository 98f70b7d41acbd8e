"""Periodic tasks of the orders plugin: crash recovery `orders.recover` (orders.md §7.8) and
`orders.dispatch_wakeups` (§7.1), plus the test hook that makes a fake session hold an order.

Recovery never re-runs a step silently: the interrupted step gets an ORDER-RECOVERED error instance that
error definitions resolve (ERROR by default, RETRY with a retry_flag definition).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from gateway.plugins.orders import facts as f
from gateway.plugins.orders.context import StepFailure


def dead_sessions(engine: Any, uow: Any) -> dict[int, str]:
    s, now = engine.store.t.session, engine.gateway.clock.now()
    lease = int(getattr(engine.gateway.settings, "lease_seconds", 60))
    query = sa.select(s.c.id, s.c.node_id).where(
        sa.or_(s.c.stopped_at.is_not(None), s.c.heartbeat_at < now - timedelta(seconds=lease))
    )
    return {int(i): str(node) for i, node in uow.execute(query).all()}


def recover(engine: Any, ctx: Any = None) -> int:
    """orders.recover: IN-PROGRESS orders of dead sessions get ORDER-RECOVERED; others are just freed."""
    o, store = engine.store.t.order, engine.store
    with engine.gateway.unit_of_work(source="engine") as uow:
        dead = dead_sessions(engine, uow)
        if not dead:
            return 0
        query = sa.select(o.c.workflow_instanceid).where(o.c.status_sessionid.in_(sorted(dead)))
        ids = [int(i) for i in uow.execute(query).scalars()]
    for order_id in ids:
        with engine.gateway.unit_of_work(source="engine") as uow:
            order = store.load(uow, order_id, lock=True)
            if order is None or order["status_sessionid"] not in dead:
                continue
            if order["workflowstatus"] != f.IN_PROGRESS:
                store.update(uow, order_id, status_sessionid=0)
                continue
            _recover_one(engine, uow, order, dead[order["status_sessionid"]])
    engine.registry.free_slots(sorted(dead))
    return len(ids)


def _recover_one(engine: Any, uow: Any, order: dict[str, Any], node: str) -> None:
    store = engine.store
    wf = engine.registry.find(order["workflowid"], uow=uow)
    instances = store.steps(uow, order["workflow_instanceid"])
    running = [i for i in instances if i["stepstatus"] == f.IN_PROGRESS]
    stepid, ind = (
        (running[0]["stepid"], running[0]["ind"]) if running else _first_open(engine, uow, order, instances)
    )
    failure = StepFailure("ORDER-RECOVERED", info=node)
    engine.apply_error(uow, order, wf, stepid, ind, failure, session=order["status_sessionid"])


def _first_open(
    engine: Any, uow: Any, order: dict[str, Any], instances: list[dict[str, Any]]
) -> tuple[Any, int]:
    done = {(i["stepid"], i["ind"]) for i in instances if i["stepstatus"] == f.COMPLETE}
    for step in engine.registry.steps(order["workflowid"], uow=uow):
        if (step.stepid, 0) not in done:
            return step.stepid, 0
    return None, 0


def wakeups(engine: Any, ctx: Any = None) -> int:
    """orders.dispatch_wakeups: waiting orders whose condition became true elsewhere become runnable."""
    o, store = engine.store.t.order, engine.store
    now = engine.gateway.clock.now()
    with engine.gateway.unit_of_work(source="engine") as uow:
        query = sa.select(o).where(
            o.c.workflowstatus.in_(sorted(f.WAITS)), o.c.ready_at.is_(None), o.c.status_sessionid == 0
        )
        woken = 0
        for row in uow.execute(query.limit(500)).all():
            order = dict(row._mapping)
            if order["workflowstatus"] == f.WAITING:
                engine.wake_parent(uow, order["workflow_instanceid"])
            elif store.condition(uow, order, order["workflowstatus"]):
                store.update(uow, order["workflow_instanceid"], ready_at=now)
                woken += 1
    return woken


def hold(engine: Any, order_id: int, keep_status: bool = False) -> int:
    """Test hook: a live fake engine session owns the order (IN-PROGRESS unless `keep_status`)."""
    s, store, now = engine.store.t.session, engine.store, engine.gateway.clock.now()
    with engine.gateway.unit_of_work(source="engine") as uow:
        order = store.load(uow, order_id, lock=True)
        if order is None:
            from gateway.core import NotFound

            raise NotFound(f"no order {order_id}")
        values = {
            "kind": "worker",
            "node_id": "test-hold",
            "hostname": "test",
            "pid": 0,
            "started": now,
            "heartbeat_at": now,
        }
        session = int(uow.execute(s.insert().values(**values)).inserted_primary_key[0])
        held = {
            "status": order["workflowstatus"],
            "ready_at": order["ready_at"].isoformat() if order["ready_at"] else None,
        }
        status = order["workflowstatus"] if keep_status else f.IN_PROGRESS
        store.update(
            uow,
            order_id,
            status_sessionid=session,
            workflowstatus=status,
            held=held,
            run_from=order["workflowstatus"],
        )
    return session


def release(engine: Any, order_id: int) -> None:
    store = engine.store
    with engine.gateway.unit_of_work(source="engine") as uow:
        order = store.load(uow, order_id, lock=True)
        if order is None or not order["held"]:
            return
        from datetime import datetime

        ready = order["held"].get("ready_at")
        store.update(
            uow,
            order_id,
            status_sessionid=0,
            workflowstatus=order["held"]["status"],
            held=None,
            ready_at=datetime.fromisoformat(ready) if ready else None,
        )
