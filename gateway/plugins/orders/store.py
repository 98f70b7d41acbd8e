"""Statements over the orders plugin's tables, run on the caller's unit of work.

Only this module and `sensitive.py` build statements for writes; no HTTP or permission logic. Status
changes go through `move`, a compare-and-set that writes the audit row in the same unit of work.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from gateway.plugins.orders import facts as f
from gateway.plugins.orders.tables import OrderTables


def sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


class Store:
    def __init__(self, tables: OrderTables, gateway: Any) -> None:
        self.t = tables
        self.gateway = gateway

    # --- orders ------------------------------------------------------------------------------------

    def load(self, uow: Any, order_id: int, *, lock: bool = False) -> dict[str, Any] | None:
        o = self.t.order
        stmt = sa.select(o).where(o.c.workflow_instanceid == order_id)
        if lock:
            stmt = stmt.with_for_update()
        row = uow.execute(stmt).first()
        return dict(row._mapping) if row is not None else None

    def insert(self, uow: Any, values: Mapping[str, Any]) -> int:
        return int(uow.execute(self.t.order.insert().values(**values)).inserted_primary_key[0])

    def update(self, uow: Any, order_id: int, **values: Any) -> None:
        o = self.t.order
        uow.execute(o.update().where(o.c.workflow_instanceid == order_id).values(**values))

    def move(
        self,
        uow: Any,
        order: Mapping[str, Any],
        new: str,
        action: str,
        *,
        session: int | None = None,
        note: str | None = None,
        **values: Any,
    ) -> bool:
        """CAS the order from its loaded status (and session) to `new`, plus one audit row."""
        o, old = self.t.order, order["workflowstatus"]
        expected = order["status_sessionid"] if session is None else session
        stmt = o.update().where(
            o.c.workflow_instanceid == order["workflow_instanceid"],
            o.c.workflowstatus == old,
            o.c.status_sessionid == expected,
        )
        now = self.gateway.clock.now()
        if uow.execute(stmt.values(workflowstatus=new, modified=now, **values)).rowcount != 1:
            return False
        self.audit(uow, order, action, old, new, note=note)
        return True

    def audit(
        self,
        uow: Any,
        order: Mapping[str, Any],
        action: str,
        old: str | None = None,
        new: str | None = None,
        *,
        note: str | None = None,
        detail: Any = None,
    ) -> None:
        self.gateway.audit(
            uow,
            "order",
            order["workflow_instanceid"],
            action,
            old,
            new,
            note,
            detail,
            plugin="orders",
            client_id=order["client_id"],
        )

    def children(self, uow: Any, parent_id: int) -> list[dict[str, Any]]:
        o = self.t.order
        rows = uow.execute(sa.select(o).where(o.c.parent_workflow_instanceid == parent_id)).all()
        return [dict(r._mapping) for r in rows]

    # --- keys --------------------------------------------------------------------------------------

    def set_keys(self, uow: Any, order_id: int, pairs: Iterable[tuple[str, str]]) -> None:
        k = self.t.key
        uow.execute(k.delete().where(k.c.workflow_instanceid == order_id))
        rows = [
            {"workflow_instanceid": order_id, "keyname": n, "value": v, "value_sha256": sha(v)}
            for n, v in dict.fromkeys(pairs)
        ]
        if rows:
            uow.execute(k.insert().values(rows))

    def keys(self, uow: Any, order_ids: Sequence[int]) -> dict[int, dict[str, list[str]]]:
        k = self.t.key
        out: dict[int, dict[str, list[str]]] = {i: {} for i in order_ids}
        if not order_ids:
            return out
        query = sa.select(k.c.workflow_instanceid, k.c.keyname, k.c.value).where(
            k.c.workflow_instanceid.in_(list(order_ids))
        )
        for oid, name, value in uow.execute(query.order_by(k.c.id)).all():
            out[int(oid)].setdefault(name, []).append(value)
        return out

    def reserve(self, uow: Any, scope: str, scope_value: str, name: str, value: str, order_id: int) -> None:
        uow.execute(
            self.t.unique_key.insert().values(
                scope=scope,
                scope_value=scope_value,
                keyname=name,
                value=value,
                value_sha256=sha(value),
                workflow_instanceid=order_id,
            )
        )

    def holder(self, uow: Any, scope: str, scope_value: str, name: str, value: str) -> int | None:
        u = self.t.unique_key
        query = sa.select(u.c.workflow_instanceid).where(
            u.c.scope == scope,
            u.c.scope_value == scope_value,
            u.c.keyname == name,
            u.c.value_sha256 == sha(value),
        )
        found = uow.execute(query).scalar()
        return int(found) if found is not None else None

    def release_guard(self, uow: Any, order_id: int) -> None:
        u = self.t.unique_key
        uow.execute(u.delete().where(u.c.workflow_instanceid == order_id, u.c.scope == "R"))

    # --- steps, errors, notes ----------------------------------------------------------------------

    def steps(self, uow: Any, order_id: int) -> list[dict[str, Any]]:
        s = self.t.step
        query = sa.select(s).where(s.c.workflow_instanceid == order_id).order_by(s.c.stepid, s.c.ind)
        return [dict(r._mapping) for r in uow.execute(query).all()]

    def put_step(self, uow: Any, order_id: int, stepid: int, ind: int, **values: Any) -> None:
        # read first, then UPDATE or INSERT: an UPDATE of a missing row takes InnoDB gap locks that deadlock
        # with concurrent inserts of other orders' step instances
        s = self.t.step
        where = (s.c.workflow_instanceid == order_id, s.c.stepid == stepid, s.c.ind == ind)
        if uow.execute(sa.select(s.c.ind).where(*where)).first() is not None:
            uow.execute(s.update().where(*where).values(**values))
            return
        base = {
            "stepstatus": f.IN_PROGRESS,
            "retries": 0,
            "skip": False,
            "business_error": False,
            "answered": False,
        }
        uow.execute(
            s.insert().values(workflow_instanceid=order_id, stepid=stepid, ind=ind, **{**base, **values})
        )

    def update_steps(self, uow: Any, order_id: int, statuses: Iterable[str], **values: Any) -> int:
        s = self.t.step
        stmt = s.update().where(s.c.workflow_instanceid == order_id, s.c.stepstatus.in_(list(statuses)))
        return int(uow.execute(stmt.values(**values)).rowcount)

    def add_error(self, uow: Any, order: Mapping[str, Any], values: Mapping[str, Any]) -> None:
        row = {
            "workflow_instanceid": order["workflow_instanceid"],
            "client_id": order["client_id"],
            "created": self.gateway.clock.now(),
            "retry": 0,
            "business_error": False,
            "severity": "MAJOR",
            **values,
        }
        uow.execute(self.t.error.insert().values(**row))
        column = "warning_count" if row["severity"] == "WARNING" else "error_count"
        o = self.t.order
        stmt = o.update().where(o.c.workflow_instanceid == order["workflow_instanceid"])
        uow.execute(stmt.values({column: o.c[column] + 1}))

    def errors(self, uow: Any, order_id: int) -> list[dict[str, Any]]:
        e = self.t.error
        query = sa.select(e).where(e.c.workflow_instanceid == order_id).order_by(e.c.error_instanceid)
        return [dict(r._mapping) for r in uow.execute(query).all()]

    def add_note(self, uow: Any, order: Mapping[str, Any], user: str, kind: str, text: str) -> None:
        now = self.gateway.clock.now()
        uow.execute(
            self.t.note.insert().values(
                workflow_instanceid=order["workflow_instanceid"],
                client_id=order["client_id"],
                username=user,
                type=kind,
                note=text,
                created=now,
            )
        )
        o = self.t.order
        stmt = o.update().where(o.c.workflow_instanceid == order["workflow_instanceid"])
        uow.execute(stmt.values(note_count=o.c.note_count + 1))

    def event_posted(self, uow: Any, client_id: int, event_type: str, key: str) -> bool:
        ev = self.t.sync_event
        query = sa.select(ev.c.id).where(
            ev.c.client_id.in_(sorted({0, client_id})), ev.c.type == event_type, ev.c.eventkey == key
        )
        return uow.execute(query.limit(1)).first() is not None

    # --- readiness ---------------------------------------------------------------------------------

    def ready_at(self, uow: Any, order: Mapping[str, Any], status: str, now: datetime) -> datetime | None:
        """§7.1: when an order in `status` becomes runnable (None = not runnable by itself)."""
        if status == f.READY:
            started: datetime = order["started"]
            return started
        if status == f.SCHEDULED:
            return order["scheduled"] or now
        if status == f.RETRY:
            return order["retry_at"] or now
        if status == f.INCOMPLETE:
            return now
        if status in f.WAITS:
            return now if self.condition(uow, order, status) else None
        return None

    def condition(self, uow: Any, order: Mapping[str, Any], status: str) -> bool:
        """Whether a waiting order's condition holds (children done, answer stored, event posted)."""
        oid = order["workflow_instanceid"]
        if status == f.WAITING:
            kids = self.children(uow, oid)
            return bool(kids) and all(k["workflowstatus"] == f.COMPLETE for k in kids)
        waiting = [s for s in self.steps(uow, oid) if s["stepstatus"] == status]
        if status == f.ASYNC_WAITING:
            return any(s["answered"] for s in waiting)
        return any(
            self.event_posted(uow, order["client_id"], s["event_type"], s["event_key"]) for s in waiting
        )
