"""Statements over gw_wf_activity and gw_wf_history: insert, load, compare-and-set answers, abort, history.

Runs on the caller's unit of work; who may act and what an answer writes are decided in `activities.py`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from gateway.plugins.workflows.store import Uow
from gateway.plugins.workflows.tables import WorkflowTables

OPEN, COMPLETED, ABORTED = "OS", "CC", "CA"


class ActivityStore:
    def __init__(self, tables: WorkflowTables) -> None:
        self.table = tables.activity
        self.history = tables.history

    def insert(self, uow: Uow, values: Mapping[str, Any], now: datetime, user: tuple[int | None, str]) -> int:
        row = {"uid": str(uuid.uuid4()), "wf_state": OPEN, "order_waiting": True, "created": now, **values}
        activity_id = int(uow.execute(self.table.insert().values(**row)).inserted_primary_key[0])
        self.add_history(uow, activity_id, "created", None, now, user)
        return activity_id

    def load(self, uow: Uow, node: str | int) -> Any:
        t = self.table
        text = str(node)
        where = t.c.id == int(text) if text.isdigit() else t.c.uid == text.lower()
        return uow.execute(sa.select(t).where(where)).first()

    def complete(self, uow: Uow, activity_id: int, now: datetime, outcome: str, value: Any = None) -> bool:
        """Compare-and-set OS -> CC; False when another answer won (exactly one wins)."""
        t = self.table
        stmt = (
            t.update()
            .where(t.c.id == activity_id, t.c.wf_state == OPEN, t.c.order_waiting.is_(True))
            .values(wf_state=COMPLETED, outcome=outcome, value=value, completed=now)
        )
        return bool(uow.execute(stmt).rowcount == 1)

    def forward(self, uow: Uow, activity_id: int, user_id: int, name: str) -> bool:
        t = self.table
        stmt = (
            t.update()
            .where(t.c.id == activity_id, t.c.wf_state == OPEN, t.c.order_waiting.is_(True))
            .values(owner_user_id=user_id, owner=name, assignee_role_id=None,
                    responsible={"user": name}, responsible_text=f"user:{name}")
        )  # fmt: skip
        return bool(uow.execute(stmt).rowcount == 1)

    def open_of_order(self, uow: Uow, workflow_instanceid: int, stepid: int | None = None) -> list[int]:
        t = self.table
        query = sa.select(t.c.id).where(t.c.workflow_instanceid == workflow_instanceid, t.c.wf_state == OPEN)
        if stepid is not None:
            query = query.where(t.c.stepid == stepid)
        return [int(r[0]) for r in uow.execute(query.order_by(t.c.id)).all()]

    def abort(self, uow: Uow, ids: Sequence[int], now: datetime) -> None:
        if ids:
            t = self.table
            stmt = t.update().where(t.c.id.in_(list(ids)), t.c.wf_state == OPEN)
            uow.execute(stmt.values(wf_state=ABORTED, completed=now))

    def set_waiting(self, uow: Uow, workflow_instanceid: int, waiting: bool) -> int:
        t = self.table
        stmt = t.update().where(t.c.workflow_instanceid == workflow_instanceid, t.c.wf_state == OPEN)
        return int(uow.execute(stmt.values(order_waiting=waiting)).rowcount)

    def add_history(
        self,
        uow: Uow,
        activity_id: int,
        action: str,
        message: str | None,
        now: datetime,
        user: tuple[int | None, str],
    ) -> None:
        uow.execute(
            self.history.insert().values(
                activity_id=activity_id,
                created=now,
                user_id=user[0],
                user_name=user[1],
                action=action,
                message=message,
            )  # fmt: skip
        )

    def histories(self, uow: Uow, ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
        """History records of several activities in one statement, oldest first."""
        h = self.history
        found: dict[int, list[dict[str, Any]]] = {int(i): [] for i in ids}
        if not ids:
            return found
        query = sa.select(h).where(h.c.activity_id.in_(list(ids))).order_by(h.c.activity_id, h.c.id)
        for r in uow.execute(query).all():
            found[int(r.activity_id)].append(
                {"created": r.created, "user": r.user_name, "action": r.action, "message": r.message}
            )
        return found
