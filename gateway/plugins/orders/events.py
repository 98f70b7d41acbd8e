"""Sync events (orders.md §7.5): posting makes waiting orders runnable; reading lists posted events.

A post by the System client (0) satisfies waits of every client. No Flask here.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from gateway.core import Actor, GatewayError
from gateway.plugins.orders import facts as f
from gateway.plugins.orders.errors import PostError
from gateway.plugins.orders.queries import ts
from gateway.plugins.orders.store import Store


class Events:
    def __init__(self, gateway: Any, store: Store) -> None:
        self.gateway = gateway
        self.store = store

    def post(self, actor: Actor, event_type: str, key: Any) -> bool:
        if not isinstance(key, str | int) or isinstance(key, bool) or str(key) == "":
            raise PostError("eventkey is required")
        ev, now = self.store.t.sync_event, self.gateway.clock.now()
        try:
            with self.gateway.unit_of_work(actor) as uow:
                exists = uow.execute(
                    sa.select(ev.c.id).where(
                        ev.c.client_id == actor.client_id, ev.c.type == event_type, ev.c.eventkey == str(key)
                    )
                ).first()
                if exists is not None:
                    return False
                uow.execute(
                    ev.insert().values(
                        client_id=actor.client_id, type=event_type, eventkey=str(key), posted_at=now
                    )
                )
                self._wake(uow, actor.client_id, event_type, str(key), now)
        except GatewayError as exc:
            if exc.type == "DUPLICATE-KEY":
                return False
            raise
        return True

    def _wake(self, uow: Any, client_id: int, event_type: str, key: str, now: Any) -> None:
        o, s = self.store.t.order, self.store.t.step
        waiting = sa.select(s.c.workflow_instanceid).where(
            s.c.stepstatus == f.EVENT_WAITING, s.c.event_type == event_type, s.c.event_key == key
        )
        stmt = o.update().where(
            o.c.workflow_instanceid.in_(waiting),
            o.c.workflowstatus == f.EVENT_WAITING,
            o.c.status_sessionid == 0,
        )
        if client_id != 0:
            stmt = stmt.where(o.c.client_id == client_id)
        uow.execute(stmt.values(ready_at=now))

    def one(self, actor: Actor, event_type: str, key: str) -> dict[str, Any]:
        ev, s, o = self.store.t.sync_event, self.store.t.step, self.store.t.order
        with self.gateway.unit_of_work(actor) as uow:
            found = uow.execute(
                sa.select(ev.c.posted_at).where(
                    ev.c.client_id.in_(sorted({0, actor.client_id})),
                    ev.c.type == event_type,
                    ev.c.eventkey == key,
                )
            ).first()
            query = (
                sa.select(s.c.workflow_instanceid)
                .join(o, o.c.workflow_instanceid == s.c.workflow_instanceid)
                .where(s.c.stepstatus == f.EVENT_WAITING, s.c.event_type == event_type, s.c.event_key == key)
            )
            if not actor.is_system:
                query = query.where(o.c.client_id.in_(sorted({0, actor.client_id})))
            waiting = sorted({int(i) for i in uow.execute(query).scalars()})
        return {
            "type": event_type,
            "eventkey": key,
            "posted": found is not None,
            "posted_at": ts(found.posted_at) if found else None,
            "waiting": waiting,
        }


class Waiting:
    """Computed `posted`/`waiting` fields of sync-event records: how many orders wait for each event."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def __call__(self, records: list[dict[str, Any]], actor: Any) -> None:
        from gateway import core

        s, o = self.store.t.step, self.store.t.order
        query = (
            sa.select(s.c.event_type, s.c.event_key, sa.func.count())
            .join(o, o.c.workflow_instanceid == s.c.workflow_instanceid)
            .where(s.c.stepstatus == f.EVENT_WAITING, o.c.workflowstatus == f.EVENT_WAITING)
            .group_by(s.c.event_type, s.c.event_key)
        )
        if not actor.is_system:
            query = query.where(o.c.client_id.in_(sorted({0, actor.client_id})))
        with core.gateway().unit_of_work(actor) as uow:
            rows: list[Any] = list(uow.execute(query).all())
        counts = {(r[0], r[1]): int(r[2]) for r in rows}
        for record in records:
            record["posted"] = True
            record["waiting"] = counts.get((record["type"], record["eventkey"]), 0)
